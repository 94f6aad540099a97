package org.fasterdit.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Tensors;

/**
 * Diffusion Transformer (Peebles and Xie, 2023) with the reference's parameter names,
 * initialisation and embeddings, so that checkpoints of the public DiT/SiT code load one to one and
 * outputs match.
 *
 * <p>Thread-confined: use one instance from one thread at a time.
 */
public final class DiT implements AutoCloseable {
  private final DiTConfig config;
  private final Params params;
  private final Tensor posEmbed;
  private final PatchEmbed xEmbedder;
  private final TimestepEmbedder tEmbedder;
  private final LabelEmbedder yEmbedder;
  private final List<DiTBlock> blocks = new ArrayList<>();
  private final FinalLayer finalLayer;

  /** A model with the reference initialisation drawn from {@code seed}. */
  public DiT(DiTConfig config, Device device, long seed) {
    this(config, device);
    initialize(seed);
  }

  /** A model with zero weights, to be filled by {@link #loadStateDict} or {@link #initialize}. */
  public DiT(DiTConfig config, Device device) {
    this.config = config;
    this.params = new Params(device);
    int d = config.hidden();
    this.posEmbed =
        params.create("pos_embed", false, 1, config.tokens(), d); // fixed, never trained
    this.xEmbedder =
        new PatchEmbed(params.child("x_embedder"), config.inChannels(), d, config.patch());
    this.tEmbedder = new TimestepEmbedder(params.child("t_embedder"), d);
    this.yEmbedder = new LabelEmbedder(params.child("y_embedder"), config.numClasses(), d);
    Params b = params.child("blocks");
    for (int i = 0; i < config.depth(); i++)
      blocks.add(new DiTBlock(b.child(Integer.toString(i)), d, config.heads()));
    this.finalLayer =
        new FinalLayer(params.child("final_layer"), d, config.patch(), config.outChannels());
    WeightInit.set(posEmbed, PositionEmbedding.sinCos2d(d, config.gridSize()));
  }

  public void initialize(long seed) {
    WeightInit init = new WeightInit(seed);
    xEmbedder.init(init);
    tEmbedder.init(init);
    yEmbedder.init(init);
    for (DiTBlock block : blocks) block.init(init);
    finalLayer.init();
    WeightInit.set(posEmbed, PositionEmbedding.sinCos2d(config.hidden(), config.gridSize()));
  }

  public DiTConfig config() {
    return config;
  }

  /** The null label (= num_classes) used for unconditional predictions. */
  public int nullLabel() {
    return yEmbedder.nullLabel();
  }

  /**
   * @param x (N, C, H, W) float
   * @param t (N) float timesteps, used as given (DiT: 0..999; flow models: 0..1)
   * @param y (N) int64 labels; num_classes is the null label
   * @return (N, C_out, H, W)
   */
  public Tensor forward(Tensor x, Tensor t, Tensor y) {
    // the patch embedding is bf16 under autocast: cast before adding the fp32 table (a mixed-dtype
    // add runs a scalar loop on CPU, docs/libtorch-from-java.md). The sum is made contiguous once:
    // the embedding is a transposed view, elementwise outputs keep their input's layout, so without
    // it the whole residual stream stays transposed and every layer norm copies it, forward and
    // backward (~2% of a bf16 DiT-S/2 step's CPU time, benchmarks/RESULTS.md).
    Tensor h =
        xEmbedder
            .forward(x)
            .to(posEmbed.scalar_type().intern())
            .add(posEmbed)
            .contiguous(); // (N, T, D)
    Tensor c = tEmbedder.forward(t).add(yEmbedder.forward(y)); // (N, D)
    // a scope per block: JavaCPP frees a tensor handle only when its scope closes, so one scope
    // around the whole forward kept every block's activations alive until the end (over 10 GB RSS
    // sampling DiT-S/2 with 128 images a call). Autograd holds what backward needs by itself.
    h = NativeScope.retain(h); // our own reference across the blocks' scopes
    for (DiTBlock block : blocks) {
      try (var scope = NativeScope.open()) {
        h = NativeScope.swap(h, block.forward(h, c)); // (N, T, D)
      }
    }
    h = NativeScope.handBack(h);
    return unpatchify(finalLayer.forward(h, c)); // (N, C_out, H, W)
  }

  /**
   * Classifier-free guidance. Runs [x; x] with labels [y; null] and returns uncond + scale * (cond
   * - uncond) on the first {@code guidedChannels} output channels; the remaining channels (learned
   * sigma, or the public code's unguided 4th latent channel when {@code guidedChannels} = 3) come
   * from the conditional half. Guiding "all channels" means {@code guidedChannels = inChannels}:
   * the prediction, never the variance half.
   *
   * @return (M, C_out, H, W) for M = x.size(0)
   */
  public Tensor forwardWithCfg(Tensor x, Tensor t, Tensor y, double scale, int guidedChannels) {
    if (guidedChannels < 1 || guidedChannels > config.outChannels()) {
      throw new IllegalArgumentException(
          "guided channels must be in 1.." + config.outChannels() + ", got " + guidedChannels);
    }
    Tensor nulls = torch.full_like(y, new org.bytedeco.pytorch.Scalar((long) nullLabel()));
    Tensor out =
        forward(
            torch.cat(new TensorVector(x, x), 0),
            torch.cat(new TensorVector(t, t), 0),
            torch.cat(new TensorVector(y, nulls), 0)); // (2M, C_out, H, W)
    TensorVector halves = out.chunk(2, 0);
    Tensor cond = halves.get(0), uncond = halves.get(1);
    Tensor guided = uncond.add(cond.sub(uncond).mul(new org.bytedeco.pytorch.Scalar(scale)));
    if (guidedChannels == config.outChannels()) return guided;
    return torch.cat(
        new TensorVector(
            guided.narrow(1, 0, guidedChannels),
            cond.narrow(1, guidedChannels, config.outChannels() - guidedChannels)),
        1);
  }

  /** (N, T, p*p*C) -> (N, C, H, W), tokens in row-major patch order. */
  private Tensor unpatchify(Tensor x) {
    long n = x.size(0);
    int g = config.gridSize(), p = config.patch(), c = config.outChannels();
    return x.reshape(n, g, g, p, p, c)
        .permute(0, 5, 1, 3, 2, 4)
        .reshape(n, c, (long) g * p, (long) g * p);
  }

  /** Every tensor by its reference state-dict name. */
  public Map<String, Tensor> stateDict() {
    return params.named();
  }

  public Params params() {
    return params;
  }

  public Device device() {
    return params.device();
  }

  /**
   * Copies tensors into the model by name, converting dtype (bf16/fp16 checkpoints load into fp32
   * weights) and device. Every problem is collected and reported together by name before anything
   * is copied.
   */
  public void loadStateDict(Map<String, Tensor> source) {
    StateDictCheck.verify(params.named(), source).throwIfBad();
    try (var g = NoGrad.on();
        var s = org.fasterdit.torch.NativeScope.open()) {
      for (var e : params.named().entrySet()) e.getValue().copy_(source.get(e.getKey()));
    }
  }

  /**
   * Copies every weight from {@code other} (same config); used for EMA initialisation and updates.
   */
  public void copyFrom(DiT other) {
    loadStateDict(other.stateDict());
  }

  public long parameterCount() {
    return params.count(true);
  }

  public float[] get(String name) {
    return Tensors.toFloats(params.named().get(name));
  }

  @Override
  public void close() {
    params.release();
  }
}
