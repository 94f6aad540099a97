package org.fasterdit.dist;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BarrierOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.io.HostTensor;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Tensors;
import org.fasterdit.train.GradientSync;

/**
 * Data-parallel gradient averaging over LibTorch c10d (Gloo on CPU, NCCL on CUDA): gradients are
 * packed into ~25 MB buckets, all-reduced (sum) and divided by the world size; parameters are
 * broadcast from rank 0 at the start. Every blocking call is bounded by the job's timeout
 * (natively, and by a watchdog as a backstop), and a failure names the rank, the operation and the
 * likely cause instead of hanging.
 *
 * <p>Native lifetimes: the group, the store and what they were built from belong to a {@link
 * JoinedGroup}, and each collective's work handle is freed once waited for. {@link #close} frees
 * them all at a known moment and in a safe order, so a JVM can train, close and join a new job on
 * the same port (library use, sweeps); nothing is left for the garbage collector to free later.
 * After a failure the group is considered broken and is deliberately kept (reachable, so never
 * collected) until the process exits: its destructor could block on the dead peer.
 */
public final class C10dGradientSync implements GradientSync {
  private final DistEnv env;
  private final JoinedGroup group;
  private final Backend backend;
  private final Device device;
  private final CollectiveWatchdog watchdog;
  private final long bucketBytes;
  private long collectives;
  private boolean broken, closed;

  private C10dGradientSync(
      DistEnv env,
      JoinedGroup group,
      Device device,
      CollectiveWatchdog watchdog,
      long bucketBytes) {
    this.env = env;
    this.group = group;
    this.backend = group.backend();
    this.device = device;
    this.watchdog = watchdog;
    this.bucketBytes = bucketBytes;
  }

  /**
   * Joins the job described by {@code env}; tensors live on {@code device} (CUDA selects NCCL).
   * {@code backend} forces "gloo" or "nccl" (null: by device).
   */
  public static C10dGradientSync connect(
      DistEnv env, Device device, String backend, PrintStream err) {
    CollectiveWatchdog watchdog =
        new CollectiveWatchdog("rank " + env.rank() + " of " + env.worldSize(), env.timeout(), err);
    try {
      JoinedGroup group = Rendezvous.join(env, Devices.isCuda(device), backend, watchdog);
      return new C10dGradientSync(env, group, device, watchdog, FlatBuckets.DEFAULT_BUCKET_BYTES);
    } catch (RuntimeException e) {
      watchdog.close();
      throw e;
    }
  }

