package org.fasterdit.sample;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.model.DiT;

/**
 * Classifier-free guidance settings: scale (1 = off), the interval of path time in which guidance
 * applies (guidance-interval sampling; the full [0, 1] by default) and how many output channels are
 * guided (all by default; 3 reproduces the public DiT code's quirk on 4-channel latents).
 */
public record Guidance(double scale, double intervalLow, double intervalHigh, int guidedChannels) {
  public Guidance {
    if (!(scale >= 1))
      throw new IllegalArgumentException("cfg scale must be >= 1 (1 = no guidance), got " + scale);
    if (!(intervalLow >= 0 && intervalLow <= intervalHigh && intervalHigh <= 1)) {
      throw new IllegalArgumentException("guidance interval must satisfy 0 <= low <= high <= 1");
    }
  }

  public static Guidance none() {
    return new Guidance(1, 0, 1, 0);
  }

  public static Guidance of(double scale) {
    return new Guidance(scale, 0, 1, 0);
  }

  /**
   * The model output at inputs x, t, y, guided when the scale is above 1 and {@code pathTime} (0 =
   * noise, 1 = data) is inside the interval. Cast to float32 so solvers accumulate in full
   * precision under autocast.
   */
  public Tensor predict(DiT model, Tensor x, Tensor t, Tensor y, double pathTime) {
    boolean guide = scale > 1 && pathTime >= intervalLow && pathTime <= intervalHigh;
    Tensor out =
        guide
            ? model.forwardWithCfg(
                x, t, y, scale, guidedChannels > 0 ? guidedChannels : model.config().inChannels())
            : model.forward(x, t, y);
    return out.to(ScalarType.Float);
  }
}
