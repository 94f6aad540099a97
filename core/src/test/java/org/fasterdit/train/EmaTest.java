package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The EMA warm-up: exact decays for the first updates, and the trainer applying them. */
class EmaTest {
  @Test
  void warmupDecaysForTheFirstUpdates() {
    assertEquals(0.1, Ema.decayAt(0.9999, true, 0), 1e-15);
    assertEquals(2.0 / 11, Ema.decayAt(0.9999, true, 1), 1e-15);
    assertEquals(0.25, Ema.decayAt(0.9999, true, 2), 1e-15);
    assertEquals(1000.0 / 1009, Ema.decayAt(0.9999, true, 999), 1e-15);
    // capped at the configured decay once (1 + k) / (10 + k) passes it
    assertEquals(0.2, Ema.decayAt(0.2, true, 2), 1e-15);
    assertEquals(0.9999, Ema.decayAt(0.9999, true, 10_000_000), 1e-15);
    // off: the configured decay from the first update
    assertEquals(0.9999, Ema.decayAt(0.9999, false, 0), 1e-15);
    assertThrows(IllegalArgumentException.class, () -> Ema.decayAt(0.9, true, -1));
  }

  @Test
  void trainerAppliesTheWarmupDecays() {
    TrainConfig cfg = ResumeTest.config("fasterdit", "ema-decay=0.9999");
    assertTrue(cfg.optim().emaWarmup());
    String name = "final_layer.linear.weight";
    try (Trainer t = Trainer.create(cfg, ResumeTest.data(), GradientSync.NONE)) {
      float[] ema = t.emaModel().get(name);
      for (int k = 0; k < 3; k++) {
        t.step();
        float[] p = t.model().get(name);
        float[] got = t.emaModel().get(name);
        double d = Ema.decayAt(0.9999, true, k);
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
          double want = d * ema[i] + (1 - d) * p[i];
          worst = Math.max(worst, Math.abs(got[i] - want));
        }
        assertTrue(worst < 1e-6, "update " + k + ": EMA off by " + worst);
        ema = got;
      }
    }
  }

  @Test
  void warmupIsAConfigKey() {
    assertFalse(ConfigResolver.resolve(null, List.of("ema-warmup=false")).optim().emaWarmup());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConfigResolver.resolve(null, List.of("ema-warmup=sometimes")));
    assertTrue(e.getMessage().contains("'ema-warmup' must be true or false"), e.getMessage());
  }
}
