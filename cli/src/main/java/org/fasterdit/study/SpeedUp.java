package org.fasterdit.study;

/**
 * Where a FD-vs-steps curve first reaches a target FD, interpolating linearly between the two
 * checkpoints around the crossing, and the speed-up that implies: baseline steps / steps needed.
 */
public final class SpeedUp {
  private SpeedUp() {}

  /**
   * @param step the (interpolated) step where the curve first reaches the target
   * @param atFirstCheckpoint reached already at the first checkpoint, so {@code step} is only an
   *     upper bound (the curve is not known before it)
   */
  public record Crossing(double step, boolean atFirstCheckpoint) {
    /** {@code baselineSteps / step}; a lower bound when {@link #atFirstCheckpoint}. */
    public double speedUp(double baselineSteps) {
      return baselineSteps / step;
    }
  }

  /**
   * The first crossing of {@code target} by the curve ({@code steps} increasing), or null if the
   * curve never gets down to it.
   */
  public static Crossing reach(long[] steps, double[] fd, double target) {
    if (steps.length != fd.length || steps.length == 0)
      throw new IllegalArgumentException("a curve needs as many FDs as steps, and at least one");
    if (fd[0] <= target) return new Crossing(steps[0], true);
    for (int i = 1; i < steps.length; i++) {
      if (steps[i] <= steps[i - 1]) throw new IllegalArgumentException("steps must increase");
      if (fd[i] <= target) {
        double f = (fd[i - 1] - target) / (fd[i - 1] - fd[i]);
        return new Crossing(steps[i - 1] + f * (steps[i] - steps[i - 1]), false);
      }
    }
    return null;
  }
}
