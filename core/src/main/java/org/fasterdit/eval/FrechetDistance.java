package org.fasterdit.eval;

import java.util.Arrays;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;

/**
 * Frechet distance between Gaussians fitted to two feature sets, in float64: |mu1 - mu2|^2 + tr(S1
 * + S2 - 2 (S1 S2)^(1/2)). FID is this on Inception pool3 features (2048-d), sFID on the spatial
 * features (2023-d), FD-dataset on our classifier's features.
 *
 * <p>tr (S1 S2)^(1/2) is the sum of the singular values of S1^(1/2) S2^(1/2) (its eigenvalues are
 * the squares of those singular values), with each square root taken from LibTorch's symmetric
 * eigensolver ({@code linalg.eigh}, LAPACK syevd): no non-symmetric square root, no complex parts
 * to discard. Covariances fitted from fewer samples than dimensions are singular; their zero
 * eigenvalues come out as +-rounding, and eigenvalues below d * eps * the largest are set to 0
 * before the square roots. Taking sqrt(eig) of S1^(1/2) S2 S1^(1/2) instead (or scipy's {@code
 * sqrtm}, as ADM does) turns each of those rounding-level eigenvalues into sqrt(rounding), which
 * summed over ~1800 null directions shifts FD(S, S) of a 2048-d, 300-sample covariance to -2e-4;
 * this way it stays at rounding level, and no diagonal offset (ADM's eps 1e-6 fallback) is needed.
 * See docs/evaluation.md.
 */
public final class FrechetDistance {
  /** Rows per float64 chunk when accumulating a covariance (bounds the temporary to ~64 MB). */
  private static final int COV_CHUNK = 4096;

  private FrechetDistance() {}

  /**
   * Mean and covariance (d x d, row-major, unbiased as {@code np.cov}) of {@code count} feature
   * vectors; the statistics ADM's reference batches store as {@code mu} / {@code sigma}.
   */
  public record Gaussian(double[] mean, double[] cov, int count) {
    public Gaussian {
      if ((long) mean.length * mean.length != cov.length) {
        throw new IllegalArgumentException(
            "covariance holds " + cov.length + " values for a " + mean.length + "-d mean");
      }
    }

    public int dim() {
      return mean.length;
    }
  }

  /** Mean and unbiased covariance of rows of {@code x} (n x d). */
  public static Gaussian fit(double[][] x) {
    int n = x.length, d = n == 0 ? 0 : x[0].length;
    double[] rows = new double[n * d];
    for (int i = 0; i < n; i++) {
      if (x[i].length != d) {
        throw new IllegalArgumentException(
            "row " + i + " has " + x[i].length + " values, not " + d);
      }
      System.arraycopy(x[i], 0, rows, i * d, d);
    }
    return fit(rows, null, n, d);
  }

  /** Mean and unbiased covariance of {@code n} float32 rows of length {@code d} (row-major). */
  public static Gaussian fit(float[] x, int n, int d) {
    return fit(null, x, n, d);
  }

  private static Gaussian fit(double[] x64, float[] x32, int n, int d) {
    if (n < 2) {
      throw new IllegalArgumentException("need at least 2 samples to fit a covariance, got " + n);
    }
    if ((long) n * d != (x64 != null ? x64.length : x32.length)) {
      throw new IllegalArgumentException("feature array does not hold " + n + " x " + d);
    }
    double[] mu = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) mu[j] += x64 != null ? x64[i * d + j] : x32[i * d + j];
    }
    for (int j = 0; j < d; j++) mu[j] /= n;
    try (var scope = NativeScope.open();
        var g = NoGrad.on()) {
      Tensor mean = Tensors.ofDoubles(mu, 1, d);
      Tensor acc = torch.zeros(new long[] {d, d}, new TensorOptions(ScalarType.Double));
      for (int start = 0; start < n; start += COV_CHUNK) {
        int b = Math.min(COV_CHUNK, n - start);
        Tensor chunk =
            x64 != null
                ? Tensors.ofDoubles(Arrays.copyOfRange(x64, start * d, (start + b) * d), b, d)
                : Tensors.ofFloats(Arrays.copyOfRange(x32, start * d, (start + b) * d), b, d)
                    .to(ScalarType.Double);
        Tensor centred = chunk.sub(mean); // centring first, as np.cov, keeps the sums exact
        acc.addmm_(centred.t(), centred);
      }
      return new Gaussian(mu, Tensors.toDoubles(acc.div(Scalars.of((double) (n - 1)))), n);
    }
  }

  public static double distance(Gaussian a, Gaussian b) {
    int d = a.dim();
    if (b.dim() != d) {
      throw new IllegalArgumentException(
          "cannot compare " + d + "-d statistics with " + b.dim() + "-d statistics");
    }
    checkFinite(a, "first");
    checkFinite(b, "second");
    double meanTerm = 0;
    for (int i = 0; i < d; i++) {
      double diff = a.mean()[i] - b.mean()[i];
      meanTerm += diff * diff;
    }
    double trace = 0;
    for (int i = 0; i < d; i++) trace += a.cov()[i * d + i] + b.cov()[i * d + i];
    try (var scope = NativeScope.open();
        var g = NoGrad.on()) {
      Tensor s1 = symmetric(Tensors.ofDoubles(a.cov(), d, d));
      Tensor s2 = symmetric(Tensors.ofDoubles(b.cov(), d, d));
      Tensor product = sqrtPsd(s1).mm(sqrtPsd(s2));
      double trSqrt = torch.linalg_svdvals(product).sum().item_double();
      return meanTerm + trace - 2 * trSqrt;
    }
  }

  /**
   * V diag(sqrt(w')) V^T from the symmetric eigen-decomposition S = V diag(w) V^T, where w' is w
   * with the values at rounding level (below d * eps * max |w|, negative ones included) set to 0.
   */
  private static Tensor sqrtPsd(Tensor s) {
    T_TensorTensor_T e = torch.linalg_eigh(s);
    Tensor w = e.get0();
    double tol = s.size(0) * Math.ulp(1.0) * w.abs().max().item_double();
    Tensor root = w.mul(w.gt(Scalars.of(tol)).to(ScalarType.Double)).sqrt();
    Tensor v = e.get1();
    return v.mul(root.unsqueeze(0)).mm(v.t());
  }

  /** (M + M^T) / 2: removes the rounding asymmetry of a product before a symmetric solver. */
  private static Tensor symmetric(Tensor m) {
    return m.add(m.t()).mul(Scalars.of(0.5));
  }

  private static void checkFinite(Gaussian g, String which) {
    for (double v : g.mean()) {
      if (!Double.isFinite(v)) throw new IllegalArgumentException(which + " mean is not finite");
    }
    for (double v : g.cov()) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(which + " covariance is not finite");
      }
    }
  }
}
