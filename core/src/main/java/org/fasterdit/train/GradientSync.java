package org.fasterdit.train;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Averages gradients across data-parallel processes after backward. The single-process case does
 * nothing; the distributed implementation all-reduces over LibTorch c10d.
 */
public interface GradientSync extends AutoCloseable {
  GradientSync NONE =
      new GradientSync() {
        @Override
        public void averageGradients(List<Tensor> params) {}

        @Override
        public void broadcastParameters(List<Tensor> tensors) {}

        @Override
        public int rank() {
          return 0;
        }

        @Override
        public int worldSize() {
          return 1;
        }

        @Override
        public void close() {}
      };

  void averageGradients(List<Tensor> params);

  /**
   * The mean over ranks of each value (losses for logging), so every rank logs and decides on the
   * same numbers.
   */
  default double[] averageValues(double[] values) {
    return values;
  }

  /**
   * Returns once every rank has called it; lets the others wait for rank 0's last checkpoint before
   * exiting.
   */
  default void barrier() {}

  /** Makes every rank start from rank 0's values. */
  void broadcastParameters(List<Tensor> tensors);

  int rank();

  int worldSize();

  @Override
  void close();
}
