package org.fasterdit.vae;

import org.bytedeco.pytorch.Tensor;
import org.fasterdit.model.Params;

/**
 * The autoencoder's ResNet block without a time embedding: {@code conv2(SiLU(norm2(conv1(SiLU(
 * norm1(x))))))} plus the input, through a 1x1 {@code conv_shortcut} when the width changes (LDM:
 * {@code nin_shortcut}). Dropout is 0 in the SD VAE, so there is none.
 */
final class ResnetBlock {
  private final GroupNorm norm1;
  private final Conv2d conv1;
  private final GroupNorm norm2;
  private final Conv2d conv2;
  private final Conv2d shortcut; // null when in == out

  ResnetBlock(Params p, long in, long out, long groups) {
    this.norm1 = new GroupNorm(p.child("norm1"), in, groups);
    this.conv1 = Conv2d.same3x3(p.child("conv1"), in, out);
    this.norm2 = new GroupNorm(p.child("norm2"), out, groups);
    this.conv2 = Conv2d.same3x3(p.child("conv2"), out, out);
    this.shortcut = in != out ? Conv2d.pointwise(p.child("conv_shortcut"), in, out) : null;
  }

  Tensor forward(Tensor x) {
    Tensor h = conv1.forward(norm1.forwardSilu(x)); // (N, out, H, W)
    h = conv2.forward(norm2.forwardSilu(h)); // (N, out, H, W)
    Tensor skip = shortcut != null ? shortcut.forward(x) : x;
    return h.add_(skip);
  }
}
