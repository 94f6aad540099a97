package org.fasterdit.torch;

import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Measures, rather than assumes, whether bf16 convolutions are faster than fp32 here: CPUs with
 * avx512_bf16/AMX run them ~2x faster, AVX2-only CPUs hundreds of times slower. Times one 3x3
 * convolution (128 channels, 32x32) both ways, best of a few runs after a warm-up; the fp32 case
 * takes milliseconds and the slow bf16 case under a second.
 */
public final class PrecisionProbe {
  /** What was measured and chosen (bf16 only when at least 20% faster). */
  public record Result(Precision chosen, double fp32Ms, double bf16Ms) {
    public String describe() {
      return String.format(
          Locale.ROOT,
          "%s (probe: 3x3 conv fp32 %.2f ms, bf16 %.2f ms)",
          chosen.name().toLowerCase(Locale.ROOT),
          fp32Ms,
          bf16Ms);
    }
  }

  private PrecisionProbe() {}

  public static Result convolution(Device device) {
    try (var scope = NativeScope.open();
        var ng = NoGrad.on()) {
      Tensor x = HostRandom.onDevice(torch.randn(1, 128, 32, 32), device);
      Tensor w = HostRandom.onDevice(torch.randn(128, 128, 3, 3), device).mul(Scalars.of(0.03));
      double fp32 = best(() -> torch.conv2d(x, w), device, Precision.FP32);
      double bf16 = best(() -> torch.conv2d(x, w), device, Precision.BF16);
      return new Result(bf16 < 0.8 * fp32 ? Precision.BF16 : Precision.FP32, fp32, bf16);
    }
  }

  private static double best(java.util.function.Supplier<Tensor> op, Device device, Precision p) {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      try (var scope = NativeScope.open();
          var a = p.autocast(device)) {
        long t0 = System.nanoTime();
        Tensor y = op.get();
        y.sum().item_double(); // waits for the result (also on CUDA)
        double ms = (System.nanoTime() - t0) / 1e6;
        if (i > 0) best = Math.min(best, ms); // the first run includes one-off setup
        if (ms > 2000) return ms; // hopelessly slow: no need to confirm
      }
    }
    return best;
  }
}
