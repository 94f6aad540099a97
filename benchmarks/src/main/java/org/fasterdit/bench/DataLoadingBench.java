package org.fasterdit.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.data.BatchLoader;
import org.fasterdit.data.LatentShards;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latent loading from memory-mapped safetensors shards (8192 latents of 4x32x32 with flips) through
 * the prefetching batch loader, reported per latent; and reading a 64 MB checkpoint zero-copy vs
 * copying every tensor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--add-modules=jdk.incubator.vector",
      "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"
    })
public class DataLoadingBench {
  static final int BATCH = 256;
  Path dir;
  Path checkpoint;
  BatchLoader loader;

  @Setup
  public void setup() throws IOException {
    org.fasterdit.torch.Threads.applyFromEnvironment();
    dir = Files.createTempDirectory("fasterdit-bench");
    int n = 8192, per = 4 * 32 * 32;
    float[] lat = new float[n * per];
    java.util.SplittableRandom r = new java.util.SplittableRandom(0);
    for (int i = 0; i < lat.length; i++) lat[i] = (float) r.nextGaussian();
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) labels[i] = i % 1000;
    Map<String, HostTensor> m = new LinkedHashMap<>();
    m.put("latents", HostTensor.ofFloats(new long[] {n, 4, 32, 32}, lat));
    m.put("latents_flip", HostTensor.ofFloats(new long[] {n, 4, 32, 32}, lat));
    m.put("labels", HostTensor.ofLongs(new long[] {n}, labels));
    SafeTensors.write(dir.resolve("shard-000.safetensors"), m, Map.of());
    loader = new BatchLoader(new LatentShards(dir), BATCH, 0, 1, 0, true, 0, 8);
    checkpoint = dir.resolve("ckpt.safetensors");
    Map<String, HostTensor> c = new LinkedHashMap<>();
    for (int i = 0; i < 64; i++)
      c.put("w" + i, HostTensor.ofFloats(new long[] {512, 512}, new float[512 * 512]));
    SafeTensors.write(checkpoint, c, Map.of());
  }

  @TearDown
  public void tearDown() throws IOException {
    loader.close();
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int latentBatches() {
    return loader.next().n();
  }

  @Benchmark
  public double checkpointZeroCopy() {
    try (Arena arena = Arena.ofConfined();
        var s = NativeScope.open()) {
      double sum = 0;
      for (HostTensor h : SafeTensors.read(checkpoint, arena).tensors().values()) {
        Tensor t = Tensors.view(h);
        sum += t.numel();
      }
      return sum;
    }
  }

  @Benchmark
  public double checkpointCopying() {
    try (Arena arena = Arena.ofConfined();
        var s = NativeScope.open()) {
      double sum = 0;
      for (HostTensor h : SafeTensors.read(checkpoint, arena).tensors().values()) {
        Tensor t = Tensors.ofFloats(h.toFloatArray(), h.shape());
        sum += t.numel();
      }
      return sum;
    }
  }
}
