package org.fasterdit.train;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM as a request to stop (how SLURM and Kubernetes preempt a job): while installed, the
 * signal only raises a flag, the step in flight finishes, and the training loop writes a checkpoint
 * at the next step boundary and ends with {@link #EXIT_CODE}. Without it the JVM would exit at once
 * and lose everything since the last periodic checkpoint.
 */
public final class Preemption implements AutoCloseable {
  /**
   * The exit code of a preempted run that saved its checkpoint: 75, EX_TEMPFAIL of sysexits.h ("try
   * again later"), so a job script can tell it from success (0) and failure and requeue with {@code
   * --resume}.
   */
  public static final int EXIT_CODE = 75;

  private static final Signal TERM = new Signal("TERM");
  private final AtomicBoolean requested = new AtomicBoolean();
  private final SignalHandler previous;

  private Preemption() {
    previous = Signal.handle(TERM, s -> requested.set(true));
  }

  /** Catches SIGTERM until {@link #close}. */
  public static Preemption onSigterm() {
    return new Preemption();
  }

  /** A stop was asked for (a signal arrived since installation). */
  public boolean requested() {
    return requested.get();
  }

  /** Restores the previous SIGTERM behaviour (by default: exit through the shutdown hooks). */
  @Override
  public void close() {
    Signal.handle(TERM, previous);
  }
}
