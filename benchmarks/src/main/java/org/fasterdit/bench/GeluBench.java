package org.fasterdit.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.torch.GeluTanh;
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
 * DiT-S/2's MLP activation as one step worker trains it (32x32 latents, batch 8 over 2 workers:
 * 1024 tokens x 1536 features), forward and backward on one thread (run with the launcher's
 * settings: one ATen thread, or {@link GeluTanh} falls back to LibTorch): {@code libtorch} is
 * {@code torch.gelu(x, "tanh")}, whose backward evaluates the tanh again; {@code fused} is {@link
 * GeluTanh}. Each starts from a fresh copy of the pre-activation (it consumes its input), so both
 * pay that copy alike.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--add-modules=jdk.incubator.vector",
      "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"
    })
public class GeluBench {
  @Param({"bf16", "fp32"})
  public String dtype;

  Tensor pre, grad;

  @Setup
  public void setup() {
    Threads.applyFromEnvironment();
    ScalarType t = dtype.equals("bf16") ? ScalarType.BFloat16 : ScalarType.Float;
    pre = NativeScope.retain(torch.randn(1024, 1536).mul(Scalars.of(2.0)).to(t));
    grad = NativeScope.retain(torch.randn(1024, 1536).to(t));
  }

  @TearDown
  public void tearDown() {
    NativeScope.release(pre);
    NativeScope.release(grad);
  }

  @Benchmark
  public void libtorch() {
    try (var s = NativeScope.open()) {
      Tensor x = pre.clone().requires_grad_(true);
      trainStep(torch.gelu(x, "tanh"), x);
    }
  }

  @Benchmark
  public void fused() {
    try (var s = NativeScope.open()) {
      Tensor x = pre.clone().requires_grad_(true);
      trainStep(GeluTanh.applyConsuming(x), x);
    }
  }

  private void trainStep(Tensor out, Tensor leaf) {
    out.backward(grad, new BoolOptional(false), false, new TensorArrayRefOptional());
    leaf.mutable_grad().reset();
  }
}
