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
   * backward. Under autocast the conditioning comes from a linear layer in bf16 while x (after the
   * fp32 layer norm) is fp32: the operands are cast to x's dtype first, because a CPU elementwise
   * op over mixed dtypes runs LibTorch's scalar casting loop instead of its vectorised one.
   */
  static Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
    ScalarType t = x.scalar_type().intern();
    return torch.addcmul(
        shift.to(t).unsqueeze(1),
        x,
        scale.to(t).unsqueeze(1).add(new org.bytedeco.pytorch.Scalar(1.0)));
  }

  /**
   * x + gate * y, the gated residual of adaLN-Zero, as one addcmul (see {@link #modulate}); the
   * branch output y (bf16 under autocast) is cast to the residual stream's dtype first, as the
   * gate.
   */
  static Tensor gatedResidual(Tensor x, Tensor gate, Tensor y) {
    ScalarType t = x.scalar_type().intern();
    return torch.addcmul(x, gate.to(t).unsqueeze(1), y.to(t));
  }
}
