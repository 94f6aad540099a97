package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The pieces of adaLN shared by the blocks and the final layer. */
final class AdaLN {
  private AdaLN() {}

  /**
   * LayerNorm without affine parameters, eps 1e-6, always in fp32 (CPU autocast would otherwise
   * keep bf16).
   */
  static Tensor norm(Tensor x) {
    long[] last = {x.size(-1)};
    return torch.layer_norm(
        x.to(ScalarType.Float), last, new TensorOptional(), new TensorOptional(), 1e-6, false);
  }

  /**
   * x * (1 + scale) + shift, with (N, D) conditioning broadcast over tokens. One addcmul instead of
   * mul then add: one pass over the (N, T, D) activations and one temporary fewer, forward and
   * backward.
   */
  static Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
    return torch.addcmul(
        shift.unsqueeze(1), x, scale.unsqueeze(1).add(new org.bytedeco.pytorch.Scalar(1.0)));
  }

  /** x + gate * y, the gated residual of adaLN-Zero, as one addcmul (see {@link #modulate}). */
  static Tensor gatedResidual(Tensor x, Tensor gate, Tensor y) {
    return torch.addcmul(x, gate.unsqueeze(1), y);
  }
}
