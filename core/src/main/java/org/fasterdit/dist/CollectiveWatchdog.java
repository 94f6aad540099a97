package org.fasterdit.dist;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * The last line of defence against a hung job. Gloo and the TCP store enforce their own timeouts
 * and normally fail first with an exception; but a native call can still block forever (a NCCL
 * kernel waiting for a peer, a socket stuck in the kernel), and a data-parallel job that hangs
 * silently is worse than one that dies. While a collective is armed, a daemon thread checks its
 * deadline (the timeout plus a grace period) and, once it passes, prints what was stuck and halts
 * the JVM with exit code {@link #EXIT_CODE}. {@code halt}, not {@code exit}: shutdown hooks and
 * native destructors could block on the very call that is stuck.
 */
final class CollectiveWatchdog implements AutoCloseable {
  static final int EXIT_CODE = 124; // the code timeout(1) uses, recognisable in launcher logs

  private final String who;
  private final long limitNanos;
  private final PrintStream err;
  private final Thread thread;
  private volatile String current; // what is armed, or null
  private volatile long deadline;
  private volatile boolean closed;

  CollectiveWatchdog(String who, Duration timeout, PrintStream err) {
    this.who = who;
    // the native timeout should fire first and produce a better message; leave it room
    this.limitNanos =
        timeout.plus(Duration.ofSeconds(Math.max(10, timeout.toSeconds() / 2))).toNanos();
    this.err = err;
    this.thread = Thread.ofPlatform().daemon().name("fasterdit-dist-watchdog").start(this::watch);
  }

  /**
   * Starts the clock for one blocking operation; close the returned handle when it returns (or
   * throws).
   */
  Armed arm(String what) {
    deadline = System.nanoTime() + limitNanos;
    current = what;
    return () -> current = null;
  }

  interface Armed extends AutoCloseable {
    @Override
    void close();
  }

  private void watch() {
    while (!closed) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
      String what = current;
      if (what != null && System.nanoTime() - deadline > 0) {
        err.printf(
            Locale.ROOT,
            "fasterdit: %s: %s did not finish within %.0f s (distributed timeout plus grace); a peer "
                + "process probably died or hangs. Exiting with code %d instead of hanging.%n",
            who,
            what,
            limitNanos / 1e9,
            EXIT_CODE);
        err.flush();
        Runtime.getRuntime().halt(EXIT_CODE);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
