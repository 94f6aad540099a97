package org.fasterdit.inception;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Mixed_7b and Mixed_7c (8x8, expanded filter banks). pytorch-fid's FIDInceptionE_1 (Mixed_7b)
 * average-pools ignoring the padding; FIDInceptionE_2 (Mixed_7c) max-pools, as the TF graph does in
 * its last block.
 */
final class InceptionE {
  private static final long[] ONE = {1, 1};
  private static final long[] K1X3_PAD = {0, 1};
  private static final long[] K3X1_PAD = {1, 0};

  private final boolean maxPool;
  private final BasicConv2d branch1x1;
  private final BasicConv2d branch3x3_1;
  private final BasicConv2d branch3x3_2a;
  private final BasicConv2d branch3x3_2b;
  private final BasicConv2d branch3x3dbl_1;
  private final BasicConv2d branch3x3dbl_2;
  private final BasicConv2d branch3x3dbl_3a;
  private final BasicConv2d branch3x3dbl_3b;
  private final BasicConv2d branchPool;

  InceptionE(InceptionWeights w, String name, boolean maxPool) {
    this.maxPool = maxPool;
    branch1x1 = BasicConv2d.load(w, name + ".branch1x1", 1, 0);
    branch3x3_1 = BasicConv2d.load(w, name + ".branch3x3_1", 1, 0);
    branch3x3_2a = BasicConv2d.load(w, name + ".branch3x3_2a", ONE, K1X3_PAD);
    branch3x3_2b = BasicConv2d.load(w, name + ".branch3x3_2b", ONE, K3X1_PAD);
    branch3x3dbl_1 = BasicConv2d.load(w, name + ".branch3x3dbl_1", 1, 0);
    branch3x3dbl_2 = BasicConv2d.load(w, name + ".branch3x3dbl_2", 1, 1);
    branch3x3dbl_3a = BasicConv2d.load(w, name + ".branch3x3dbl_3a", ONE, K1X3_PAD);
    branch3x3dbl_3b = BasicConv2d.load(w, name + ".branch3x3dbl_3b", ONE, K3X1_PAD);
    branchPool = BasicConv2d.load(w, name + ".branch_pool", 1, 0);
  }

  Tensor forward(Tensor x) {
    Tensor b1 = branch1x1.forward(x); // (N, 320, 8, 8)
    Tensor t = branch3x3_1.forward(x);
    Tensor b3 = torch.cat(new TensorVector(branch3x3_2a.forward(t), branch3x3_2b.forward(t)), 1);
    Tensor u = branch3x3dbl_2.forward(branch3x3dbl_1.forward(x));
    Tensor bd =
        torch.cat(new TensorVector(branch3x3dbl_3a.forward(u), branch3x3dbl_3b.forward(u)), 1);
    Tensor pooled = maxPool ? Pools.max3x3(x) : Pools.avg3x3(x);
    Tensor bp = branchPool.forward(pooled); // (N, 192, 8, 8)
    return torch.cat(new TensorVector(b1, b3, bd, bp), 1); // (N, 2048, 8, 8)
  }
}
