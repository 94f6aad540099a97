package org.fasterdit.study;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.fasterdit.eval.Classifier;
import org.fasterdit.eval.DatasetDistance;
import org.fasterdit.eval.ImageArrays;
import org.fasterdit.sample.Guidance;
import org.fasterdit.sample.SampleExport;
import org.fasterdit.sample.SampleSpec;
import org.fasterdit.sample.TrainedModel;
import org.fasterdit.study.StudyPlan.Run;
import org.fasterdit.torch.Devices;
import org.fasterdit.train.Checkpoint;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.TrainingRun;

/**
 * Runs a {@link StudyPlan} run by run ({@link StudyPlan#trainingOrder()}): each run is trained to
 * its next checkpoint step (resuming from its latest checkpoint) and evaluated there with both of
 * its samplers, up to the last step, before the next run starts. Whatever the {@link Ledger}
 * already holds is not done again, so invoking it again continues where it stopped. The ledger is
 * what survives between sessions (it is committed with the study folder; checkpoints and samples
 * are not): a run whose evaluations are all in it is never trained again, and a run cut short by
 * the end of a session is retrained from its last checkpoint if the folder still has it, from step
 * 0 otherwise (training is deterministic, so it reaches the same weights).
 */
public final class StudyRunner implements AutoCloseable {
  private final StudyPlan plan;
  private final Ledger ledger;
  private final PrintStream log;
  private final Path classifierFile;
  private final String classifierId;
  private final Device device = Devices.resolve("auto");
  private DatasetDistance distance;

  public StudyRunner(StudyPlan plan, Path classifierFile, PrintStream log) {
    this.plan = plan;
    this.ledger = new Ledger(plan.dir());
    this.log = log;
    this.classifierFile = classifierFile;
    this.classifierId = shortSha(classifierFile);
  }

  public Ledger ledger() {
    return ledger;
  }

  public String classifierId() {
    return classifierId;
  }

  /** Every run; {@code afterEval} runs after each checkpoint's evaluations (the report). */
  public void run(Runnable afterEval) {
    run(null, afterEval);
  }

  /**
   * The runs of {@code arms} (null = every arm) in training order; {@code afterEval} runs after
   * each checkpoint's evaluations (the report).
   */
  public void run(java.util.Set<String> arms, Runnable afterEval) {
    if (arms != null)
      for (String a : arms)
        if (plan.arms().stream().noneMatch(x -> x.name().equals(a)))
          throw new IllegalArgumentException("the study has no arm '" + a + "'");
    for (Run r : plan.trainingOrder()) {
      if (arms != null && !arms.contains(r.arm().name())) continue;
      for (long step : plan.checkpoints()) {
        if (evaluated(r, step)) continue;
        train(r, step);
        for (String s : samplers(r)) evaluate(r, step, s);
        afterEval.run();
      }
    }
  }

  /** Whether the ledger holds both evaluations of {@code run} at {@code step}. */
  boolean evaluated(Run run, long step) {
    for (String s : samplers(run))
      if (ledger.find(run.id(), step, s, plan.nfe(), plan.samples(), classifierId) == null)
        return false;
    return true;
  }

  /** The training config of {@code run} trained to {@code steps}. */
  public TrainConfig config(Run run, long steps) {
    List<String> kv = new ArrayList<>(plan.common());
    kv.addAll(run.arm().overrides());
    kv.add("seed=" + run.seed());
    kv.add("steps=" + steps);
    kv.add("ckpt-every=" + plan.safetyEvery());
    kv.add("results=" + plan.dir().resolve("runs"));
    kv.add("run-name=" + run.id());
    return ConfigResolver.resolve(null, kv);
  }

  /** DDPM models: ancestral and DDIM; flow models: Euler and Heun, all at the plan's NFE. */
  public List<String> samplers(Run run) {
    return samplers(config(run, plan.finalStep()));
  }

  /** The two samplers a model trained with {@code cfg} is evaluated with. */
  static List<String> samplers(TrainConfig cfg) {
    return cfg.objective().kind() == org.fasterdit.diffusion.ObjectiveKind.DDPM
        ? List.of("ddpm", "ddim")
        : List.of("euler", "heun");
  }

  /** Sampler steps that spend exactly {@code nfe} model evaluations (Heun: 2k - 1). */
  public static int samplerSteps(String sampler, int nfe) {
    return sampler.equals("heun") ? (nfe + 1) / 2 : nfe;
  }

