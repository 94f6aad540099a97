package org.fasterdit.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpeedUpTest {
  static final long[] STEPS = {500, 1000, 2000, 4000};

  @Test
  void interpolatesLinearlyBetweenTheCheckpointsAroundTheCrossing() {
    // 80 at 1000, 40 at 2000: 60 is reached half way, at 1500; 4000 / 1500 = 2.67x
    SpeedUp.Crossing c = SpeedUp.reach(STEPS, new double[] {120, 80, 40, 20}, 60);
    assertEquals(1500, c.step(), 1e-9);
    assertFalse(c.atFirstCheckpoint());
    assertEquals(4000 / 1500.0, c.speedUp(4000), 1e-12);
    // exactly on a checkpoint
    assertEquals(2000, SpeedUp.reach(STEPS, new double[] {120, 80, 40, 20}, 40).step(), 1e-9);
  }

  @Test
  void firstCrossingCountsAndBoundsAreMarked() {
    // the curve dips below 50 at 1000, rises, then falls again: the first crossing counts
    assertEquals(750, SpeedUp.reach(STEPS, new double[] {100, 0, 70, 10}, 50).step(), 1e-9);
    SpeedUp.Crossing early = SpeedUp.reach(STEPS, new double[] {30, 20, 10, 5}, 40);
    assertTrue(early.atFirstCheckpoint());
    assertEquals(500, early.step());
    assertNull(SpeedUp.reach(STEPS, new double[] {100, 90, 80, 70}, 60));
  }
}
