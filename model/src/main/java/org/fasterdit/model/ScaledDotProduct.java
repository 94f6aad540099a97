package org.fasterdit.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.Autocast;

/** softmax(q k^T / sqrt(d)) v through LibTorch's fused scaled_dot_product_attention. */
public final class ScaledDotProduct {
  private ScaledDotProduct() {}

  /**
   * (N, H, T, d) each -> (N, H, T, d). On CPU, bf16 attention is ~16x slower than fp32 (measured on
   * this machine), so on CPU under autocast, or with bf16 inputs, the product itself runs in fp32
   * with autocast suspended; the projections around it stay in bf16. Under autocast the result is
   * fp32 (the next autocast op casts it); otherwise it comes back in the inputs' dtype.
   */
  public static Tensor attend(Tensor q, Tensor k, Tensor v) {
    boolean autocast = Autocast.active(DeviceType.CPU);
    ScalarType in = q.scalar_type().intern();
    if (!q.is_cuda() && (autocast || in == ScalarType.BFloat16)) {
      Tensor o;
      try (var fp32 = Autocast.off(DeviceType.CPU)) {
        o = sdpa(q.to(ScalarType.Float), k.to(ScalarType.Float), v.to(ScalarType.Float));
      }
      return autocast ? o : o.to(in);
    }
    return sdpa(q, k, v);
  }

  private static Tensor sdpa(Tensor q, Tensor k, Tensor v) {
    return torch.scaled_dot_product_attention(
        q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false);
  }
}
