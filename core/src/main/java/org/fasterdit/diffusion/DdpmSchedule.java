package org.fasterdit.diffusion;

import java.util.Locale;

/**
 * The discrete DDPM schedule of the DiT recipe (T = 1000) and every coefficient derived from it, in
 * float64 as the reference computes them. {@code timestepMap} maps the (possibly respaced) index i
 * to the original timestep the model was trained with; respacing keeps the original cumulative
 * products at the kept steps (Nichol and Dhariwal).
 */
public final class DdpmSchedule implements NoiseSchedule {
  /** T of the DiT recipe (and of {@code ddpm-linear}/{@code ddpm-cosine} in the SNR-PDF tool). */
  public static final int DEFAULT_STEPS = 1000;

  public final int steps;
  public final double[] betas,
      abar,
      abarPrev,
      sqrtAbar,
      sqrtOneMinusAbar,
      sqrtRecipAbar,
      sqrtRecipM1Abar;
  public final double[] posteriorVariance,
      posteriorLogVarianceClipped,
      posteriorMeanCoef1,
      posteriorMeanCoef2;
  public final int[] timestepMap;

  private final String label;
  // ln(abar) and ln(abar / (1 - abar)) summed in log space: 1 - abar = -expm1(ln abar) stays
  // accurate when abar is close to 1, so log SNR keeps its precision at the clean end.
  private final double[] logAbar, logSnr;

  public enum Kind {
    LINEAR,
    COSINE
  }

  public static Kind parseKind(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "linear", "ddpm-linear" -> Kind.LINEAR;
      case "cosine", "ddpm-cosine" -> Kind.COSINE;
      default ->
          throw new IllegalArgumentException(
              "unknown beta schedule '" + s + "': expected linear or cosine");
    };
  }

  public static DdpmSchedule of(Kind kind, int t) {
    if (t < 2) throw new IllegalArgumentException("diffusion steps must be >= 2, got " + t);
    double[] betas = new double[t];
    if (kind == Kind.LINEAR) {
      double scale = 1000.0 / t, lo = scale * 1e-4, hi = scale * 0.02;
      for (int i = 0; i < t; i++)
        betas[i] = lo + (hi - lo) * i / (t - 1); // linspace, endpoints included
    } else {
      for (int i = 0; i < t; i++)
        betas[i] = Math.min(1 - cosineAbar((i + 1.0) / t) / cosineAbar((double) i / t), 0.999);
    }
    int[] map = new int[t];
    for (int i = 0; i < t; i++) map[i] = i;
    return new DdpmSchedule(kind == Kind.LINEAR ? "ddpm-linear" : "ddpm-cosine", betas, map);
  }

  private static double cosineAbar(double s) {
    double c = Math.cos((s + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }

  private DdpmSchedule(String label, double[] betas, int[] timestepMap) {
    int n = betas.length;
    this.label = label;
    logAbar = new double[n];
    logSnr = new double[n];
    double acc = 0;
    for (int i = 0; i < n; i++) {
      acc += Math.log1p(-betas[i]);
      logAbar[i] = acc;
      logSnr[i] = acc - Math.log(-Math.expm1(acc));
    }
    this.steps = n;
    this.betas = betas;
    this.timestepMap = timestepMap;
    abar = new double[n];
    abarPrev = new double[n];
    sqrtAbar = new double[n];
    sqrtOneMinusAbar = new double[n];
    sqrtRecipAbar = new double[n];
    sqrtRecipM1Abar = new double[n];
    posteriorVariance = new double[n];
    posteriorLogVarianceClipped = new double[n];
    posteriorMeanCoef1 = new double[n];
    posteriorMeanCoef2 = new double[n];
    double prod = 1;
    for (int i = 0; i < n; i++) {
      abarPrev[i] = prod;
      prod *= 1 - betas[i];
      abar[i] = prod;
    }
    for (int i = 0; i < n; i++) {
      sqrtAbar[i] = Math.sqrt(abar[i]);
      sqrtOneMinusAbar[i] = Math.sqrt(1 - abar[i]);
      sqrtRecipAbar[i] = Math.sqrt(1 / abar[i]);
      sqrtRecipM1Abar[i] = Math.sqrt(1 / abar[i] - 1);
      posteriorVariance[i] = betas[i] * (1 - abarPrev[i]) / (1 - abar[i]);
      posteriorMeanCoef1[i] = betas[i] * Math.sqrt(abarPrev[i]) / (1 - abar[i]);
      posteriorMeanCoef2[i] = (1 - abarPrev[i]) * Math.sqrt(1 - betas[i]) / (1 - abar[i]);
    }
    // The posterior variance is 0 at t = 0; its log is clipped to the t = 1 value, as the reference
    // does.
    for (int i = 0; i < n; i++) {
      posteriorLogVarianceClipped[i] =
          Math.log(i == 0 && n > 1 ? posteriorVariance[1] : posteriorVariance[i]);
    }
  }

  /**
   * A schedule over {@code count} of the original steps, evenly spaced (DiT's "250" sampling): new
   * betas from the cumulative products at the kept steps, so the marginals at those steps are
   * unchanged.
   */
  public DdpmSchedule respaced(int count) {
    if (count < 1 || count > steps)
      throw new IllegalArgumentException(
          "sampling steps must be in 1.." + steps + ", got " + count);
    if (count == steps) return this;
    int[] keep = new int[count];
    double frac = count == 1 ? 0 : (steps - 1) / (double) (count - 1);
    for (int i = 0; i < count; i++) keep[i] = (int) Math.round(i * frac);
    double[] nb = new double[count];
    double last = 1;
    int[] map = new int[count];
    for (int i = 0; i < count; i++) {
      nb[i] = 1 - abar[keep[i]] / last;
      last = abar[keep[i]];
      map[i] = timestepMap[keep[i]];
    }
    return new DdpmSchedule(label + "-respaced", nb, map);
  }

  // The noise-schedule view: integer t = 0..T-1, DiT convention (T-1 noisiest).

  @Override
  public String label() {
    return label;
  }

  /** T, the number of steps. */
  public int steps() {
    return steps;
  }

  public double alphaBar(int t) {
    return Math.exp(logAbar[index(t)]);
  }

  @Override
  public double alpha(double t) {
    return Math.exp(0.5 * logAbar[index(t)]);
  }

  @Override
  public double sigma(double t) {
    return Math.sqrt(-Math.expm1(logAbar[index(t)]));
  }

  @Override
  public double logSnr(double t) {
    return logSnr[index(t)];
  }

  /** log SNR of every step (unit-std data). */
  public double[] logSnrs() {
    return logSnr.clone();
  }

  private int index(double t) {
    int i = (int) t;
    if (i != t || i < 0 || i >= steps) {
      throw new IllegalArgumentException(
          label
              + " schedule: t must be an integer in 0.."
              + (steps - 1)
              + " (T-1 = noisiest), got "
              + t);
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DdpmSchedule d
        && d.label.equals(label)
        && java.util.Arrays.equals(d.betas, betas)
        && java.util.Arrays.equals(d.timestepMap, timestepMap);
  }

  @Override
  public int hashCode() {
    return label.hashCode() * 31 + steps;
  }

  @Override
  public String toString() {
    return label + "(T=" + steps + ")";
  }
}
