package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The pieces of adaLN-Zero besides the modulated norm ({@link org.fasterdit.torch.ModulatedNorm}).
 */
final class AdaLN {
  private AdaLN() {}

  /** The layer norms' epsilon, as in the reference (elementwise_affine=False, eps=1e-6). */
  static final double EPS = 1e-6;

  /**
   * x + gate * y, the gated residual of adaLN-Zero, as one addcmul (one pass and one temporary
   * fewer than mul then add). The branch output y (bf16 under autocast) and the gate are cast to
   * the residual stream's dtype first: a CPU elementwise op over mixed dtypes runs LibTorch's
   * scalar casting loop instead of its vectorised one.
   */
  static Tensor gatedResidual(Tensor x, Tensor gate, Tensor y) {
    ScalarType t = x.scalar_type().intern();
    return torch.addcmul(x, gate.to(t).unsqueeze(1), y.to(t));
  }
}
