package org.fasterdit.diffusion;

import java.util.Locale;

/**
 * A forward process x_t = alpha(t) x + sigma(t) eps: the one noise-schedule concept, used by the
 * objectives, the samplers and the SNR-PDF analysis alike. The flow paths ({@link FlowPath}) and
 * the DDPM beta schedules ({@link DdpmSchedule}) are its two kinds.
 *
 * <p>Two families, because they use opposite time conventions and the PDF math differs:
 *
 * <ul>
 *   <li>{@link ContinuousSchedule} ({@link FlowPath}): t in [0, 1], SiT convention (t = 0 is noise,
 *       t = 1 is data);
 *   <li>{@link DdpmSchedule}: integer t = 0..T-1, DiT convention (t = T-1 is the noisiest).
 * </ul>
 *
 * <p>The extended SNR (FasterDiT) includes the data's own std: SNR = alpha^2 sigma_d^2 / sigma^2,
 * so log SNR = 2 ln(alpha sigma_d / sigma). Everything uses the natural log.
 */
public sealed interface NoiseSchedule permits ContinuousSchedule, DdpmSchedule {

  /** The name {@link #parse} accepts for this schedule ("linear", "ddpm-cosine", ...). */
  String label();

  double alpha(double t);

  double sigma(double t);

  /**
   * log SNR for unit-std data (sigma_d = 1). Implementations compute it in log space rather than
   * from {@link #alpha}/{@link #sigma}, so the ends of the path keep their precision.
   */
  double logSnr(double t);

  /**
   * Extended log SNR for data of std {@code dataStd}: the unit-data value shifted by 2 ln sigma_d.
   */
  default double logSnr(double t, double dataStd) {
    return logSnr(t) + dataStdShift(dataStd);
  }

  /**
   * 2 ln sigma_d: how far scaling the data moves log SNR (the same for every t and every schedule).
   */
  static double dataStdShift(double dataStd) {
    if (!(dataStd > 0) || Double.isInfinite(dataStd)) {
      throw new IllegalArgumentException("data std must be positive and finite, got " + dataStd);
    }
    return 2 * Math.log(dataStd);
  }

  /** Parses "linear", "cosine", "vp", "ddpm-linear" or "ddpm-cosine" (DDPM ones with T = 1000). */
  static NoiseSchedule parse(String spec) {
    if (spec == null)
      throw new IllegalArgumentException("noise schedule is missing: expected " + NAMES);
    return switch (spec.trim().toLowerCase(Locale.ROOT)) {
      case "linear" -> FlowPath.LINEAR;
      case "cosine" -> FlowPath.COSINE;
      case "vp" -> FlowPath.VP;
      case "ddpm-linear" -> DdpmSchedule.of(DdpmSchedule.Kind.LINEAR, DdpmSchedule.DEFAULT_STEPS);
      case "ddpm-cosine" -> DdpmSchedule.of(DdpmSchedule.Kind.COSINE, DdpmSchedule.DEFAULT_STEPS);
      default ->
          throw new IllegalArgumentException(
              "unknown noise schedule '" + spec + "': expected " + NAMES);
    };
  }

  /** The accepted names, for messages and help text. */
  String NAMES = "linear|cosine|vp|ddpm-linear|ddpm-cosine";
}
