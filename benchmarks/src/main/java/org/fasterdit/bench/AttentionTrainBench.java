package org.fasterdit.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.fasterdit.model.ScaledDotProduct;
import org.fasterdit.torch.Autocast;
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
 * Attention as one step worker trains it: DiT-S/2 at 32x32 with batch 8 over 2 workers (4 images, 6
 * heads, 256 tokens, head dim 64), forward and backward, on one thread (run with the launcher's
 * settings: one ATen thread). Which attention path pays in bf16 differs by CPU and LibTorch
 * version, so the choice in {@link ScaledDotProduct} rests on this: {@code fp32Fused} is the fp32
 * SDPA kernel, {@code bf16Explicit} the path used under bf16 autocast (bf16 matmuls, fp32 softmax),
 * {@code bf16Fused} the SDPA kernel on bf16 inputs, {@code bf16SoftmaxBf16} the explicit path with
 * the softmax left in bf16 (autocast off around it).
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
public class AttentionTrainBench {
  @Param({"4"})
  public int batch;

  Tensor q32, k32, v32, q16, k16, v16, grad32, grad16;

  @Setup
  public void setup() {
    Threads.applyFromEnvironment();
    q32 = leaf(torch.randn(batch, 6, 256, 64));
    k32 = leaf(torch.randn(batch, 6, 256, 64));
    v32 = leaf(torch.randn(batch, 6, 256, 64));
    q16 = leaf(q32.detach().to(ScalarType.BFloat16));
    k16 = leaf(k32.detach().to(ScalarType.BFloat16));
    v16 = leaf(v32.detach().to(ScalarType.BFloat16));
    grad32 = NativeScope.retain(torch.randn(batch, 6, 256, 64));
    grad16 = NativeScope.retain(grad32.to(ScalarType.BFloat16));
  }

  private static Tensor leaf(Tensor t) {
    return NativeScope.retain(t.requires_grad_(true));
  }

  @TearDown
  public void tearDown() {
    for (Tensor t : new Tensor[] {q32, k32, v32, q16, k16, v16, grad32, grad16})
      NativeScope.release(t);
  }

  @Benchmark
  public void fp32Fused() {
    try (var s = NativeScope.open()) {
      trainStep(sdpa(q32, k32, v32), grad32, q32, k32, v32);
    }
  }

  @Benchmark
  public void bf16Explicit() {
    try (var s = NativeScope.open()) {
      Tensor o;
      try (var a = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
        o = ScaledDotProduct.attend(q16, k16, v16);
      }
      trainStep(
          o, o.scalar_type().intern() == ScalarType.BFloat16 ? grad16 : grad32, q16, k16, v16);
    }
  }

  @Benchmark
  public void bf16SoftmaxBf16() {
    try (var s = NativeScope.open()) {
      Tensor o;
      try (var a = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
        Tensor scores =
            q16.mul(Scalars.of(1 / Math.sqrt(q16.size(-1)))).matmul(k16.transpose(-2, -1));
        Tensor p;
        try (var off = Autocast.off(DeviceType.CPU)) {
          p = scores.softmax(-1);
        }
        o = p.matmul(v16);
      }
      trainStep(o, grad16, q16, k16, v16);
    }
  }

  @Benchmark
  public void bf16Fused() {
    try (var s = NativeScope.open()) {
      trainStep(sdpa(q16, k16, v16), grad16, q16, k16, v16);
    }
  }

  private static Tensor sdpa(Tensor q, Tensor k, Tensor v) {
    return torch.scaled_dot_product_attention(
        q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false);
  }

  /** Backward of the output against a fixed gradient; the inputs' gradients are dropped after. */
  private static void trainStep(Tensor out, Tensor grad, Tensor... inputs) {
    out.backward(grad, new BoolOptional(false), false, new TensorArrayRefOptional());
    for (Tensor t : inputs) t.mutable_grad().reset();
  }
}
