package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.Test;

/**
 * The c10d sync in-process, as a job of one rank (a real TCP store and Gloo group): bucketing keeps
 * every value in place across bucket boundaries, and a parameter without a gradient gets a zero one
 * instead of desynchronising the ranks' bucket layouts.
 */
@org.junit.jupiter.api.Tag(
    "long") // in-process Gloo: once aborted the shared test JVM later (native teardown); run alone
class C10dSingleRankTest {
  @Test
  void averagesAndBroadcastsThroughBuckets() {
    DistEnv env =
        new DistEnv(0, 1, 0, "127.0.0.1", LocalLauncher.freePort(), Duration.ofSeconds(20));
    try (C10dGradientSync sync =
        C10dGradientSync.connect(env, new Device(torch.DeviceType.CPU), null, System.err)) {
      assertEquals("gloo", sync.backendName());
      List<Tensor> params = new ArrayList<>();
      List<float[]> grads = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        float[] g = new float[10 + i];
        for (int j = 0; j < g.length; j++) g[j] = i * 100 + j;
        Tensor p = Tensors.ofFloats(new float[g.length], g.length).requires_grad_(true);
        if (i != 2)
          p.mul(Tensors.ofFloats(g, g.length)).sum().backward(); // grad = g; param 2 gets none
        params.add(p);
        grads.add(i == 2 ? new float[g.length] : g);
      }
      // tiny buckets: several collectives, tensors split across them
      FlatBuckets.apply(
          params.stream().map(Tensor::grad).filter(Tensor::defined).toList(), 64, true, flat -> {});
      sync.averageGradients(params);
      for (int i = 0; i < params.size(); i++)
        assertArrayEquals(grads.get(i), Tensors.toFloats(params.get(i).grad()), "param " + i);
      assertEquals(3, FlatBuckets.plan(params, 100).size()); // 40+44 | 48+52 | 56 bytes
      sync.broadcastParameters(params);
      assertArrayEquals(new double[] {1.5, -2}, sync.averageValues(new double[] {1.5, -2}));
      sync.requireSame("test fingerprints", 1234567L);
      sync.barrier();
      assertTrue(sync.env().describe().contains("rank 0 of 1"));
    }
  }
}
