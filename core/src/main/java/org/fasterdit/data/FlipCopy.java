package org.fasterdit.data;

/** Copies one (C, H, W) float sample, optionally mirrored left-right. */
final class FlipCopy {
  private FlipCopy() {}

  static void copy(
      float[] src, int srcOff, float[] dst, int dstOff, int c, int h, int w, boolean flip) {
    if (!flip) {
      System.arraycopy(src, srcOff, dst, dstOff, c * h * w);
      return;
    }
    for (int row = 0; row < c * h; row++) {
      int s = srcOff + row * w, d = dstOff + row * w;
      for (int x = 0; x < w; x++) dst[d + x] = src[s + w - 1 - x];
    }
  }
}
