package org.fasterdit.snr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.NoiseSchedule;
import org.fasterdit.diffusion.TimestepDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SnrPdfTest {
  private static final SnrGrid GRID = SnrGrid.DEFAULT; // [-20, 20] x 801

  /**
   * The worked case of the FasterDiT paper: flow-linear + lognorm(0,1) gives log SNR ~ N(2 ln s,
   * 2).
   */
  @ParameterizedTest
  @ValueSource(doubles = {0.5, 1, 2, 0.18215})
  void flowLinearWithLognormIsNormalWithMean2LnStdAndStd2(double std) {
    Curve c =
        SnrPdf.analytic(FlowPath.LINEAR, new TimestepDistribution.LogitNormal(0, 1), std, GRID);
    double mean = 2 * Math.log(std);
    double[] x = c.logSnr();
    double[] p = c.density();
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      double z = (x[i] - mean) / 2;
      double normal = Math.exp(-0.5 * z * z) / (2 * Math.sqrt(2 * Math.PI));
      worst = Math.max(worst, Math.abs(p[i] - normal));
    }
    assertTrue(worst < 1e-3, "max |pdf - N(2 ln s, 2)| = " + worst);
    assertTrue(worst < 1e-9, "in fact the route is exact up to rounding: " + worst);

    LogSnrStats s =
        SnrPdf.stats(FlowPath.LINEAR, new TimestepDistribution.LogitNormal(0, 1), std, GRID);
    assertEquals(mean, s.mean(), 1e-6);
    assertEquals(2, s.std(), 1e-6);
  }

  @Test
  void workedCaseMonteCarloAgreesWithTheCurve() {
    SnrGrid grid =
        new SnrGrid(-12, 12, 97); // bins 0.25 wide: enough samples per bin for a tight check
    assertMonteCarloAgrees(FlowPath.LINEAR, new TimestepDistribution.LogitNormal(0, 1), 1.0, grid);
  }

  @ParameterizedTest
  @CsvSource({
    "linear, uniform, 1",
    "cosine, 'lognorm:0,1', 0.5",
    "vp, uniform, 2",
    "ddpm-linear, uniform, 1",
    "ddpm-cosine, 'lognorm:0.5,1', 1",
  })
  void monteCarloAgreesWithTheAnalyticCurve(String path, String sampler, double std) {
    SnrGrid grid = new SnrGrid(-14, 14, 113); // bins 0.25 wide
    assertMonteCarloAgrees(
        NoiseSchedule.parse(path), TimestepDistribution.parse(sampler), std, grid);
  }

  /**
   * 2e5 draws; each bin's count is binomial, so the histogram density has standard error sqrt(p /
   * (N h)). A bin may differ by 5 standard errors plus a small allowance for the curvature within a
   * bin.
   */
  private static void assertMonteCarloAgrees(
      NoiseSchedule s, TimestepDistribution d, double std, SnrGrid grid) {
    int n = 200_000;
    Curve exact = SnrPdf.analytic(s, d, std, grid);
    Curve mc = SnrPdf.monteCarlo(s, d, std, grid, n, new SplittableRandom(42));
    double[] p = exact.density();
    double[] q = mc.density();
    double h = grid.step();
    // VP's density jumps from 0 to > 0 at its noisiest point; the one bin holding the jump is a
    // point value vs a
    // bin average there, not a comparison of like with like.
    int jumpBin = s instanceof FlowPath vp ? grid.binOf(vp.logSnr(0, std)) : -1;
    for (int i = 0; i < p.length; i++) {
      if (i == jumpBin) continue;
      double tol = 5 * Math.sqrt(p[i] / (n * h)) + 2e-3;
      assertEquals(
          p[i],
          q[i],
          tol,
          s.label() + "+" + d.spec() + " std=" + std + " at l=" + exact.logSnr()[i]);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "linear, uniform",
    "cosine, 'lognorm:0,1'",
    "vp, 'lognorm:0,1'",
    "ddpm-linear, uniform",
    "ddpm-cosine, uniform"
  })
  void scalingTheDataByCShiftsThePdfBy2LnC(String path, String sampler) {
    NoiseSchedule s = NoiseSchedule.parse(path);
    TimestepDistribution d = TimestepDistribution.parse(sampler);
    double c = 2.0;
    double shift = 2 * Math.log(c); // 1.386..; make the grid step divide it so points line up
    SnrGrid grid = new SnrGrid(-20, 20, 4001);
    SnrGrid moved = new SnrGrid(-20 + shift, 20 + shift, 4001);
    double[] base = SnrPdf.analytic(s, d, 0.5, grid).density();
    double[] scaled = SnrPdf.analytic(s, d, 0.5 * c, moved).density();
    for (int i = 0; i < base.length; i++) {
      assertEquals(base[i], scaled[i], 1e-9, path + " at index " + i);
    }
    LogSnrStats a = SnrPdf.stats(s, d, 0.5, grid);
    LogSnrStats b = SnrPdf.stats(s, d, 0.5 * c, grid);
    assertEquals(a.mean() + shift, b.mean(), 1e-9);
    assertEquals(a.std(), b.std(), 1e-9);
  }

  @ParameterizedTest
  @CsvSource({
    "linear, uniform",
    "linear, 'lognorm:0,1'",
    "cosine, uniform",
    "cosine, 'lognorm:0,1'",
    "vp, uniform",
    "ddpm-linear, uniform",
    "ddpm-linear, 'lognorm:0,1'",
    "ddpm-cosine, 'lognorm:0,1'"
  })
  void densitiesIntegrateToTheMassInsideTheGrid(String path, String sampler) {
    NoiseSchedule s = NoiseSchedule.parse(path);
    TimestepDistribution d = TimestepDistribution.parse(sampler);
    SnrGrid grid = new SnrGrid(-25, 25, 2001);
    Curve c = SnrPdf.analytic(s, d, 1.0, grid);
    double inGrid = SnrPdf.massBetween(s, d, 1.0, grid.min(), grid.max());
    assertTrue(inGrid > 0.99, path + " " + sampler + " keeps most mass in [-25, 25]: " + inGrid);
    // VP's PDF jumps at its lowest log SNR, which costs the trapezoid rule about one bin's worth
    // there.
    double tol = s instanceof FlowPath ? 1e-2 : 2e-3;
    assertEquals(inGrid, c.integral(), tol, path + " " + sampler);
  }

  @Test
  void uniformOnFlowLinearIsLogistic() {
    // t ~ U(0,1), l = 2 logit(t): logistic with scale 2, density e^{-l/2} / (2 (1 + e^{-l/2})^2)
    Curve c = SnrPdf.analytic(FlowPath.LINEAR, new TimestepDistribution.Uniform(), 1.0, GRID);
    double[] x = c.logSnr();
    double[] p = c.density();
    for (int i = 0; i < x.length; i++) {
      double e = Math.exp(-Math.abs(x[i]) / 2);
      assertEquals(e / (2 * (1 + e) * (1 + e)), p[i], 1e-12, "l=" + x[i]);
    }
  }

  @Test
  void ddpmUniformApproachesTheContinuousLimit() {
    // For uniform steps, the cell-spread density is ~ 1 / (T |dl/dk|) where steps are dense.
    DdpmSchedule d = DdpmSchedule.of(DdpmSchedule.Kind.LINEAR, 1000);
    SnrGrid grid = new SnrGrid(-8, 4, 49);
    Curve c = SnrPdf.analytic(d, new TimestepDistribution.Uniform(), 1.0, grid);
    double[] l = d.logSnrs();
    for (int i = 0; i < grid.points(); i++) {
      double x = grid.x(i);
      int k = 0;
      while (k < 999 && l[k + 1] > x) k++;
      double slope = l[k] - l[k + 1]; // per step, near x
      assertEquals(1 / (1000 * slope), c.density()[i], 0.05 / (1000 * slope), "l=" + x);
    }
    assertEquals(
        1.0, SnrPdf.massBetween(d, new TimestepDistribution.Uniform(), 1.0, -100, 100), 1e-12);
  }

  @Test
  void vpHasNoMassBelowItsNoisiestPoint() {
    Curve c = SnrPdf.analytic(FlowPath.VP, new TimestepDistribution.Uniform(), 1.0, GRID);
    for (int i = 0; i < GRID.points(); i++) {
      if (GRID.x(i) < -10.06) assertEquals(0, c.density()[i], "l=" + GRID.x(i));
    }
  }
}
