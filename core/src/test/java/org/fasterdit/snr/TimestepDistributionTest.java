package org.fasterdit.snr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.fasterdit.diffusion.TimestepDistribution;
import org.junit.jupiter.api.Test;

class TimestepDistributionTest {

  @Test
  void parsesSpecs() {
    assertEquals(new TimestepDistribution.Uniform(), TimestepDistribution.parse("uniform"));
    assertEquals(new TimestepDistribution.LogitNormal(0, 1), TimestepDistribution.parse("lognorm"));
    assertEquals(
        new TimestepDistribution.LogitNormal(-0.5, 1.2),
        TimestepDistribution.parse("lognorm:-0.5, 1.2"));
    assertEquals("lognorm:0,1", TimestepDistribution.parse("lognorm:0,1").spec());
    assertEquals("lognorm:-0.5,1.2", TimestepDistribution.parse("lognorm:-0.5,1.2").spec());
  }

  @Test
  void rejectsBadSpecsWithTheirText() {
    for (String bad :
        new String[] {
          "gaussian",
          "lognorm:1",
          "lognorm:a,b",
          "lognorm:0,1,2",
          "lognorm:0,0",
          "lognorm:0,-1",
          "lognorm:99,1",
          ""
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> TimestepDistribution.parse(bad), bad);
      assertTrue(e.getMessage().contains("lognorm"), bad + " -> " + e.getMessage());
    }
  }

  @Test
  void densityIntegratesToCdf() {
    TimestepDistribution d = new TimestepDistribution.LogitNormal(0.3, 0.8);
    int n = 200_000;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double u = (i + 0.5) / n * 0.7; // midpoint rule on [0, 0.7]
      sum += d.density(u) * 0.7 / n;
    }
    assertEquals(d.cdf(0.7), sum, 1e-6);
  }

  @Test
  void uniformGivesEachDdpmStepTheSameMass() {
    TimestepDistribution u = new TimestepDistribution.Uniform();
    for (int k = 0; k < 1000; k += 111) assertEquals(1e-3, u.stepMass(k, 1000), 1e-15);
    assertEquals(0, TimestepDistribution.stepOf(1.0, 1000)); // data end -> cleanest step
    assertEquals(999, TimestepDistribution.stepOf(0.0, 1000)); // noise end -> noisiest step
  }

  @Test
  void lognormStepMassesSumToOneAndLeanAsMuSays() {
    TimestepDistribution d = new TimestepDistribution.LogitNormal(1, 1);
    double total = 0;
    double meanStep = 0;
    for (int k = 0; k < 1000; k++) {
      double m = d.stepMass(k, 1000);
      total += m;
      meanStep += k * m;
    }
    assertEquals(1, total, 1e-9);
    assertTrue(meanStep < 499.5, "MU > 0 leans to data, i.e. low DDPM steps: " + meanStep);
    assertThrows(IllegalArgumentException.class, () -> d.stepMass(1000, 1000));
  }

  @Test
  void sampledStepsFollowTheirMasses() {
    TimestepDistribution d = new TimestepDistribution.LogitNormal(0, 1);
    SplittableRandom rng = new SplittableRandom(7);
    int n = 100_000;
    int below = 0;
    for (int i = 0; i < n; i++) if (d.sampleStep(rng, 10) < 3) below++;
    double expected = d.stepMass(0, 10) + d.stepMass(1, 10) + d.stepMass(2, 10);
    assertEquals(expected, below / (double) n, 5 * Math.sqrt(expected * (1 - expected) / n));
  }
}
