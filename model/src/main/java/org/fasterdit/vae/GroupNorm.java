package org.fasterdit.vae;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.model.Params;

/** GroupNorm with an affine {@code weight} and {@code bias} (C) and the VAE's eps of 1e-6. */
final class GroupNorm {
  /** Every GroupNorm of the LDM / diffusers autoencoder uses 1e-6, not PyTorch's default 1e-5. */
  static final double EPS = 1e-6;

  private final Tensor weight;
  private final Tensor bias;
  private final long groups;

  GroupNorm(Params p, long channels, long groups) {
    this.weight = p.create("weight", false, channels);
    this.bias = p.create("bias", false, channels);
    this.groups = groups;
  }

  Tensor forward(Tensor x) {
    return torch.group_norm(
        x, groups, new TensorOptional(weight), new TensorOptional(bias), EPS, true);
  }

  /** norm, then SiLU in place (the norm's output is a fresh tensor nobody else holds). */
  Tensor forwardSilu(Tensor x) {
    return torch.silu_(forward(x));
  }
}
