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
   * Whether random horizontal flips are a valid augmentation (images: yes; latents: only with
   * stored flips).
   */
  boolean supportsFlip();
}
