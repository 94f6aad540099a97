package org.fasterdit.diffusion;

import java.util.Locale;

/** What a flow model's output means. */
public enum Prediction {
  /** u = alpha'_t x + sigma'_t eps (FasterDiT, SiT). */
  VELOCITY,
  /** eps. */
  NOISE,
  /** grad log p_t(x_t) = -eps / sigma_t. */
  SCORE;

  public static Prediction parse(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "velocity", "v" -> VELOCITY;
      case "noise", "eps", "epsilon" -> NOISE;
      case "score" -> SCORE;
      default ->
          throw new IllegalArgumentException(
              "unknown prediction '" + s + "': expected velocity, noise or score");
    };
  }
}
