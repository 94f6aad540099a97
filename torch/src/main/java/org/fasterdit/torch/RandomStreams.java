package org.fasterdit.torch;

/**
 * The stream ids of {@link HostRandom#forStep}: each kind of random draw has its own stream, so
 * adding a draw of one kind never shifts another (resume stays exact, samples stay the same). Never
 * renumber a stream: saved runs and published sample sets depend on these values.
 */
public final class RandomStreams {
  private RandomStreams() {}

  /** Training: the noise and timesteps of each sample (keyed by its data position). */
  public static final long TRAIN_NOISE = 1;

  /** Training: whether a sample's label is dropped (classifier-free guidance). */
  public static final long CLASS_DROP = 2;

  /** Sampling: the labels of a sample set (drawn once, keyed by position 0). */
  public static final long SAMPLE_LABELS = 7;

  /** Sampling: the initial noise of each sample (keyed by its index in the set). */
  public static final long SAMPLE_NOISE = 8;

  /** Sampling: the per-step noise of stochastic samplers (keyed by the batch's first index). */
  public static final long SAMPLE_STEPS = 9;
}
