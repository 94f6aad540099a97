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
 * The project's own feature network for quality measurement on small datasets. The Frechet distance
 * is computed on its 128-d features (FD-dataset, not FID: the network is ours, trained on the
 * dataset itself). Two layouts ({@link Arch}), told apart by the {@code arch} metadata of the saved
 * file:
 *
 * <ul>
 *   <li>{@link Arch#CONV3_FC} (the default for new classifiers): three 3x3 conv + ReLU stages (32,
 *       64, 128 channels), each followed by a 2x2 max-pool, flattened (128 x H/8 x W/8) into a
 *       fully connected 128-d feature layer with ReLU, dropout 0.3 while training, and a linear
 *       classifier. Keeping the spatial layout into the feature layer is what lifts Fashion-MNIST
 *       test accuracy above 0.90.
 *   <li>{@link Arch#CONV3_GAP} (files without the tag, written before it existed): the same convs
 *       with max-pools after the first two only, global average pooling to 128-d, and the linear
 *       classifier. Kept bit for bit so studies that pinned such a file keep their numbers.
 * </ul>
 */
public final class FeatureNet implements AutoCloseable {
  public static final int FEATURES = 128;

  /** Dropout on the feature layer of {@link Arch#CONV3_FC} during training only. */
  static final double DROPOUT = 0.3;

  /** The layout, stored as the {@code arch} metadata tag. */
  public enum Arch {
    CONV3_GAP("conv3-gap"),
    CONV3_FC("conv3-fc");

    private final String tag;

    Arch(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }

    /** The layout of {@code tag}; null (a file from before the tag) is {@link #CONV3_GAP}. */
    public static Arch ofTag(String tag, Object file) {
      if (tag == null) return CONV3_GAP;
      for (Arch a : values()) if (a.tag.equals(tag)) return a;
      throw new IllegalArgumentException(
          "classifier "
              + file
              + " has unknown arch '"
              + tag
              + "' (this build knows conv3-gap, conv3-fc): written by a newer fasterdit?");
    }
  }

  private final Params params;
  private final Tensor[] convW = new Tensor[3], convB = new Tensor[3];
  private final Linear fc; // null for CONV3_GAP
  private final Linear head;
  private final Arch arch;
  private final int channels, classes, height, width;

  /** The old layout ({@link Arch#CONV3_GAP}). */
  public FeatureNet(int channels, int classes, Device device, long seed) {
    this(Arch.CONV3_GAP, channels, classes, 32, 32, device, seed);
  }

  /**
   * @param height image height (a multiple of 8 for {@link Arch#CONV3_FC}, whose feature layer
   *     reads the flattened 128 x H/8 x W/8 map)
   */
  public FeatureNet(
      Arch arch, int channels, int classes, int height, int width, Device device, long seed) {
    this.arch = arch;
    this.channels = channels;
    this.classes = classes;
    this.height = height;
    this.width = width;
    this.params = new Params(device);
    int[] widths = {channels, 32, 64, FEATURES};
    WeightInit init = new WeightInit(seed);
    for (int i = 0; i < 3; i++) {
      Params p = params.child("conv" + i);
      convW[i] = p.create("weight", true, widths[i + 1], widths[i], 3, 3);
      convB[i] = p.create("bias", true, widths[i + 1]);
      init.xavierUniform(convW[i]);
    }
    if (arch == Arch.CONV3_FC) {
      if (height % 8 != 0 || width % 8 != 0 || height <= 0 || width <= 0) {
        throw new IllegalArgumentException(
            "conv3-fc feature net needs image sides divisible by 8, got " + height + "x" + width);
      }
      fc = new Linear(params.child("fc"), FEATURES * (height / 8) * (width / 8), FEATURES);
      init.xavierUniform(params.named().get("fc.weight"));
    } else {
      fc = null;
    }
    head = new Linear(params.child("head"), FEATURES, classes);
    init.xavierUniform(params.named().get("head.weight"));
  }

  public Arch arch() {
    return arch;
  }

  public int channels() {
    return channels;
  }

  /** The image size the feature layer was built for (conv3-gap: any; 32 is a placeholder). */
  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int classes() {
    return classes;
  }

  public Params params() {
    return params;
  }

  /** (N, C, H, W) in [-1, 1] -> (N, 128), as used for evaluation (no dropout). */
  public Tensor features(Tensor x) {
    return features(x, false);
  }

  private Tensor features(Tensor x, boolean training) {
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
      if (i < 2 || arch == Arch.CONV3_FC)
        h =
            torch.max_pool2d(
                h,
                new long[] {2, 2},
                new long[] {2, 2},
                new long[] {0, 0},
                new long[] {1, 1},
                false);
    }
    if (arch == Arch.CONV3_GAP) return h.mean(2, 3); // (N, 128)
    Tensor f = fc.forward(h.flatten(1, -1)).relu();
    return training ? torch.dropout(f, DROPOUT, true) : f;
  }

  /** (N, C, H, W) -> class logits (N, classes), as used for evaluation. */
  public Tensor logits(Tensor x) {
    return head.forward(features(x));
  }

  /** Class logits with the training-time regularisation (dropout) applied. */
  Tensor trainingLogits(Tensor x) {
    return head.forward(features(x, true));
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
