package org.fasterdit.torch;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Measures, rather than assumes, whether bf16 is faster than fp32 here, for the workload at hand:
 * CPUs with avx512_bf16/AMX run bf16 matmuls up to ~4x faster than fp32, AVX2-only CPUs hundreds of
 * times slower, and at small widths the casts autocast adds can eat the gain. The CPU flags decide
 * whether timing is worth it at all; then a short timing in both precisions, run the way the work
 * will run (same threads, autocast, shapes), decides: bf16 only when at least {@link #MIN_SPEEDUP}
 * times faster. Results are cached per process and workload.
 */
public final class PrecisionProbe {
  /** bf16 must beat fp32 by this factor to be chosen: below it, its rounding is not worth it. */
  public static final double MIN_SPEEDUP = 1.25;

  /**
   * Transformers narrower than this stay fp32 without timing: at width 32 and 64 the probe measured
   * 1.2x and 1.5x on an avx512_bf16 EPYC (loaded), at the edge of the rule and within the noise of
   * a shared machine, so the choice would flip from run to run; such models are cheap in fp32.
   */
  public static final int MIN_BF16_WIDTH = 128;

  /**
   * What was chosen and why; the two rates are GFLOP/s of the probe workload (NaN when not timed).
   */
  public record Result(Precision chosen, String reason, double fp32Gflops, double bf16Gflops) {
    public String describe() {
      return chosen.key() + " (" + reason + ")";
    }
  }

  /** Times the workload in one precision; called only when the decision needs the figure. */
  public interface Timing {
    /** GFLOP/s of the workload in {@code p}; a failure to run at all means "not supported". */
    double gflops(Precision p);
  }

  private static final Map<String, Result> CACHE = new ConcurrentHashMap<>();

  private PrecisionProbe() {}

  /**
   * The precision to compute in: {@code requested} itself unless it is {@link Precision#AUTO}, else
   * the probe's choice for {@code workload} (named by {@code key} in the per-process cache).
   */
  public static Result resolve(
      Precision requested, Device device, String workloadKey, Timing workload) {
    if (requested != Precision.AUTO) {
      requested.checkSupported(device);
      return new Result(requested, "set by precision=" + requested.key(), Double.NaN, Double.NaN);
    }
    String key = device.str().getString() + " " + workloadKey;
    return CACHE.computeIfAbsent(
        key, k -> decide(Devices.isCuda(device), CpuFlags.current(), workloadKey, workload));
  }

  /**
   * The decision rule, separate from any measurement so it can be tested with injected results. CPU
   * without avx512_bf16/amx_bf16: fp32 without timing. Otherwise (such a CPU, or CUDA): bf16 iff it
   * runs and is at least {@link #MIN_SPEEDUP} x as fast as fp32 on the workload, where a first
   * timing that falls short is repeated (both precisions, the best of each counts).
   */
  public static Result decide(boolean cuda, Set<String> cpuFlags, String workload, Timing t) {
    if (!cuda && !CpuFlags.hasBf16Matmul(cpuFlags)) {
      return new Result(
          Precision.FP32,
          "this CPU has neither avx512_bf16 nor amx_bf16, where bf16 matmuls run a slow fallback",
          Double.NaN,
          Double.NaN);
    }
    double fp32 = t.gflops(Precision.FP32);
    double bf16;
    try {
      bf16 = t.gflops(Precision.BF16);
    } catch (RuntimeException e) {
      return new Result(
          Precision.FP32, "bf16 does not run here: " + e.getMessage(), fp32, Double.NaN);
    }
    boolean retimed = bf16 < MIN_SPEEDUP * fp32;
    if (retimed) {
      // A shared machine's slow spell during the bf16 rounds alone would cost every later step
      // half its speed: before settling on fp32, time both again in the other order and keep each
      // one's best.
      bf16 = Math.max(bf16, t.gflops(Precision.BF16));
      fp32 = Math.max(fp32, t.gflops(Precision.FP32));
    }
    double ratio = bf16 / fp32;
    boolean pick = ratio >= MIN_SPEEDUP;
    String reason =
        String.format(
            Locale.ROOT,
            "probe at %s: bf16 %.1f vs fp32 %.1f GFLOP/s, %.2fx %s %.2fx%s",
            workload,
            bf16,
            fp32,
            ratio,
            pick ? ">=" : "<",
            MIN_SPEEDUP,
            retimed ? ", best of two timings each" : "");
    return new Result(pick ? Precision.BF16 : Precision.FP32, reason, fp32, bf16);
  }

  /**
   * The transformer's own matmuls as a training step runs them: on each of {@code threads} threads,
   * {@code images} images of {@code tokens} tokens through the MLP's two linear layers (width
   * {@code hidden}, 4x inner) and the attention scores of {@code heads} heads, under autocast from
   * fp32 operands (so autocast's casts are paid as in training).
   */
  public static Result transformer(
      Precision requested,
      Device device,
      int hidden,
      int heads,
      int tokens,
      int images,
      int threads) {
    if (hidden < MIN_BF16_WIDTH && requested == Precision.AUTO)
      return new Result(
          Precision.FP32,
          "width " + hidden + " < " + MIN_BF16_WIDTH + ": too narrow for bf16 to pay",
          Double.NaN,
          Double.NaN);
    String workload =
        String.format(
            Locale.ROOT,
            "width %d, %d heads, %d tokens x %d images on %d thread(s)",
            hidden,
            heads,
            tokens,
            images,
            threads);
    long rows = (long) tokens * images, inner = 4L * hidden, hd = hidden / heads;
    double flops = 2.0 * rows * hidden * inner * 2 + 2.0 * images * heads * tokens * tokens * hd;
    Supplier<Supplier<Tensor>> ops =
        () -> {
          Tensor x = HostRandom.onDevice(torch.randn(rows, hidden), device);
          Tensor w1 = HostRandom.onDevice(torch.randn(inner, hidden), device).mul(Scalars.of(0.05));
          Tensor w2 = HostRandom.onDevice(torch.randn(hidden, inner), device).mul(Scalars.of(0.05));
          Tensor q = HostRandom.onDevice(torch.randn(images * heads, tokens, hd), device);
          Tensor kT = HostRandom.onDevice(torch.randn(images * heads, hd, tokens), device);
          TensorOptional none = new TensorOptional();
          return () -> {
            Tensor h = torch.linear(torch.linear(x, w1, none), w2, none);
            return torch.bmm(q, kT).sum().add(h.sum());
          };
        };
    return resolve(
        requested,
        device,
        workload,
        p -> KernelRate.gflops(device, p, true, threads, 3, flops, ops));
  }

  /**
   * For the VAE's convolutions: one 3x3 convolution (128 channels, 32x32) on the calling thread,
   * under autocast.
   */
  public static Result convolution(Precision requested, Device device) {
    double flops = 2.0 * 128 * 128 * 9 * 32 * 32;
    Supplier<Supplier<Tensor>> ops =
        () -> {
          Tensor x = HostRandom.onDevice(torch.randn(1, 128, 32, 32), device);
          Tensor w = HostRandom.onDevice(torch.randn(128, 128, 3, 3), device).mul(Scalars.of(0.03));
          return () -> torch.conv2d(x, w);
        };
    return resolve(
        requested,
        device,
        "3x3 conv 128ch 32x32",
        p -> KernelRate.gflops(device, p, true, 1, 3, flops, ops));
  }
}
