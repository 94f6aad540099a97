package org.fasterdit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FD, IS and precision/recall against benchmarks/reference/metrics_reference.py (scipy's sqrtm FD,
 * ADM's IS and manifold estimator) on the same float32 features: a full-rank 64-d case and a 2048-d
 * case with fewer samples than dimensions (both covariances singular).
 */
class MetricsParityTest {
  /**
   * Against scipy: FD 3e-15 (64-d), 6e-8 (2048-d singular: sqrtm's own error, see FrechetDistance);
   * against the exact nuclear-norm form 6e-15 and 1e-15; IS 4e-14 (measured).
   */
  static final double RELATIVE = 1e-6;

  static Map<String, HostTensor> ref;

  @BeforeAll
  static void generate() throws Exception {
    ref = Npz.read(MetricsReference.caseFile());
  }

  static float[] floats(String key) {
    return ref.get(key).toFloatArray();
  }

  static double scalar(String key) {
    return ref.get(key).getDouble(0);
  }

  static int rows(String key) {
    return (int) ref.get(key).shape()[0];
  }

  static int cols(String key) {
    return (int) ref.get(key).shape()[1];
  }

  static void assertRelative(double expected, double actual, String what) {
    double rel = Math.abs(actual - expected) / Math.abs(expected);
    System.out.printf(
        "%s: ours %.10g reference %.10g relative %.2e%n", what, actual, expected, rel);
    assertTrue(rel <= RELATIVE, what + ": ours " + actual + " vs reference " + expected);
  }

  static FrechetDistance.Gaussian fit(String key) {
    return FrechetDistance.fit(floats(key), rows(key), cols(key));
  }

  @Test
  void frechetDistanceMatchesScipySqrtm() {
    for (String c : new String[] {"dense", "singular"}) {
      var a = fit(c + "_a");
      var b = fit(c + "_b");
      double fd = FrechetDistance.distance(a, b);
      assertRelative(scalar(c + "_fd"), fd, c + " FD vs sqrtm");
      // the square-root-free FD of the features (nuclear norm of A1 A2^T): exact to rounding
      double exact = scalar(c + "_fd_exact");
      System.out.printf("%s FD: ours vs exact %.2e relative%n", c, Math.abs(fd - exact) / exact);
      assertEquals(exact, fd, 1e-10 * exact, c + " FD vs the exact nuclear-norm form");
      // the same statistics: 0 up to rounding (scipy's sqrtm leaves -2e-4 on the singular case)
      double self = FrechetDistance.distance(a, a);
      System.out.printf("%s FD(a, a) = %.3e (scipy %.3e)%n", c, self, scalar(c + "_fd_self"));
      assertEquals(0, self, 1e-9 * scalar(c + "_fd"), c + " FD(a, a)");
    }
  }

  @Test
  void inceptionScoreMatchesAdmSplits() {
    for (String c : new String[] {"is_two_splits", "is_one_split"}) {
      String key = c + "_logits";
      assertRelative(scalar(c), InceptionScore.of(floats(key), rows(key), cols(key)), c);
    }
  }

  @Test
  void precisionRecallMatchesTheManifoldEstimator() {
    for (String c : new String[] {"dense", "singular"}) {
      String a = c + "_a", b = c + "_b";
      // a block far smaller than the sets, so the batched k-NN merge and the OR over blocks run
      var pr = new PrecisionRecall(97).compute(floats(a), rows(a), floats(b), rows(b), cols(a));
      System.out.printf("%s precision %.4f recall %.4f%n", c, pr.precision(), pr.recall());
      assertEquals(scalar(c + "_precision"), pr.precision(), 1e-12, c + " precision");
      assertEquals(scalar(c + "_recall"), pr.recall(), 1e-12, c + " recall");
      var whole =
          new PrecisionRecall(10_000).compute(floats(a), rows(a), floats(b), rows(b), cols(a));
      assertEquals(pr, whole, c + ": the block size changes nothing");
    }
  }
}
