package org.fasterdit.sample;

/**
 * Generated samples in data space (the std modulation already inverted): {@code x} is (N, C, H, W)
 * float32, images in [-1, 1] (not clamped), and the labels they were conditioned on.
 */
public record SampleSet(float[] x, long[] labels, int c, int h, int w) {
  public int count() {
    return labels.length;
  }

  /**
   * (N, H, W, C) uint8 as the ADM evaluator expects: round((x + 1) * 127.5), clamped to [0, 255].
   */
  public byte[] toUint8Nhwc() {
    int n = count(), hw = h * w;
    byte[] out = new byte[n * hw * c];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < hw; p++) {
        for (int ch = 0; ch < c; ch++) {
          float v = x[(i * c + ch) * hw + p];
          int q = Math.round((v + 1f) * 127.5f);
          out[(i * hw + p) * c + ch] = (byte) Math.max(0, Math.min(255, q));
        }
      }
    }
    return out;
  }
}
