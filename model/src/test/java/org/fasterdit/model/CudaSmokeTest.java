package org.fasterdit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs where a CUDA device and the GPU natives (-Pcuda) exist; skips cleanly elsewhere. Run with
 * ci/gpu-smoke.
 */
@Tag("gpu")
class CudaSmokeTest {
  @BeforeAll
  static void needsCuda() {
    assumeTrue(
        Devices.cudaAvailable(), "no CUDA device (or CPU-only natives): skipping GPU smoke tests");
  }

  @Test
  void cudaForwardMatchesCpu() {
    DiTConfig cfg = new DiTConfig(2, 64, 4, 2, 8, 4, 10, true);
    Device gpu = Devices.resolve("cuda:0");
    try (DiT cpu = new DiT(cfg, new Device(DeviceType.CPU), 3);
        DiT cuda = new DiT(cfg, gpu, 3);
        var s = NativeScope.open();
        var g = NoGrad.on()) {
      for (var e : cpu.stateDict().entrySet())
        e.getValue().normal_(); // non-trivial weights, then copy them over
      cuda.loadStateDict(cpu.stateDict());
      Tensor x = Tensors.ofFloats(new float[2 * 4 * 8 * 8], 2, 4, 8, 8).normal_();
      Tensor t = Tensors.ofFloats(new float[] {10f, 900f}, 2);
      Tensor y = Tensors.ofLongs(new long[] {3, 10}, 2);
      float[] a = Tensors.toFloats(cpu.forward(x, t, y));
      float[] b =
          Tensors.toFloats(
              cuda.forward(
                  x.to(gpu, x.scalar_type()),
                  t.to(gpu, t.scalar_type()),
                  y.to(gpu, y.scalar_type())));
      float max = 0;
      for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
      assertTrue(max < 1e-3, "cuda vs cpu max abs diff " + max);
      try (var bf = Precision.BF16.autocast(gpu)) {
        float[] c =
            Tensors.toFloats(
                cuda.forward(
                    x.to(gpu, x.scalar_type()),
                    t.to(gpu, t.scalar_type()),
                    y.to(gpu, y.scalar_type())));
        assertArrayEquals(new long[] {a.length}, new long[] {c.length});
      }
    }
  }

  @Test
  void cudaTrainingStepRunsInFp16WithLossScaling() {
    Device gpu = Devices.resolve("cuda:0");
    Precision.FP16.checkSupported(gpu); // allowed on CUDA only
    try (DiT m = new DiT(new DiTConfig(1, 32, 2, 2, 8, 4, 10, false), gpu, 0);
        var s = NativeScope.open();
        var a = Precision.FP16.autocast(gpu)) {
      Tensor x =
          Tensors.ofFloats(new float[4 * 4 * 8 * 8], 4, 4, 8, 8)
              .normal_()
              .to(gpu, org.bytedeco.pytorch.global.torch.ScalarType.Float);
      Tensor out =
          m.forward(
              x,
              Tensors.ofFloats(new float[] {.1f, .2f, .3f, .4f}, 4)
                  .to(gpu, org.bytedeco.pytorch.global.torch.ScalarType.Float),
              Tensors.ofLongs(new long[] {0, 1, 2, 3}, 4)
                  .to(gpu, org.bytedeco.pytorch.global.torch.ScalarType.Long));
      out.to(org.bytedeco.pytorch.global.torch.ScalarType.Float)
          .square()
          .mean()
          .mul(org.fasterdit.torch.Scalars.of(1024.0))
          .backward();
      assertTrue(m.stateDict().get("blocks.0.attn.qkv.weight").grad().defined());
    }
  }
}
