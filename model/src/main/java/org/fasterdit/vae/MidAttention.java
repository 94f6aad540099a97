package org.fasterdit.vae;

import org.bytedeco.pytorch.Tensor;
import org.fasterdit.model.Linear;
import org.fasterdit.model.Params;
import org.fasterdit.model.ScaledDotProduct;

/**
 * The mid block's single-head self-attention over all H*W positions, with the residual: GroupNorm
 * ({@code group_norm}), q/k/v projections of the C channels of each position ({@code to_q}, {@code
 * to_k}, {@code to_v}, Linear weights (C, C)), softmax(q k^T / sqrt(C)) v, output projection
 * ({@code to_out.0}). The LDM file layout stores the same projections as 1x1 convolutions; the
 * loader reshapes them.
 */
final class MidAttention {
  private final GroupNorm norm;
  private final Linear toQ;
  private final Linear toK;
  private final Linear toV;
  private final Linear toOut;

  MidAttention(Params p, long channels, long groups) {
    this.norm = new GroupNorm(p.child("group_norm"), channels, groups);
    this.toQ = new Linear(p.child("to_q"), channels, channels);
    this.toK = new Linear(p.child("to_k"), channels, channels);
    this.toV = new Linear(p.child("to_v"), channels, channels);
    this.toOut = new Linear(p.child("to_out").child("0"), channels, channels);
  }

  Tensor forward(Tensor x) {
    long n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    Tensor t = norm.forward(x).view(n, c, h * w).transpose(1, 2); // (N, HW, C)
    Tensor q = toQ.forward(t).unsqueeze(1); // (N, 1, HW, C): one head of width C
    Tensor k = toK.forward(t).unsqueeze(1);
    Tensor v = toV.forward(t).unsqueeze(1);
    Tensor o = ScaledDotProduct.attend(q, k, v).squeeze(1); // (N, HW, C), scale 1/sqrt(C)
    Tensor out = toOut.forward(o).transpose(1, 2).reshape(n, c, h, w); // (N, C, H, W)
    return out.add_(x);
  }
}
