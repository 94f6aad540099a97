package org.fasterdit.snr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fasterdit.diffusion.ContinuousSchedule;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.NoiseSchedule;
import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

  @Test
  void parsesEveryNameAndRejectsOthersByName() {
    assertInstanceOf(FlowPath.class, NoiseSchedule.parse("linear"));
    assertInstanceOf(FlowPath.class, NoiseSchedule.parse(" Cosine "));
    assertInstanceOf(FlowPath.class, NoiseSchedule.parse("vp"));
    assertEquals("ddpm-linear", NoiseSchedule.parse("ddpm-linear").label());
    assertEquals(1000, ((DdpmSchedule) NoiseSchedule.parse("ddpm-cosine")).steps());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.parse("sigmoid"));
    assertTrue(
        e.getMessage().contains("'sigmoid'") && e.getMessage().contains("ddpm-cosine"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.parse(null));
  }

  @Test
  void logSnrMatchesAlphaAndSigmaInTheMiddle() {
    for (String name : new String[] {"linear", "cosine", "vp"}) {
      NoiseSchedule s = NoiseSchedule.parse(name);
      for (double t = 0.05; t < 1; t += 0.1) {
        double direct = 2 * Math.log(s.alpha(t) * 0.7 / s.sigma(t));
        assertEquals(direct, s.logSnr(t, 0.7), 1e-9, name + " t=" + t);
      }
    }
    DdpmSchedule d = DdpmSchedule.of(DdpmSchedule.Kind.LINEAR, 1000);
    for (int k = 0; k < 1000; k += 37) {
      assertEquals(2 * Math.log(d.alpha(k) / d.sigma(k)), d.logSnr(k), 1e-9, "ddpm k=" + k);
      assertEquals(1.0, d.alpha(k) * d.alpha(k) + d.sigma(k) * d.sigma(k), 1e-12);
    }
  }

  @Test
  void continuousPathsRunFromNoiseToData() {
    assertEquals(0, FlowPath.LINEAR.alpha(0));
    assertEquals(1, FlowPath.LINEAR.alpha(1));
    assertEquals(0, FlowPath.COSINE.sigma(1));
    assertEquals(1, FlowPath.COSINE.sigma(0), 1e-15);
    // VP never reaches pure noise: log alpha(0) = -(20 - 0.1)/4 - 0.05
    assertEquals(-5.025, FlowPath.logAlphaVp(0), 1e-12);
    assertEquals(1, FlowPath.VP.alpha(1));
  }

  @Test
  void derivativesMatchCentralDifferences() {
    for (String name : new String[] {"linear", "cosine", "vp"}) {
      ContinuousSchedule s = (ContinuousSchedule) NoiseSchedule.parse(name);
      for (double t = 0.02; t < 0.99; t += 0.07) {
        double h = 1e-6;
        double numeric = (s.logSnr(t + h) - s.logSnr(t - h)) / (2 * h);
        assertEquals(numeric, s.dLogSnrDt(t), 1e-5 * Math.abs(numeric), name + " t=" + t);
      }
    }
  }

  @Test
  void bisectionInvertsLogSnr() {
    FlowPath lin = FlowPath.LINEAR;
    for (double l = -15; l <= 15; l += 0.5) {
      assertEquals(FlowPath.linearTimeAtLogSnr(l), lin.timeAtLogSnr(l), 1e-13, "l=" + l);
    }
    FlowPath cos = FlowPath.COSINE;
    for (double l = -10; l <= 10; l += 0.5) {
      assertEquals(2 / Math.PI * Math.atan(Math.exp(l / 2)), cos.timeAtLogSnr(l), 1e-13, "l=" + l);
    }
    FlowPath vp = FlowPath.VP;
    assertEquals(0, vp.timeAtLogSnr(-11)); // below what VP reaches
    assertEquals(-10.05, vp.logSnr(0), 1e-3);
    assertEquals(3.0, vp.logSnr(vp.timeAtLogSnr(3.0)), 1e-9);
  }

  @Test
  void ddpmSchedulesHaveTheExpectedEnds() {
    DdpmSchedule lin = DdpmSchedule.of(DdpmSchedule.Kind.LINEAR, 1000);
    assertEquals(1 - 1e-4, lin.alphaBar(0), 1e-15);
    assertEquals(4.04e-5, lin.alphaBar(999), 0.02e-5); // the well-known DDPM-linear final abar
    DdpmSchedule cos = DdpmSchedule.of(DdpmSchedule.Kind.COSINE, 1000);
    assertTrue(
        cos.alphaBar(999) < 1e-8, "cosine ends (nearly) at pure noise: " + cos.alphaBar(999));
    for (DdpmSchedule d : new DdpmSchedule[] {lin, cos}) {
      double[] l = d.logSnrs();
      for (int k = 1; k < l.length; k++)
        assertTrue(l[k] < l[k - 1], d + " log SNR must fall with t at " + k);
    }
    assertThrows(IllegalArgumentException.class, () -> lin.alpha(2.5));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> lin.sigma(1000));
    assertTrue(e.getMessage().contains("0..999"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FlowPath.LINEAR.alpha(1.5));
    assertThrows(IllegalArgumentException.class, () -> FlowPath.LINEAR.logSnr(0.5, -1));
  }
}
