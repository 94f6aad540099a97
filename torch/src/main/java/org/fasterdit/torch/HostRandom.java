package org.fasterdit.torch;

import java.util.SplittableRandom;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Randomness drawn on the host from a counter-based seed (run seed, step, stream), then copied to
 * the device. A training step's noise depends only on (seed, step, micro-batch, rank), so resuming
 * at step N reproduces the same draws with no generator state to save, and results do not depend on
 * the device or the LibTorch build.
 */
public final class HostRandom implements java.util.random.RandomGenerator {
  private final SplittableRandom rng;

  private HostRandom(long seed) {
    this.rng = new SplittableRandom(seed);
  }

  public static HostRandom of(long seed) {
    return new HostRandom(seed);
  }

  /**
   * An independent stream for (seed, a, b, c): SplitMix-style mixing keeps nearby counters
   * uncorrelated.
   */
  public static HostRandom forStep(long seed, long step, long stream, long rank) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    h = mix(h ^ step * 0xBF58476D1CE4E5B9L);
    h = mix(h ^ stream * 0x94D049BB133111EBL);
    h = mix(h ^ rank * 0xD6E8FEB86659FD93L);
    return new HostRandom(h);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public long nextLong() {
    return rng.nextLong();
  }

  @Override
  public double nextDouble() {
    return rng.nextDouble();
  }

  @Override
  public double nextGaussian() {
    return rng.nextGaussian();
  }

  @Override
  public int nextInt(int bound) {
    return rng.nextInt(bound);
  }

  public float[] gaussians(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
    return v;
  }

  /** A standard-normal float32 tensor of {@code shape} on {@code device}. */
  public Tensor gaussian(Device device, long... shape) {
    long n = 1;
    for (long d : shape) n = Math.multiplyExact(n, d);
    Tensor host = Tensors.ofFloats(gaussians(Math.toIntExact(n)), shape);
    return Devices.isCuda(device) ? host.to(device, ScalarType.Float) : host;
  }

  /** (B, shape...) standard normals, row i drawn from {@code rngs[i]}. */
  public static Tensor gaussian(HostRandom[] rngs, Device device, long... sampleShape) {
    long per = 1;
    for (long d : sampleShape) per = Math.multiplyExact(per, d);
    int n = Math.toIntExact(per);
    float[] v = new float[Math.multiplyExact(n, rngs.length)];
    for (int i = 0; i < rngs.length; i++) {
      for (int j = 0; j < n; j++) v[i * n + j] = (float) rngs[i].rng.nextGaussian();
    }
    long[] shape = new long[sampleShape.length + 1];
    shape[0] = rngs.length;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    return onDevice(Tensors.ofFloats(v, shape), device);
  }

  /** Moves a host tensor to {@code device} (no copy on CPU). */
  public static Tensor onDevice(Tensor t, Device device) {
    return Devices.isCuda(device) ? t.to(device, t.scalar_type()) : t;
  }

  static TensorOptions floatOn(Device d) {
    return new TensorOptions(ScalarType.Float).device(new org.bytedeco.pytorch.DeviceOptional(d));
  }
}
