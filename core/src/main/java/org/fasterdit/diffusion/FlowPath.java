package org.fasterdit.diffusion;

import java.util.Locale;

/**
 * Interpolation paths x_t = alpha_t x + sigma_t eps for flow matching, in the SiT/LightningDiT time
 * convention: t = 0 is pure noise, t = 1 is data, and the model sees raw t in [0, 1]. The same
 * objects are the continuous noise schedules of the SNR-PDF analysis ({@link ContinuousSchedule}).
 */
public enum FlowPath implements ContinuousSchedule {
  /** Rectified flow: alpha = t, sigma = 1 - t; the velocity target is x - eps. */
  LINEAR,
  /** GVP: alpha = sin(pi t / 2), sigma = cos(pi t / 2). */
  COSINE,
  /** SiT's VP path: log alpha = -1/4 (1-t)^2 (b1 - b0) - 1/2 (1-t) b0 with b0 = 0.1, b1 = 20. */
  VP;
  private static final double B0 = 0.1, B1 = 20.0;

  public static FlowPath parse(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "linear" -> LINEAR;
      case "cosine", "gvp" -> COSINE;
      case "vp" -> VP;
      default ->
          throw new IllegalArgumentException(
              "unknown path '" + s + "': expected linear, cosine or vp");
    };
  }

  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public double alpha(double t) {
    t = ContinuousSchedule.checkTime(label(), t);
    return switch (this) {
      case LINEAR -> t;
      case COSINE -> Math.sin(Math.PI * t / 2);
      case VP -> Math.exp(logAlphaVp(t));
    };
  }

  @Override
  public double sigma(double t) {
    t = ContinuousSchedule.checkTime(label(), t);
    return switch (this) {
      case LINEAR -> 1 - t;
      // cos(pi/2) in floating point is 6e-17, not 0; sin of the complement is exactly 0 at t = 1
      case COSINE -> Math.sin(Math.PI * (1 - t) / 2);
      // 1 - alpha^2 via expm1: near t = 1 alpha^2 is within rounding of 1 and the difference is 0
      case VP -> Math.sqrt(-Math.expm1(2 * logAlphaVp(t)));
    };
  }

  public double dAlpha(double t) {
    return switch (this) {
      case LINEAR -> 1;
      case COSINE -> Math.PI / 2 * Math.cos(Math.PI * t / 2);
      case VP -> alpha(t) * dLogAlphaVp(t);
    };
  }

  public double dSigma(double t) {
    return switch (this) {
      case LINEAR -> -1;
      case COSINE -> -Math.PI / 2 * Math.sin(Math.PI * t / 2);
      case VP -> -alpha(t) * dAlpha(t) / sigma(t);
    };
  }

  /** In log space, so the ends of the path keep their precision. */
  @Override
  public double logSnr(double t) {
    t = ContinuousSchedule.checkTime(label(), t);
    return switch (this) {
      case LINEAR -> 2 * (Math.log(t) - Math.log1p(-t));
      case COSINE -> 2 * (Math.log(alpha(t)) - Math.log(sigma(t)));
      case VP -> {
        double la = logAlphaVp(t);
        yield 2 * la - Math.log(-Math.expm1(2 * la));
      }
    };
  }

  @Override
  public double dLogSnrDt(double t) {
    t = ContinuousSchedule.checkTime(label(), t);
    return switch (this) {
      case LINEAR -> 2 / (t * (1 - t));
      // d/dt 2 ln tan(pi t/2) = pi / (sin(pi t/2) cos(pi t/2))
      case COSINE -> Math.PI / (alpha(t) * sigma(t));
      // l = 2 la - ln(1 - e^{2 la})  =>  dl/dt = 2 la' / (1 - e^{2 la})
      case VP -> 2 * dLogAlphaVp(t) / -Math.expm1(2 * logAlphaVp(t));
    };
  }

  /** For the linear path log SNR inverts in closed form: t = sigmoid(l / 2). */
  public static double linearTimeAtLogSnr(double logSnr) {
    return 1 / (1 + Math.exp(-logSnr / 2));
  }

  /**
   * VP's log alpha (exposed for the analysis: alpha never reaches 0, pure noise is not reached).
   */
  public static double logAlphaVp(double t) {
    double u = 1 - t;
    return -0.25 * u * u * (B1 - B0) - 0.5 * u * B0;
  }

  private static double dLogAlphaVp(double t) {
    return 0.5 * (1 - t) * (B1 - B0) + 0.5 * B0;
  }

  /**
   * The time interval training and sampling use. The linear path with velocity is well defined on
   * [0, 1]; the VP path (sigma -> 0 at t = 1 makes the score blow up) and noise/score targets stay
   * a little inside, as SiT does.
   */
  public double[] interval(Prediction prediction) {
    double e = (this == VP || prediction != Prediction.VELOCITY) ? 1e-3 : 0.0;
    return new double[] {e, 1 - e};
  }
}
