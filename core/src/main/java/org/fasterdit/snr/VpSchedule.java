package org.fasterdit.snr;

/**
 * The variance-preserving path of SiT (t = 0 noise, t = 1 data): log alpha_t = -1/4 (1-t)^2
 * (beta_max - beta_min) - 1/2 (1-t) beta_min with beta_min = 0.1, beta_max = 20, and sigma_t =
 * sqrt(1 - alpha_t^2). Unlike the flow paths it never reaches pure noise: at t = 0, unit-data log
 * SNR is about -10.05, and the PDF is zero below that.
 */
public record VpSchedule() implements ContinuousSchedule {
  public static final String NAME = "vp";
  static final double BETA_MIN = 0.1;
  static final double BETA_MAX = 20.0;

  @Override
  public String name() {
    return NAME;
  }

  /** log alpha_t, the quantity the schedule is defined by. */
  public double logAlpha(double t) {
    double s = 1 - ContinuousSchedule.checkTime(NAME, t);
    return -0.25 * s * s * (BETA_MAX - BETA_MIN) - 0.5 * s * BETA_MIN;
  }

  @Override
  public double alpha(double t) {
    return Math.exp(logAlpha(t));
  }

  @Override
  public double sigma(double t) {
    // 1 - alpha^2 via expm1: near t = 1, alpha^2 is within rounding of 1 and the plain difference
    // would be 0.
    return Math.sqrt(-Math.expm1(2 * logAlpha(t)));
  }

  @Override
  public double logSnr(double t) {
    double la = logAlpha(t);
    return 2 * la - Math.log(-Math.expm1(2 * la));
  }

  @Override
  public double dLogSnrDt(double t) {
    // l = 2 la - ln(1 - e^{2 la})  =>  dl/dt = 2 la' / (1 - e^{2 la}),  la' = 1/2 (1-t)(beta_max -
    // beta_min) + 1/2 beta_min
    double la = logAlpha(t);
    double dla = 0.5 * (1 - t) * (BETA_MAX - BETA_MIN) + 0.5 * BETA_MIN;
    return 2 * dla / -Math.expm1(2 * la);
  }
}
