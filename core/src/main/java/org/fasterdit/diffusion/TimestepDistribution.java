package org.fasterdit.diffusion;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * The distribution training draws timesteps from: {@code uniform} or {@code lognorm:MU,S}
 * (logit-normal: n ~ N(MU, S), t = sigmoid(n)), with the density and CDF the SNR-PDF analysis
 * needs. {@link TimestepSampler} is this distribution plus the step it is switched off at.
 *
 * <p>The distribution lives on continuous time u in [0, 1] in the SiT convention (u = 1 is data).
 * Discrete DDPM schedules (integer k = 0..T-1, k = T-1 noisiest) use the <b>same</b> distribution
 * mapped onto the steps:
 *
 * <pre>k = min(T-1, floor((1 - u) T))</pre>
 *
 * i.e. [0, 1] is cut into T equal cells, cell k holding the u whose noise level matches step k. Why
 * this mapping:
 *
 * <ul>
 *   <li>{@code uniform} then gives exactly 1/T per step, the DiT recipe's uniform integer t.
 *       (Rounding {@code u (T-1)} instead would give the two end steps half weight.)
 *   <li>the flip 1 - u keeps MU's meaning the same for every schedule: MU &gt; 0 leans towards
 *       data, MU &lt; 0 towards noise.
 * </ul>
 *
 * The mass of step k is F(1 - k/T) - F(1 - (k+1)/T) with F the continuous cdf.
 */
public sealed interface TimestepDistribution {

  /** Density p_T(u) on (0, 1). */
  double density(double u);

  /** P(T <= u). */
  double cdf(double u);

  /**
   * Density of n = logit(u). Integrals over the whole path are done in n rather than u because the
   * ends of [0, 1], where log SNR is infinite, are then pushed far out into tails that vanish
   * exponentially.
   */
  double logitDensity(double n);

  /** Range of n = logit(u) that holds all but a negligible (&lt; 1e-12) part of the mass. */
  double[] logitSupport();

  /** One continuous timestep u in [0, 1). */
  double sample(RandomGenerator rng);

  /** The text {@link #parse} accepts for this distribution. */
  String spec();

  /**
   * One discrete DDPM step in 0..steps-1 (steps-1 noisiest) by the mapping in the class comment.
   */
  default int sampleStep(RandomGenerator rng, int steps) {
    return stepOf(sample(rng), steps);
  }

  /** Probability of DDPM step k in 0..steps-1 under the mapping in the class comment. */
  default double stepMass(int k, int steps) {
    if (steps < 1 || k < 0 || k >= steps) {
      throw new IllegalArgumentException("step must be in 0.." + (steps - 1) + ", got " + k);
    }
    return cdf(1 - (double) k / steps) - cdf(1 - (double) (k + 1) / steps);
  }

  /**
   * The discrete step holding continuous time u (u = 1 data maps to step 0, u = 0 noise to step
   * T-1).
   */
  static int stepOf(double u, int steps) {
    return Math.min(steps - 1, (int) Math.floor((1 - u) * steps));
  }

  /** Parses "uniform", "lognorm" (= lognorm:0,1) or "lognorm:MU,S". */
  static TimestepDistribution parse(String spec) {
    String expected = "expected uniform or lognorm:MU,S (e.g. lognorm:0,1)";
    if (spec == null)
      throw new IllegalArgumentException("timestep sampler is missing: " + expected);
    String v = spec.trim().toLowerCase(Locale.ROOT);
    if (v.equals("uniform")) return new Uniform();
    if (v.equals("lognorm")) return new LogitNormal(0, 1);
    if (v.startsWith("lognorm:")) {
      String[] p = v.substring("lognorm:".length()).split(",", -1);
      if (p.length == 2) {
        double mu;
        double s;
        try {
          mu = Double.parseDouble(p[0].trim());
          s = Double.parseDouble(p[1].trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "bad timestep sampler '" + spec + "': MU and S must be numbers, " + expected);
        }
        return new LogitNormal(mu, s);
      }
    }
    throw new IllegalArgumentException("bad timestep sampler '" + spec + "': " + expected);
  }

  /** Uniform u on [0, 1]; on DDPM, uniform integer steps. */
  record Uniform() implements TimestepDistribution {
    @Override
    public double density(double u) {
      return u >= 0 && u <= 1 ? 1 : 0;
    }

    @Override
    public double cdf(double u) {
      return Math.max(0, Math.min(1, u));
    }

    @Override
    public double logitDensity(double n) {
      // logistic density sigmoid(n) sigmoid(-n), written to avoid overflow for large |n|
      double e = Math.exp(-Math.abs(n));
      return e / ((1 + e) * (1 + e));
    }

    @Override
    public double[] logitSupport() {
      return new double[] {-30, 30};
    }

    @Override
    public double sample(RandomGenerator rng) {
      return rng.nextDouble();
    }

    @Override
    public String spec() {
      return "uniform";
    }
  }

  /** Logit-normal ("lognorm" in FasterDiT): n ~ N(mu, s), u = sigmoid(n). */
  record LogitNormal(double mu, double s) implements TimestepDistribution {
    public LogitNormal {
      // Beyond |MU| = 20 sigmoid(n) rounds to exactly 0 or 1 for most draws, which no schedule can
      // use.
      if (!(Math.abs(mu) <= 20))
        throw new IllegalArgumentException("lognorm MU must be in [-20, 20], got " + mu);
      if (!(s > 0) || Double.isInfinite(s)) {
        throw new IllegalArgumentException("lognorm S must be positive and finite, got " + s);
      }
    }

    @Override
    public double density(double u) {
      if (!(u > 0 && u < 1)) return 0;
      double n = Math.log(u) - Math.log1p(-u);
      return Gaussian.pdf((n - mu) / s) / (s * u * (1 - u));
    }

    @Override
    public double cdf(double u) {
      if (u <= 0) return 0;
      if (u >= 1) return 1;
      return Gaussian.cdf((Math.log(u) - Math.log1p(-u) - mu) / s);
    }

    @Override
    public double logitDensity(double n) {
      return Gaussian.pdf((n - mu) / s) / s;
    }

    @Override
    public double[] logitSupport() {
      // 8 s holds all but ~1e-15 of a normal; the clamp keeps sigmoid(n) away from exactly 0 or 1
      // in doubles
      // (for S above ~2 the clamp drops some tail mass, which callers report as mass outside the
      // analysis).
      return new double[] {Math.max(-35, mu - 8 * s), Math.min(35, mu + 8 * s)};
    }

    @Override
    public double sample(RandomGenerator rng) {
      // the plain logistic: a draw far in the lower tail gives exp(+large) = inf and so u = 0
      return 1 / (1 + Math.exp(-(mu + s * rng.nextGaussian())));
    }

    @Override
    public String spec() {
      return String.format(Locale.ROOT, "lognorm:%s,%s", fmt(mu), fmt(s));
    }

    private static String fmt(double x) {
      return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
    }
  }

  static double sigmoid(double n) {
    return n >= 0 ? 1 / (1 + Math.exp(-n)) : Math.exp(n) / (1 + Math.exp(n));
  }
}
