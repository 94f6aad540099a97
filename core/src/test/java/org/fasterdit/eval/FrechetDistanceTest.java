package org.fasterdit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {
  /**
   * For commuting (diagonal) covariances the distance has a closed form: |dmu|^2 + sum (s1 + s2 - 2
   * sqrt(s1 s2)).
   */
  @Test
  void matchesTheClosedFormForDiagonalCovariances() {
    int d = 6;
    double[] m1 = new double[d], m2 = new double[d];
    double[] c1 = new double[d * d], c2 = new double[d * d];
    double expected = 0;
    for (int i = 0; i < d; i++) {
      m1[i] = i * 0.1;
      m2[i] = -i * 0.2;
      c1[i * d + i] = 1 + i;
      c2[i * d + i] = 0.5 + 2 * i;
      expected +=
          (m1[i] - m2[i]) * (m1[i] - m2[i])
              + c1[i * d + i]
              + c2[i * d + i]
              - 2 * Math.sqrt(c1[i * d + i] * c2[i * d + i]);
    }
    double got =
        FrechetDistance.distance(
            new FrechetDistance.Gaussian(m1, c1, 10), new FrechetDistance.Gaussian(m2, c2, 10));
    assertEquals(expected, got, 1e-9);
  }

  /**
   * A full covariance rotated by an orthogonal matrix: FD(N(0,S), N(0,S)) = 0 and FD is symmetric.
   */
  @Test
  void zeroForTheSameDistributionAndSymmetric() {
    SplittableRandom r = new SplittableRandom(1);
    double[][] x = new double[500][8], y = new double[400][8];
    for (double[] row : x)
      for (int j = 0; j < 8; j++) row[j] = r.nextGaussian() * (1 + j) + (j % 3 == 0 ? row[0] : 0);
    for (double[] row : y) for (int j = 0; j < 8; j++) row[j] = r.nextGaussian() + 0.3;
    var a = FrechetDistance.fit(x);
    var b = FrechetDistance.fit(y);
    assertEquals(0.0, FrechetDistance.distance(a, a), 1e-8);
    assertEquals(FrechetDistance.distance(a, b), FrechetDistance.distance(b, a), 1e-8);
  }
}
