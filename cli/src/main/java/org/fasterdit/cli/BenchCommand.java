package org.fasterdit.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.data.RandomLatents;
import org.fasterdit.torch.CpuFlags;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.KernelRate;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Precision;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.ProcessMemory;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times full training steps (data, forward, backward, AdamW, EMA) after warm-up and reports
 * throughput, FLOPs and MFU against a matmul peak measured in the same process and precision.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark training steps (last line: img_per_s=<v, median step> mfu=<v> peak_rss_mb=<v>"
            + " img_per_s_mean=<v> limit_img_per_s=<v>).")
public final class BenchCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "DiT-S/2")
  String model;

  @Option(names = "--input-size", defaultValue = "32")
  int inputSize;

  @Option(names = "--channels", defaultValue = "4")
  int channels;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(names = "--steps", defaultValue = "10")
  int steps;

  @Option(names = "--warmup", defaultValue = "3")
  int warmup;

  @Option(
      names = "--precision",
      defaultValue = "auto",
      description = "auto (bf16 where a probe finds it faster here), fp32, bf16 or fp16")
  String precision;

  @Option(names = "--device", defaultValue = "auto")
  String device;

  @Option(names = "--preset", defaultValue = "fasterdit")
  String preset;

  @Option(
      names = "--perf-control",
      description = "a perf record --control FIFO: sampling is enabled only around the timed steps")
  java.nio.file.Path perfControl;

  @Option(
      names = "--workers",
      defaultValue = "auto",
      description = "threads each micro-batch is split over (default ${DEFAULT-VALUE})")
  String workers;

  @Option(names = "--depth", defaultValue = "6", description = "for --model custom")
  int depth;

  @Option(names = "--hidden", defaultValue = "256", description = "for --model custom")
  int hidden;

  @Option(names = "--heads", defaultValue = "4", description = "for --model custom")
  int heads;

  @Option(names = "--patch", defaultValue = "4", description = "for --model custom")
  int patch;

  @Override
  public Integer call() {
    TrainConfig cfg =
        ConfigResolver.resolve(
            null,
            List.of(
                "preset=" + preset,
                "model=" + model,
                "batch=" + batch,
                "precision=" + precision,
                "device=" + device,
                "steps=" + (steps + warmup),
                "stats-samples=64",
                "prefetch=4",
                "depth=" + depth,
                "hidden=" + hidden,
                "heads=" + heads,
                "patch=" + patch,
                "workers=" + workers));
    cfg = DistributedSetup.forThisRank(cfg, System.getenv());
    try (GradientSync sync = DistributedSetup.fromEnvironment(cfg)) {
      return run(cfg, sync);
    }
  }

  /**
   * Under {@code fasterdit launch --nproc N -- bench ...} every rank runs this with the global
   * batch split between them; rank 0 reports. The matmul peak is measured on all ranks at once and
   * summed, so MFU is against the machine.
   */
  private int run(TrainConfig cfg, GradientSync sync) {
    Device dev = Devices.resolve(cfg.run().device());
    var data = new RandomLatents(4096, channels, inputSize, 1000);
    try (Trainer t = Trainer.create(cfg, data, sync)) {
      var mc = t.model().config();
      Precision p = t.precision().chosen();
      boolean bf16Hardware = Devices.isCuda(dev) || CpuFlags.hasBf16Matmul(CpuFlags.current());
      // both peaks, measured as the step runs (its workers, BLAS threads, library path), before
      // and after the steps, the best kept: on a shared machine one measurement can land in a
      // slow spell
      double[] before = machinePeaks(sync, dev, t.workers(), bf16Hardware);
      String loadBefore = loadAverage();
      for (int i = 0; i < warmup; i++) t.step();
      t.phases().reset();
      List<Double> times = new ArrayList<>();
      perf("enable");
      long cpu0 = processCpuNanos();
      for (int i = 0; i < steps; i++) {
        long t0 = System.nanoTime();
        t.step();
        times.add((System.nanoTime() - t0) / 1e6);
      }
      double cpuMsPerStep = (processCpuNanos() - cpu0) / 1e6 / steps;
      perf("disable");
      String loadAfter = loadAverage();
      double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double ms = sorted[sorted.length / 2];
      double imgPerS = batch / (ms / 1e3);
      double gflopsPerImage =
          2 * mc.forwardMacs() / 1e9; // forward FLOPs, DiT convention (2 x MACs)
      double achieved = trainingGflops(imgPerS, gflopsPerImage);
      double[] after = machinePeaks(sync, dev, t.workers(), bf16Hardware);
      double fp32Peak = Math.max(before[0], after[0]), bf16Peak = Math.max(before[1], after[1]);
      double peak = p == Precision.BF16 ? bf16Peak : fp32Peak;
      double mfu = mfu(achieved, peak);
      double rssTotal =
          sync.averageValues(new double[] {ProcessMemory.peakRssMb()})[0] * sync.worldSize();
      double hostMs = hostPreparationMs(data, dev);
      if (sync.rank() != 0) return 0;
      String ranks =
          sync.worldSize() > 1
              ? ", " + sync.worldSize() + " ranks of batch " + batch / sync.worldSize()
              : "";
      System.out.printf(
          Locale.ROOT,
          "model %s, %.2fM params, input %dx%dx%d, batch %d%s, %s on %s (%s)%n",
          mc.describe(),
          t.model().parameterCount() / 1e6,
          channels,
          inputSize,
          inputSize,
          batch,
          ranks,
          p.key(),
          dev.str().getString(),
          EnvironmentReport.cpuModel());
      System.out.println("precision: " + t.precision().describe());
      System.out.println("load average before: " + loadBefore + "; after: " + loadAfter);
      System.out.printf(
          Locale.ROOT,
          "threads: %d step worker(s), %d ATen intra-op, %d OpenBLAS%n",
          t.workers(),
          torch.get_num_threads(),
          org.fasterdit.torch.Threads.blasThreads());
      System.out.printf(
          Locale.ROOT,
          "median step %.1f ms (mean %.1f, min %.1f, max %.1f over %d steps); process CPU %.1f ms per step%n",
          ms,
          times.stream().mapToDouble(Double::doubleValue).average().orElse(ms),
          sorted[0],
          sorted[sorted.length - 1],
          steps,
          cpuMsPerStep);
      System.out.printf(
          Locale.ROOT,
          "forward %.3f GFLOPs/image (x3 for training); achieved %.1f GFLOP/s%n",
          gflopsPerImage,
          achieved);
      System.out.printf(
          Locale.ROOT,
          "matmul peak (%d^2, %d thread(s) as the step runs): fp32 %.1f GFLOP/s, bf16 %s;"
              + " limit in %s: %.2f img/s at MFU 1%n",
          PEAK_N,
          t.workers(),
          fp32Peak,
          bf16Hardware
              ? String.format(Locale.ROOT, "%.1f GFLOP/s", bf16Peak)
              : "not measured (no bf16 matmul hardware: a slow fallback)",
          p.key(),
          limitImgPerS(peak, gflopsPerImage));
      System.out.println("where a step's time goes (rank 0, mean over the timed steps):");
      double total = times.stream().mapToDouble(Double::doubleValue).sum();
      t.phases()
          .millis()
          .forEach(
              (phase, v) -> {
                if (v > 0)
                  System.out.printf(
                      Locale.ROOT,
                      "  %-16s %8.1f ms  %5.1f%%%n",
                      phase.name().toLowerCase(Locale.ROOT),
                      v / steps,
                      100 * v / total);
              });
      System.out.printf(
          Locale.ROOT,
          "host-side preparation per step (data read, noise and label draws, copy in): %.2f ms = %.2f%% of a step%n",
          hostMs,
          100 * hostMs / ms);
      double meanMs = times.stream().mapToDouble(Double::doubleValue).average().orElse(ms);
      System.out.printf(
          Locale.ROOT,
          "img_per_s=%.3f mfu=%.3f peak_rss_mb=%.0f img_per_s_mean=%.3f limit_img_per_s=%.3f%n",
          imgPerS,
          mfu,
          rssTotal,
          batch / (meanMs / 1e3),
          limitImgPerS(peak, gflopsPerImage));
    }
    return 0;
  }

  /**
   * Sends a command to {@code perf record --control fifo:...} (benchmarks/profile-step.sh), if one
   * is listening.
   */
  private void perf(String command) {
    if (perfControl == null) return;
    try {
      java.nio.file.Files.writeString(perfControl, command + "\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "cannot write to the perf control FIFO " + perfControl, e);
    }
  }

  /**
   * The Java-side work of one step that is not a LibTorch call: reading the batch, drawing
   * per-sample noise and timesteps, and copying them into tensors (median of 20).
   */
  private double hostPreparationMs(RandomLatents data, Device dev) {
    int per = data.sampleFloats();
    double[] t = new double[20];
    for (int k = 0; k < t.length; k++) {
      long t0 = System.nanoTime();
      try (var s = NativeScope.open()) {
        float[] x = new float[batch * per];
        org.fasterdit.torch.HostRandom[] r = new org.fasterdit.torch.HostRandom[batch];
        for (int i = 0; i < batch; i++) {
          data.read(i, false, x, i * per);
          r[i] = org.fasterdit.torch.HostRandom.forStep(0, k * batch + i, 1, 0);
          r[i].nextGaussian();
        }
        org.fasterdit.torch.Tensors.ofFloats(x, batch, channels, inputSize, inputSize);
        org.fasterdit.torch.HostRandom.gaussian(r, dev, channels, inputSize, inputSize);
      }
      t[k] = (System.nanoTime() - t0) / 1e6;
    }
    java.util.Arrays.sort(t);
    return t[t.length / 2];
  }

  /**
   * fp32 and bf16 matmul peaks of the machine (bf16 NaN without bf16 hardware): every rank measures
   * at once (they share it) and the results are summed.
   */
  private static double[] machinePeaks(
      GradientSync sync, Device dev, int threads, boolean bf16Hardware) {
    sync.barrier();
    double fp32 = matmulPeakGflops(dev, Precision.FP32, threads);
    sync.barrier();
    double bf16 = bf16Hardware ? matmulPeakGflops(dev, Precision.BF16, threads) : Double.NaN;
    double[] sum = sync.averageValues(new double[] {fp32, bf16});
    return new double[] {sum[0] * sync.worldSize(), sum[1] * sync.worldSize()};
  }

  static final int PEAK_N = 2048;

  /**
   * Best of several {@value #PEAK_N}^2 matmuls in {@code p} (operands already in that dtype, as
   * autocast hands them to the kernel) on {@code threads} threads at once, as the step workers run.
   */
  static double matmulPeakGflops(Device dev, Precision p, int threads) {
    var type =
        p == Precision.BF16
            ? torch.ScalarType.BFloat16
            : p == Precision.FP16 ? torch.ScalarType.Half : torch.ScalarType.Float;
    return KernelRate.gflops(
        dev,
        p,
        false,
        threads,
        5,
        2.0 * PEAK_N * PEAK_N * PEAK_N,
        () -> {
          Tensor a = torch.randn(PEAK_N, PEAK_N).to(dev, type);
          Tensor b = torch.randn(PEAK_N, PEAK_N).to(dev, type);
          return () -> a.matmul(b);
        });
  }

  /**
   * Training FLOP rate: forward + backward, the backward counted as 2 x forward (DiT convention).
   */
  static double trainingGflops(double imgPerS, double forwardGflopsPerImage) {
    return imgPerS * 3 * forwardGflopsPerImage;
  }

  /** The img/s a step would reach if it ran at the matmul peak throughout (MFU 1). */
  static double limitImgPerS(double peakGflops, double forwardGflopsPerImage) {
    return peakGflops / trainingGflops(1, forwardGflopsPerImage);
  }

  /** Achieved over peak, both in GFLOP/s; NaN when there is no peak to compare with. */
  static double mfu(double achievedGflops, double peakGflops) {
    if (!(peakGflops > 0)) return Double.NaN;
    return achievedGflops / peakGflops;
  }

  private static long processCpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
