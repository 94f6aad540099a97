package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Splitting each micro-batch over worker threads computes the same step as one thread, repeatably.
 */
class ParallelMicroBatchTest {
  private record Run(List<Double> losses, List<Double> gradNorms, float[] weight, float[] adaLN) {}

  private static Run run(String workers, String preset) {
    TrainConfig cfg = ResumeTest.config(preset, "workers=" + workers);
    try (Trainer t = Trainer.create(cfg, ResumeTest.data(), GradientSync.NONE)) {
      assertEquals(Integer.parseInt(workers), t.workers());
      List<Double> losses = new java.util.ArrayList<>(), norms = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        StepResult r = t.step();
        losses.add(r.loss());
        norms.add(r.gradNorm()); // AdamW hides a wrongly scaled gradient; the norm does not
      }
      return new Run(
          losses,
          norms,
          t.model().get("blocks.0.attn.qkv.weight"),
          t.model().get("blocks.1.adaLN_modulation.1.weight"));
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  }

  /** Every parameter index is visited exactly once, in ranges of about equal element counts. */
  @Test
  void parameterPassesVisitEachIndexOnce() {
    try (var scope = org.fasterdit.torch.NativeScope.open();
        ParallelMicroBatch workers = new ParallelMicroBatch(2)) {
      for (long[] sizes : new long[][] {{5}, {1, 1}, {100, 1, 1, 1}, {3, 3, 3, 3, 3, 3, 3}}) {
        List<org.bytedeco.pytorch.Tensor> params = new java.util.ArrayList<>();
        for (long size : sizes) params.add(org.bytedeco.pytorch.global.torch.zeros(size));
        java.util.concurrent.atomic.AtomicIntegerArray visits =
            new java.util.concurrent.atomic.AtomicIntegerArray(sizes.length);
        List<int[]> ranges = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        workers.acrossParameters(
            params,
            (from, to) -> {
              ranges.add(new int[] {from, to});
              for (int i = from; i < to; i++) visits.incrementAndGet(i);
            });
        for (int i = 0; i < sizes.length; i++)
          assertEquals(1, visits.get(i), java.util.Arrays.toString(sizes) + " index " + i);
        assertEquals(Math.min(2, sizes.length), ranges.size(), java.util.Arrays.toString(sizes));
      }
    }
  }

