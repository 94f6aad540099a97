package org.fasterdit.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.Autocast;

/**
 * Multi-head self-attention: {@code qkv} (D -> 3D, with bias), scaled_dot_product_attention, {@code
 * proj} (D -> D).
 */
final class Attention {
  private final Linear qkv;
  private final Linear proj;
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

  Tensor forward(Tensor x) {
    long n = x.size(0), t = x.size(1), d = x.size(2);
    // q, k, v as strided views of the qkv output: their gradients are stacked straight back into
    // its layout, where
    // permuting to (3, N, H, T, hd) first made backward copy once more
    TensorVector qkvParts =
        qkv.forward(x)
            .view(n, t, 3, heads, d / heads)
            .unbind(2); // 3 x (N, T, H, hd), strided views
    Tensor o =
        attend(
            qkvParts.get(0).transpose(1, 2),
            qkvParts.get(1).transpose(1, 2),
            qkvParts.get(2).transpose(1, 2)); // (N, H, T, hd)
    return proj.forward(o.transpose(1, 2).reshape(n, t, d)); // (N, T, D)
  }

  /**
   * On CPU, bf16 attention is ~16x slower than fp32 (shared/docs/libtorch-java-notes.md), so under
   * CPU autocast the attention product itself runs in fp32 with autocast suspended; the projections
   * around it stay in bf16.
   */
  private static Tensor attend(Tensor q, Tensor k, Tensor v) {
    if (!q.is_cuda() && Autocast.active(DeviceType.CPU)) {
      try (var fp32 = Autocast.off(DeviceType.CPU)) {
        return sdpa(q.to(ScalarType.Float), k.to(ScalarType.Float), v.to(ScalarType.Float));
      }
    }
    return sdpa(q, k, v);
  }

  private static Tensor sdpa(Tensor q, Tensor k, Tensor v) {
    return torch.scaled_dot_product_attention(
        q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false);
  }
}
