package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.ModulatedNorm;

/** One adaLN-Zero transformer block (DiT paper, Fig. 3). */
final class DiTBlock {
  private final Attention attn;
  private final Mlp mlp;
  private final Linear adaLN; // registered as adaLN_modulation.1 (index 0 is the SiLU)

  DiTBlock(Params p, int hidden, int heads) {
    this.attn = new Attention(p.child("attn"), hidden, heads);
    this.mlp = new Mlp(p.child("mlp"), hidden);
    this.adaLN = new Linear(p.child("adaLN_modulation").child("1"), hidden, 6L * hidden);
  }

  void init(WeightInit init) {
    attn.init(init);
    mlp.init(init);
    adaLN.initZero();
  }

  Tensor forward(Tensor x, Tensor c) {
    // chunks in the reference order: shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp,
    // gate_mlp; each (N, D)
    ModulatedNorm m = ModulatedNorm.over(adaLN.forward(torch.silu(c)), 6, AdaLN.EPS);
    Linear proj = attn.proj, fc2 = mlp.fc2;
    x = m.sublayer(x, 0, 1, 2, attn::heads, proj.weightInUse(), proj.biasInUse()); // (N, T, D)
    return m.sublayer(x, 3, 4, 5, mlp::hidden, fc2.weightInUse(), fc2.biasInUse()); // (N, T, D)
  }
}
