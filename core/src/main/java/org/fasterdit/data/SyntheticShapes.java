package org.fasterdit.data;

import java.util.SplittableRandom;

/**
 * A small built-in dataset so the demo and tests always run, even without Fashion-MNIST: 10 classes
 * of simple grey shapes (disc, ring, square, frame, cross, bars, stripes, triangle, diamond, dots)
 * with random size, position and brightness, drawn deterministically from the index.
 */
public final class SyntheticShapes implements Dataset {
  private final int count, size, channels;
  private final long seed;

  public SyntheticShapes(int count, int size, int channels, long seed) {
    if (count < 1 || size < 8 || channels < 1)
      throw new IllegalArgumentException("synthetic dataset: bad dimensions");
    this.count = count;
    this.size = size;
    this.channels = channels;
    this.seed = seed;
  }

  @Override
  public String name() {
    return "synthetic";
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
    return 10;
  }

  @Override
  public boolean supportsFlip() {
    return true;
  }

  @Override
  public int label(int index) {
    return Math.floorMod(index, 10);
  }

  @Override
  public void read(int index, boolean flip, float[] dst, int offset) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
    int cls = label(index);
    double cx = size * (0.35 + 0.3 * r.nextDouble()), cy = size * (0.35 + 0.3 * r.nextDouble());
    double rad = size * (0.18 + 0.12 * r.nextDouble());
    float on = (float) (0.4 + 0.6 * r.nextDouble());
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double dx = (x + 0.5 - cx) / rad, dy = (y + 0.5 - cy) / rad;
        boolean in = inside(cls, dx, dy, x, y);
        float v = in ? on : -1f;
        int xx = flip ? size - 1 - x : x;
        for (int c = 0; c < channels; c++)
          dst[offset + (c * size + y) * size + xx] = v * (c == 0 ? 1f : 0.8f);
      }
    }
  }

  private static boolean inside(int cls, double dx, double dy, int x, int y) {
    double r = Math.hypot(dx, dy), ax = Math.abs(dx), ay = Math.abs(dy);
    return switch (cls) {
      case 0 -> r < 1;
      case 1 -> r < 1 && r > 0.6;
      case 2 -> ax < 0.8 && ay < 0.8;
      case 3 -> ax < 0.9 && ay < 0.9 && (ax > 0.6 || ay > 0.6);
      case 4 -> (ax < 0.25 && ay < 1) || (ay < 0.25 && ax < 1);
      case 5 -> ax < 1 && ay < 1 && ((int) Math.floor((dy + 1) * 2.5)) % 2 == 0;
      case 6 -> ax < 1 && ay < 1 && ((int) Math.floor((dx + 1) * 2.5)) % 2 == 0;
      case 7 -> dy < 0.8 && dy > -0.8 && ax < (dy + 0.8) * 0.6;
      case 8 -> ax + ay < 1;
      default -> ax < 1 && ay < 1 && (x % 4 < 2) && (y % 4 < 2);
    };
  }
}
