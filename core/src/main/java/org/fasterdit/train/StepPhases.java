package org.fasterdit.train;

import java.util.EnumMap;
import java.util.Map;

/**
 * Wall-clock time spent in each phase of the training steps so far, for {@code fasterdit bench}. A
 * phase ends at the next {@link #end} call, so the phases of a step add up to the step. On CPU
 * every LibTorch call returns when its work is done, so the split is exact; on CUDA kernels run
 * asynchronously and the time lands in whichever phase waits.
 */
public final class StepPhases {
  /**
   * FORWARD_BACKWARD: both, when the micro-batch is split over worker threads that run them
   * concurrently.
   */
  public enum Phase {
    DATA,
    FORWARD,
    BACKWARD,
    FORWARD_BACKWARD,
    GRADIENT_SYNC,
    CLIP,
    OPTIMIZER,
    EMA
  }

  private final long[] nanos = new long[Phase.values().length];
  private long last = System.nanoTime();

  /** Starts timing from now (the start of a step). */
  void start() {
    last = System.nanoTime();
  }

  /** Charges the time since the previous call to {@code phase}. */
  void end(Phase phase) {
    long now = System.nanoTime();
    nanos[phase.ordinal()] += now - last;
    last = now;
  }

  public void reset() {
    java.util.Arrays.fill(nanos, 0);
  }

  /** Milliseconds per phase since the last {@link #reset}, in step order. */
  public Map<Phase, Double> millis() {
    Map<Phase, Double> m = new EnumMap<>(Phase.class);
    for (Phase p : Phase.values()) m.put(p, nanos[p.ordinal()] / 1e6);
    return m;
  }
}
