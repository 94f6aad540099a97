package org.fasterdit.inception;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.model.CheckpointLoader;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Tensors;

/**
 * pytorch-fid's FID InceptionV3 (the PyTorch port of the TF 2015 Inception graph that FID is
 * defined on): torchvision's layout and parameter names, 1008 classes, no aux logits, BatchNorm eps
 * 1e-3, pooling branches that average without counting padding and a max-pooling last block. See
 * docs/evaluation.md for the preprocessing, the outputs and how this differs from the TF graph.
 *
 * <pre>{@code
 * try (FidInception net = FidInception.load(FidInception.defaultWeightsPath(), device)) {
 *   InceptionFeatures f = net.features(uint8Nhwc, n, h, w, 3);
 * }
 * }</pre>
 *
 * Evaluation only: no autograd, each batch in its own native scope. Not thread-safe.
 */
public final class FidInception implements AutoCloseable {
  public static final String WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth";
  public static final String WEIGHTS_URL =
      "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + WEIGHTS_FILE;
  public static final int INPUT_SIZE = 299;
  public static final int DEFAULT_BATCH = 32;

  private final List<BasicConv2d> layers;
  private final BasicConv2d conv1a, conv2a, conv2b, conv3b, conv4a;
  private final InceptionA mixed5b, mixed5c, mixed5d;
  private final InceptionB mixed6a;
  private final InceptionC mixed6b, mixed6c, mixed6d, mixed6e;
  private final InceptionD mixed7a;
  private final InceptionE mixed7b, mixed7c;
  private final Tensor fcWeight; // (1008, 2048)
  private final Tensor fcBias; // (1008)
  private final Device device;
  private int batchSize = DEFAULT_BATCH;
  private Precision precision = Precision.FP32;
  private IntConsumer progress = done -> {};
  private boolean closed;

  /** The network's top-level modules, torchvision's names. */
  static final Set<String> MODULES =
      Set.of(
          "Conv2d_1a_3x3",
          "Conv2d_2a_3x3",
          "Conv2d_2b_3x3",
          "Conv2d_3b_1x1",
          "Conv2d_4a_3x3",
          "Mixed_5b",
          "Mixed_5c",
          "Mixed_5d",
          "Mixed_6a",
          "Mixed_6b",
          "Mixed_6c",
          "Mixed_6d",
          "Mixed_6e",
          "Mixed_7a",
          "Mixed_7b",
          "Mixed_7c",
          "fc");

  private FidInception(InceptionWeights w) {
    w.checkModules(MODULES);
    device = w.device();
    conv1a = BasicConv2d.load(w, "Conv2d_1a_3x3", 2, 0);
    conv2a = BasicConv2d.load(w, "Conv2d_2a_3x3", 1, 0);
    conv2b = BasicConv2d.load(w, "Conv2d_2b_3x3", 1, 1);
    conv3b = BasicConv2d.load(w, "Conv2d_3b_1x1", 1, 0);
    conv4a = BasicConv2d.load(w, "Conv2d_4a_3x3", 1, 0);
    mixed5b = new InceptionA(w, "Mixed_5b");
    mixed5c = new InceptionA(w, "Mixed_5c");
    mixed5d = new InceptionA(w, "Mixed_5d");
    mixed6a = new InceptionB(w, "Mixed_6a");
    mixed6b = new InceptionC(w, "Mixed_6b");
    mixed6c = new InceptionC(w, "Mixed_6c");
    mixed6d = new InceptionC(w, "Mixed_6d");
    mixed6e = new InceptionC(w, "Mixed_6e");
    mixed7a = new InceptionD(w, "Mixed_7a");
    mixed7b = new InceptionE(w, "Mixed_7b", false);
    mixed7c = new InceptionE(w, "Mixed_7c", true);
    try (var scope = NativeScope.open()) {
      Tensor fw = w.tensor("fc.weight", 2);
      w.checkShape("fc.weight", InceptionFeatures.LOGITS_DIM, InceptionFeatures.POOL3_DIM);
      Tensor fb = w.tensor("fc.bias", 1);
      w.checkShape("fc.bias", InceptionFeatures.LOGITS_DIM);
      // clone: on CPU a float32 .to() is the mapped file's memory itself, gone when it is unmapped
      fcWeight = NativeScope.retain(fw.to(device, ScalarType.Float).clone().contiguous());
      fcBias = NativeScope.retain(fb.to(device, ScalarType.Float).clone().contiguous());
    }
    w.checkAllUsed();
    layers = w.layers();
  }

