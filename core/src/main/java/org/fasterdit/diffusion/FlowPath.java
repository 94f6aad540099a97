package org.fasterdit.diffusion;

import java.util.Locale;

/**
 * Interpolation paths x_t = alpha_t x + sigma_t eps for flow matching, in the SiT/LightningDiT time
 * convention: t = 0 is pure noise, t = 1 is data, and the model sees raw t in [0, 1].
 */
public enum FlowPath {
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

  public double alpha(double t) {
    return switch (this) {
      case LINEAR -> t;
      case COSINE -> Math.sin(Math.PI * t / 2);
      case VP -> Math.exp(vpLogAlpha(t));
    };
  }

  public double sigma(double t) {
    return switch (this) {
      case LINEAR -> 1 - t;
      case COSINE -> Math.cos(Math.PI * t / 2);
      case VP -> Math.sqrt(Math.max(0, 1 - Math.exp(2 * vpLogAlpha(t))));
    };
  }

  public double dAlpha(double t) {
    return switch (this) {
      case LINEAR -> 1;
      case COSINE -> Math.PI / 2 * Math.cos(Math.PI * t / 2);
      case VP -> alpha(t) * (0.5 * (1 - t) * (B1 - B0) + 0.5 * B0);
    };
  }

  public double dSigma(double t) {
    return switch (this) {
      case LINEAR -> -1;
      case COSINE -> -Math.PI / 2 * Math.sin(Math.PI * t / 2);
      case VP -> -alpha(t) * dAlpha(t) / sigma(t);
    };
  }

  private static double vpLogAlpha(double t) {
    double u = 1 - t;
    return -0.25 * u * u * (B1 - B0) - 0.5 * u * B0;
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
