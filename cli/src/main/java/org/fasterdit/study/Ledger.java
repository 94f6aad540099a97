package org.fasterdit.study;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.fasterdit.io.AtomicFiles;

/**
 * The study's record of finished work, two CSV files rewritten atomically after each item, so an
 * interrupted study loses at most the item in progress: {@code evals.csv} (one row per run, step
 * and sampler: FD, conditional accuracy, the classifier it was measured with) and {@code
 * training.csv} (one row per trained stretch: wall and CPU seconds, load average at its start).
 */
public final class Ledger {
  public record Eval(
      String run,
      String arm,
      long seed,
      long step,
      String sampler,
      int samplerSteps,
      int nfe,
      int samples,
      double fd,
      double accuracy,
      String classifier,
      double seconds) {
    static final String HEADER =
        "run,arm,seed,step,sampler,sampler_steps,nfe,samples,fd,accuracy,classifier,seconds";

    String csv() {
      return String.format(
          Locale.ROOT,
          "%s,%s,%d,%d,%s,%d,%d,%d,%.4f,%.4f,%s,%.1f",
          run,
          arm,
          seed,
          step,
          sampler,
          samplerSteps,
          nfe,
          samples,
          fd,
          accuracy,
          classifier,
          seconds);
    }

    static Eval parse(String[] f) {
      return new Eval(
          f[0],
          f[1],
          Long.parseLong(f[2]),
          Long.parseLong(f[3]),
          f[4],
          Integer.parseInt(f[5]),
          Integer.parseInt(f[6]),
          Integer.parseInt(f[7]),
          Double.parseDouble(f[8]),
          Double.parseDouble(f[9]),
          f[10],
          Double.parseDouble(f[11]));
    }
  }

  public record Training(
      String run,
      String arm,
      long seed,
      long from,
      long to,
      double wallS,
      double cpuS,
      double load1) {
    static final String HEADER = "run,arm,seed,from_step,to_step,wall_s,cpu_s,load1";

    String csv() {
      return String.format(
          Locale.ROOT,
          "%s,%s,%d,%d,%d,%.1f,%.1f,%.2f",
          run,
          arm,
          seed,
          from,
          to,
          wallS,
          cpuS,
          load1);
    }

    static Training parse(String[] f) {
      return new Training(
          f[0],
          f[1],
          Long.parseLong(f[2]),
          Long.parseLong(f[3]),
          Long.parseLong(f[4]),
          Double.parseDouble(f[5]),
          Double.parseDouble(f[6]),
          Double.parseDouble(f[7]));
    }
  }

  private final Path evalFile, trainingFile;
  private final List<Eval> evals;
  private final List<Training> training;

  public Ledger(Path dir) {
    evalFile = dir.resolve("evals.csv");
    trainingFile = dir.resolve("training.csv");
    evals = read(evalFile, Eval.HEADER, Eval::parse);
    training = read(trainingFile, Training.HEADER, Training::parse);
  }

  public List<Eval> evals() {
    return List.copyOf(evals);
  }

  public List<Training> training() {
    return List.copyOf(training);
  }

  /** The evaluation of {@code run} at {@code step} with this sampler and classifier, or null. */
  public Eval find(String run, long step, String sampler, int nfe, int samples, String classifier) {
    for (Eval e : evals)
      if (e.run().equals(run)
          && e.step() == step
          && e.sampler().equals(sampler)
          && e.nfe() == nfe
          && e.samples() == samples
          && e.classifier().equals(classifier)) return e;
    return null;
  }

  /** Records {@code e} as it will read back from the file (the CSV rounds to 4 decimals). */
  public void add(Eval e) {
    evals.add(Eval.parse(e.csv().split(",", -1)));
    write(evalFile, Eval.HEADER, evals.stream().map(Eval::csv).toList());
  }

  public void add(Training t) {
    training.add(Training.parse(t.csv().split(",", -1)));
    write(trainingFile, Training.HEADER, training.stream().map(Training::csv).toList());
  }

  private static <T> List<T> read(Path file, String header, Function<String[], T> parse) {
    List<T> out = new ArrayList<>();
    if (!Files.exists(file)) return out;
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
    if (lines.isEmpty() || !lines.get(0).equals(header))
      throw new IllegalArgumentException(file + ": expected the header '" + header + "'");
    int columns = header.split(",").length;
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) continue;
      String[] f = lines.get(i).split(",", -1);
      try {
        if (f.length != columns) throw new IllegalArgumentException(f.length + " columns");
        out.add(parse.apply(f));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + " is damaged (" + e.getMessage() + "): " + lines.get(i));
      }
    }
    return out;
  }

  private static void write(Path file, String header, List<String> rows) {
    StringBuilder b = new StringBuilder(header).append('\n');
    for (String r : rows) b.append(r).append('\n');
    AtomicFiles.writeStream(file, out -> out.write(b.toString().getBytes(StandardCharsets.UTF_8)));
  }
}
