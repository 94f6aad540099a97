package org.fasterdit.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * What a custom backward written as gradient hooks would rest on (docs/libtorch-from-java.md,
 * "Gradient hooks"): the presets allow at most 10 hook callbacks at once, but one callback may be
 * registered on any number of tensors; on CPU each thread's backward calls it on that thread, in
 * the reverse order of registration along a chain; and the tensor it returns replaces the gradient
 * that flows on.
 */
class GradientHookTest {
  private static final int CHAIN = 30;

  /** Each call takes the id registered last on this thread and doubles the gradient. */
  private static final class Doubling extends TensorTensorHook {
    final ThreadLocal<ArrayDeque<Integer>> pending = ThreadLocal.withInitial(ArrayDeque::new);
    final ThreadLocal<List<Integer>> seen = ThreadLocal.withInitial(ArrayList::new);

    @Override
    public TensorBase call(TensorBase grad) {
      seen.get().add(pending.get().pollLast());
      return new Tensor(grad).mul(Scalars.of(2.0));
    }
  }

  @Test
  void oneSharedHookServesConcurrentBackwardsInReverseOrder() throws Exception {
    Doubling hook = new Doubling();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CyclicBarrier together = new CyclicBarrier(2); // both backwards start at once, on two threads
    try {
      List<Future<List<Object>>> runs = new ArrayList<>();
      for (int w = 0; w < 2; w++)
        runs.add(
            pool.submit(
                () -> {
                  try (var scope = NativeScope.open()) {
                    Tensor x = torch.ones(4, 8).requires_grad_(true);
                    Tensor y = x;
                    for (int i = 0; i < CHAIN; i++) {
                      y = y.mul(Scalars.of(1.0));
                      y.register_hook(hook);
                      hook.pending.get().addLast(i);
                    }
                    together.await(30, TimeUnit.SECONDS);
                    y.sum().backward();
                    List<Object> out = new ArrayList<>(hook.seen.get());
                    out.add(x.grad().max().item_double());
                    out.add(x.grad().min().item_double());
                    return out;
                  }
                }));
      for (Future<List<Object>> run : runs) {
        List<Object> out = run.get();
        List<Object> expected = new ArrayList<>();
        for (int i = CHAIN - 1; i >= 0; i--) expected.add(i);
        double doubled = Math.pow(2, CHAIN);
        expected.add(doubled);
        expected.add(doubled);
        assertEquals(expected, out);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
