package org.fasterdit.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.Autocast;
import org.fasterdit.torch.Scalars;

/** softmax(q k^T / sqrt(d)) v: LibTorch's fused scaled_dot_product_attention, or its parts. */
public final class ScaledDotProduct {
  private ScaledDotProduct() {}

  /**
   * (N, H, T, d) each -> (N, H, T, d). On CPU, LibTorch's bf16 SDPA kernel is ~16x slower than fp32
   * (measured on an AVX-512 CPU), so under CPU bf16 autocast the product runs as its parts instead:
   * both matmuls in bf16 (oneDNN, the fast path on avx512_bf16/AMX CPUs) and LibTorch's softmax,
   * which CPU autocast leaves in bf16 (it computes in fp32 inside and rounds its output), which
   * beat the fp32 SDPA kernel (benchmarks/RESULTS.md). bf16 inputs outside autocast, and CPU fp16
   * autocast, run the fp32 kernel. Under autocast the result has autocast's dtype or fp32 (the next
   * autocast op casts it); otherwise the inputs' dtype.
   */
  public static Tensor attend(Tensor q, Tensor k, Tensor v) {
    if (q.is_cuda()) return sdpa(q, k, v);
    boolean autocast = Autocast.active(DeviceType.CPU);
    if (autocast && torch.get_autocast_dtype(DeviceType.CPU).intern() == ScalarType.BFloat16)
      return explicit(q, k, v);
    ScalarType in = q.scalar_type().intern();
    if (autocast || in == ScalarType.BFloat16) {
      Tensor o;
      try (var fp32 = Autocast.off(DeviceType.CPU)) {
        o = sdpa(q.to(ScalarType.Float), k.to(ScalarType.Float), v.to(ScalarType.Float));
      }
      return autocast ? o : o.to(in);
    }
    return sdpa(q, k, v);
  }

  /** Under bf16 autocast: matmuls and softmax in bf16; the scale folded into q. */
  private static Tensor explicit(Tensor q, Tensor k, Tensor v) {
    Tensor scores = q.mul(Scalars.of(1 / Math.sqrt(q.size(-1)))).matmul(k.transpose(-2, -1));
    return scores.softmax(-1).matmul(v);
  }

  private static Tensor sdpa(Tensor q, Tensor k, Tensor v) {
    return torch.scaled_dot_product_attention(
        q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false);
  }
}
