package org.fasterdit.sample;

/**
 * What to sample: count, sampler name ("euler", "heun", "dopri5", "sde" for flow models; "ddpm",
 * "ddim" for DDPM models; "auto" picks euler or ddpm), steps, guidance, seed, an optional fixed
 * class (-1 = uniform random labels), batch size, weights ("ema" or "model"), a flow time shift and
 * the absolute and relative tolerances of the adaptive dopri5 solver.
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
    double shift,
    double atol,
    double rtol) {
  /** SiT's dopri5 tolerances, used when none are given. */
  public static final double DEFAULT_ATOL = 1e-6, DEFAULT_RTOL = 1e-3;

  public SampleSpec(
      int count,
      String sampler,
      int steps,
      Guidance guidance,
      long seed,
      int fixedClass,
      int batch,
      String weights,
      double shift) {
    this(
        count,
        sampler,
        steps,
        guidance,
        seed,
        fixedClass,
        batch,
        weights,
        shift,
        DEFAULT_ATOL,
        DEFAULT_RTOL);
  }

  public SampleSpec {
    if (!(atol > 0) || !(rtol >= 0))
      throw new IllegalArgumentException(
          "dopri5 tolerances must be atol > 0 and rtol >= 0, got atol " + atol + ", rtol " + rtol);
    if (count < 1) throw new IllegalArgumentException("--num must be >= 1, got " + count);
    if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    if (!weights.equals("ema") && !weights.equals("model"))
      throw new IllegalArgumentException("weights must be ema or model, got " + weights);
  }
}
