package org.fasterdit.data;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Produces each step's batch slice for one rank, in a background thread that stays {@code prefetch}
 * steps ahead so decoding never stalls the training step. Step s covers stream positions [s G, (s +
 * 1) G) for global batch G; rank r of W takes [s G + r G / W, s G + (r + 1) G / W). Everything is a
 * function of (seed, position), so resuming at any step, with any process count, reproduces the
 * same samples and flips.
 */
public final class BatchLoader implements AutoCloseable {
  private final Dataset data;
  private final int globalBatch, localBatch, rank;
  private final long seed, startStep, startPosition;
  private final boolean flip;
  private final BlockingQueue<Object> queue;
  private final Thread worker;
  private volatile boolean closed;
  private long nextStep;

  public BatchLoader(
      Dataset data,
      int globalBatch,
      int rank,
      int world,
      long seed,
      boolean flip,
      long startStep,
      int prefetch) {
    this(data, globalBatch, rank, world, seed, flip, startStep, startStep * globalBatch, prefetch);
  }

  /**
   * @param startPosition where in the epoch order step {@code startStep} begins: {@code startStep x
   *     globalBatch} for a run that always had this batch, the saved data position for one that
   *     resumes with another batch
   */
  public BatchLoader(
      Dataset data,
      int globalBatch,
      int rank,
      int world,
      long seed,
      boolean flip,
      long startStep,
      long startPosition,
      int prefetch) {
    if (globalBatch < 1)
      throw new IllegalArgumentException("batch size must be >= 1, got " + globalBatch);
    if (world < 1 || rank < 0 || rank >= world)
      throw new IllegalArgumentException("bad rank " + rank + " of " + world);
    if (globalBatch % world != 0) {
      throw new IllegalArgumentException(
          "global batch " + globalBatch + " is not divisible by the " + world + " processes");
    }
    this.data = data;
    this.globalBatch = globalBatch;
    this.localBatch = globalBatch / world;
    this.rank = rank;
    this.seed = seed;
    this.flip = flip && data.supportsFlip();
    this.nextStep = startStep;
    this.startStep = startStep;
    this.startPosition = startPosition;
    this.queue = new ArrayBlockingQueue<>(Math.max(1, prefetch));
    this.worker =
        Thread.ofPlatform().daemon().name("fasterdit-prefetch").start(() -> produce(startStep));
  }

  private void produce(long from) {
    EpochOrder order = new EpochOrder(data.size(), seed);
    try {
      for (long s = from; !closed; s++) {
        queue.put(build(order, s));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      try {
        queue.put(e); // handed to the trainer thread, which rethrows it with the step
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The batch for one step, built on the calling thread (also used by tests and evaluation). */
  public HostBatch build(EpochOrder order, long step) {
    int per = data.sampleFloats();
    float[] x = new float[localBatch * per];
    long[] y = new long[localBatch];
    long[] pos = new long[localBatch];
    long first = startPosition + (step - startStep) * globalBatch + (long) rank * localBatch;
    int[] idx = new int[localBatch];
    boolean[] flips = new boolean[localBatch];
    for (int i = 0; i < localBatch; i++) {
      long p = first + i;
      idx[i] = order.sampleAt(p);
      flips[i] = flip && EpochOrder.flipAt(seed, p);
      pos[i] = p;
    }
    data.readBatch(idx, flips, x, y); // image folders decode the batch in parallel
    return new HostBatch(step, x, y, pos, data.channels(), data.height(), data.width());
  }

  /** The next step's batch, in order. */
  public HostBatch next() {
    try {
      Object o = queue.poll(10, TimeUnit.MINUTES);
      if (o == null)
        throw new IllegalStateException(
            "data loader produced nothing for 10 minutes at step " + nextStep);
      if (o instanceof RuntimeException e)
        throw new IllegalStateException(
            "data loading failed at step " + nextStep + ": " + e.getMessage(), e);
      HostBatch b = (HostBatch) o;
      nextStep++;
      return b;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for data", e);
    }
  }

  public int localBatch() {
    return localBatch;
  }

  @Override
  public void close() {
    closed = true;
    worker.interrupt();
  }
}
