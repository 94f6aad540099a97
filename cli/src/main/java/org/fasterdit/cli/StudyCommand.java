package org.fasterdit.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fasterdit.data.DataStats;
import org.fasterdit.data.Datasets;
import org.fasterdit.io.AtomicFiles;
import org.fasterdit.study.StudyPlan;
import org.fasterdit.study.StudyReport;
import org.fasterdit.study.StudyRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fasterdit study run|report --dir D}: the convergence study of docs/convergence.md. {@code
 * run} trains and evaluates whatever the study folder does not hold yet (so the same command
 * resumes it), rewriting {@code D/report/} after every checkpoint's evaluations; {@code report}
 * only rewrites the report, and with {@code --doc} the generated part of a Markdown file, from what
 * is recorded.
 */
@Command(
    name = "study",
    mixinStandardHelpOptions = true,
    description = "Run (or resume) the convergence study in a folder, or write its report.",
    subcommands = {StudyCommand.RunStudy.class, StudyCommand.Report.class})
public final class StudyCommand {
  static final String BEGIN = "<!-- study-results:begin -->", END = "<!-- study-results:end -->";
  static final String PLOT = "convergence-fd-vs-steps.png", CSV = "convergence-fd.csv";

  abstract static class Common {
    @Option(
        names = "--dir",
        required = true,
        description = "the study folder (created on first run)")
    Path dir;

    @Option(names = "--classifier", description = "default DIR/classifier.safetensors")
    Path classifier;

    Path classifierFile() {
      Path f = classifier != null ? classifier : dir.resolve("classifier.safetensors");
      if (!Files.isRegularFile(f))
        throw new IllegalArgumentException(
            "no classifier at " + f + ": ./fasterdit train-classifier --out " + f);
      return f;
    }

    /**
     * Rewrites DIR/report/ (and the generated part of {@code doc}, with its PNG and CSV beside it).
     */
    static void report(StudyPlan plan, StudyRunner runner, Path doc, Path img) {
      var first = plan.runs().get(0);
      String dataset = runner.config(first, plan.finalStep()).data().dataset();
      double rawStd = DataStats.measure(Datasets.open(dataset, 32, "train"), 10_000, 0).std();
      StudyReport r =
          new StudyReport(
              plan,
              runner.ledger(),
              runner.classifierId(),
              run -> runner.config(run, plan.finalStep()),
              rawStd);
      Path out = plan.dir().resolve("report");
      write(out.resolve("report.md"), r.markdown(PLOT));
      r.writePlot(out.resolve(PLOT));
      copy(plan.dir().resolve("evals.csv"), out.resolve(CSV));
      if (doc != null) {
        Path imgDir = img != null ? img : doc.toAbsolutePath().getParent().resolve("img");
        String link =
            doc.toAbsolutePath()
                .getParent()
                .relativize(imgDir.toAbsolutePath().resolve(PLOT))
                .toString();
        String text;
        try {
          text = Files.readString(doc);
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot read " + doc + ": " + e.getMessage());
        }
        int b = text.indexOf(BEGIN), e = text.indexOf(END);
        if (b < 0 || e < b)
          throw new IllegalArgumentException(doc + " has no " + BEGIN + " ... " + END + " block");
        write(
            doc,
            text.substring(0, b + BEGIN.length()) + "\n" + r.markdown(link) + text.substring(e));
        r.writePlot(imgDir.resolve(PLOT));
        copy(plan.dir().resolve("evals.csv"), imgDir.resolve(CSV));
      }
      System.out.println(
          "study report: " + out.resolve("report.md") + (doc != null ? " and " + doc : ""));
    }

    private static void write(Path f, String text) {
      try {
        Files.createDirectories(f.toAbsolutePath().getParent());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot create " + f.getParent() + ": " + e.getMessage());
      }
      AtomicFiles.writeStream(
          f, o -> o.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static void copy(Path from, Path to) {
      if (!Files.exists(from)) return;
      try {
        Files.createDirectories(to.toAbsolutePath().getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot copy " + from + " to " + to + ": " + e.getMessage());
      }
    }
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description =
          "Train and evaluate what the study folder does not hold yet (resumes an interrupted study).")
  static final class RunStudy extends Common implements Callable<Integer> {
    @Option(
        names = "--set",
        description = "study setting KEY=VALUE for a new study (checkpoints, samples, nfe, ...)")
    List<String> set = List.of();

    @Option(
        names = "--arms",
        split = ",",
        description = "only these arms (default: all), e.g. the main ones before the knob search")
    java.util.Set<String> arms;

    @Option(
        names = "--doc",
        description =
            "also rewrite the generated block of this Markdown file after each evaluation")
    Path doc;

    @Option(
        names = "--img",
        description = "folder for the doc's PNG and CSV (default: img/ beside the doc)")
    Path img;

    @Override
    public Integer call() {
      Map<String, String> kv = new LinkedHashMap<>();
      for (String s : set) {
        int eq = s.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("--set expects KEY=VALUE, got '" + s + "'");
        kv.put(s.substring(0, eq), s.substring(eq + 1));
      }
      StudyPlan plan = StudyPlan.loadOrCreate(dir, kv);
      try (StudyRunner runner = new StudyRunner(plan, classifierFile(), System.out)) {
        runner.run(arms, () -> report(plan, runner, doc, img));
      }
      return 0;
    }
  }

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description =
          "Rewrite the study's report (and --doc's generated block) from what it has recorded.")
  static final class Report extends Common implements Callable<Integer> {
    @Option(names = "--doc", description = "Markdown file whose " + BEGIN + " block is rewritten")
    Path doc;

    @Option(
        names = "--img",
        description = "folder for the doc's PNG and CSV (default: img/ beside the doc)")
    Path img;

    @Override
    public Integer call() {
      StudyPlan plan = StudyPlan.load(dir);
      try (StudyRunner runner = new StudyRunner(plan, classifierFile(), System.out)) {
        report(plan, runner, doc, img);
      }
      return 0;
    }
  }
}
