package org.fasterdit.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.diffusion.LossTerms;
import org.fasterdit.torch.FusedBackward;
import org.fasterdit.torch.GeluTanh;
import org.fasterdit.torch.ModulatedNorm;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Threads;
import org.fasterdit.torch.WidenedSum;

/**
 * Data parallelism inside one process: a micro-batch is cut into contiguous slices, one per worker
 * thread, and each thread runs forward and backward of its slice on the shared parameters. Why: on
 * a CPU, GEMMs keep every core busy through OpenBLAS's pool, but everything else (GELU, layer norm,
 * attention, copies) runs on one ATen thread while the BLAS threads spin; two threads running whole
 * steps keep both cores busy all the time. Each thread uses one BLAS thread while they run.
 *
 * <p>Gradients come back per thread ({@code torch::autograd::grad}, not accumulation into {@code
 * .grad}, whose order between threads would vary) and are summed in slice order, so a run is
 * bit-for-bit repeatable for a given worker count. The sum equals the gradient of the micro-batch
 * mean up to float rounding, as with several ranks.
 */
final class ParallelMicroBatch implements AutoCloseable {
  /** The loss of samples [from, from + count) of the current batch (a mean over those samples). */
  interface SliceLoss {
    LossTerms loss(int from, int count);
  }

  /**
   * The micro-batch's loss terms as plain numbers, weighted by slice size (the mean over the
   * micro-batch).
   */
  record Result(double total, Map<String, Double> parts) {}

  private final int workers;
  private final ExecutorService pool;

  ParallelMicroBatch(int workers) {
    if (workers < 2)
      throw new IllegalArgumentException(
          "parallel micro-batches need >= 2 workers, got " + workers);
    this.workers = workers;
    // the workers run the fused GELU, norms and gradient sums: compile them before the first step
    GeluTanh.warmUp();
    ModulatedNorm.warmUp();
    WidenedSum.warmUp();
    this.pool =
        Executors.newFixedThreadPool(
            workers,
            r -> {
              Thread t = new Thread(r, "fasterdit-step-worker");
              t.setDaemon(true);
              return t;
            });
  }

  int workers() {
    return workers;
  }

  /**
   * Runs forward and backward of samples [from, from + count) split over the workers, and adds the
   * summed gradients of {@code gradScale} x the micro-batch's mean loss w.r.t. {@code params} into
   * their {@code .grad}. The gradients are taken w.r.t. {@code inUse}: what the forward computes
   * with in place of each parameter (itself, or a low-precision copy, {@link SharedCasts}), and
   * summed in the parameter's dtype. {@code count} must be at least the worker count.
   */
  Result run(
      List<Tensor> params,
      List<Tensor> inUse,
      int from,
      int count,
      double gradScale,
      SliceLoss loss) {
    if (count < workers) {
      throw new IllegalArgumentException(
          "micro-batch of "
              + count
              + " cannot be split over "
              + workers
              + " workers; lower workers");
    }
    List<Future<SliceGrads>> futures = new ArrayList<>();
    int blasBefore = Threads.blasThreads();
    Threads.setBlasThreads(
        1); // before any worker starts: two threads each driving the whole BLAS pool would fight
    int start = from;
    for (int w = 0; w < workers; w++) {
      int n = count / workers + (w < count % workers ? 1 : 0);
      int sliceFrom = start;
      double weight = (double) n / count;
      futures.add(pool.submit(() -> slice(inUse, sliceFrom, n, weight, gradScale, loss)));
      start += n;
    }
    // every worker is waited for, even after one failed: none may still be running GEMMs when
    // BLAS threads are restored
    Finished<SliceGrads> finished = awaitAll(futures);
    Threads.setBlasThreads(blasBefore);
    List<SliceGrads> done = finished.results();
    if (finished.failure() != null) {
      release(done);
      throw rethrown(finished.failure());
    }
    try {
      acrossParameters(params, (lo, hi) -> sumGradients(params, done, lo, hi));
    } finally {
      release(done);
    }
    double total = 0;
    Map<String, Double> parts = new LinkedHashMap<>();
    for (SliceGrads s : done) {
      total += s.total;
      s.parts.forEach((k, v) -> parts.merge(k, v, Double::sum));
    }
    return new Result(total, parts);
  }

