package org.fasterdit.train;

/**
 * Dynamic loss scaling for fp16 on CUDA: multiply the loss by S so small gradients survive fp16,
 * divide the gradients back, halve S when they overflow (and skip that step), double it after
 * {@code growthInterval} clean steps. bf16 and fp32 need none (scale stays 1).
 */
public final class LossScaler {
  private double scale;
  private final boolean enabled;
  private final int growthInterval;
  private int clean;

  public LossScaler(boolean enabled) {
    this.enabled = enabled;
    this.scale = enabled ? 65536.0 : 1.0;
    this.growthInterval = 2000;
  }

  public double scale() {
    return scale;
  }

  public boolean enabled() {
    return enabled;
  }

  /** Records the outcome of a step; returns false when the step must be skipped (overflow). */
  public boolean update(boolean finite) {
    if (!enabled) return finite;
    if (!finite) {
      scale = Math.max(scale / 2, 1.0);
      clean = 0;
      return false;
    }
    if (++clean >= growthInterval) {
      scale *= 2;
      clean = 0;
    }
    return true;
  }

  public void restore(double s) {
    if (enabled && s > 0) scale = s;
  }
}
