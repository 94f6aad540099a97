package org.fasterdit.vae;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.model.Params;

/** A 2-D convolution registered as {@code weight} (out, in, k, k) and {@code bias} (out). */
final class Conv2d {
  private final Tensor weight;
  private final Tensor bias;
  private final long stride;
  private final long padding;

  Conv2d(Params p, long in, long out, int kernel, int stride, int padding) {
    this.weight = p.create("weight", false, out, in, kernel, kernel);
    this.bias = p.create("bias", false, out);
    this.stride = stride;
    this.padding = padding;
  }

  /** A 3x3 convolution that keeps the spatial size. */
  static Conv2d same3x3(Params p, long in, long out) {
    return new Conv2d(p, in, out, 3, 1, 1);
  }

  /** A 1x1 convolution (a per-pixel linear map of the channels). */
  static Conv2d pointwise(Params p, long in, long out) {
    return new Conv2d(p, in, out, 1, 1, 0);
  }

  Tensor forward(Tensor x) {
    return torch.conv2d(
        x,
        weight,
        new TensorOptional(bias),
        new long[] {stride, stride},
        new long[] {padding, padding},
        new long[] {1, 1},
        1);
  }
}
