package org.fasterdit.model;

/**
 * adaLN-Zero's constant; its modulated norms and gated residuals are {@link
 * org.fasterdit.torch.ModulatedNorm}.
 */
final class AdaLN {
  private AdaLN() {}

  /** The layer norms' epsilon, as in the reference (elementwise_affine=False, eps=1e-6). */
  static final double EPS = 1e-6;
}
