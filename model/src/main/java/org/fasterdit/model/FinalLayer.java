package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.ModulatedNorm;

/** adaLN (shift, scale) then {@code linear} D -> p*p*C_out; both start at zero. */
final class FinalLayer {
  private final Linear linear;
  private final Linear adaLN;

  FinalLayer(Params p, int hidden, int patch, int outChannels) {
    this.linear = new Linear(p.child("linear"), hidden, (long) patch * patch * outChannels);
    this.adaLN = new Linear(p.child("adaLN_modulation").child("1"), hidden, 2L * hidden);
  }

  void init() {
    linear.initZero();
    adaLN.initZero();
  }

  Tensor forward(Tensor x, Tensor c) {
    ModulatedNorm m =
        ModulatedNorm.over(adaLN.forward(torch.silu(c)), 2, AdaLN.EPS); // shift, scale
    return linear.forward(m.apply(x, 0, 1)); // (N, T, p*p*C_out)
  }
}
