package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Image to tokens: a conv with kernel = stride = patch, registered as {@code proj.weight} (D, C, p,
 * p) and {@code proj.bias}.
 */
final class PatchEmbed {
  private final Tensor weight;
  private final Tensor bias;
  private final int patch;
  private final Params params;

  PatchEmbed(Params p, int inChannels, int hidden, int patch) {
    Params proj = p.child("proj");
    this.weight = proj.createMatmulOperand("weight", hidden, inChannels, patch, patch);
    this.bias = proj.createMatmulOperand("bias", hidden);
    this.patch = patch;
    this.params = proj;
  }

  void init(WeightInit init) {
    init.xavierUniform(weight); // on the flattened (D, C*p*p) view, like a Linear
    WeightInit.zero(bias);
  }

  Tensor forward(Tensor x) {
    long[] stride = {patch, patch};
    Tensor y =
        torch.conv2d(
            x,
            params.inUse(weight),
            new TensorOptional(params.inUse(bias)),
            stride,
            new long[] {0, 0},
            new long[] {1, 1},
            1);
    return y.flatten(2, 3).transpose(1, 2); // (N, D, h, w) -> (N, T, D)
  }
}
