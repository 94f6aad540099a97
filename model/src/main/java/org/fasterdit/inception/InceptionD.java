package org.fasterdit.inception;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Mixed_7a, the 17x17 -> 8x8 grid reduction (unchanged from torchvision). */
final class InceptionD {
  private final BasicConv2d branch3x3_1;
  private final BasicConv2d branch3x3_2;
  private final BasicConv2d branch7x7x3_1;
  private final BasicConv2d branch7x7x3_2;
  private final BasicConv2d branch7x7x3_3;
  private final BasicConv2d branch7x7x3_4;

  InceptionD(InceptionWeights w, String name) {
    long[] one = {1, 1};
    branch3x3_1 = BasicConv2d.load(w, name + ".branch3x3_1", 1, 0);
    branch3x3_2 = BasicConv2d.load(w, name + ".branch3x3_2", 2, 0);
    branch7x7x3_1 = BasicConv2d.load(w, name + ".branch7x7x3_1", 1, 0);
    branch7x7x3_2 = BasicConv2d.load(w, name + ".branch7x7x3_2", one, new long[] {0, 3});
    branch7x7x3_3 = BasicConv2d.load(w, name + ".branch7x7x3_3", one, new long[] {3, 0});
    branch7x7x3_4 = BasicConv2d.load(w, name + ".branch7x7x3_4", 2, 0);
  }

  Tensor forward(Tensor x) {
    Tensor b3 = branch3x3_2.forward(branch3x3_1.forward(x)); // (N, 320, 8, 8)
    Tensor b7 = branch7x7x3_1.forward(x);
    b7 = branch7x7x3_4.forward(branch7x7x3_3.forward(branch7x7x3_2.forward(b7))); // 192
    Tensor bp = Pools.max3x3Stride2(x); // (N, 768, 8, 8)
    return torch.cat(new TensorVector(b3, b7, bp), 1); // (N, 1280, 8, 8)
  }
}
