package org.fasterdit.diffusion;

/**
 * A schedule on continuous t in [0, 1] with t = 0 noise and t = 1 data (SiT convention), so log SNR
 * increases strictly with t. That monotonicity is what lets the SNR PDF be written as p_T(t(l))
 * |dt/dl|.
 */
public sealed interface ContinuousSchedule extends NoiseSchedule permits FlowPath {

  /**
   * d(log SNR)/dt, strictly positive on (0, 1); independent of sigma_d because the data std only
   * shifts log SNR.
   */
  double dLogSnrDt(double t);

  /**
   * The t in [0, 1] at which unit-data log SNR equals {@code logSnr}, found by bisection on the
   * monotone l(t). Returns 0 (or 1) when {@code logSnr} lies at or below l(0) (at or above l(1)),
   * i.e. outside what the path reaches; callers treat those ends as "no density here". Bisection
   * rather than Newton because l(t) has infinite slope at the ends of some paths and bisection
   * cannot diverge.
   */
  default double timeAtLogSnr(double logSnr) {
    if (Double.isNaN(logSnr))
      throw new IllegalArgumentException("log SNR must be a number, got NaN");
    if (logSnr <= logSnr(0.0)) return 0.0;
    if (logSnr >= logSnr(1.0)) return 1.0;
    double lo = 0.0;
    double hi = 1.0;
    // 200 halvings is more than double precision needs; the loop stops earlier when the bracket
    // collapses.
    for (int i = 0; i < 200; i++) {
      double mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;
      if (logSnr(mid) < logSnr) lo = mid;
      else hi = mid;
    }
    return 0.5 * (lo + hi);
  }

  /** Same as {@link #timeAtLogSnr(double)} for data of std {@code dataStd}. */
  default double timeAtLogSnr(double logSnr, double dataStd) {
    return timeAtLogSnr(logSnr - NoiseSchedule.dataStdShift(dataStd));
  }

  /**
   * Rejects t outside [0, 1] with a message naming the schedule and the value. A sampler's time
   * grid may overshoot an end by rounding (e.g. 1 + 2e-16): within 1e-9 it is clamped, not refused.
   */
  static double checkTime(String schedule, double t) {
    if (t < 0 && t > -1e-9) return 0;
    if (t > 1 && t < 1 + 1e-9) return 1;
    if (!(t >= 0 && t <= 1)) {
      throw new IllegalArgumentException(
          schedule + " schedule: t must be in [0, 1] (0 = noise, 1 = data), got " + t);
    }
    return t;
  }
}
