package org.fasterdit.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Scalars;
import org.fasterdit.torch.Threads;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two kinds of work in a bf16 step worker's share of a DiT-S/2 step (32x32x4, batch 8 over 2
 * workers: 4 images x 256 tokens = 1024 rows, hidden 384), on one thread (run with {@code
 * OMP_NUM_THREADS=1}, as the launcher's step workers). The GEMMs of each linear layer ({@code
 * layer}: in -> out features) in bf16: {@code forward} (x W^T + b, as {@code linear} under
 * autocast), {@code inputGrad} (g W) and {@code weightGrad} (g^T x), each 2 x 1024 x in x out FLOP;
 * do they all run at the large GEMM's rate? And one elementwise multiply over a (4, 256, 384) fp32
 * activation, the size of most of the step's non-GEMM work: {@code multiplyInCache} on operands
 * that stay in the caches between calls, as a micro-benchmark sees it, {@code multiplyAfterFlush}
 * after 64 MB of other memory was written, as in a step, where the GEMMs' weights and activations
 * evict them between one elementwise op and the next ({@code flushOnly} is the flush alone, to
 * subtract).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"
    })
public class StepWorkerOpsBench {
  /** One of DiT-S/2's linear layers in a block, its operands at a step worker's shape. */
  @State(Scope.Thread)
  public static class Layer {
    /** in x out features: qkv, proj, fc1, fc2. */
    @Param({"384x1152", "384x384", "384x1536", "1536x384"})
    public String layer;

    Tensor x, w, b, g; // (rows, in), (out, in), (out), (rows, out), all bf16

    @Setup
    public void setup() {
      String[] io = layer.split("x");
      long in = Long.parseLong(io[0]), out = Long.parseLong(io[1]);
      x = bf16(ROWS, in);
      w = bf16(out, in);
      b = bf16(out);
      g = bf16(ROWS, out);
    }

    @TearDown
    public void tearDown() {
      for (Tensor t : new Tensor[] {x, w, b, g}) NativeScope.release(t);
    }
  }

  private static final long ROWS = 1024;

  Tensor act, other; // (4, 256, 384) fp32
  Tensor flush; // 64 MB of fp32, larger than this machine kind's caches

  @Setup
  public void setup() {
    Threads.applyFromEnvironment();
    act = NativeScope.retain(torch.randn(4, 256, 384));
    other = NativeScope.retain(torch.randn(4, 256, 384));
    flush = NativeScope.retain(torch.zeros(16L << 20));
  }

  private static Tensor bf16(long... shape) {
    return NativeScope.retain(torch.randn(shape).to(ScalarType.BFloat16));
  }

  @TearDown
  public void tearDown() {
    for (Tensor t : new Tensor[] {act, other, flush}) NativeScope.release(t);
  }

  @Benchmark
  public void forward(Layer l) {
    try (var s = NativeScope.open()) {
      torch.addmm(l.b, l.x, l.w.t());
    }
  }

  @Benchmark
  public void inputGrad(Layer l) {
    try (var s = NativeScope.open()) {
      l.g.mm(l.w);
    }
  }

  @Benchmark
  public void weightGrad(Layer l) {
    try (var s = NativeScope.open()) {
      l.g.t().mm(l.x);
    }
  }

  @Benchmark
  public void multiplyInCache() {
    try (var s = NativeScope.open()) {
      act.mul(other);
    }
  }

  @Benchmark
  public void multiplyAfterFlush() {
    try (var s = NativeScope.open()) {
      flush.add_(Scalars.of(1.0));
      act.mul(other);
    }
  }

  @Benchmark
  public void flushOnly() {
    flush.add_(Scalars.of(1.0));
  }
}
