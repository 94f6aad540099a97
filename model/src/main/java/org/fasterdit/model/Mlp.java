package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.fasterdit.torch.GeluTanh;

/**
 * {@code fc1} (D -> 4D), GELU with the tanh approximation (as the reference), {@code fc2} (4D ->
 * D). The GELU is {@link GeluTanh}, which consumes fc1's output: nothing else reads it.
 */
final class Mlp {
  private final Linear fc1;
  private final Linear fc2;

  Mlp(Params p, int hidden) {
    long inner = (long) hidden * DiTConfig.MLP_RATIO;
    this.fc1 = new Linear(p.child("fc1"), hidden, inner);
    this.fc2 = new Linear(p.child("fc2"), inner, hidden);
  }

  void init(WeightInit init) {
    fc1.initXavier(init);
    fc2.initXavier(init);
  }

  Tensor forward(Tensor x) {
    return fc2.forward(GeluTanh.applyConsuming(fc1.forward(x)));
  }
}
