package org.fasterdit.sample;

/**
 * How {@code sample} under {@code launch --nproc W} splits N samples between ranks: each rank takes
 * one contiguous block of whole units (a unit is the model batch, or a multiple of it that is also
 * a multiple of the VAE's decoder batch), the last unit possibly short. Whole units matter for byte
 * equality with a single process: the noise and label of sample i depend only on i and the seed,
 * but a stochastic sampler's per-step noise is drawn per batch and floating-point results may
 * depend on which samples share a model call, so every rank makes exactly the model calls the
 * single process would have made for its samples. Ranks differ by at most one unit; a rank may get
 * none when there are fewer units than ranks.
 */
public final class SampleShards {
  private SampleShards() {}

  /** Samples {@code [from, to)} of one rank, made of {@code units} units. */
  public record Range(int from, int to, int units) {
    public int count() {
      return to - from;
    }
  }

  /** The block of rank {@code rank} of {@code world}. */
  public static Range of(int count, int unit, int rank, int world) {
    if (count < 1) throw new IllegalArgumentException("sample count must be >= 1, got " + count);
    if (unit < 1) throw new IllegalArgumentException("shard unit must be >= 1, got " + unit);
    if (world < 1) throw new IllegalArgumentException("world size must be >= 1, got " + world);
    if (rank < 0 || rank >= world)
      throw new IllegalArgumentException("rank must be in [0, " + world + "), got " + rank);
    long units = (count + (long) unit - 1) / unit;
    long u0 = units * rank / world, u1 = units * (rank + 1) / world;
    int from = (int) Math.min(u0 * unit, count), to = (int) Math.min(u1 * unit, count);
    return new Range(from, to, (int) (u1 - u0));
  }

  /** The smallest unit that is a multiple of both batch sizes. */
  public static int unit(int modelBatch, int decodeBatch) {
    if (modelBatch < 1 || decodeBatch < 1)
      throw new IllegalArgumentException(
          "batch sizes must be >= 1, got " + modelBatch + " and " + decodeBatch);
    long a = modelBatch, b = decodeBatch;
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return Math.toIntExact((long) modelBatch / a * decodeBatch);
  }
}
