package org.fasterdit.eval;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;

/**
 * Improved precision and recall (Kynkaanniemi et al. 2019) with ADM's manifold estimator: each
 * feature set's manifold is the union of balls around its points, a point's radius being the
 * squared distance to its k-th nearest neighbour in its own set (k = 3, the point itself not
 * counted). Precision = fraction of samples inside the reference manifold; recall = fraction of
 * reference points inside the sample manifold. A point is inside when its squared distance to some
 * centre is {@code <=} that centre's radius.
 *
 * <p>Squared Euclidean distances are computed in float64 block by block ({@link #blockSize} rows by
 * as many columns), so an N x M distance matrix never exists: memory is O(block^2 + N + M). ADM
 * computes them in float16 (float32 when float16 overflows); float64 changes nothing but points
 * within float16 rounding of a radius.
 */
public final class PrecisionRecall {
  public static final int NEIGHBOURS = 3;
  public static final int DEFAULT_BLOCK = 2048;

  public record Result(double precision, double recall) {}

  private final int blockSize;

  public PrecisionRecall() {
    this(DEFAULT_BLOCK);
  }

  public PrecisionRecall(int blockSize) {
    if (blockSize < 1) throw new IllegalArgumentException("block size must be >= 1: " + blockSize);
    this.blockSize = blockSize;
  }

  /** {@code ref} (nRef x d) and {@code samples} (nSamples x d), row-major pool3 features. */
  public Result compute(float[] ref, int nRef, float[] samples, int nSamples, int d) {
    try (var scope = NativeScope.open();
        var g = NoGrad.on()) {
      Points r = new Points(ref, nRef, d, "reference");
      Points s = new Points(samples, nSamples, d, "sample");
      Tensor refRadii = radii(r);
      Tensor sampleRadii = radii(s);
      Tensor sampleInRef = torch.zeros(nSamples).to(ScalarType.Bool);
      Tensor refInSample = torch.zeros(nRef).to(ScalarType.Bool);
      for (int i = 0; i < nRef; i += blockSize) {
        int bi = Math.min(blockSize, nRef - i);
        Tensor ri = refRadii.narrow(0, i, bi).unsqueeze(1); // (bi, 1)
        for (int j = 0; j < nSamples; j += blockSize) {
          int bj = Math.min(blockSize, nSamples - j);
          try (var inner = NativeScope.open()) {
            Tensor dist = squaredDistances(r, i, bi, s, j, bj); // (bi, bj)
            sampleInRef.narrow(0, j, bj).logical_or_(dist.le(ri).any(0));
            Tensor rj = sampleRadii.narrow(0, j, bj).unsqueeze(0); // (1, bj)
            refInSample.narrow(0, i, bi).logical_or_(dist.le(rj).any(1));
          }
        }
      }
      return new Result(fraction(sampleInRef), fraction(refInSample));
    }
  }

  /** Per point, the squared distance to its k-th nearest other point of the same set. */
  private Tensor radii(Points p) {
    int kth = NEIGHBOURS + 1; // the point itself (distance 0) is the first of the k + 1 smallest
    if (p.n < kth) {
      throw new IllegalArgumentException(
          "precision/recall needs at least "
              + kth
              + " "
              + p.what
              + " images (k = "
              + NEIGHBOURS
              + " neighbours), got "
              + p.n);
    }
    Tensor out = torch.empty(p.n).to(ScalarType.Double);
    for (int i = 0; i < p.n; i += blockSize) {
      int bi = Math.min(blockSize, p.n - i);
      try (var inner = NativeScope.open()) {
        TensorVector candidates = new TensorVector();
        for (int j = 0; j < p.n; j += blockSize) {
          int bj = Math.min(blockSize, p.n - j);
          Tensor dist = squaredDistances(p, i, bi, p, j, bj);
          candidates.push_back(dist.topk(Math.min(kth, bj), 1, false, true).get0());
        }
        Tensor smallest = torch.cat(candidates, 1).topk(kth, 1, false, true).get0(); // sorted
        out.narrow(0, i, bi).copy_(smallest.select(1, NEIGHBOURS));
      }
    }
    return out;
  }

  /** |u|^2 - 2 u.v + |v|^2 (clamped at 0) for rows [i, i+bi) of a and [j, j+bj) of b. */
  private static Tensor squaredDistances(Points a, int i, int bi, Points b, int j, int bj) {
    Tensor u = a.rows(i, bi), v = b.rows(j, bj);
    Tensor cross = u.mm(v.t()).mul(Scalars.of(-2.0));
    return cross
        .add(a.norms.narrow(0, i, bi).unsqueeze(1))
        .add(b.norms.narrow(0, j, bj).unsqueeze(0))
        .clamp_min(Scalars.of(0.0));
  }

  private static double fraction(Tensor flags) {
    return flags.to(ScalarType.Double).mean().item_double();
  }

  /** A feature set as a float32 tensor (float64 per block) with its float64 squared norms. */
  private static final class Points {
    final Tensor features;
    final Tensor norms;
    final int n;
    final String what;

    Points(float[] x, int n, int d, String what) {
      if (n < 0 || (long) n * d != x.length) {
        throw new IllegalArgumentException(
            what + " features hold " + x.length + " values, not " + n + " x " + d);
      }
      this.n = n;
      this.what = what;
      this.features = Tensors.ofFloats(x, n, d);
      Tensor norms = torch.empty(n).to(ScalarType.Double);
      for (int i = 0; i < n; i += DEFAULT_BLOCK) {
        int b = Math.min(DEFAULT_BLOCK, n - i);
        norms.narrow(0, i, b).copy_(square(rows(i, b)).sum(1));
      }
      this.norms = norms;
      if (!torch.isfinite(norms).all().item_bool()) {
        throw new IllegalArgumentException(what + " features are not finite");
      }
    }

    private static Tensor square(Tensor t) {
      return t.mul(t);
    }

    Tensor rows(int start, int count) {
      return features.narrow(0, start, count).to(ScalarType.Double);
    }
  }
}
