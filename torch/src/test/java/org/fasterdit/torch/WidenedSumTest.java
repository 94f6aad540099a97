package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fused sum of bf16 gradients against LibTorch's cast and adds: the same bits. */
class WidenedSumTest {
  @BeforeEach
  void vectorModule() {
    assumeTrue(GeluTanh.FUSED, "needs --add-modules=jdk.incubator.vector and 8-lane vectors");
  }

  @Test
  void twoPartsIntoANewTensorAreLibTorchsSumToTheBit() {
    try (var scope = NativeScope.open()) {
      List<Tensor> parts = parts(2, 384, 1536);
      Tensor fused = WidenedSum.into(new Tensor(), parts);
      assertEquals(ScalarType.Float, fused.scalar_type().intern());
      assertEquals(List.of(384L, 1536L), List.of(fused.size(0), fused.size(1)));
      assertTrue(torch.equal(stock(parts), fused), "bit for bit");
    }
  }

  @Test
  void threePartsAddedToABaseWithATailAreLibTorchsSumToTheBit() {
    try (var scope = NativeScope.open()) {
      List<Tensor> parts = parts(3, 1000 * 16 + 5); // not a whole number of vectors
      Tensor base = torch.randn(1000 * 16 + 5).mul(Scalars.of(1e-3));
      Tensor expected = base.add(stock(parts));
      Tensor fused = WidenedSum.into(base, parts);
      assertEquals(base.data_ptr().address(), fused.data_ptr().address(), "written into the base");
      assertTrue(torch.equal(expected, fused), "bit for bit");
    }
  }

  @Test
  void onlyBf16PartsOfOneSizeAndAnFp32BaseAreFused() {
    try (var scope = NativeScope.open()) {
      Tensor none = new Tensor();
      assertTrue(WidenedSum.fusable(parts(2, 64), none));
      assertFalse(WidenedSum.fusable(List.of(torch.randn(64)), none), "fp32 part");
      assertFalse(WidenedSum.fusable(List.of(), none), "no part");
      assertFalse(WidenedSum.fusable(List.of(parts(1, 64).get(0), parts(1, 65).get(0)), none));
      assertFalse(WidenedSum.fusable(parts(2, 64), torch.randn(32)), "base of another size");
      Tensor expanded = torch.randn(1).to(ScalarType.BFloat16).expand(64); // stride 0
      assertFalse(WidenedSum.fusable(List.of(expanded), none), "not contiguous");
    }
  }

  @Test
  void afterTheWarmUpASumMakesNoVectorGarbage() {
    assertTrue(WidenedSum.warmUp(), "the loop compiled within the warm-up's time limit");
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    try (var scope = NativeScope.open()) {
      List<Tensor> parts = parts(2, 1536, 384); // fc1's weight gradient from two step workers
      Tensor base = torch.zeros(1536, 384);
      for (int round = 0; round < 2; round++) { // the second round is measured
        long before = threads.getThreadAllocatedBytes(id);
        WidenedSum.into(base, parts);
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        if (round == 1) assertTrue(allocated < 64 * 1024, allocated + " bytes allocated");
      }
    }
  }

  /** What LibTorch does: the first part cast to fp32, the others added in place in order. */
  private static Tensor stock(List<Tensor> parts) {
    Tensor sum = parts.get(0).to(ScalarType.Float);
    for (int i = 1; i < parts.size(); i++) sum.add_(parts.get(i));
    return sum;
  }

  /** bf16 gradients of magnitudes far apart, so that the order and rounding of the adds show. */
  private static List<Tensor> parts(int count, long... shape) {
    torch.manual_seed(count + shape.length);
    Tensor[] t = new Tensor[count];
    for (int i = 0; i < count; i++)
      t[i] = torch.randn(shape).mul(Scalars.of(Math.pow(10, i))).to(ScalarType.BFloat16);
    return List.of(t);
  }
}
