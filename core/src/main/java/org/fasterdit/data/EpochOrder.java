package org.fasterdit.data;

import java.util.SplittableRandom;

/**
 * The order samples are visited in: a fresh seeded permutation per epoch, so position p in the data
 * stream maps to sample perm(p / N)[p % N] regardless of batch size, process count or restarts. Not
 * thread-safe.
 */
final class EpochOrder {
  private final int n;
  private final long seed;
  private long epoch = -1;
  private int[] perm;

  EpochOrder(int n, long seed) {
    this.n = n;
    this.seed = seed;
  }

  int sampleAt(long position) {
    long e = position / n;
    if (e != epoch) {
      perm = permutation(e);
      epoch = e;
    }
    return perm[(int) (position % n)];
  }

  private int[] permutation(long e) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * A horizontal flip decision for the sample at {@code position}, independent of how batches are
   * split.
   */
  static boolean flipAt(long seed, long position) {
    long z = seed ^ (position * 0xBF58476D1CE4E5B9L) ^ 0x5DEECE66DL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return ((z ^ (z >>> 31)) & 1) == 1;
  }
}
