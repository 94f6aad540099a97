package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.fasterdit.torch.GeluTanh;

/**
 * {@code fc1} (D -> 4D), GELU with the tanh approximation (as the reference), {@code fc2} (4D ->
 * D). fc1 and the GELU are {@link GeluTanh#ofLinear}, which consumes fc1's output (nothing else
 * reads it) and may add fc1's bias in its own pass.
 */
final class Mlp {
  private final Linear fc1;
  final Linear fc2; // applied by the caller, after hidden()

  Mlp(Params p, int hidden) {
    long inner = (long) hidden * DiTConfig.MLP_RATIO;
    this.fc1 = new Linear(p.child("fc1"), hidden, inner);
    this.fc2 = new Linear(p.child("fc2"), inner, hidden);
  }

  void init(WeightInit init) {
    fc1.initXavier(init);
    fc2.initXavier(init);
  }

  /**
   * Everything before {@code fc2}: GELU(fc1(x)). The block applies {@code fc2} itself, fused with
   * its gated residual ({@link org.fasterdit.torch.ModulatedNorm#sublayer}).
   */
  Tensor hidden(Tensor x) {
    return GeluTanh.ofLinear(x, fc1.weightInUse(), fc1.biasInUse());
  }
}
