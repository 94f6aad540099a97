package org.fasterdit.snr;

import java.util.Arrays;

/**
 * Discrete DDPM schedules in the DiT convention: integer t = 0..T-1, t = T-1 the noisiest. alpha_t
 * = sqrt(abar_t), sigma_t = sqrt(1 - abar_t), abar_t = prod_{i <= t} (1 - beta_i).
 *
 * <ul>
 *   <li>{@code ddpm-linear}: beta linear from 1e-4 * (1000/T) to 0.02 * (1000/T) (the scale keeps
 *       the total noise comparable when T differs from 1000);
 *   <li>{@code ddpm-cosine}: f(t) = cos^2(((t/T) + 0.008) / 1.008 * pi/2), beta_i = min(1 -
 *       f(i+1)/f(i), 0.999), the cap avoiding a singular last step where f reaches 0.
 * </ul>
 *
 * log SNR is kept per step in log space (ln abar - ln(1 - abar)) so the cleanest steps, where 1 -
 * abar is ~1e-4, lose no precision.
 */
public final class DdpmSchedule implements NoiseSchedule {
  public static final String LINEAR = "ddpm-linear";
  public static final String COSINE = "ddpm-cosine";
  public static final int DEFAULT_STEPS = 1000;

  private final String name;
  private final double[] logAbar;
  private final double[] logSnr;

  private DdpmSchedule(String name, double[] betas) {
    this.name = name;
    int steps = betas.length;
    logAbar = new double[steps];
    logSnr = new double[steps];
    double acc = 0;
    for (int i = 0; i < steps; i++) {
      acc += Math.log1p(-betas[i]);
      logAbar[i] = acc;
      // ln(abar / (1 - abar)); 1 - abar = -expm1(ln abar) stays accurate when abar is close to 1.
      logSnr[i] = acc - Math.log(-Math.expm1(acc));
    }
  }

  public static DdpmSchedule linear(int steps) {
    checkSteps(steps);
    double scale = 1000.0 / steps;
    double start = 1e-4 * scale;
    double end = 0.02 * scale;
    double[] betas = new double[steps];
    for (int i = 0; i < steps; i++) {
      betas[i] = steps == 1 ? start : start + (end - start) * i / (steps - 1);
    }
    if (end >= 1) {
      throw new IllegalArgumentException(
          "ddpm-linear with T = " + steps + " would need beta_max = " + end + " >= 1");
    }
    return new DdpmSchedule(LINEAR, betas);
  }

  public static DdpmSchedule cosine(int steps) {
    checkSteps(steps);
    double[] betas = new double[steps];
    for (int i = 0; i < steps; i++) {
      betas[i] = Math.min(1 - cosineAbar(i + 1, steps) / cosineAbar(i, steps), 0.999);
    }
    return new DdpmSchedule(COSINE, betas);
  }

  private static double cosineAbar(double t, int steps) {
    double c = Math.cos(((t / steps) + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }

  private static void checkSteps(int steps) {
    if (steps < 2)
      throw new IllegalArgumentException("DDPM needs at least 2 timesteps, got T = " + steps);
  }

  @Override
  public String name() {
    return name;
  }

  /** T, the number of discrete timesteps. */
  public int steps() {
    return logAbar.length;
  }

  /** abar_t for integer t. */
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

  /** Unit-data log SNR of every step, index = t (decreasing: t = T-1 is the noisiest). */
  public double[] logSnrs() {
    return logSnr.clone();
  }

  private int index(double t) {
    int i = (int) t;
    if (i != t || i < 0 || i >= logAbar.length) {
      throw new IllegalArgumentException(
          name
              + " schedule: t must be an integer in 0.."
              + (logAbar.length - 1)
              + " (T-1 = noisiest), got "
              + t);
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DdpmSchedule d && d.name.equals(name) && Arrays.equals(d.logAbar, logAbar);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + logAbar.length;
  }

  @Override
  public String toString() {
    return name + "(T=" + steps() + ")";
  }
}
