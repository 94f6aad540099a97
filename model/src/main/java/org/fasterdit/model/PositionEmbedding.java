package org.fasterdit.model;

/**
 * The fixed 2D sin-cos position embedding (MAE style) that DiT stores as {@code pos_embed} (1, T,
 * D). The grid is built w-first; the first D/2 dimensions encode grid[0] (the column index), the
 * second half grid[1] (the row); each half is [sin, cos] over D/4 frequencies omega_k = 1 /
 * 10000^(k / (D/4)). Computed in float64 like the reference's numpy code, then rounded once to
 * float32.
 */
final class PositionEmbedding {
  private PositionEmbedding() {}

  static float[] sinCos2d(int hidden, int gridSize) {
    int quarter = hidden / 4;
    double[] omega = new double[quarter];
    for (int k = 0; k < quarter; k++) omega[k] = 1.0 / Math.pow(10000.0, k / (double) quarter);
    float[] out = new float[gridSize * gridSize * hidden];
    for (int row = 0; row < gridSize; row++) {
      for (int col = 0; col < gridSize; col++) {
        int base = (row * gridSize + col) * hidden;
        fill(out, base, col, omega); // grid[0] varies along w
        fill(out, base + hidden / 2, row, omega);
      }
    }
    return out;
  }

  private static void fill(float[] out, int base, double pos, double[] omega) {
    int q = omega.length;
    for (int k = 0; k < q; k++) {
      double a = pos * omega[k];
      out[base + k] = (float) Math.sin(a);
      out[base + q + k] = (float) Math.cos(a);
    }
  }
}
