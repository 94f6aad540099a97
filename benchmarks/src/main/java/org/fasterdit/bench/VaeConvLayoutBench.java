package org.fasterdit.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Scalars;
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
 * The SD decoder's costliest layers at 256 px, batch 1, fp32, in NCHW and channels-last (NHWC
 * strides): the 3x3 convolution at 256x256 (256 channels after the last upsampling, 128 on the last
 * level), the GroupNorm + SiLU before it and the nearest x2 upsampling. The VAE runs NCHW: the NHWC
 * layout paid in fp32 but cost 3x under bf16 autocast (benchmarks/RESULTS.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--add-modules=jdk.incubator.vector",
      "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"
    })
public class VaeConvLayoutBench {
  @Param({"nchw", "channels_last"})
  public String layout;

  @Param({"256", "128"})
  public int channels;

  Tensor x, half, weight, bias, gnWeight, gnBias;

  @Setup
  public void setup() {
    org.fasterdit.torch.Threads.applyFromEnvironment();
    MemoryFormat f = layout.equals("nchw") ? MemoryFormat.Contiguous : MemoryFormat.ChannelsLast;
    long c = channels;
    x = NativeScope.retain(torch.randn(1, c, 256, 256).contiguous(f));
    half = NativeScope.retain(torch.randn(1, c, 128, 128).contiguous(f));
    weight =
        NativeScope.retain(
            torch.randn(c, c, 3, 3).mul(Scalars.of(1 / Math.sqrt(9 * c))).contiguous(f));
    bias = NativeScope.retain(torch.zeros(c));
    gnWeight = NativeScope.retain(torch.ones(c));
    gnBias = NativeScope.retain(torch.zeros(c));
  }

  @TearDown
  public void tearDown() {
    for (Tensor t : new Tensor[] {x, half, weight, bias, gnWeight, gnBias}) NativeScope.release(t);
  }

  @Benchmark
  public double conv3x3() {
    try (var s = NativeScope.open();
        var g = NoGrad.on()) {
      long[] one = {1, 1};
      return torch
          .conv2d(x, weight, new TensorOptional(bias), one, one, one, 1)
          .select(1, 0)
          .sum()
          .item_double();
    }
  }

  @Benchmark
  public double groupNormSilu() {
    try (var s = NativeScope.open();
        var g = NoGrad.on()) {
      Tensor y =
          torch.group_norm(
              x, 32, new TensorOptional(gnWeight), new TensorOptional(gnBias), 1e-6, true);
      return torch.silu_(y).select(1, 0).sum().item_double();
    }
  }

  @Benchmark
  public double upsampleNearest() {
    try (var s = NativeScope.open();
        var g = NoGrad.on()) {
      return torch.upsample_nearest2d(half, 256, 256).select(1, 0).sum().item_double();
    }
  }
}
