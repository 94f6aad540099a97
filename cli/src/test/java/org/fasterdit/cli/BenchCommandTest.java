package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** bench's FLOP accounting and MFU, separate from any timing. */
class BenchCommandTest {
  @Test
  void trainingCountsForwardAndTwiceForwardForBackward() {
    double forwardPerImage = 12.108; // DiT-S/2 at 32x32, as bench prints it
    assertEquals(3 * 2 * forwardPerImage, BenchCommand.trainingGflops(2, forwardPerImage), 1e-9);
  }

  @Test
  void mfuIsAchievedOverTheMeasuredPeakOfThePickedPrecision() {
    double achieved = BenchCommand.trainingGflops(5.8, 12.108);
    double peak = 417;
    double mfu = BenchCommand.mfu(achieved, peak);
    assertEquals(achieved / peak, mfu, 1e-12);
    // at the peak's own limit the step would run at exactly MFU 1
    double limitImgPerS = BenchCommand.limitImgPerS(peak, 12.108);
    assertEquals(11.48, limitImgPerS, 0.01, "the issue's figure: 417 GFLOP/s -> 11.5 img/s");
    assertEquals(
        1.0, BenchCommand.mfu(BenchCommand.trainingGflops(limitImgPerS, 12.108), peak), 1e-12);
    assertTrue(Double.isNaN(BenchCommand.mfu(achieved, Double.NaN)), "no peak, no MFU");
    assertTrue(Double.isNaN(BenchCommand.mfu(achieved, 0)));
  }
}
