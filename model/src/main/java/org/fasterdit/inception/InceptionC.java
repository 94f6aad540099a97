package org.fasterdit.inception;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Mixed_6b-6e (17x17, factorised 7x7 convs): pytorch-fid's FIDInceptionC, the pool branch ignores
 * the padding. Mixed_6d's {@code branch1x1} output is the TF graph's {@code mixed_6/conv}, the
 * spatial feature of sFID, so {@link #forward} can hand it out.
 */
final class InceptionC {
  private static final long[] K1X7_PAD = {0, 3};
  private static final long[] K7X1_PAD = {3, 0};
  private static final long[] ONE = {1, 1};

  private final BasicConv2d branch1x1;
  private final BasicConv2d branch7x7_1;
  private final BasicConv2d branch7x7_2;
  private final BasicConv2d branch7x7_3;
  private final BasicConv2d branch7x7dbl_1;
  private final BasicConv2d branch7x7dbl_2;
  private final BasicConv2d branch7x7dbl_3;
  private final BasicConv2d branch7x7dbl_4;
  private final BasicConv2d branch7x7dbl_5;
  private final BasicConv2d branchPool;

  InceptionC(InceptionWeights w, String name) {
    branch1x1 = BasicConv2d.load(w, name + ".branch1x1", 1, 0);
    branch7x7_1 = BasicConv2d.load(w, name + ".branch7x7_1", 1, 0);
    branch7x7_2 = BasicConv2d.load(w, name + ".branch7x7_2", ONE, K1X7_PAD);
    branch7x7_3 = BasicConv2d.load(w, name + ".branch7x7_3", ONE, K7X1_PAD);
    branch7x7dbl_1 = BasicConv2d.load(w, name + ".branch7x7dbl_1", 1, 0);
    branch7x7dbl_2 = BasicConv2d.load(w, name + ".branch7x7dbl_2", ONE, K7X1_PAD);
    branch7x7dbl_3 = BasicConv2d.load(w, name + ".branch7x7dbl_3", ONE, K1X7_PAD);
    branch7x7dbl_4 = BasicConv2d.load(w, name + ".branch7x7dbl_4", ONE, K7X1_PAD);
    branch7x7dbl_5 = BasicConv2d.load(w, name + ".branch7x7dbl_5", ONE, K1X7_PAD);
    branchPool = BasicConv2d.load(w, name + ".branch_pool", 1, 0);
  }

  Tensor forward(Tensor x) {
    return forward(x, null);
  }

  /** As {@link #forward(Tensor)}; also stores the 1x1 branch output (N, 192, 17, 17) in tap[0]. */
  Tensor forward(Tensor x, Tensor[] tap) {
    Tensor b1 = branch1x1.forward(x); // (N, 192, 17, 17)
    if (tap != null) tap[0] = b1;
    Tensor b7 = branch7x7_3.forward(branch7x7_2.forward(branch7x7_1.forward(x))); // 192
    Tensor d = branch7x7dbl_3.forward(branch7x7dbl_2.forward(branch7x7dbl_1.forward(x)));
    d = branch7x7dbl_5.forward(branch7x7dbl_4.forward(d)); // (N, 192, 17, 17)
    Tensor bp = branchPool.forward(Pools.avg3x3(x)); // (N, 192, 17, 17)
    return torch.cat(new TensorVector(b1, b7, d, bp), 1); // (N, 768, 17, 17)
  }
}
