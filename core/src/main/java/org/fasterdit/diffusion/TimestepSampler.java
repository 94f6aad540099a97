package org.fasterdit.diffusion;

import org.fasterdit.torch.HostRandom;

/**
 * How training draws its timesteps in [0, 1]: a {@link TimestepDistribution} (uniform, or
 * logit-normal, "lognorm" in FasterDiT, which concentrates training on the middle of the path). The
 * authors switch lognorm off late in long runs, so {@code lognormUntil} (a step; negative = never)
 * falls back to uniform from that step on.
 */
public record TimestepSampler(TimestepDistribution distribution, long lognormUntil) {

  public static TimestepSampler uniform() {
    return new TimestepSampler(new TimestepDistribution.Uniform(), -1);
  }

  /** "uniform" or "lognorm:MU,S" (also "lognorm" = lognorm:0,1). */
  public static TimestepSampler parse(String spec, long lognormUntil) {
    return new TimestepSampler(TimestepDistribution.parse(spec), lognormUntil);
  }

  /** True when training draws from a logit-normal (at least until {@code lognormUntil}). */
  public boolean logitNormal() {
    return distribution instanceof TimestepDistribution.LogitNormal;
  }

  /** {@code n} timesteps in [lo, hi] for training step {@code step}. */
  public double[] sample(HostRandom rng, int n, long step, double lo, double hi) {
    boolean off = logitNormal() && lognormUntil >= 0 && step >= lognormUntil;
    TimestepDistribution d = off ? new TimestepDistribution.Uniform() : distribution;
    double[] t = new double[n];
    for (int i = 0; i < n; i++) t[i] = lo + (hi - lo) * d.sample(rng);
    return t;
  }

  @Override
  public String toString() {
    return distribution.spec();
  }
}
