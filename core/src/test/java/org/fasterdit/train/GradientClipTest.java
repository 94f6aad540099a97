package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.Test;

/**
 * Our clip against LibTorch's clip_grad_norm_, bit for bit, serial and on two workers; and the
 * trainer's grad-clip key: off trains like a limit that never binds, a binding limit changes steps.
 */
class GradientClipTest {
  private static final long[][] SHAPES = {{384, 1152}, {1152}, {7}, {2304, 384}, {3, 5, 2}, {1}};

  /** Parameters with gradients drawn from {@code seed}; the second one has none. */
  private static List<Tensor> params(int count, long seed) {
    torch.manual_seed(seed);
    List<Tensor> ps = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Tensor p = torch.randn(SHAPES[i % SHAPES.length]).requires_grad_(true);
      if (i != 1 || count == 1)
        p.mutable_grad().put(torch.randn(SHAPES[i % SHAPES.length]).mul(Scalars.of(0.01)));
      ps.add(p);
    }
    return ps;
  }

  private static float[] grads(List<Tensor> ps) {
    List<Float> all = new ArrayList<>();
    for (Tensor p : ps)
      if (p.grad().defined()) for (float v : Tensors.toFloats(p.grad().contiguous())) all.add(v);
    float[] out = new float[all.size()];
    for (int i = 0; i < out.length; i++) out[i] = all.get(i);
    return out;
  }

  @Test
  void matchesLibTorchBitForBit() {
    try (var scope = NativeScope.open();
        ParallelMicroBatch workers = new ParallelMicroBatch(2)) {
      ParameterPasses two = workers::acrossParameters;
      for (int count : new int[] {1, 6, 13}) {
        // a limit below the norm (the gradients get scaled), near it, and none: LibTorch's own
        // rejects Double.MAX_VALUE (no float holds it), so its result there is the one of 1e30
        for (double max : new double[] {0.05, 1.0, Double.MAX_VALUE}) {
          List<Tensor> expected = params(count, 3);
          double expectedNorm =
              torch.clip_grad_norm_(
                  new TensorVector(expected.toArray(new Tensor[0])),
                  max == Double.MAX_VALUE ? 1e30 : max);
          for (ParameterPasses passes : List.of(ParameterPasses.SERIAL, two)) {
            List<Tensor> ours = params(count, 3);
            double norm = GradientClip.clip(ours, max, passes);
            String what = count + " params, max " + max + (passes == two ? ", two workers" : "");
            assertEquals(expectedNorm, norm, 0.0, what + ": norm");
            assertArrayEquals(grads(expected), grads(ours), what + ": gradients");
            assertTrue(!ours.get(count == 1 ? 0 : 1).grad().defined() || count == 1, what);
          }
        }
      }
    }
  }

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

  /** grad-clip=0 (off) once hit LibTorch's float overflow check on the limit: no step trained. */
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

  @Test
  void noGradientsGiveZero() {
    try (var scope = NativeScope.open()) {
      Tensor p = torch.randn(4).requires_grad_(true);
      assertEquals(0.0, GradientClip.clip(List.of(p), 1.0, ParameterPasses.SERIAL));
    }
  }
}
