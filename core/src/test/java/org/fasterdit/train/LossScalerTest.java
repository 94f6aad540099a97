package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** fp16 loss scaling halves on overflow, grows back, and gives up after the configured patience. */
class LossScalerTest {
  @Test
  void keepsOverflowingStopsAfterThePatience() {
    LossScaler s = new LossScaler(true, 5);
    for (int i = 0; i < 4; i++) assertFalse(s.update(false), "overflowing step is skipped");
    assertEquals(65536.0 / 16, s.scale());
    assertTrue(s.update(true), "a clean step resets the count");
    for (int i = 0; i < 4; i++) s.update(false);
    var e = assertThrows(NonFiniteLossException.class, () -> s.update(false));
    assertTrue(e.getMessage().contains("5 steps in a row overflowed in fp16"), e.getMessage());
    assertTrue(e.getMessage().contains("bf16 or fp32"), e.getMessage());
  }

  @Test
  void disabledScalerOnlyReportsFiniteness() {
    LossScaler s = new LossScaler(false, 1);
    assertFalse(s.update(false));
    assertFalse(s.update(false)); // the trainer applies nan-patience to fp32/bf16 itself
    assertEquals(1.0, s.scale());
  }
}