  /**
   * The default location of the weights: {@code $XDG_CACHE_HOME/fasterdit/} (or {@code
   * ~/.cache/fasterdit/}) + {@value #WEIGHTS_FILE}.
   */
  public static Path defaultWeightsPath() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache =
        xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return cache.resolve("fasterdit").resolve(WEIGHTS_FILE);
  }

  /**
   * Loads the weights from a {@code .pth} (pytorch-fid's file is the legacy pre-1.6 torch.save
   * format; the zip format and {@code .safetensors} are read too). Never downloads: a missing file
   * gets a message saying where to get it and where to put it.
   */
  public static FidInception load(Path pth, Device device) {
    if (!Files.isRegularFile(pth)) {
      throw new IllegalArgumentException(
          "FID Inception weights not found: "
              + pth.toAbsolutePath()
              + "\n  Download "
              + WEIGHTS_FILE
              + " (~91 MB) from pytorch-fid's GitHub release:\n    "
              + WEIGHTS_URL
              + "\n  and save it as "
              + defaultWeightsPath()
              + " (the default), or pass its path (eval --inception FILE).");
    }
    try (Arena arena = Arena.ofConfined()) {
      try {
        return fromStateDict(CheckpointLoader.readStateDict(pth, null, arena), device);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(pth + ": " + e.getMessage(), e);
      }
    }
  }

  /** Builds the network from a state dict with torchvision's names (the tensors are copied). */
  public static FidInception fromStateDict(Map<String, HostTensor> stateDict, Device device) {
    InceptionWeights w = new InceptionWeights(stateDict, device);
    try {
      return new FidInception(w);
    } catch (RuntimeException e) {
      w.layers().forEach(BasicConv2d::close);
      throw e;
    }
  }

  /** Images per forward pass (memory: ~35 MB of activations per image in fp32). */
  public FidInception setBatchSize(int batchSize) {
    if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1: " + batchSize);
    this.batchSize = batchSize;
    return this;
  }

  /** FP32 (the default) or BF16 (autocast: convs and the fc in bfloat16, features in fp32). */
  public FidInception setPrecision(Precision precision) {
    precision.checkSupported(device);
    this.precision = precision;
    return this;
  }

  /** Called after each batch with the number of images done so far (for a progress bar). */
  public FidInception setProgress(IntConsumer imagesDone) {
    this.progress = imagesDone == null ? done -> {} : imagesDone;
    return this;
  }

  /**
   * Features of a uint8 image tensor, (N, H, W, 3), (N, H, W, 1) or (N, H, W) grayscale: the layout
   * of ADM's {@code arr_0} as {@link org.fasterdit.io.Npz} reads it.
   */
  public InceptionFeatures features(HostTensor images) {
    long[] s = images.shape();
    if (images.dtype() != DType.U8 || (s.length != 4 && s.length != 3)) {
      throw new IllegalArgumentException(
          "images must be uint8 (N, H, W, C) or (N, H, W), got "
              + images.dtype()
              + java.util.Arrays.toString(s));
    }
    for (long d : s) {
      if (d > Integer.MAX_VALUE) throw new IllegalArgumentException("image batch too large: " + d);
    }
    int c = s.length == 4 ? (int) s[3] : 1;
    return features(images.data(), (int) s[0], (int) s[1], (int) s[2], c);
  }

  /** Features of {@code n} uint8 images laid out (n, h, w, c), c = 3 (RGB) or 1 (gray). */
  public InceptionFeatures features(byte[] images, int n, int h, int w, int c) {
    return features(MemorySegment.ofArray(images), n, h, w, c);
  }

  /** As {@link #features(byte[], int, int, int, int)} over host memory (e.g. a mapped .npz). */
  public InceptionFeatures features(MemorySegment images, int n, int h, int w, int c) {
    if (closed) throw new IllegalStateException("FidInception is closed");
    ImageBatch.check(images, n, h, w, c);
    int per = h * w * c;
    float[] pool3 = new float[n * InceptionFeatures.POOL3_DIM];
    float[] logits = new float[n * InceptionFeatures.LOGITS_DIM];
    float[] spatial = new float[n * InceptionFeatures.SPATIAL_DIM];
    try (var g = NoGrad.on()) {
      for (int start = 0; start < n; start += batchSize) {
        int b = Math.min(batchSize, n - start);
        try (var scope = NativeScope.open()) {
          MemorySegment chunk = images.asSlice((long) start * per, (long) b * per);
          Tensor x = ImageBatch.preprocess(chunk, b, h, w, c, device); // (b, 3, 299, 299)
          Tensor[] out;
          try (var a = precision.autocast(device)) {
            out = forward(x);
          }
          copyRows(out[0], pool3, start, InceptionFeatures.POOL3_DIM);
          copyRows(out[1], logits, start, InceptionFeatures.LOGITS_DIM);
          copyRows(out[2], spatial, start, InceptionFeatures.SPATIAL_DIM);
        }
        progress.accept(start + b);
      }
    }
    return new InceptionFeatures(n, pool3, logits, spatial);
  }

  private static void copyRows(Tensor t, float[] dst, int start, int dim) {
    float[] v = Tensors.toFloats(t);
    System.arraycopy(v, 0, dst, start * dim, v.length);
  }

  /**
   * The network on a preprocessed batch (N, 3, 299, 299) in [-1, 1]: {pool3 (N, 2048), logits (N,
   * 1008), spatial (N, 2023)}.
   */
  Tensor[] forward(Tensor x) {
    x = conv2b.forward(conv2a.forward(conv1a.forward(x))); // (N, 64, 147, 147)
    x = Pools.max3x3Stride2(x); // (N, 64, 73, 73)
    x = conv4a.forward(conv3b.forward(x)); // (N, 192, 71, 71)
    x = Pools.max3x3Stride2(x); // (N, 192, 35, 35)
    x = mixed5d.forward(mixed5c.forward(mixed5b.forward(x))); // (N, 288, 35, 35)
    x = mixed6a.forward(x); // (N, 768, 17, 17)
    x = mixed6c.forward(mixed6b.forward(x));
    Tensor[] tap = new Tensor[1];
    x = mixed6d.forward(x, tap); // tap[0]: the TF graph's mixed_6/conv, (N, 192, 17, 17)
    x = mixed7a.forward(mixed6e.forward(x)); // (N, 1280, 8, 8)
    x = mixed7c.forward(mixed7b.forward(x)); // (N, 2048, 8, 8)
    Tensor pool3 = torch.adaptive_avg_pool2d(x, 1, 1).flatten(1, 3); // (N, 2048)
    Tensor logits = torch.linear(pool3, fcWeight, new TensorOptional(fcBias)); // (N, 1008)
    Tensor spatial =
        tap[0]
            .narrow(1, 0, InceptionFeatures.SPATIAL_CHANNELS)
            .permute(0, 2, 3, 1) // TF's channel-last order, as ADM flattens it
            .reshape(x.size(0), InceptionFeatures.SPATIAL_DIM); // (N, 2023)
    return new Tensor[] {pool3, logits, spatial};
  }

  public Device device() {
    return device;
  }

  /**
   * The fc layer's bias (1008 values). ADM's Inception Score takes its softmax over the TF graph's
   * {@code softmax/logits/MatMul}, i.e. {@code pool3 @ W} without this bias: subtract it from
   * {@link InceptionFeatures#logits()} to get ADM's IS input.
   */
  public float[] fcBias() {
    if (closed) throw new IllegalStateException("FidInception is closed");
    return Tensors.toFloats(fcBias);
  }

  /** Frees every weight; safe to call twice. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    layers.forEach(BasicConv2d::close);
    NativeScope.release(fcWeight);
    NativeScope.release(fcBias);
  }
}
