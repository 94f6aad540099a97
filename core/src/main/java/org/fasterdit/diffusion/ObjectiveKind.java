package org.fasterdit.diffusion;

import java.util.Locale;

/** The two training objectives: flow matching (SiT, FasterDiT) and DDPM (DiT). */
public enum ObjectiveKind {
  FLOW,
  DDPM;

  public static ObjectiveKind parse(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "flow" -> FLOW;
      case "ddpm" -> DDPM;
      default -> throw new IllegalArgumentException("must be flow or ddpm, got '" + s + "'");
    };
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
