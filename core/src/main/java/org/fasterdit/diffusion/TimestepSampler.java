package org.fasterdit.diffusion;

import java.util.Locale;
import org.fasterdit.torch.HostRandom;

/**
 * Training timesteps in [0, 1]: uniform, or logit-normal ("lognorm" in FasterDiT): n ~ N(mu, s), t
 * = sigmoid(n), which concentrates training on the middle of the path. The authors switch lognorm
 * off late in long runs, so {@code lognormUntil} (a step; negative = never) falls back to uniform
 * from that step on.
 */
public record TimestepSampler(boolean logitNormal, double mu, double s, long lognormUntil) {

  public TimestepSampler {
    if (logitNormal && !(s > 0))
      throw new IllegalArgumentException("lognorm scale must be > 0, got " + s);
  }

  public static TimestepSampler uniform() {
    return new TimestepSampler(false, 0, 1, -1);
  }

  /** "uniform" or "lognorm:MU,S" (also "lognorm" = lognorm:0,1). */
  public static TimestepSampler parse(String spec, long lognormUntil) {
    String v = spec.trim().toLowerCase(Locale.ROOT);
    if (v.equals("uniform")) return uniform();
    if (v.equals("lognorm") || v.equals("logit-normal"))
      return new TimestepSampler(true, 0, 1, lognormUntil);
    if (v.startsWith("lognorm:")) {
      String[] p = v.substring(8).split(",");
      try {
        if (p.length == 2) {
          return new TimestepSampler(
              true, Double.parseDouble(p[0]), Double.parseDouble(p[1]), lognormUntil);
        }
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
    }
    throw new IllegalArgumentException(
        "bad timestep sampler '" + spec + "': expected uniform or lognorm:MU,S");
  }

  /** {@code n} timesteps in [lo, hi] for training step {@code step}. */
  public double[] sample(HostRandom rng, int n, long step, double lo, double hi) {
    boolean ln = logitNormal && (lognormUntil < 0 || step < lognormUntil);
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      double u = ln ? 1 / (1 + Math.exp(-(mu + s * rng.nextGaussian()))) : rng.nextDouble();
      t[i] = lo + (hi - lo) * u;
    }
    return t;
  }

  @Override
  public String toString() {
    return logitNormal ? String.format(Locale.ROOT, "lognorm:%s,%s", mu, s) : "uniform";
  }
}
