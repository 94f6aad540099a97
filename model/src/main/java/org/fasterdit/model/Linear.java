package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** y = x W^T + b, registered as {@code weight} (out, in) and {@code bias} (out). */
public final class Linear {
  final Tensor weight;
  final Tensor bias;
  private final Params params;

  public Linear(Params p, long in, long out) {
    this.weight = p.createMatmulOperand("weight", out, in);
    this.bias = p.createMatmulOperand("bias", out);
    this.params = p;
  }

  public Tensor forward(Tensor x) {
    return torch.linear(x, weightInUse(), new TensorOptional(biasInUse()));
  }

  /** What the forward computes with in place of the weight (itself, or a low-precision copy). */
  Tensor weightInUse() {
    return params.inUse(weight);
  }

  /** As {@link #weightInUse}, for the bias. */
  Tensor biasInUse() {
    return params.inUse(bias);
  }

  /** The reference's basic init for every Linear: xavier-uniform weight, zero bias. */
  void initXavier(WeightInit init) {
    init.xavierUniform(weight);
    WeightInit.zero(bias);
  }

  /**
   * adaLN-Zero: the modulation and output layers start at zero, so every block starts as the
   * identity.
   */
  void initZero() {
    WeightInit.zero(weight);
    WeightInit.zero(bias);
  }
}
