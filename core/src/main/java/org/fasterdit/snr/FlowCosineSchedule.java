package org.fasterdit.snr;

/**
 * Flow-cosine, the GVP path of SiT: alpha = sin(pi t / 2), sigma = cos(pi t / 2) (t = 0 noise, t =
 * 1 data), so alpha^2 + sigma^2 = 1 and log SNR = 2 ln tan(pi t / 2).
 */
public record FlowCosineSchedule() implements ContinuousSchedule {
  public static final String NAME = "cosine";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public double alpha(double t) {
    return Math.sin(Math.PI * ContinuousSchedule.checkTime(NAME, t) / 2);
  }

  @Override
  public double sigma(double t) {
    // cos(pi/2) in floating point is 6e-17, not 0; sin of the complement is exactly 0 at t = 1.
    return Math.sin(Math.PI * (1 - ContinuousSchedule.checkTime(NAME, t)) / 2);
  }

  @Override
  public double logSnr(double t) {
    return 2 * (Math.log(alpha(t)) - Math.log(sigma(t)));
  }

  @Override
  public double dLogSnrDt(double t) {
    // d/dt 2 ln tan(pi t/2) = pi / (sin(pi t/2) cos(pi t/2)) = 2 pi / sin(pi t)
    return Math.PI / (alpha(t) * sigma(t));
  }
}
