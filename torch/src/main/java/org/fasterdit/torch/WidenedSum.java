package org.fasterdit.torch;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The step workers' bf16 gradients of one fp32 parameter, summed in fp32 in one pass. LibTorch does
 * it as a cast of the first to fp32 and an in-place add of each other one: an add over mixed
 * dtypes, which runs LibTorch's casting loop instead of its vectorised one (0.8% of a bf16 DiT-S/2
 * step's CPU time, benchmarks/RESULTS.md, session 18). Here ({@link WidenedSumKernel}) each value
 * is widened exactly and added in the same order with the same fp32 rounding, so the result is the
 * same to the bit.
 *
 * <p>Fused where {@link GeluTanh#FUSED} holds, for contiguous bf16 CPU parts and an fp32 base; the
 * pass is single-threaded, for callers that split the parameters over threads themselves.
 */
public final class WidenedSum {
  private WidenedSum() {}

  /** Whether {@link #into} applies to these parts and base (an undefined base for none). */
  public static boolean fusable(List<Tensor> parts, Tensor base) {
    if (!GeluTanh.FUSED || parts.isEmpty()) return false;
    long n = parts.get(0).numel();
    for (Tensor p : parts)
      if (!(p.device().is_cpu()
          && p.scalar_type().intern() == ScalarType.BFloat16
          && p.is_contiguous()
          && p.numel() == n)) return false;
    return !base.defined()
        || (base.device().is_cpu()
            && base.scalar_type().intern() == ScalarType.Float
            && base.is_contiguous()
            && base.numel() == n);
  }

  /**
   * base + (parts[0] + parts[1] + ...), each addition in fp32, written into {@code base} when it is
   * defined, else into a new fp32 tensor of the parts' shape; returns where it was written. Only
   * where {@link #fusable} holds.
   */
  public static Tensor into(Tensor base, List<Tensor> parts) {
    Tensor out =
        base.defined()
            ? base
            : torch.empty_like(
                parts.get(0), new TensorOptions(ScalarType.Float), new MemoryFormatOptional());
    MemorySegment[] in = new MemorySegment[parts.size()];
    for (int i = 0; i < in.length; i++) in[i] = Tensors.memoryOf(parts.get(i));
    MemorySegment o = Tensors.memoryOf(out);
    WidenedSumKernel.sum(in, base.defined() ? o : null, o, out.numel());
    return out;
  }

  /** Compiles the loop before the first step, as {@link GeluTanh#warmUp} does. */
  public static boolean warmUp() {
    return GeluTanh.FUSED && WARM_UP.run(WidenedSumKernel::warmUp);
  }

  private static final VectorWarmUp.Once WARM_UP = new VectorWarmUp.Once();
}