  @Override
  public void averageGradients(List<Tensor> params) {
    List<Tensor> grads = new ArrayList<>(params.size());
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (!g.defined()) {
        // every rank must reduce the same tensors; a parameter unused on this rank contributes
        // zeros
        g = NativeScope.retain(torch.zeros_like(p));
        p.mutable_grad().put(g);
      }
      grads.add(g);
    }
    double inv = 1.0 / env.worldSize();
    FlatBuckets.apply(
        grads,
        bucketBytes,
        true,
        flat -> {
          allreduce(flat, "all-reduce of gradients");
          flat.mul_(Scalars.of(inv));
        });
  }

  @Override
  public void broadcastParameters(List<Tensor> tensors) {
    // rank 0's values are already in place there: only the others copy the result back
    FlatBuckets.apply(
        tensors,
        bucketBytes,
        env.rank() != 0,
        flat ->
            run(
                "broadcast of parameters from rank 0",
                () -> {
                  BroadcastOptions o = new BroadcastOptions();
                  o.rootRank(0);
                  o.timeout(timeoutMs());
                  return backend.broadcast(new TensorVector(flat), o);
                }));
  }

  @Override
  public double[] averageValues(double[] values) {
    double[] out = sumValues(values, "logged values");
    for (int i = 0; i < out.length; i++) out[i] /= env.worldSize();
    return out;
  }

  /**
   * The sum over ranks of each value (exact in fp64 for counts below 2^53); {@code what} names them
   * in the error a failed collective gives.
   */
  public double[] sumValues(double[] values, String what) {
    if (values.length == 0) return values;
    try (var scope = NativeScope.open()) {
      Tensor t = doubles(values);
      allreduce(t, "all-reduce of " + what);
      return toDoubles(t);
    }
  }

  @Override
  public void barrier() {
    run(
        "barrier",
        () -> {
          BarrierOptions o = new BarrierOptions();
          o.timeout(timeoutMs());
          return backend.barrier(o);
        });
  }

  /**
   * Fails on every rank unless all ranks pass the same {@code fingerprint} (e.g. a hash of the
   * config): a job whose ranks disagree on the batch or model would otherwise fail later with an
   * obscure size mismatch, or worse, not at all. Compares sums, exact in fp64 for 40-bit values.
   */
  public void requireSame(String what, long fingerprint) {
    double mine = (double) (fingerprint & ((1L << 40) - 1));
    double[] v = {mine};
    try (var scope = NativeScope.open()) {
      Tensor t = doubles(v);
      allreduce(t, "comparison of " + what + " across ranks");
      double sum = toDoubles(t)[0];
      if (sum != mine * env.worldSize()) {
        throw new IllegalStateException(
            "rank "
                + env.rank()
                + " of "
                + env.worldSize()
                + ": the ranks were started with "
                + "different "
                + what
                + "; start every rank with the same command line");
      }
    }
  }

  private void allreduce(Tensor flat, String what) {
    run(
        what,
        () -> {
          AllreduceOptions o = new AllreduceOptions(); // reduce op defaults to SUM
          o.timeout(timeoutMs());
          return backend.allreduce(new TensorVector(flat), o);
        });
  }

  private interface Collective {
    Work start();
  }

  private void run(String what, Collective c) {
    if (broken)
      throw new IllegalStateException(
          "rank " + env.rank() + ": the process group failed earlier; cannot run " + what);
    if (closed)
      throw new IllegalStateException(
          "rank " + env.rank() + ": " + what + " after the process group was closed");
    long n = ++collectives;
    Work w = null;
    try (var a = watchdog.arm(what + " (collective #" + n + ")")) {
      w = c.start();
      w._wait(timeoutMs());
      w.close(); // done: its buffers and its hold on the group's connections go now, not at a GC
    } catch (RuntimeException e) {
      broken = true;
      if (w != null) group.part(w); // may still be in flight: kept with the broken group
      throw new IllegalStateException(
          String.format(
              Locale.ROOT,
              "rank %d of %d: %s failed (collective #%d): %s "
                  + "[likely cause: a peer process died, was killed or did not respond within the %.0f s timeout (set %s or "
                  + "--dist-timeout); see the other ranks' output]",
              env.rank(),
              env.worldSize(),
              what,
              n,
              C10dErrors.firstLine(e),
              env.timeout().toMillis() / 1000.0,
              DistEnv.TIMEOUT_VARIABLE),
          e);
    }
  }

  private Milliseconds timeoutMs() {
    return new Milliseconds(env.timeout().toMillis());
  }

  public DistEnv env() {
    return env;
  }

  public String backendName() {
    return group.backendName();
  }

  @Override
  public int rank() {
    return env.rank();
  }

  @Override
  public int worldSize() {
    return env.worldSize();
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    watchdog.close();
    if (broken) group.keepUntilExit();
    else group.close();
  }

  /** A float64 tensor on the backend's device holding {@code values}. */
  private Tensor doubles(double[] values) {
    return Tensors.copyOf(HostTensor.ofDoubles(new long[] {values.length}, values))
        .to(device, torch.ScalarType.Double);
  }

  private static double[] toDoubles(Tensor t) {
    Tensor c = t.cpu().contiguous();
    return MemorySegment.ofAddress(c.data_ptr().address())
        .reinterpret(c.nbytes())
        .toArray(ValueLayout.JAVA_DOUBLE);
  }
}
