package org.fasterdit.sample;

/**
 * What to sample: count, sampler name ("euler", "heun", "dopri5", "sde" for flow models; "ddpm",
 * "ddim" for DDPM models; "auto" picks euler or ddpm), steps, guidance, seed, an optional fixed
 * class (-1 = uniform random labels), batch size, weights ("ema" or "model") and a flow time shift.
 */
public record SampleSpec(
    int count,
    String sampler,
    int steps,
    Guidance guidance,
    long seed,
    int fixedClass,
    int batch,
    String weights,
    double shift) {
  public SampleSpec {
    if (count < 1) throw new IllegalArgumentException("--num must be >= 1, got " + count);
    if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    if (!weights.equals("ema") && !weights.equals("model"))
      throw new IllegalArgumentException("weights must be ema or model, got " + weights);
  }
}
