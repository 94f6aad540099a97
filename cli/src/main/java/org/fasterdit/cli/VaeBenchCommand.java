package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Precision;
import org.fasterdit.vae.AutoencoderKL;
import org.fasterdit.vae.VaeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Encode and decode throughput of the VAE (benchmarks/vae-side-by-side.sh compares it with
 * PyTorch).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Time VAE encode and decode (best step of --steps; last line: encode_img_per_s=<v>"
            + " decode_img_per_s=<v>).")
public final class VaeBenchCommand implements Callable<Integer> {
  @Option(
      names = "--vae",
      description = "weights to load (default: the SD shape with random weights at --width)")
  Path vae;

  @Option(
      names = "--width",
      defaultValue = "128",
      description =
          "base width of the random SD-shaped VAE: W, 2W, 4W, 4W (default ${DEFAULT-VALUE})")
  int width;

  @Option(
      names = "--image-size",
      defaultValue = "256",
      description = "pixels per side (default ${DEFAULT-VALUE})")
  int imageSize;

  @Option(
      names = "--batch",
      defaultValue = "1",
      description = "images per call (default ${DEFAULT-VALUE})")
  int batch;

  @Option(
      names = "--steps",
      defaultValue = "3",
      description = "timed calls of each (default ${DEFAULT-VALUE})")
  int steps;

  @Option(
      names = "--warmup",
      defaultValue = "1",
      description = "untimed calls first (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(
      names = "--precision",
      defaultValue = "fp32",
      description =
          "fp32, bf16 (autocast, fp32 weights) or bf16-weights (default ${DEFAULT-VALUE})")
  String precision;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      description = "cpu, cuda, cuda:N (default ${DEFAULT-VALUE})")
  String deviceSpec;

  @Override
  public Integer call() {
    Device device = Devices.resolve(deviceSpec);
    boolean bf16Weights = precision.equalsIgnoreCase("bf16-weights");
    Precision autocast = bf16Weights ? Precision.FP32 : Precision.parse(precision);
    autocast.checkSupported(device);
    try (AutoencoderKL model = vae != null ? AutoencoderKL.load(vae, device) : randomSd(device)) {
      if (bf16Weights) model.castWeights(ScalarType.BFloat16);
      VaeConfig c = model.config();
      int f = c.downFactor();
      System.out.printf(
          Locale.ROOT,
          "fasterdit VAE: %s, %d ATen threads, %dx%d, batch %d, %s%n",
          c.blockOutChannels(),
          torch.get_num_threads(),
          imageSize,
          imageSize,
          batch,
          precision);
      try (var s = NativeScope.open()) {
        Tensor x =
            HostRandom.of(0)
                .gaussian(device, batch, c.inChannels(), imageSize, imageSize)
                .clamp_(
                    new org.bytedeco.pytorch.ScalarOptional(org.fasterdit.torch.Scalars.of(-1.0)),
                    new org.bytedeco.pytorch.ScalarOptional(org.fasterdit.torch.Scalars.of(1.0)));
        Tensor z =
            HostRandom.of(1)
                .gaussian(device, batch, c.latentChannels(), imageSize / f, imageSize / f);
        try (var a = autocast.autocast(device)) {
          double enc = bestRate(() -> model.encode(x).mean());
          double dec = bestRate(() -> model.decode(z));
          System.out.printf(Locale.ROOT, "encode_img_per_s=%.4f decode_img_per_s=%.4f%n", enc, dec);
        }
      }
    }
    return 0;
  }

  private double bestRate(Supplier<Tensor> call) {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < warmup + steps; i++) {
      try (var s = NativeScope.open()) {
        long t0 = System.nanoTime();
        call.get().sum().item_float(); // waits for the result (CUDA is asynchronous)
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (i >= warmup) best = Math.min(best, seconds);
      }
    }
    return batch / best;
  }

  /**
   * The SD shape at {@code width}, weights uniform in +-1/sqrt(fan-in), norm scales 1, biases 0.
   */
  private AutoencoderKL randomSd(Device device) {
    int w = width;
    VaeConfig c =
        new VaeConfig(List.of(w, 2 * w, 4 * w, 4 * w), 2, 4, 32, 3, VaeConfig.SD_SCALING_FACTOR);
    AutoencoderKL model = new AutoencoderKL(c, device);
    try (var g = NoGrad.on();
        var s = NativeScope.open()) {
      for (var e : model.stateDict().entrySet()) {
        Tensor p = e.getValue();
        if (p.dim() > 1) {
          double bound = 1 / Math.sqrt((double) p.numel() / p.size(0)); // 1 / sqrt(fan-in)
          p.uniform_(-bound, bound, new org.bytedeco.pytorch.GeneratorOptional());
        } else if (e.getKey().endsWith(".weight")) {
          p.fill_(org.fasterdit.torch.Scalars.of(1.0)); // GroupNorm scales; biases stay 0
        }
      }
    }
    return model;
  }
}
