package org.fasterdit.inception;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Mixed_6a, the 35x35 -> 17x17 grid reduction (unchanged from torchvision). */
final class InceptionB {
  private final BasicConv2d branch3x3;
  private final BasicConv2d branch3x3dbl_1;
  private final BasicConv2d branch3x3dbl_2;
  private final BasicConv2d branch3x3dbl_3;

  InceptionB(InceptionWeights w, String name) {
    branch3x3 = BasicConv2d.load(w, name + ".branch3x3", 2, 0);
    branch3x3dbl_1 = BasicConv2d.load(w, name + ".branch3x3dbl_1", 1, 0);
    branch3x3dbl_2 = BasicConv2d.load(w, name + ".branch3x3dbl_2", 1, 1);
    branch3x3dbl_3 = BasicConv2d.load(w, name + ".branch3x3dbl_3", 2, 0);
  }

  Tensor forward(Tensor x) {
    Tensor b3 = branch3x3.forward(x); // (N, 384, 17, 17)
    Tensor bd = branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x))); // 96
    Tensor bp = Pools.max3x3Stride2(x); // (N, 288, 17, 17)
    return torch.cat(new TensorVector(b3, bd, bp), 1); // (N, 768, 17, 17)
  }
}
