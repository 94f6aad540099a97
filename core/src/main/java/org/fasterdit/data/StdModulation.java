package org.fasterdit.data;

import java.util.Locale;

/**
 * FasterDiT's data-std modulation: move the data's std, and with it the whole extended-SNR PDF (by
 * 2 ln c for a scale c), to where training is productive. Applied to host batches before they reach
 * the model, inverted on samples.
 *
 * <ul>
 *   <li>{@code none}: x as is.
 *   <li>{@code scale}: x * (target / sigma_d): the global std becomes {@code target}.
 *   <li>{@code per-channel}: (x - mean_c) / std_c * target, as LightningDiT normalises latents then
 *       multiplies.
 * </ul>
 */
public record StdModulation(Mode mode, double target, DataStats stats) {
  public enum Mode {
    NONE,
    SCALE,
    PER_CHANNEL
  }

  public StdModulation {
    if (mode != Mode.NONE && !(target > 0))
      throw new IllegalArgumentException("target std must be > 0, got " + target);
    if (mode != Mode.NONE && stats == null)
      throw new IllegalArgumentException("std modulation needs data statistics");
    if (mode == Mode.SCALE && !(stats.std() > 0))
      throw new IllegalArgumentException("data std is 0: cannot scale");
  }

  public static Mode parseMode(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "none" -> Mode.NONE;
      case "scale" -> Mode.SCALE;
      case "per-channel", "per_channel", "channel" -> Mode.PER_CHANNEL;
      default ->
          throw new IllegalArgumentException(
              "unknown std modulation '" + s + "': expected none, scale or per-channel");
    };
  }

  /** In place on (n, C, H, W). */
  public void apply(float[] x, int c, int hw) {
    transform(x, c, hw, false);
  }

  /** The exact inverse of {@link #apply}. */
  public void invert(float[] x, int c, int hw) {
    transform(x, c, hw, true);
  }

  private void transform(float[] x, int c, int hw, boolean inverse) {
    if (mode == Mode.NONE) return;
    int per = c * hw;
    for (int ch = 0; ch < c; ch++) {
      double a, b; // forward: x * a + b
      if (mode == Mode.SCALE) {
        a = target / stats.std();
        b = 0;
      } else {
        double sd = stats.channelStd()[ch] > 0 ? stats.channelStd()[ch] : 1;
        a = target / sd;
        b = -stats.channelMean()[ch] * a;
      }
      for (int start = ch * hw; start < x.length; start += per) {
        for (int i = start; i < start + hw; i++)
          x[i] = (float) (inverse ? (x[i] - b) / a : x[i] * a + b);
      }
    }
  }

  /** The std of the data the model sees (the sigma_d of the extended SNR). */
  public double modulatedStd() {
    return switch (mode) {
      case NONE -> stats == null ? 1.0 : stats.std();
      case SCALE, PER_CHANNEL -> target;
    };
  }
}
