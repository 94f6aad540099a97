package org.fasterdit.eval;

/**
 * Inception Score as ADM's evaluator computes it: exp(E_x KL(p(y|x) || p(y))) over the classifier's
 * softmax, where p(y) is the mean softmax of the split, averaged over consecutive splits of {@link
 * #SPLIT_SIZE} images (the last split holds the remainder; fewer images than that make one split).
 * In float64, from logits through a log-softmax, so a probability that underflows contributes its
 * limit 0 instead of 0 * log 0.
 *
 * <p>ADM feeds the softmax with {@code pool3 @ W}, the TF graph's {@code softmax/logits/MatMul}
 * <em>without</em> the fc bias; callers pass logits of that kind (see {@code FidInception}).
 */
public final class InceptionScore {
  public static final int SPLIT_SIZE = 5000;

  private InceptionScore() {}

  /** IS of {@code n} rows of {@code classes} logits (row-major), in splits of 5000. */
  public static double of(float[] logits, int n, int classes) {
    return of(logits, n, classes, SPLIT_SIZE);
  }

  public static double of(float[] logits, int n, int classes, int splitSize) {
    if (n < 1 || classes < 2 || (long) n * classes != logits.length) {
      throw new IllegalArgumentException(
          "logits hold "
              + logits.length
              + " values, not "
              + n
              + " rows of "
              + classes
              + " classes");
    }
    if (splitSize < 1) throw new IllegalArgumentException("split size must be >= 1: " + splitSize);
    double sum = 0;
    int splits = 0;
    for (int start = 0; start < n; start += splitSize) {
      sum += Math.exp(meanKl(logits, start, Math.min(n, start + splitSize), classes));
      splits++;
    }
    return sum / splits;
  }

  /** E KL(p(y|x) || p(y)) over rows [from, to), p(y) the mean of those rows' softmax. */
  private static double meanKl(float[] logits, int from, int to, int classes) {
    int rows = to - from;
    double[][] logP = new double[rows][];
    double[] marginal = new double[classes];
    for (int i = 0; i < rows; i++) {
      logP[i] = logSoftmax(logits, (from + i) * classes, classes);
      for (int k = 0; k < classes; k++) marginal[k] += Math.exp(logP[i][k]) / rows;
    }
    double kl = 0;
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < classes; k++) {
        double p = Math.exp(logP[i][k]);
        if (p > 0) kl += p * (logP[i][k] - Math.log(marginal[k]));
      }
    }
    return kl / rows;
  }

  private static double[] logSoftmax(float[] logits, int offset, int classes) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < classes; k++) max = Math.max(max, logits[offset + k]);
    if (!Double.isFinite(max)) {
      throw new IllegalArgumentException("logits of row " + offset / classes + " are not finite");
    }
    double z = 0;
    for (int k = 0; k < classes; k++) z += Math.exp(logits[offset + k] - max);
    double logZ = max + Math.log(z);
    double[] out = new double[classes];
    for (int k = 0; k < classes; k++) out[k] = logits[offset + k] - logZ;
    return out;
  }
}
