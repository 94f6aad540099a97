package org.fasterdit.eval;

/**
 * Frechet distance between Gaussians fitted to two feature sets: |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1
 * S2)^(1/2)), with tr (S1 S2)^(1/2) = sum of sqrt(eig(S1^(1/2) S2 S1^(1/2))), computed in float64
 * with a Jacobi eigensolver (symmetric matrices only, so no complex parts to discard).
 */
public final class FrechetDistance {
  private FrechetDistance() {}

  public record Gaussian(double[] mean, double[][] cov, int count) {}

  /** Mean and unbiased covariance of rows of {@code x} (n x d). */
  public static Gaussian fit(double[][] x) {
    int n = x.length, d = x[0].length;
    if (n < 2)
      throw new IllegalArgumentException("need at least 2 samples to fit a covariance, got " + n);
    double[] mu = new double[d];
    for (double[] r : x) for (int j = 0; j < d; j++) mu[j] += r[j] / n;
    double[][] cov = new double[d][d];
    for (double[] r : x) {
      for (int i = 0; i < d; i++) {
        double a = r[i] - mu[i];
        for (int j = i; j < d; j++) cov[i][j] += a * (r[j] - mu[j]);
      }
    }
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        cov[i][j] /= n - 1;
        cov[j][i] = cov[i][j];
      }
    }
    return new Gaussian(mu, cov, n);
  }

  public static double distance(Gaussian a, Gaussian b) {
    int d = a.mean().length;
    double meanTerm = 0;
    for (int i = 0; i < d; i++)
      meanTerm += (a.mean()[i] - b.mean()[i]) * (a.mean()[i] - b.mean()[i]);
    double[][] s1Half = sqrtPsd(a.cov());
    double[][] m = multiply(multiply(s1Half, b.cov()), s1Half);
    double[] eig = Jacobi.eigenvalues(symmetrize(m));
    double trSqrt = 0;
    for (double e : eig) trSqrt += Math.sqrt(Math.max(e, 0));
    double tr = 0;
    for (int i = 0; i < d; i++) tr += a.cov()[i][i] + b.cov()[i][i];
    return meanTerm + tr - 2 * trSqrt;
  }

  static double[][] sqrtPsd(double[][] s) {
    Jacobi.Decomposition e = Jacobi.decompose(s);
    int d = s.length;
    double[][] out = new double[d][d];
    for (int k = 0; k < d; k++) {
      double r = Math.sqrt(Math.max(e.values()[k], 0));
      for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) out[i][j] += e.vectors()[i][k] * r * e.vectors()[j][k];
    }
    return out;
  }

  static double[][] multiply(double[][] a, double[][] b) {
    int n = a.length, m = b[0].length, k = b.length;
    double[][] c = new double[n][m];
    for (int i = 0; i < n; i++)
      for (int p = 0; p < k; p++) {
        double v = a[i][p];
        if (v != 0) for (int j = 0; j < m; j++) c[i][j] += v * b[p][j];
      }
    return c;
  }

  static double[][] symmetrize(double[][] m) {
    int d = m.length;
    double[][] s = new double[d][d];
    for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) s[i][j] = (m[i][j] + m[j][i]) / 2;
    return s;
  }
}
