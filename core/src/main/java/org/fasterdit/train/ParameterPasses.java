package org.fasterdit.train;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * How a pass over a parameter list runs: the whole list on the calling thread ({@link #SERIAL}), or
 * in contiguous ranges on several threads at once ({@link ParallelMicroBatch#acrossParameters}).
 * The passes between steps (gradient sum, norms, AdamW, EMA) compute each parameter with the same
 * single-threaded op whichever thread runs it, so their results do not depend on the split.
 */
@FunctionalInterface
public interface ParameterPasses {
  /** A pass over parameters [from, to) of the list. */
  @FunctionalInterface
  interface Range {
    void run(int from, int to);
  }

  /**
   * Runs {@code pass} over every index of {@code params}, each exactly once, and returns when all
   * ranges are done. A range running on another thread has gradient mode off and its own native
   * scope.
   */
  void run(List<Tensor> params, Range pass);

  /** The whole list in one range on the calling thread. */
  ParameterPasses SERIAL = (params, pass) -> pass.run(0, params.size());
}
