package org.fasterdit.vae;

import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.Scalars;

/**
 * The encoder's diagonal Gaussian over latents: {@code mean} and {@code logvar}, each (N, latent,
 * h, w) float32, logvar clamped to [-30, 20] as in the LDM code (exp(0.5 * 20) keeps the std
 * finite; exp(-15) is as good as zero). Latents are unscaled: DiT trains on {@code sample() *
 * scalingFactor}.
 */
public record Posterior(Tensor mean, Tensor logvar) {
  static final double LOGVAR_MIN = -30;
  static final double LOGVAR_MAX = 20;

  /** Splits quant_conv's output (N, 2 * latent, h, w) into mean and clamped logvar. */
  static Posterior fromMoments(Tensor moments) {
    long latent = moments.size(1) / 2;
    Tensor mean = moments.narrow(1, 0, latent);
    Tensor logvar =
        torch.clamp(
            moments.narrow(1, latent, latent),
            new ScalarOptional(Scalars.of(LOGVAR_MIN)),
            new ScalarOptional(Scalars.of(LOGVAR_MAX)));
    return new Posterior(mean, logvar);
  }

  public Tensor std() {
    return torch.exp(logvar.mul(Scalars.of(0.5)));
  }

  /** mean + std * noise, for standard-normal {@code noise} of the mean's shape. */
  public Tensor sample(Tensor noise) {
    return mean.add(std().mul(noise.to(mean)));
  }

  /** A sample with noise drawn on the host (the project's reproducible randomness). */
  public Tensor sample(HostRandom rng) {
    return sample(rng.gaussian(mean.device(), mean.sizes().vec().get()));
  }
}
