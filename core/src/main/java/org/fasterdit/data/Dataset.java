package org.fasterdit.data;

/**
 * A labelled image (or latent) dataset held on the host. Samples are read as float32 (C, H, W);
 * images come back in [-1, 1], latents as stored. Implementations must be safe for concurrent reads
 * (the prefetch thread reads while the trainer runs).
 */
public interface Dataset {
  String name();

  int size();

  int channels();

  int height();

  int width();

  int numClasses();

  default int sampleFloats() {
    return channels() * height() * width();
  }

  /**
   * Writes sample {@code index}, horizontally flipped when {@code flip}, into {@code dst} at {@code
   * offset}.
   */
  void read(int index, boolean flip, float[] dst, int offset);

  int label(int index);

  /**
   * Reads several samples (a loader's batch) into {@code dst}, sample i at {@code i *
   * sampleFloats()}, and the label of what was read into {@code labels[i]}. Datasets that decode
   * files do it in parallel here, and may substitute a readable sample for an unreadable one.
   */
  default void readBatch(int[] indices, boolean[] flips, float[] dst, long[] labels) {
    int per = sampleFloats();
    for (int i = 0; i < indices.length; i++) {
      read(indices[i], flips[i], dst, i * per);
      labels[i] = label(indices[i]);
    }
  }

  /**
   * Whether random horizontal flips are a valid augmentation (images: yes; latents: only with
   * stored flips).
   */
  boolean supportsFlip();

  /**
   * The factor VAE latents were multiplied by before they were stored (the DiT convention is
   * 0.18215), which sampling divides by before decoding; NaN for images, or when unknown.
   */
  default double latentScalingFactor() {
    return Double.NaN;
  }
}
