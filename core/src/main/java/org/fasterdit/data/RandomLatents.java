package org.fasterdit.data;

import java.util.SplittableRandom;

/**
 * Gaussian "latents" with random labels, generated from the index: input for benchmarks, no files
 * needed.
 */
public final class RandomLatents implements Dataset {
  private final int count, channels, size, classes;

  public RandomLatents(int count, int channels, int size, int classes) {
    this.count = count;
    this.channels = channels;
    this.size = size;
    this.classes = classes;
  }

  @Override
  public String name() {
    return "random-latents";
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public int height() {
    return size;
  }

  @Override
  public int width() {
    return size;
  }

  @Override
  public int numClasses() {
    return classes;
  }

  @Override
  public boolean supportsFlip() {
    return false;
  }

  @Override
  public int label(int index) {
    return new SplittableRandom(index * 31L + 7).nextInt(classes);
  }

  @Override
  public void read(int index, boolean flip, float[] dst, int offset) {
    SplittableRandom r = new SplittableRandom(index);
    for (int i = 0; i < channels * size * size; i++) dst[offset + i] = (float) r.nextGaussian();
  }
}
