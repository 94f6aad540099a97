package org.fasterdit.train;

/**
 * Dynamic loss scaling for fp16 on CUDA: multiply the loss by S so small gradients survive fp16,
 * divide the gradients back, halve S when they overflow (and skip that step), double it after
 * {@code growthInterval} clean steps. bf16 and fp32 need none (scale stays 1). A run whose steps
 * keep overflowing (diverged, or values fp16 cannot hold at any scale) would otherwise skip steps
 * forever while the scale sinks to 1: after {@code patience} bad steps in a row it stops with a
 * {@link NonFiniteLossException} saying so.
 */
public final class LossScaler {
  private double scale;
  private final boolean enabled;
  private final int growthInterval;
  private final int patience;
  private int clean, badInARow;

  /**
   * @param patience overflowing steps in a row after which training stops (the nan-patience key)
   */
  public LossScaler(boolean enabled, int patience) {
    if (patience < 1) throw new IllegalArgumentException("patience must be >= 1, got " + patience);
    this.enabled = enabled;
    this.scale = enabled ? 65536.0 : 1.0;
    this.growthInterval = 2000;
    this.patience = patience;
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
      if (++badInARow >= patience) {
        throw new NonFiniteLossException(
            String.format(
                java.util.Locale.ROOT,
                "stopping: %d steps in a row overflowed in fp16 (loss scale now %.0f); the run "
                    + "diverged or its values do not fit fp16: lower the lr, or use bf16 or fp32",
                badInARow,
                scale));
      }
      return false;
    }
    badInARow = 0;
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
