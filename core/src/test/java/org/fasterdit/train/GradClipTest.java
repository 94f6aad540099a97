package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** grad-clip: off trains like a limit that never binds; a binding limit changes the steps. */
class GradClipTest {
  private static List<StepResult> train(String gradClip, int steps) {
    try (Trainer t =
        Trainer.create(
            ResumeTest.config("fasterdit", "grad-clip=" + gradClip),
            ResumeTest.data(),
            GradientSync.NONE)) {
      List<StepResult> out = new ArrayList<>();
      for (int i = 0; i < steps; i++) out.add(t.step());
      return out;
    }
  }

  @Test
  void clippingOffTrainsLikeALimitThatNeverBinds() {
    List<StepResult> off = train("0", 3);
    List<StepResult> loose = train("1e9", 3);
    for (int i = 0; i < off.size(); i++) {
      StepResult a = off.get(i);
      assertFalse(a.skipped(), "step " + i + " skipped: " + a.skipReason());
      assertTrue(Double.isFinite(a.gradNorm()) && a.gradNorm() > 0, "grad norm " + a.gradNorm());
      assertEquals(loose.get(i).loss(), a.loss(), 0.0, "loss at step " + i);
      assertEquals(loose.get(i).gradNorm(), a.gradNorm(), 0.0, "grad norm at step " + i);
    }
  }

  @Test
  void aBindingLimitReportsTheNormBeforeClippingAndChangesTheNextStep() {
    List<StepResult> off = train("0", 2);
    List<StepResult> tight = train("1e-4", 2);
    assertEquals(off.get(0).gradNorm(), tight.get(0).gradNorm(), 0.0, "norm before clipping");
    assertTrue(tight.get(0).gradNorm() > 1e-4, "the limit must bind for this test");
    assertNotEquals(off.get(1).loss(), tight.get(1).loss(), "the clipped update changed nothing");
  }
}
