package org.fasterdit.snr;

/**
 * Rectified flow / flow-linear: alpha = t, sigma = 1 - t (t = 0 noise, t = 1 data). Then log SNR =
 * 2 logit(t), which is why logit-normal timesteps give a normal log-SNR PDF.
 */
public record FlowLinearSchedule() implements ContinuousSchedule {
  public static final String NAME = "linear";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public double alpha(double t) {
    return ContinuousSchedule.checkTime(NAME, t);
  }

  @Override
  public double sigma(double t) {
    return 1 - ContinuousSchedule.checkTime(NAME, t);
  }

  @Override
  public double logSnr(double t) {
    ContinuousSchedule.checkTime(NAME, t);
    return 2 * (Math.log(t) - Math.log1p(-t));
  }

  @Override
  public double dLogSnrDt(double t) {
    ContinuousSchedule.checkTime(NAME, t);
    return 2 / (t * (1 - t));
  }

  /** Closed form of the inverse, kept so tests can check the generic bisection against it. */
  public static double timeAtLogSnrExact(double logSnr) {
    return 1 / (1 + Math.exp(-logSnr / 2));
  }
}