  @Test
  void aFailingPassIsRethrownAfterAllFinish() {
    try (var scope = org.fasterdit.torch.NativeScope.open();
        ParallelMicroBatch workers = new ParallelMicroBatch(2)) {
      List<org.bytedeco.pytorch.Tensor> params =
          List.of(
              org.bytedeco.pytorch.global.torch.zeros(4),
              org.bytedeco.pytorch.global.torch.zeros(4));
      java.util.concurrent.atomic.AtomicInteger finished =
          new java.util.concurrent.atomic.AtomicInteger();
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  workers.acrossParameters(
                      params,
                      (from, to) -> {
                        if (from == 0) throw new IllegalStateException("range " + from);
                        finished.incrementAndGet();
                      }));
      assertEquals("range 0", e.getMessage());
      assertEquals(1, finished.get(), "the other range ran to its end before the rethrow");
    }
  }

  @Test
  void twoWorkersMatchOneThread() {
    for (String preset : List.of("fasterdit", "dit")) {
      Run one = run("1", preset), two = run("2", preset);
      for (int i = 0; i < one.losses.size(); i++) {
        assertEquals(
            one.losses.get(i),
            two.losses.get(i),
            1e-5 * Math.abs(one.losses.get(i)),
            preset + " loss at step " + i);
        assertEquals(
            one.gradNorms.get(i),
            two.gradNorms.get(i),
            1e-5 * one.gradNorms.get(i),
            preset + " grad norm at step " + i);
      }
      // three AdamW steps at lr 1e-3 move weights by ~3e-3; a different float summation order may
      // move them by far less
      assertTrue(
          maxAbsDiff(one.weight, two.weight) < 1e-5,
          preset + " qkv weight diff " + maxAbsDiff(one.weight, two.weight));
      assertTrue(
          maxAbsDiff(one.adaLN, two.adaLN) < 1e-5,
          preset + " adaLN weight diff " + maxAbsDiff(one.adaLN, two.adaLN));
    }
  }

  @Test
  void twoWorkersAreRepeatable() {
    Run a = run("2", "fasterdit"), b = run("2", "fasterdit");
    assertEquals(a.losses, b.losses);
    assertEquals(a.gradNorms, b.gradNorms);
    assertArrayEquals(a.weight, b.weight);
    assertArrayEquals(a.adaLN, b.adaLN);
  }

  @Test
  void refusesImpossibleWorkerCounts() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> ResumeTest.config("fasterdit", "workers=0"));
    assertTrue(e.getMessage().contains("workers"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> ResumeTest.config("fasterdit", "workers=two"));
    // batch 8 with grad-accum 2 leaves 4 samples per micro-batch
    var tooMany =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Trainer.create(
                        ResumeTest.config("fasterdit", "workers=5"),
                        ResumeTest.data(),
                        GradientSync.NONE)
                    .close());
    assertTrue(tooMany.getMessage().contains("exceeds the micro-batch of 4"), tooMany.getMessage());
  }

  /**
   * loss(slice) = mean over its samples i of (i + 1) * sum(p): the gradient of the micro-batch mean
   * is known.
   */
  @Test
  void sumsSliceGradientsWeightedBySliceSize() {
    try (var scope = org.fasterdit.torch.NativeScope.open();
        var pm = new ParallelMicroBatch(2)) {
      org.bytedeco.pytorch.Tensor p =
          org.bytedeco.pytorch.global.torch.ones(3).requires_grad_(true);
      // 5 samples over 2 workers: slices [0, 3) and [3, 5); the mean over samples of (i + 1) is 3
      ParallelMicroBatch.Result r =
          pm.run(
              List.of(p),
              List.of(p),
              0,
              5,
              2.0,
              (from, n) -> {
                double mean = 0;
                for (int i = from; i < from + n; i++) mean += (i + 1.0) / n;
                var total = p.sum().mul(org.fasterdit.torch.Scalars.of(mean));
                return new org.fasterdit.diffusion.LossTerms(
                    total, java.util.Map.of("part", total.detach()));
              });
      assertEquals(3.0 * 3, r.total(), 1e-9); // sum(p) = 3 times the mean factor 3
      assertEquals(9.0, r.parts().get("part"), 1e-9);
      float[] g = org.fasterdit.torch.Tensors.toFloats(p.grad());
      assertArrayEquals(new float[] {6f, 6f, 6f}, g, 1e-6f); // gradScale 2 x mean factor 3
    }
  }

  @Test
  void aFailingWorkerFailsTheStepAndRestoresBlasThreads() {
    int before = org.fasterdit.torch.Threads.blasThreads();
    int blas =
        2; // the tests run with OPENBLAS_NUM_THREADS=1: raise it so that restoring it is visible
    org.fasterdit.torch.Threads.setBlasThreads(blas);
    try (var scope = org.fasterdit.torch.NativeScope.open();
        var pm = new ParallelMicroBatch(2)) {
      org.bytedeco.pytorch.Tensor p =
          org.bytedeco.pytorch.global.torch.ones(3).requires_grad_(true);
      var e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  pm.run(
                      List.of(p),
                      List.of(p),
                      0,
                      4,
                      1.0,
                      (from, n) -> {
                        if (from > 0)
                          throw new IllegalStateException("slice at " + from + " failed");
                        var total = p.sum();
                        return new org.fasterdit.diffusion.LossTerms(total, java.util.Map.of());
                      }));
      assertEquals("slice at 2 failed", e.getMessage());
      assertEquals(blas, org.fasterdit.torch.Threads.blasThreads());
      assertTrue(!p.grad().defined(), "no gradient is applied from a failed step");
    } finally {
      org.fasterdit.torch.Threads.setBlasThreads(before);
    }
  }

  /**
   * A parameter only one slice uses, accumulated over two micro-batches (autograd hands back
   * expanded views).
   */
  @Test
  void accumulatesAGradientOnlyOneSliceHas() {
    try (var scope = org.fasterdit.torch.NativeScope.open();
        var pm = new ParallelMicroBatch(2)) {
      org.bytedeco.pytorch.Tensor p =
          org.bytedeco.pytorch.global.torch.ones(3).requires_grad_(true);
      org.bytedeco.pytorch.Tensor q =
          org.bytedeco.pytorch.global.torch.ones(3).requires_grad_(true);
      ParallelMicroBatch.SliceLoss loss =
          (from, n) ->
              new org.fasterdit.diffusion.LossTerms(
                  from == 0 ? p.sum() : q.sum(), java.util.Map.of());
      for (int microBatch = 0; microBatch < 2; microBatch++)
        pm.run(List.of(p, q), List.of(p, q), 0, 4, 1.0, loss); // slices of 2: weight 0.5
      assertArrayEquals(
          new float[] {1f, 1f, 1f}, org.fasterdit.torch.Tensors.toFloats(p.grad()), 1e-6f);
      assertArrayEquals(
          new float[] {1f, 1f, 1f}, org.fasterdit.torch.Tensors.toFloats(q.grad()), 1e-6f);
    }
  }
}
