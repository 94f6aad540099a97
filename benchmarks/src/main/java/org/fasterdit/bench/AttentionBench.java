package org.fasterdit.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * DiT-S/2 attention shape (batch 8, 6 heads, 256 tokens, head dim 64): fused SDPA vs explicit
 * softmax(QK^T)V.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--add-modules=jdk.incubator.vector",
      "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"
    })
public class AttentionBench {
  Tensor q, k, v;

  @Setup
  public void setup() {
    org.fasterdit.torch.Threads.applyFromEnvironment();
    q = NativeScope.retain(torch.randn(8, 6, 256, 64));
    k = NativeScope.retain(torch.randn(8, 6, 256, 64));
    v = NativeScope.retain(torch.randn(8, 6, 256, 64));
  }

  @TearDown
  public void tearDown() {
    NativeScope.release(q);
    NativeScope.release(k);
    NativeScope.release(v);
  }

  @Benchmark
  public double sdpa() {
    try (var s = NativeScope.open();
        var g = NoGrad.on()) {
      return torch
          .scaled_dot_product_attention(
              q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false)
          .sum()
          .item_double();
    }
  }

  @Benchmark
  public double explicit() {
    try (var s = NativeScope.open();
        var g = NoGrad.on()) {
      Tensor a = q.matmul(k.transpose(-2, -1)).mul(Scalars.of(1 / Math.sqrt(64))).softmax(-1);
      return a.matmul(v).sum().item_double();
    }
  }
}
