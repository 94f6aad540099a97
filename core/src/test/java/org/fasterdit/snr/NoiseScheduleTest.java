package org.fasterdit.snr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

  @Test
  void parsesEveryNameAndRejectsOthersByName() {
    assertInstanceOf(FlowLinearSchedule.class, NoiseSchedule.parse("linear"));
    assertInstanceOf(FlowCosineSchedule.class, NoiseSchedule.parse(" Cosine "));
    assertInstanceOf(VpSchedule.class, NoiseSchedule.parse("vp"));
    assertEquals("ddpm-linear", NoiseSchedule.parse("ddpm-linear").name());
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
    DdpmSchedule d = DdpmSchedule.linear(1000);
    for (int k = 0; k < 1000; k += 37) {
      assertEquals(2 * Math.log(d.alpha(k) / d.sigma(k)), d.logSnr(k), 1e-9, "ddpm k=" + k);
      assertEquals(1.0, d.alpha(k) * d.alpha(k) + d.sigma(k) * d.sigma(k), 1e-12);
    }
  }

  @Test
  void continuousPathsRunFromNoiseToData() {
    assertEquals(0, new FlowLinearSchedule().alpha(0));
    assertEquals(1, new FlowLinearSchedule().alpha(1));
    assertEquals(0, new FlowCosineSchedule().sigma(1));
    assertEquals(1, new FlowCosineSchedule().sigma(0), 1e-15);
    // VP never reaches pure noise: log alpha(0) = -(20 - 0.1)/4 - 0.05
    assertEquals(-5.025, new VpSchedule().logAlpha(0), 1e-12);
    assertEquals(1, new VpSchedule().alpha(1));
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
    FlowLinearSchedule lin = new FlowLinearSchedule();
    for (double l = -15; l <= 15; l += 0.5) {
      assertEquals(FlowLinearSchedule.timeAtLogSnrExact(l), lin.timeAtLogSnr(l), 1e-13, "l=" + l);
    }
    FlowCosineSchedule cos = new FlowCosineSchedule();
    for (double l = -10; l <= 10; l += 0.5) {
      assertEquals(2 / Math.PI * Math.atan(Math.exp(l / 2)), cos.timeAtLogSnr(l), 1e-13, "l=" + l);
    }
    VpSchedule vp = new VpSchedule();
    assertEquals(0, vp.timeAtLogSnr(-11)); // below what VP reaches
    assertEquals(-10.05, vp.logSnr(0), 1e-3);
    assertEquals(3.0, vp.logSnr(vp.timeAtLogSnr(3.0)), 1e-9);
  }

  @Test
  void ddpmSchedulesHaveTheExpectedEnds() {
    DdpmSchedule lin = DdpmSchedule.linear(1000);
    assertEquals(1 - 1e-4, lin.alphaBar(0), 1e-15);
    assertEquals(4.04e-5, lin.alphaBar(999), 0.02e-5); // the well-known DDPM-linear final abar
    DdpmSchedule cos = DdpmSchedule.cosine(1000);
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
    assertThrows(IllegalArgumentException.class, () -> new FlowLinearSchedule().alpha(1.5));
    assertThrows(IllegalArgumentException.class, () -> new FlowLinearSchedule().logSnr(0.5, -1));
  }
}
