package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fused scaled softmax of attention against LibTorch's ops under bf16 autocast (q scaled, then
 * LibTorch's softmax over the bf16 scores): the attention's output and the gradients of q, k and v.
 */
class ScaledSoftmaxTest {
  private int threads;

  @BeforeEach
  void oneAtenThread() {
    assumeTrue(GeluTanh.FUSED, "needs --add-modules=jdk.incubator.vector and 8-lane vectors");
    threads = torch.get_num_threads();
    torch.set_num_threads(1); // as on a step worker
  }

  @AfterEach
  void restoreThreads() {
    if (threads > 0) torch.set_num_threads(threads);
  }

  @Test
  void attentionAndItsGradientsMatchAutocastsWithAPowerOfTwoScale() {
    compare(2, 3, 64, 16); // scale 1/4: exact on q, as DiT's 1/8 at head size 64
  }

  @Test
  void attentionAndItsGradientsMatchAutocastsWithAnyScale() {
    compare(2, 2, 48, 24); // scale 1/sqrt(24), as DiT-XL's 1/sqrt(72)
  }

  @Test
  void withoutGradTheScoresTurnIntoTheProbabilities() {
    try (var scope = NativeScope.open();
        var noGrad = NoGrad.on()) {
      torch.manual_seed(4);
      Tensor scores = torch.randn(3, 2, 16, 32).mul(Scalars.of(4.0)).to(ScalarType.BFloat16);
      Tensor expected = scores.to(ScalarType.Float).mul(Scalars.of(0.3)).softmax(-1);
      long address = scores.data_ptr().address();
      Tensor p = ScaledSoftmax.applyConsuming(scores, 0.3);
      assertEquals(ScalarType.BFloat16, p.scalar_type().intern());
      assertEquals(address, p.data_ptr().address(), "written over the scores");
      assertClose(expected, p, 8e-3, "probabilities"); // one bf16 rounding: 2^-8 relative
      Tensor rowSums = p.to(ScalarType.Float).sum(new long[] {-1});
      assertClose(torch.ones_like(rowSums), rowSums, 3e-2, "row sums");
    }
  }

  @Test
  void afterTheWarmUpAForwardAndBackwardMakeNoVectorGarbage() {
    assertTrue(ScaledSoftmax.warmUp(), "the loops compiled within the warm-up's time limit");
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    try (var scope = NativeScope.open()) {
      // a step worker's scores: 4 images x 6 heads x 256 x 256
      Tensor leaf = torch.randn(4, 6, 256, 256).to(ScalarType.BFloat16).requires_grad_(true);
      for (int round = 0; round < 2; round++) { // the second round is measured
        long before = threads.getThreadAllocatedBytes(id);
        try (var fused = FusedBackward.open()) {
          Tensor p = ScaledSoftmax.applyConsuming(leaf.mul(Scalars.of(1.0)), 0.125);
          assertTrue(p.grad_fn().name().getString().startsWith("View"), "fused");
          p.to(ScalarType.Float).sum().backward();
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        if (round == 1)
          assertTrue(allocated < 256 * 1024, allocated + " bytes allocated by a step's worth");
      }
    }
  }

  private static void compare(int n, int heads, int tokens, int headSize) {
    try (var scope = NativeScope.open()) {
      Tensor[] stock = run(false, n, heads, tokens, headSize);
      Tensor[] fused = run(true, n, heads, tokens, headSize);
      String[] names = {"attention", "dL/dq", "dL/dk", "dL/dv"};
      // outputs and gradients are bf16 on both sides; the fused backward reads the probabilities
      // rounded to bf16: two bf16 roundings (2^-8 relative each) at most
      for (int i = 0; i < names.length; i++) assertClose(stock[i], fused[i], 2e-2, names[i]);
    }
  }

  private static Tensor[] run(boolean fused, int n, int heads, int tokens, int headSize) {
    torch.manual_seed(7);
    long[] shape = {n, heads, tokens, headSize};
    Tensor q0 = torch.randn(shape).mul(Scalars.of(2.0)).requires_grad_(true);
    Tensor k0 = torch.randn(shape).requires_grad_(true);
    Tensor v0 = torch.randn(shape).requires_grad_(true);
    Tensor up = torch.randn(shape);
    double scale = 1 / Math.sqrt(headSize);
    try (var recording = fused ? FusedBackward.open() : null;
        var bf16 = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
      Tensor q = q0.to(ScalarType.BFloat16), k = k0.to(ScalarType.BFloat16);
      Tensor v = v0.to(ScalarType.BFloat16);
      Tensor kt = k.transpose(-2, -1);
      Tensor p =
          fused
              ? ScaledSoftmax.applyConsuming(q.matmul(kt), scale)
              : q.mul(Scalars.of(scale)).matmul(kt).softmax(-1);
      if (fused) assertTrue(p.grad_fn().name().getString().startsWith("View"), "fused");
      Tensor o = p.matmul(v);
      Tensor loss = o.to(ScalarType.Float).mul(up).sum();
      TensorVector g =
          torch.grad(
              new TensorVector(loss),
              new TensorVector(q0, k0, v0),
              new TensorVector(),
              new BoolOptional(false),
              false,
              false);
      return new Tensor[] {
        o.detach(), new Tensor(g.get(0)), new Tensor(g.get(1)), new Tensor(g.get(2))
      };
    }
  }

  /** max |a - b| within {@code tolerance} times max |a| (and a is not all zeros). */
  private static void assertClose(Tensor a, Tensor b, double tolerance, String what) {
    Tensor fa = a.to(ScalarType.Float), fb = b.to(ScalarType.Float);
    double scale = fa.abs().max().item_double();
    double diff = fa.sub(fb).abs().max().item_double();
    assertTrue(scale > 0, what + " is all zeros");
    assertTrue(
        diff <= tolerance * scale, what + ": max difference " + diff + " at magnitude " + scale);
  }
}
