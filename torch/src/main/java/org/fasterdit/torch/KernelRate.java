package org.fasterdit.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * The GFLOP/s of a matmul-like workload run the way a training step runs it: on {@code threads}
 * Java threads at once (the step workers), each with one BLAS thread when there are several, under
 * the precision's autocast, without autograd. Best of a few rounds after a warm-up round; a round
 * lasts from the moment all threads start until the last one finishes, so the rate is the
 * machine's, not one thread's times the thread count.
 */
public final class KernelRate {
  private KernelRate() {}

  /**
   * @param flopsPerCall FLOPs of one call of a thread's workload
   * @param perThread builds a thread's operands and returns its call (run on that thread, inside
   *     its native scope)
   * @param autocast run the calls under {@code precision}'s autocast (false: the operands already
   *     have the dtype to measure)
   * @param rounds timed rounds; the fastest is kept
   */
  public static double gflops(
      Device device,
      Precision precision,
      boolean autocast,
      int threads,
      int rounds,
      double flopsPerCall,
      Supplier<Supplier<Tensor>> perThread) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    if (rounds < 1) throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
    if (threads == 1) return single(device, precision, autocast, rounds, flopsPerCall, perThread);
    int blasBefore = Threads.blasThreads();
    Threads.setBlasThreads(1); // as ParallelMicroBatch runs its workers
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier start = new CyclicBarrier(threads + 1), end = new CyclicBarrier(threads + 1);
    // each thread's start and end of each round: the coordinator's own clock would miss time when
    // it is descheduled on a loaded machine, and overstate the rate
    long[][] began = new long[threads][rounds + 1], ended = new long[threads][rounds + 1];
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int id = i;
        workers.add(
            pool.submit(
                () -> {
                  runRounds(
                      device, precision, autocast, perThread, start, end, began[id], ended[id]);
                  return null;
                }));
      }
      for (int r = 0; r <= rounds; r++) {
        await(start, workers);
        await(end, workers);
      }
      for (Future<?> f : workers) f.get();
      double best = 0;
      for (int r = 1; r <= rounds; r++) { // round 0 is the warm-up
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        for (int i = 0; i < threads; i++) {
          first = Math.min(first, began[i][r]);
          last = Math.max(last, ended[i][r]);
        }
        best = Math.max(best, rate(threads * flopsPerCall, (last - first) / 1e9));
      }
      return best;
    } catch (ExecutionException e) {
      throw new TorchException("kernel timing failed: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TorchException("kernel timing interrupted");
    } finally {
      pool.shutdownNow();
      try {
        pool.awaitTermination(1, TimeUnit.MINUTES); // no GEMM may run when BLAS threads change
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Threads.setBlasThreads(blasBefore);
    }
  }

  private static double single(
      Device device,
      Precision precision,
      boolean autocast,
      int rounds,
      double flops,
      Supplier<Supplier<Tensor>> perThread) {
    try (var scope = NativeScope.open();
        var ng = NoGrad.on();
        var t = Threads.aloneOnCpu(precision, device); // as the work it stands for will run
        var a = autocast ? precision.autocast(device) : Autocast.off(device.type())) {
      Supplier<Tensor> call = perThread.get();
      double best = 0;
      for (int r = 0; r <= rounds; r++) {
        long t0 = System.nanoTime();
        try (var s = NativeScope.open()) {
          finish(call.get());
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        if (r > 0) best = Math.max(best, rate(flops, sec));
      }
      return best;
    }
  }

  private static void runRounds(
      Device device,
      Precision precision,
      boolean autocast,
      Supplier<Supplier<Tensor>> perThread,
      CyclicBarrier start,
      CyclicBarrier end,
      long[] began,
      long[] ended)
      throws InterruptedException, BrokenBarrierException {
    try (var scope = NativeScope.open();
        var ng = NoGrad.on();
        var a = autocast ? precision.autocast(device) : Autocast.off(device.type())) {
      Supplier<Tensor> call = perThread.get();
      for (int r = 0; r < began.length; r++) {
        start.await();
        began[r] = System.nanoTime();
        try (var s = NativeScope.open()) {
          finish(call.get());
        }
        ended[r] = System.nanoTime();
        end.await();
      }
    } catch (RuntimeException e) {
      start.reset(); // wakes the coordinator instead of leaving it waiting
      end.reset();
      throw e;
    }
  }

  private static void await(CyclicBarrier b, List<Future<?>> workers)
      throws InterruptedException, ExecutionException {
    try {
      b.await(5, TimeUnit.MINUTES);
    } catch (BrokenBarrierException | java.util.concurrent.TimeoutException e) {
      for (Future<?> f : workers) if (f.isDone()) f.get(); // the worker's own failure, if any
      throw new ExecutionException(new TorchException("kernel timing: a thread stopped"));
    }
  }

  /** Waits for the result (also on CUDA, where kernels are asynchronous). */
  private static void finish(Tensor y) {
    y.sum().item_double();
  }

  static double rate(double flops, double seconds) {
    return flops / Math.max(seconds, 1e-9) / 1e9;
  }
}
