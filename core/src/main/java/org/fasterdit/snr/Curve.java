package org.fasterdit.snr;

import java.util.Arrays;

/**
 * One SNR PDF: the density of log SNR (natural log) at each grid point, for one data std. Arrays
 * are copied in and out so a curve cannot change after it is made.
 */
public record Curve(double dataStd, double[] logSnr, double[] density) {
  public Curve {
    if (!(dataStd > 0) || Double.isInfinite(dataStd)) {
      throw new IllegalArgumentException(
          "curve data std must be positive and finite, got " + dataStd);
    }
    if (logSnr == null || density == null || logSnr.length != density.length || logSnr.length < 2) {
      throw new IllegalArgumentException(
          "curve needs equal-length log SNR and density arrays of >= 2 points, got "
              + (logSnr == null ? "null" : logSnr.length)
              + " and "
              + (density == null ? "null" : density.length));
    }
    logSnr = logSnr.clone();
    density = density.clone();
  }

  @Override
  public double[] logSnr() {
    return logSnr.clone();
  }

  @Override
  public double[] density() {
    return density.clone();
  }

  public int size() {
    return logSnr.length;
  }

  /**
   * Trapezoid integral of the density over the grid: ~1 when the grid holds (nearly) all the mass.
   */
  public double integral() {
    double sum = 0;
    for (int i = 1; i < logSnr.length; i++) {
      sum += 0.5 * (density[i] + density[i - 1]) * (logSnr[i] - logSnr[i - 1]);
    }
    return sum;
  }

  /** The grid point where the density peaks. */
  public double mode() {
    int best = 0;
    for (int i = 1; i < density.length; i++) if (density[i] > density[best]) best = i;
    return logSnr[best];
  }

  /** Label used in plots and CSV-adjacent text, e.g. "std=0.5". */
  public String label() {
    return "std=" + SnrPdfReport.formatStd(dataStd);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Curve c
        && c.dataStd == dataStd
        && Arrays.equals(c.logSnr, logSnr)
        && Arrays.equals(c.density, density);
  }

  @Override
  public int hashCode() {
    return Double.hashCode(dataStd) * 31 + Arrays.hashCode(density);
  }

  @Override
  public String toString() {
    return "Curve[" + label() + ", " + logSnr.length + " points]";
  }
}