  /**
   * Adds the workers' gradients of parameters [lo, hi) in slice order (the same sum on every run)
   * into their {@code .grad}, in the parameter's dtype: a low-precision gradient is widened exactly
   * before it is added.
   */
  private static void sumGradients(List<Tensor> params, List<SliceGrads> done, int lo, int hi) {
    for (int i = lo; i < hi; i++) {
      Tensor p = params.get(i);
      ScalarType type = p.scalar_type().intern();
      List<Tensor> parts = new ArrayList<>(done.size());
      for (SliceGrads s : done) if (s.grads.get(i) != null) parts.add(s.grads.get(i));
      if (parts.isEmpty()) continue;
      Tensor existing = p.grad();
      if (type == ScalarType.Float && WidenedSum.fusable(parts, existing)) {
        // bf16 gradients (bf16 autocast): the same sums in one pass, bit for bit
        Tensor sum = WidenedSum.into(existing, parts);
        if (!existing.defined()) p.mutable_grad().put(sum);
        continue;
      }
      Tensor sum = null;
      boolean owned = false; // sum is memory of its own, not a gradient autograd returned
      for (Tensor g : parts) {
        if (sum == null) {
          owned = g.scalar_type().intern() != type;
          sum = owned ? g.to(type) : g;
        } else if (owned) {
          sum.add_(g);
        } else {
          sum = sum.add(g); // out of place, since autograd may return expanded (stride-0) views
          owned = true;
        }
      }
      if (!owned)
        sum = sum.clone(); // a lone gradient may be such a view: the .grad slot gets its own memory
      if (existing.defined()) existing.add_(sum);
      else p.mutable_grad().put(sum); // the gradient slot keeps its own reference
    }
  }

  /**
   * {@link ParameterPasses} on the workers: each runs {@code pass} over its own contiguous range of
   * {@code params}, of about equal element counts, at the same time. Why: between two steps (after
   * the workers' forward and backward), the per-parameter passes (gradient sum, norms, AdamW, EMA)
   * ran on one core while the others idled: ~12% of a bf16 DiT-S/2 step on an Intel Xeon with AMX,
   * where splitting them made the step 8% faster; ~5% on an AMD EPYC, where it changed nothing
   * measurable (benchmarks/RESULTS.md, session 12).
   */
  void acrossParameters(List<Tensor> params, ParameterPasses.Range pass) {
    int n = params.size();
    long[] ends = new long[n + 1]; // ends[i + 1]: elements in parameters [0, i]
    for (int i = 0; i < n; i++) ends[i + 1] = ends[i] + params.get(i).numel();
    List<Future<Void>> futures = new ArrayList<>();
    int from = 0;
    for (int w = 0; w < workers && from < n; w++) {
      long target = ends[n] * (w + 1) / workers;
      int to = from + 1; // at least one parameter per range
      while (to < n && ends[to + 1] <= target) to++;
      if (w == workers - 1) to = n;
      int lo = from, hi = to;
      futures.add(
          pool.submit(
              () -> {
                try (var ng = NoGrad.on();
                    var scope = NativeScope.open()) {
                  pass.run(lo, hi);
                }
                return null;
              }));
      from = to;
    }
    Finished<Void> finished = awaitAll(futures);
    if (finished.failure() != null) throw rethrown(finished.failure());
  }

  private record Finished<T>(List<T> results, Throwable failure) {}

  /**
   * Waits for every task, even after one failed (none may still be running when the caller goes
   * on); the results of those that succeeded, and the first failure. An interrupt is kept for the
   * caller to see once all are done.
   */
  private static <T> Finished<T> awaitAll(List<Future<T>> futures) {
    List<T> results = new ArrayList<>();
    Throwable failure = null;
    boolean interrupted = false;
    for (Future<T> f : futures) {
      while (true) {
        try {
          results.add(f.get());
          break;
        } catch (InterruptedException e) {
          interrupted = true; // finish waiting, then report it
        } catch (ExecutionException e) {
          if (failure == null) failure = e.getCause();
          break;
        }
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
    return new Finished<>(results, failure);
  }

  private static RuntimeException rethrown(Throwable failure) {
    if (failure instanceof RuntimeException re) return re;
    if (failure instanceof Error err) throw err;
    return new IllegalStateException("a step worker failed: " + failure, failure);
  }

  private record SliceGrads(List<Tensor> grads, double total, Map<String, Double> parts) {}

  /** Gives back the gradients the workers retained. */
  private static void release(List<SliceGrads> done) {
    for (SliceGrads s : done)
      s.grads.forEach(
          g -> {
            if (g != null) NativeScope.release(g);
          });
  }

  private static SliceGrads slice(
      List<Tensor> inUse, int from, int n, double weight, double gradScale, SliceLoss loss) {
    try (var scope = NativeScope.open();
        var fused = FusedBackward.open()) { // the forward and its backward, on this thread
      LossTerms lt = loss.loss(from, n);
      Tensor weighted = fused.loss(lt.total().mul(Scalars.of(weight * gradScale)));
      TensorVector gs =
          torch.grad(
              new TensorVector(weighted),
              new TensorVector(inUse.toArray(new Tensor[0])),
              new TensorVector(),
              new BoolOptional(false),
              false,
              true);
      List<Tensor> grads = new ArrayList<>(inUse.size());
      for (long i = 0; i < gs.size(); i++) {
        // a reference into the vector, which this scope frees: keep an owning copy of the handle
        Tensor g = gs.get(i);
        grads.add(g.defined() ? NativeScope.retain(new Tensor(g)) : null); // released by run()
      }
      Map<String, Double> parts = new LinkedHashMap<>();
      lt.parts().forEach((k, v) -> parts.put(k, v.item_double() * weight));
      return new SliceGrads(grads, lt.total().item_double() * weight, parts);
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
