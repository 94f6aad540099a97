package org.fasterdit.inception;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Mixed_5b/5c/5d (35x35): pytorch-fid's FIDInceptionA, the pool branch ignores the padding. */
final class InceptionA {
  private final BasicConv2d branch1x1;
  private final BasicConv2d branch5x5_1;
  private final BasicConv2d branch5x5_2;
  private final BasicConv2d branch3x3dbl_1;
  private final BasicConv2d branch3x3dbl_2;
  private final BasicConv2d branch3x3dbl_3;
  private final BasicConv2d branchPool;

  InceptionA(InceptionWeights w, String name) {
    branch1x1 = BasicConv2d.load(w, name + ".branch1x1", 1, 0);
    branch5x5_1 = BasicConv2d.load(w, name + ".branch5x5_1", 1, 0);
    branch5x5_2 = BasicConv2d.load(w, name + ".branch5x5_2", 1, 2);
    branch3x3dbl_1 = BasicConv2d.load(w, name + ".branch3x3dbl_1", 1, 0);
    branch3x3dbl_2 = BasicConv2d.load(w, name + ".branch3x3dbl_2", 1, 1);
    branch3x3dbl_3 = BasicConv2d.load(w, name + ".branch3x3dbl_3", 1, 1);
    branchPool = BasicConv2d.load(w, name + ".branch_pool", 1, 0);
  }

  Tensor forward(Tensor x) {
    Tensor b1 = branch1x1.forward(x); // (N, 64, 35, 35)
    Tensor b5 = branch5x5_2.forward(branch5x5_1.forward(x)); // (N, 64, 35, 35)
    Tensor b3 = branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x))); // 96
    Tensor bp = branchPool.forward(Pools.avg3x3(x)); // (N, pool_features, 35, 35)
    return torch.cat(new TensorVector(b1, b5, b3, bp), 1);
  }
}