  /** The run's folder under runs/ (named NNN-ID by the trainer), or null before its first start. */
  public Path runDir(Run run) {
    Path runs = plan.dir().resolve("runs");
    if (!Files.isDirectory(runs)) return null;
    try (Stream<Path> s = Files.list(runs)) {
      List<Path> found =
          s.filter(
                  p ->
                      p.getFileName()
                          .toString()
                          .matches("\\d{3,}-" + java.util.regex.Pattern.quote(run.id())))
              .toList();
      if (found.size() > 1)
        throw new IllegalStateException("more than one folder for run " + run.id() + ": " + found);
      return found.isEmpty() ? null : found.get(0);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + runs + ": " + e.getMessage());
    }
  }

  private static long stepOf(Path ckpt) {
    String n = ckpt.getFileName().toString();
    return Long.parseLong(n.substring(5, n.indexOf('.')));
  }

  private static List<Path> checkpoints(Path runDir) {
    Path dir = runDir.resolve("checkpoints");
    if (!Files.isDirectory(dir)) return List.of();
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("step-\\d+\\.safetensors"))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage());
    }
  }

  void train(Run run, long stage) {
    Path dir = runDir(run);
    if (dir != null && Files.exists(Checkpoint.fileFor(dir.resolve("checkpoints"), stage))) return;
    List<Path> have = dir == null ? List.of() : checkpoints(dir);
    long from = have.isEmpty() ? 0 : stepOf(have.get(have.size() - 1));
    if (from > stage)
      throw new IllegalStateException(
          run.id()
              + " has a checkpoint at step "
              + from
              + " but none at the stage step "
              + stage
              + ": the study folder was changed by hand");
    if (dir != null && have.isEmpty()) deleteTree(dir); // started but killed before any checkpoint
    log.printf(Locale.ROOT, "study: training %s from step %d to %d%n", run.id(), from, stage);
    double load = loadAverage(), cpu0 = processCpuSeconds();
    long t0 = System.nanoTime();
    TrainingRun.run(config(run, stage), from == 0 ? null : dir, GradientSync.NONE, log);
    ledger.add(
        new Ledger.Training(
            run.id(),
            run.arm().name(),
            run.seed(),
            from,
            stage,
            (System.nanoTime() - t0) / 1e9,
            processCpuSeconds() - cpu0,
            load));
    // only the evaluated checkpoints are kept; the ones in between were there for interruptions
    for (Path p : checkpoints(runDir(run))) {
      long s = stepOf(p);
      if (s < stage && !plan.checkpoints().contains(s)) delete(p);
    }
  }

  /**
   * The samples file of one evaluation (kept, so a new classifier re-measures without sampling).
   */
  public Path samplesFile(Run run, long step, String sampler) {
    return plan.dir()
        .resolve("samples")
        .resolve(run.id())
        .resolve(
            String.format(
                Locale.ROOT,
                "step-%07d-%s-nfe%d-n%d.npz",
                step,
                sampler,
                plan.nfe(),
                plan.samples()));
  }

  void evaluate(Run run, long step, String sampler) {
    if (ledger.find(run.id(), step, sampler, plan.nfe(), plan.samples(), classifierId) != null)
      return;
    long t0 = System.nanoTime();
    Path npz = samplesFile(run, step, sampler);
    int steps = samplerSteps(sampler, plan.nfe());
    if (!Files.exists(npz)) {
      Path ckpt = Checkpoint.fileFor(runDir(run).resolve("checkpoints"), step);
      log.printf(
          Locale.ROOT,
          "study: sampling %s step %d, %s %d steps, %d samples%n",
          run.id(),
          step,
          sampler,
          steps,
          plan.samples());
      try (TrainedModel m = TrainedModel.load(ckpt, "ema", "auto")) {
        SampleSpec spec =
            new SampleSpec(
                plan.samples(),
                sampler,
                steps,
                Guidance.none(),
                plan.sampleSeed(),
                -1,
                250,
                "ema",
                1.0);
        try {
          Files.createDirectories(npz.getParent());
        } catch (IOException e) {
          throw new IllegalArgumentException(
              "cannot create " + npz.getParent() + ": " + e.getMessage());
        }
        // fp32, as the arms measured so far: a change of precision must not move the comparison
        SampleExport.write(
            m.generator(org.fasterdit.torch.Precision.FP32, spec.batch()).generate(spec, k -> {}),
            npz);
      }
    }
    ImageArrays a = ImageArrays.fromNpz(npz);
    DatasetDistance.Result r = distance().measure(a);
    double fd = r.fd(), acc = r.accuracy();
    Ledger.Eval e =
        new Ledger.Eval(
            run.id(),
            run.arm().name(),
            run.seed(),
            step,
            sampler,
            steps,
            plan.nfe(),
            plan.samples(),
            fd,
            acc,
            classifierId,
            (System.nanoTime() - t0) / 1e9);
    ledger.add(e);
    log.printf(
        Locale.ROOT,
        "study: %s step %d %s: FD %.2f, accuracy %.3f%n",
        run.id(),
        step,
        sampler,
        fd,
        acc);
  }

  /** The pinned classifier and the reference statistics, loaded at the first evaluation. */
  private DatasetDistance distance() {
    if (distance == null) {
      String dataset = config(plan.runs().get(0), plan.finalStep()).data().dataset();
      distance =
          DatasetDistance.of(
              dataset,
              Classifier.load(classifierFile, device),
              classifierFile.toString(),
              plan.reference(),
              device);
    }
    return distance;
  }

  /** The first 12 hex digits of the file's SHA-256: which classifier an FD was measured with. */
  static String shortSha(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
      return HexFormat.of().formatHex(md.digest()).substring(0, 12);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the classifier " + file + ": " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static double processCpuSeconds() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun)
      return sun.getProcessCpuTime() / 1e9;
    return Double.NaN;
  }

  /**
   * The 1-minute load average (the machine is shared: it says how much the wall times are
   * inflated).
   */
  static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot delete " + p + ": " + e.getMessage());
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot delete " + root + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    if (distance != null) distance.close();
  }
}
