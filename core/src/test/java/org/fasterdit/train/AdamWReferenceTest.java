package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.Test;

/**
 * Our AdamW against torch.optim.AdamW's trajectory (float64 in Python) over 4 steps with weight
 * decay.
 */
class AdamWReferenceTest {
  @Test
  void matchesTorchAdamW() {
    Map<String, HostTensor> ref = Npz.read(Path.of("src/test/resources/reference/objectives.npz"));
    double[] h = ref.get("adamw_hparams").toDoubleArray();
    float[] grads = ref.get("adamw_grads").toFloatArray();
    double[] want = ref.get("adamw_p64").toDoubleArray();
    try (var s = NativeScope.open()) {
      Tensor p = NativeScope.retain(Tensors.copyOf(ref.get("adamw_p0")).requires_grad_(true));
      Map<String, Tensor> named = new LinkedHashMap<>();
      named.put("w", p);
      AdamW opt = new AdamW(named, h[0], h[1], h[2], h[3], h[4]);
      for (int k = 0; k < 4; k++) {
        opt.zeroGrad();
        Tensor g = Tensors.ofFloats(Arrays.copyOfRange(grads, k * 15, (k + 1) * 15), 5, 3);
        p.mul(g).sum().backward(); // d/dp sum(p * g) = g
        opt.step();
        float[] got = Tensors.toFloats(p);
        for (int i = 0; i < 15; i++) {
          double w = want[k * 15 + i];
          assertTrue(
              Math.abs(got[i] - w) <= 1e-6 + 1e-5 * Math.abs(w),
              "step " + (k + 1) + " [" + i + "]: " + got[i] + " vs " + w);
        }
      }
      opt.close();
    }
  }
}
