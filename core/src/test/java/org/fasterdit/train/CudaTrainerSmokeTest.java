package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.fasterdit.torch.Devices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The trainer on a CUDA device (run by ci/gpu-smoke): one step thread, the fused AdamW kernel on
 * the GPU.
 */
@Tag("gpu")
class CudaTrainerSmokeTest {
  @BeforeAll
  static void needsCuda() {
    assumeTrue(
        Devices.cudaAvailable(), "no CUDA device (or CPU-only natives): skipping GPU smoke tests");
  }

  private static float[] trainTwoSteps(String device, String precision) {
    TrainConfig cfg = ResumeTest.config("fasterdit", "device=" + device, "precision=" + precision);
    try (Trainer t = Trainer.create(cfg, ResumeTest.data(), GradientSync.NONE)) {
      if (device.startsWith("cuda")) assertEquals(1, t.workers(), "auto workers on CUDA");
      for (int i = 0; i < 2; i++)
        assertTrue(Double.isFinite(t.step().loss()), device + " " + precision + " step " + i);
      return t.model().get("blocks.0.mlp.fc1.weight");
    }
  }

  @Test
  void fp32StepsOnCudaMatchCpu() {
    float[] cpu = trainTwoSteps("cpu", "fp32"), gpu = trainTwoSteps("cuda:0", "fp32");
    assertArrayEquals(cpu, gpu, 1e-4f); // same data and noise (host-drawn), different kernels
  }

  @Test
  void bf16StepsRunOnCuda() {
    float[] w = trainTwoSteps("cuda:0", "bf16");
    for (float v : w) assertTrue(Float.isFinite(v));
  }
}
