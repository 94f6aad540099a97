package org.fasterdit.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.fasterdit.data.FashionMnist;
import org.fasterdit.diffusion.NoiseSchedule;
import org.fasterdit.diffusion.TimestepDistribution;
import org.fasterdit.plot.SnrPdfPlot;
import org.fasterdit.sample.Guidance;
import org.fasterdit.sample.SampleExport;
import org.fasterdit.sample.SampleSet;
import org.fasterdit.sample.SampleSpec;
import org.fasterdit.sample.TrainedModel;
import org.fasterdit.snr.Curve;
import org.fasterdit.snr.SnrGrid;
import org.fasterdit.snr.SnrPdf;
import org.fasterdit.snr.SnrPdfReport;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * The README's first command: trains a small DiT with the FasterDiT recipe on Fashion-MNIST
 * (installing Debian's package when missing and possible, else the built-in synthetic shapes) for a
 * few minutes on a CPU, then writes a class-conditional sample grid, the loss curve, the SNR-PDF
 * plot and a summary.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Train a small DiT with the FasterDiT recipe on Fashion-MNIST for a few minutes, then sample it.")
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--steps",
      defaultValue = "1500",
      description = "training steps at most (default ${DEFAULT-VALUE})")
  long steps;

  // The demo's promise is a time (under 10 minutes on 2 cores), and machines of the same kind
  // train this model at rates that differ by 2x (bf16 on avx512_bf16 CPUs, fp32 elsewhere): a
  // fixed step count would either overrun on slow machines or stop short of the samples' quality
  // on fast ones, so it trains up to --steps within this budget.
  @Option(
      names = "--train-minutes",
      defaultValue = "7",
      description =
          "training time budget in minutes (default ${DEFAULT-VALUE}); training stops at --steps"
              + " or here, whichever comes first")
  double trainMinutes;

  @Option(
      names = "--cfg-scale",
      defaultValue = "2.0",
      description = "classifier-free guidance of the sample grid (default ${DEFAULT-VALUE})")
  double cfgScale;

  @Option(names = "--results", defaultValue = "results")
  String results;

  @Option(
      names = "--dataset",
      description = "override the dataset (default: fashion-mnist, else synthetic)")
  String dataset;

  @Unmatched List<String> rest = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    long t0 = System.nanoTime();
    String data = dataset != null ? dataset : ensureFashionMnist() ? "fashion-mnist" : "synthetic";
    List<String> kv =
        new ArrayList<>(
            List.of(
                "preset=fasterdit",
                "dataset=" + data,
                "model=custom",
                "depth=6",
                "hidden=192",
                "heads=4",
                "patch=4",
                "batch=64",
                "steps=" + steps,
                "time-limit=" + trainMinutes + "m",
                // a 4M-parameter model on 60k small images tolerates a higher lr than the 1e-4 of
                // DiT-XL on ImageNet; the EMA keeps its default decay, whose warm-up (ema-warmup)
                // makes it average about the last tenth of even a short run
                "lr=5e-4",
                "ckpt-every=" + Math.max(1, steps / 2),
                "log-every=50",
                "results=" + results,
                "run-name=demo-fasterdit"));
    kv.addAll(Overrides.parse(rest));
    TrainConfig cfg = ConfigResolver.resolve(null, kv);
    System.out.printf(
        Locale.ROOT,
        "demo: training a small DiT with the FasterDiT recipe on %s for %d steps or %.1f minutes,"
            + " whichever comes first%n",
        data,
        steps,
        trainMinutes);
    TrainingRun.Result r =
        TrainingRun.run(cfg, null, GradientSync.NONE, System.out, CliReporting.INSTANCE);
    Path run = r.runDir();

    Path grid = run.resolve("samples.png");
    double rawStd, usedStd;
    // the EMA weights, as `sample` uses by default
    try (TrainedModel m = TrainedModel.load(r.lastCheckpoint(), "ema", cfg.run().device())) {
      int classes = m.model().config().numClasses(), perClass = 8;
      var sampling = m.precisionFor(org.fasterdit.torch.Precision.AUTO, perClass);
      System.out.println("sampling precision: " + sampling.describe());
      SampleSet all = null;
      List<float[]> parts = new ArrayList<>();
      List<long[]> labels = new ArrayList<>();
      for (int c = 0; c < classes; c++) {
        SampleSpec spec =
            new SampleSpec(
                perClass, "heun", 25, Guidance.of(cfgScale), 1000 + c, c, perClass, "ema", 1.0);
        SampleSet s = m.generator(sampling.chosen(), perClass).generate(spec, k -> {});
        parts.add(s.x());
        labels.add(s.labels());
        all = s;
      }
      int per = all.c() * all.h() * all.w();
      float[] x = new float[classes * perClass * per];
      long[] y = new long[classes * perClass];
      for (int c = 0; c < classes; c++) {
        System.arraycopy(parts.get(c), 0, x, c * perClass * per, perClass * per);
        System.arraycopy(labels.get(c), 0, y, c * perClass, perClass);
      }
      SampleExport.writeGrid(new SampleSet(x, y, all.c(), all.h(), all.w()), grid, perClass);
      rawStd = m.modulation().stats().std();
      usedStd = m.modulation().modulatedStd();
    }

    Path snr = run.resolve("snr-pdf.png");
    NoiseSchedule path = NoiseSchedule.parse("linear");
    TimestepDistribution dist = TimestepDistribution.parse("lognorm:0,1");
    SnrGrid g = new SnrGrid(-15, 15, 601);
    List<Curve> curves =
        List.of(SnrPdf.analytic(path, dist, rawStd, g), SnrPdf.analytic(path, dist, usedStd, g));
    SnrPdfPlot.writePng(snr, path, dist, curves);
    SnrPdfReport.writeCsv(run.resolve("snr-pdf.csv"), curves);

    double minutes = (System.nanoTime() - t0) / 60e9;
    String summary =
        String.format(
            Locale.ROOT,
            """
        # FasterDiT demo
        - data: %s; model: %s
        - recipe: flow matching (linear path, velocity), logit-normal(0,1) timesteps, direction loss (lambda 1),
          data std %.3f modulated to %.3f
        - %d steps%s, batch %d, final loss %.4f, %.1f s of training; whole demo %.1f min wall, %.1f min CPU
          (load average at the end %.1f; wall time on a shared machine is inflated by the others' load)
        - samples (EMA weights, Heun 25 steps, CFG %.1f, one row per class): samples.png
        - loss curve: loss.png; SNR PDF of log-SNR before/after std modulation: snr-pdf.png (csv: snr-pdf.csv)
        - checkpoint: %s
        """,
            data,
            cfg.model().tag(),
            rawStd,
            usedStd,
            r.steps(),
            r.timeLimitReached() ? " (the training time budget's end)" : "",
            cfg.optim().batch(),
            r.lastLoss(),
            r.seconds(),
            minutes,
            cpuMinutes(),
            java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage(),
            cfgScale,
            run.relativize(r.lastCheckpoint()));
    Files.writeString(run.resolve("summary.md"), summary);
    System.out.println();
    System.out.print(summary);
    System.out.println("demo results in " + run.toAbsolutePath());
    return 0;
  }

  /** CPU time of this process (all threads), NaN where the JVM does not report it. */
  static double cpuMinutes() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getProcessCpuTime() / 60e9
        : Double.NaN;
  }

  /** True when Fashion-MNIST is available, installing Debian's package first when possible. */
  static boolean ensureFashionMnist() {
    if (FashionMnist.available(FashionMnist.DEFAULT_DIR)) return true;
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
      System.out.println(
          "demo: Fashion-MNIST not found; installing Debian's dataset-fashion-mnist package...");
      try {
        Process p =
            new ProcessBuilder("/usr/bin/apt-get", "install", "-y", "-q", "dataset-fashion-mnist")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (p.waitFor(10, TimeUnit.MINUTES)
            && p.exitValue() == 0
            && FashionMnist.available(FashionMnist.DEFAULT_DIR)) return true;
        p.destroyForcibly();
      } catch (IOException e) {
        // fall through to the built-in data
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    System.out.println(
        "demo: Fashion-MNIST is not available (apt-get install dataset-fashion-mnist); using the built-in synthetic shapes");
    return false;
  }
}
