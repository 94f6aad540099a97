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
 * the softmax left in bf16 (autocast off around it). {@code bf16ExplicitStrided} is the model's own
 * case: q, k, v as strided views of one qkv output, so the matmuls copy them first. Where the time
 * of the explicit path goes: {@code bmmScoresOnly} is one of its six batched products and {@code
 * gemm1024} a large GEMM at the same FLOP rate limit, {@code softmaxAutocastFp32} and {@code
 * softmaxBf16} its softmax forward and backward as autocast runs it (bf16 in, fp32 softmax, bf16
 * out) and in bf16 throughout.
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

  Tensor q32, k32, v32, q16, k16, v16, grad32, grad16; // (N, H, T, hd) and their output gradients
  Tensor qkv16; // (N, T, 3, H, hd): the qkv output the model slices
  Tensor sq, skT, scores16, gradScores16; // (N * H, ...) operands of the parts
  Tensor big1, big2; // 1024 x 1024

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
    qkv16 = leaf(torch.randn(batch, 256, 3, 6, 64).to(ScalarType.BFloat16));
    sq = NativeScope.retain(torch.randn(batch * 6, 256, 64).to(ScalarType.BFloat16));
    skT = NativeScope.retain(torch.randn(batch * 6, 64, 256).to(ScalarType.BFloat16));
    scores16 = leaf(torch.randn(batch * 6, 256, 256).to(ScalarType.BFloat16));
    gradScores16 = NativeScope.retain(torch.randn(batch * 6, 256, 256).to(ScalarType.BFloat16));
    big1 = NativeScope.retain(torch.randn(1024, 1024).to(ScalarType.BFloat16));
    big2 = NativeScope.retain(torch.randn(1024, 1024).to(ScalarType.BFloat16));
  }

  private static Tensor leaf(Tensor t) {
    return NativeScope.retain(t.requires_grad_(true));
  }

  @TearDown
  public void tearDown() {
    Tensor[] all = {
      q32,
      k32,
      v32,
      q16,
      k16,
      v16,
      grad32,
      grad16,
      qkv16,
      sq,
      skT,
      scores16,
      gradScores16,
      big1,
      big2
    };
    for (Tensor t : all) NativeScope.release(t);
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

  /** The explicit path on q, k, v sliced from one (N, T, 3, H, hd) tensor, as the model runs it. */
  @Benchmark
  public void bf16ExplicitStrided() {
    try (var s = NativeScope.open()) {
      Tensor o;
      try (var a = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
        var parts = qkv16.unbind(2);
        o =
            ScaledDotProduct.attend(
                parts.get(0).transpose(1, 2),
                parts.get(1).transpose(1, 2),
                parts.get(2).transpose(1, 2));
      }
      trainStep(o, grad16, qkv16);
    }
  }

  /** 24 x (256x64 @ 64x256): 201 MFLOP, the scores product alone, no autograd. */
  @Benchmark
  public void bmmScoresOnly() {
    try (var s = NativeScope.open()) {
      torch.bmm(sq, skT);
    }
  }

  /** Scores (24, 256, 256) in bf16 -> softmax in fp32 -> cast to bf16, forward and backward. */
  @Benchmark
  public void softmaxAutocastFp32() {
    try (var s = NativeScope.open()) {
      Tensor p;
      try (var a = Autocast.on(DeviceType.CPU, ScalarType.BFloat16)) {
        p = scores16.softmax(-1).to(ScalarType.BFloat16);
      }
      trainStep(p, gradScores16, scores16);
    }
  }

  /** The same softmax in bf16 (LibTorch accumulates in fp32 inside its kernel). */
  @Benchmark
  public void softmaxBf16() {
    try (var s = NativeScope.open()) {
      trainStep(scores16.softmax(-1), gradScores16, scores16);
    }
  }

  /** 1024^3 x 2 = 2.1 GFLOP, one large GEMM for the per-thread peak. */
  @Benchmark
  public void gemm1024() {
    try (var s = NativeScope.open()) {
      big1.matmul(big2);
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
