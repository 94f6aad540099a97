package org.fasterdit.eval;

import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.model.Linear;
import org.fasterdit.model.Params;
import org.fasterdit.model.WeightInit;

/**
 * The project's own feature network for quality measurement on small datasets: three 3x3 conv +
 * ReLU stages (32, 64, 128 channels; 2x2 max-pool after the first two), global average pooling to a
 * 128-d feature, and a linear classifier. The Frechet distance is computed on the 128-d features
 * (FD-dataset, not FID: the network is ours, trained on the dataset itself).
 */
public final class FeatureNet implements AutoCloseable {
  public static final int FEATURES = 128;
  private final Params params;
  private final Tensor[] convW = new Tensor[3], convB = new Tensor[3];
  private final Linear head;
  private final int channels, classes;

  public FeatureNet(int channels, int classes, Device device, long seed) {
    this.channels = channels;
    this.classes = classes;
    this.params = new Params(device);
    int[] widths = {channels, 32, 64, FEATURES};
    WeightInit init = new WeightInit(seed);
    for (int i = 0; i < 3; i++) {
      Params p = params.child("conv" + i);
      convW[i] = p.create("weight", true, widths[i + 1], widths[i], 3, 3);
      convB[i] = p.create("bias", true, widths[i + 1]);
      init.xavierUniform(convW[i]);
    }
    head = new Linear(params.child("head"), FEATURES, classes);
    init.xavierUniform(params.named().get("head.weight"));
  }

  public int channels() {
    return channels;
  }

  public int classes() {
    return classes;
  }

  public Params params() {
    return params;
  }

  /** (N, C, H, W) in [-1, 1] -> (N, 128). */
  public Tensor features(Tensor x) {
    Tensor h = x;
    for (int i = 0; i < 3; i++) {
      h =
          torch
              .conv2d(
                  h,
                  convW[i],
                  new TensorOptional(convB[i]),
                  new long[] {1, 1},
                  new long[] {1, 1},
                  new long[] {1, 1},
                  1)
              .relu();
      if (i < 2)
        h =
            torch.max_pool2d(
                h,
                new long[] {2, 2},
                new long[] {2, 2},
                new long[] {0, 0},
                new long[] {1, 1},
                false);
    }
    return h.mean(2, 3); // (N, 128)
  }

  /** (N, C, H, W) -> class logits (N, classes). */
  public Tensor logits(Tensor x) {
    return head.forward(features(x));
  }

  public void load(Map<String, Tensor> weights) {
    var check = org.fasterdit.model.StateDictCheck.verify(params.named(), weights);
    check.throwIfBad();
    try (var g = org.fasterdit.torch.NoGrad.on();
        var s = org.fasterdit.torch.NativeScope.open()) {
      params.named().forEach((k, t) -> t.copy_(weights.get(k)));
    }
  }

  @Override
  public void close() {
    params.release();
  }
}
