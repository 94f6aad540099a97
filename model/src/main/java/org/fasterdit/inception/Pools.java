package org.fasterdit.inception;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The three pooling layers of FID Inception. */
final class Pools {
  private static final long[] K3 = {3, 3};
  private static final long[] S1 = {1, 1};
  private static final long[] S2 = {2, 2};
  private static final long[] P0 = {0, 0};
  private static final long[] P1 = {1, 1};

  private Pools() {}

  /**
   * 3x3 average, stride 1, padding 1, dividing by the number of real (unpadded) inputs: the TF
   * graph's pooling, which pytorch-fid reproduces with count_include_pad=False.
   */
  static Tensor avg3x3(Tensor x) {
    return torch.avg_pool2d(x, K3, S1, P1, false, false, new LongOptional());
  }

  /** 3x3 max, stride 1, padding 1 (the pooling branch of the last block, Mixed_7c). */
  static Tensor max3x3(Tensor x) {
    return torch.max_pool2d(x, K3, S1, P1, S1, false);
  }

  /** 3x3 max, stride 2, no padding: the stem's pools and the grid reductions (Mixed_6a, 7a). */
  static Tensor max3x3Stride2(Tensor x) {
    return torch.max_pool2d(x, K3, S2, P0, S1, false);
  }
}
