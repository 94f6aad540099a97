package org.fasterdit.eval;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.fasterdit.data.Dataset;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;

/**
 * Image sets as (N, C, H, W) floats in [-1, 1] with labels: a dataset split, or a sample .npz in
 * the ADM layout.
 */
public record ImageArrays(float[] x, long[] labels, int n, int c, int h, int w) {

  public static ImageArrays of(Dataset d, int limit) {
    int n = Math.min(limit, d.size()), per = d.sampleFloats();
    float[] x = new float[n * per];
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      d.read(i, false, x, i * per);
      y[i] = d.label(i);
    }
    return new ImageArrays(x, y, n, d.channels(), d.height(), d.width());
  }

  /** {@code arr_0} uint8 (N, H, W, C) and optional {@code labels}. */
  public static ImageArrays fromNpz(Path file) {
    Map<String, HostTensor> m = Npz.read(file);
    HostTensor a = m.get("arr_0");
    if (a == null)
      throw new IllegalArgumentException(file + ": no arr_0 (expected the ADM evaluator layout)");
    long[] s = a.shape();
    if (s.length != 4)
      throw new IllegalArgumentException(
          file + ": arr_0 must be (N, H, W, C), got " + Arrays.toString(s));
    int n = (int) s[0], h = (int) s[1], w = (int) s[2], c = (int) s[3];
    if (a.dtype() != org.fasterdit.io.DType.U8)
      throw new IllegalArgumentException(file + ": arr_0 must be uint8, got " + a.dtype());
    byte[] px = a.toByteArray();
    long[] labels = m.containsKey("labels") ? m.get("labels").toLongArray() : null;
    if (labels != null && labels.length != n)
      throw new IllegalArgumentException(
          file + ": " + labels.length + " labels for " + n + " samples");
    return fromUint8Nhwc(px, labels, n, h, w, c);
  }

  /**
   * uint8 (N, H, W, C) pixels to (N, C, H, W) floats in [-1, 1]: what {@code eval} reads from a
   * samples {@code .npz}, so an in-memory evaluation sees exactly the values of the written file.
   */
  public static ImageArrays fromUint8Nhwc(byte[] px, long[] labels, int n, int h, int w, int c) {
    float[] x = new float[n * c * h * w];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < h * w; p++) {
        for (int ch = 0; ch < c; ch++)
          x[(i * c + ch) * h * w + p] = (px[(i * h * w + p) * c + ch] & 0xFF) / 127.5f - 1f;
      }
    }
    return new ImageArrays(x, labels, n, c, h, w);
  }
}
