package org.fasterdit.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.data.RandomLatents;
import org.fasterdit.model.DiT;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.Trainer;
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
 * DiT-S/2 on 32x32x4 latents, batch 8: one full training step, and one DiT forward+backward alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--add-modules=jdk.incubator.vector",
      "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"
    })
public class TrainStepBench {
  Trainer trainer;
  DiT model;
  DiT oneBlock; // DiT-S/2 dimensions with depth 1: one block plus the embedders and final layer
  Tensor x, t, y;

  @Setup
  public void setup() {
    org.fasterdit.torch.Threads.applyFromEnvironment();
    var cfg =
        ConfigResolver.resolve(
            null, List.of("model=DiT-S/2", "batch=8", "stats-samples=64", "steps=1000000"));
    trainer = Trainer.create(cfg, new RandomLatents(4096, 4, 32, 1000), GradientSync.NONE);
    model = new DiT(DiTConfig.preset("DiT-S/2", 32, 4, 1000, false), new Device(DeviceType.CPU), 0);
    oneBlock =
        new DiT(new DiTConfig(1, 384, 6, 2, 32, 4, 1000, false), new Device(DeviceType.CPU), 0);
    x = NativeScope.retain(Tensors.ofFloats(new float[8 * 4 * 32 * 32], 8, 4, 32, 32).normal_());
    t =
        NativeScope.retain(
            Tensors.ofFloats(new float[] {.1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f}, 8));
    y = NativeScope.retain(Tensors.ofLongs(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, 8));
  }

  @TearDown
  public void tearDown() {
    trainer.close();
    model.close();
    oneBlock.close();
  }

  /** Forward and backward of a single DiT-S block (in a depth-1 DiT-S/2), batch 8. */
  @Benchmark
  public double oneBlockForwardBackward() {
    return forwardBackward(oneBlock);
  }

  @Benchmark
  public double trainingStep() {
    return trainer.step().loss();
  }

  @Benchmark
  public double forwardBackward() {
    return forwardBackward(model);
  }

  private double forwardBackward(DiT m) {
    try (var s = NativeScope.open()) {
      Tensor loss = m.forward(x, t, y).square().mean();
      loss.backward();
      return loss.item_double();
    }
  }
}
