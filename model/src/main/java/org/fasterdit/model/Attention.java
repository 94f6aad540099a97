package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Multi-head self-attention: {@code qkv} (D -> 3D, with bias), scaled_dot_product_attention, {@code
 * proj} (D -> D). Under CPU autocast the attention product runs as its parts in bf16, or as the
 * fp32 kernel for fp16 autocast (see {@link ScaledDotProduct}).
 */
final class Attention {
  private final Linear qkv;
  final Linear proj; // applied by the caller, after heads()
  private final int heads;

  Attention(Params p, int hidden, int heads) {
    this.qkv = new Linear(p.child("qkv"), hidden, 3L * hidden);
    this.proj = new Linear(p.child("proj"), hidden, hidden);
    this.heads = heads;
  }

  void init(WeightInit init) {
    qkv.initXavier(init);
    proj.initXavier(init);
  }

  /**
   * Everything before {@code proj}: the heads' outputs side by side, (N, T, D). The block applies
   * {@code proj} itself, fused with its gated residual ({@link
   * org.fasterdit.torch.ModulatedNorm#sublayer}).
   */
  Tensor heads(Tensor x) {
    long n = x.size(0), t = x.size(1), d = x.size(2);
    // q, k, v as strided views of the qkv output: their gradients are stacked straight back into
    // its layout, where
    // permuting to (3, N, H, T, hd) first made backward copy once more
    TensorVector qkvParts =
        qkv.forward(x)
            .view(n, t, 3, heads, d / heads)
            .unbind(2); // 3 x (N, T, H, hd), strided views
    Tensor o =
        ScaledDotProduct.attend(
            qkvParts.get(0).transpose(1, 2),
            qkvParts.get(1).transpose(1, 2),
            qkvParts.get(2).transpose(1, 2)); // (N, H, T, hd)
    return o.transpose(1, 2).reshape(n, t, d); // (N, T, D)
  }
}
