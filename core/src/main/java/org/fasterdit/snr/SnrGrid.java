package org.fasterdit.snr;

/**
 * Evenly spaced log-SNR points from {@code min} to {@code max} inclusive. Point i also stands for
 * the bin [x_i - step/2, x_i + step/2], which is how histograms (Monte Carlo, discrete DDPM) are
 * put on the grid.
 */
public record SnrGrid(double min, double max, int points) {
  public static final SnrGrid DEFAULT = new SnrGrid(-20, 20, 801);

  public SnrGrid {
    if (!Double.isFinite(min) || !Double.isFinite(max) || !(min < max)) {
      throw new IllegalArgumentException(
          "log-SNR grid needs finite min < max, got min=" + min + " max=" + max);
    }
    if (points < 2 || points > 10_000_000) {
      throw new IllegalArgumentException("log-SNR grid needs 2..10000000 points, got " + points);
    }
  }

  public double step() {
    return (max - min) / (points - 1);
  }

  public double x(int i) {
    return i == points - 1 ? max : min + i * step();
  }

  public double[] xs() {
    double[] xs = new double[points];
    for (int i = 0; i < points; i++) xs[i] = x(i);
    return xs;
  }

  /** Index of the bin holding {@code l}, or -1 when {@code l} falls outside all bins. */
  public int binOf(double l) {
    double pos = (l - min) / step() + 0.5;
    if (!(pos >= 0 && pos < points)) return -1;
    return (int) pos;
  }
}
