package org.fasterdit.vae;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.model.Params;
import org.fasterdit.model.StateDictCheck;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Tensors;

/**
 * The Stable Diffusion "kl-f8" autoencoder (LDM first stage; diffusers {@code AutoencoderKL}),
 * inference only, with the current diffusers parameter names. {@code encode} maps an image in [-1,
 * 1] to a diagonal Gaussian over unscaled latents; {@code decode} maps unscaled latents back. Both
 * run without autograd, each layer in its own native scope so at most one layer's temporaries are
 * alive, under whatever autocast the caller set (attention stays fp32 on CPU).
 *
 * <p>Thread-confined: use one instance from one thread at a time. Close it to free the weights.
 */
public final class AutoencoderKL implements AutoCloseable {
  private final VaeConfig config;
  private final Params params;
  private final List<UnaryOperator<Tensor>> encodeStages = new ArrayList<>();
  private final List<UnaryOperator<Tensor>> decodeStages = new ArrayList<>();
  private ScalarType weightDtype = ScalarType.Float;

  /** A model with zero weights, to be filled by {@link #loadStateDict}. */
  public AutoencoderKL(VaeConfig config, Device device) {
    this.config = config;
    this.params = new Params(device);
    long latent = config.latentChannels();
    encodeStages.addAll(new Encoder(params.child("encoder"), config).stages());
    Conv2d quant = Conv2d.pointwise(params.child("quant_conv"), 2 * latent, 2 * latent);
    encodeStages.add(quant::forward);
    Conv2d postQuant = Conv2d.pointwise(params.child("post_quant_conv"), latent, latent);
    decodeStages.add(postQuant::forward);
    decodeStages.addAll(new Decoder(params.child("decoder"), config).stages());
  }

  /**
   * Reads weights in any supported layout (see {@link VaeWeights}) and builds the model on {@code
   * device} with fp32 weights. Missing, unexpected and mis-shaped keys are all reported by name.
   */
  public static AutoencoderKL load(Path fileOrFolder, Device device) {
    try (Arena arena = Arena.ofConfined()) {
      VaeWeights.Loaded w = VaeWeights.read(fileOrFolder, arena);
      checkFits(fileOrFolder, w);
      AutoencoderKL vae = new AutoencoderKL(w.config(), device);
      try {
        vae.loadHost(w.tensors());
      } catch (IllegalArgumentException e) {
        vae.close();
        throw new IllegalArgumentException(
            fileOrFolder
                + " ("
                + w.layout()
                + ", "
                + w.config().describe()
                + "): "
                + e.getMessage(),
            e);
      } catch (RuntimeException e) {
        vae.close();
        throw e;
      }
      return vae;
    }
  }

  /**
   * Refuses, before any weight memory is allocated, a model larger than the file: every parameter
   * must come from the file, so a config (or a crafted shape) that sizes the model beyond what the
   * file holds cannot load, and building it first could exhaust memory.
   */
  private static void checkFits(Path fileOrFolder, VaeWeights.Loaded w) {
    long have = 0;
    for (HostTensor t : w.tensors().values()) have += t.numel();
    long need = w.config().minParameters();
    if (need > have) {
      throw new IllegalArgumentException(
          fileOrFolder
              + " ("
              + w.layout()
              + "): "
              + w.config().describe()
              + " has at least "
              + need
              + " parameters but the file holds only "
              + have
              + " weights");
    }
  }

  private void loadHost(Map<String, HostTensor> host) {
    try (var scope = NativeScope.open()) {
      Map<String, Tensor> views = new LinkedHashMap<>();
      for (var e : host.entrySet()) views.put(e.getKey(), Tensors.view(e.getValue()));
      loadStateDict(views);
      java.lang.ref.Reference.reachabilityFence(host); // the views borrow its memory until copied
    }
  }

  /** Copies tensors in by name (dtype and device converted); every problem is reported first. */
  public void loadStateDict(Map<String, Tensor> source) {
    StateDictCheck.verify(params.named(), source).throwIfBad();
    try (var g = NoGrad.on();
        var s = NativeScope.open()) {
      for (var e : params.named().entrySet()) e.getValue().copy_(source.get(e.getKey()));
    }
  }

  /**
   * Stores the weights in {@code dtype} (bf16 on CPUs with native bf16 arithmetic; fp16 on CUDA).
   * Inputs are then cast to it, the attention product still runs in fp32 on CPU, and outputs are
   * float32 as always. Irreversible: load again for fp32.
   */
  public void castWeights(ScalarType dtype) {
    try (var g = NoGrad.on();
        var s = NativeScope.open()) {
      for (Tensor p : params.named().values()) p.__dispatch_set_data(p.to(dtype));
    }
    weightDtype = dtype;
  }

  /**
   * @param x (N, in, H, W) float in [-1, 1], H and W multiples of {@link VaeConfig#downFactor()}
   * @return the posterior over unscaled latents (N, latent, H/f, W/f), float32, on the model's
   *     device
   */
  public Posterior encode(Tensor x) {
    checkInput(x, config.inChannels(), "image", config.downFactor());
    try (var g = NoGrad.on()) {
      Tensor moments = Stages.run(x.to(device(), weightDtype), encodeStages);
      return Posterior.fromMoments(moments.to(ScalarType.Float));
    }
  }

  /**
   * @param z (N, latent, h, w) unscaled latents (DiT latents divided by {@link #scalingFactor()})
   * @return images (N, in, h*f, w*f) float32 on the model's device, ~[-1, 1] for trained weights
   */
  public Tensor decode(Tensor z) {
    checkInput(z, config.latentChannels(), "latent", 1);
    try (var g = NoGrad.on()) {
      return Stages.run(z.to(device(), weightDtype), decodeStages).to(ScalarType.Float);
    }
  }

  private static void checkInput(Tensor t, int channels, String what, int multiple) {
    long[] s = Tensors.shape(t);
    if (s.length != 4 || s[1] != channels || s[2] % multiple != 0 || s[3] % multiple != 0) {
      throw new IllegalArgumentException(
          "VAE "
              + what
              + " must be (N, "
              + channels
              + ", H, W)"
              + (multiple > 1 ? " with H and W multiples of " + multiple : "")
              + ", got "
              + Arrays.toString(s));
    }
    if (!t.is_floating_point())
      throw new IllegalArgumentException("VAE " + what + " must be floating point");
  }

  public VaeConfig config() {
    return config;
  }

  /** Latents for DiT are {@code sample * scalingFactor}; 0.18215 when the config lacks the key. */
  public double scalingFactor() {
    return config.scalingFactor();
  }

  public Device device() {
    return params.device();
  }

  /** Every weight by its current diffusers name. */
  public Map<String, Tensor> stateDict() {
    return params.named();
  }

  public long parameterCount() {
    return params.count(false);
  }

  @Override
  public void close() {
    params.release();
  }
}
