package org.fasterdit.torch;

import com.sun.management.ThreadMXBean;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.function.LongPredicate;

/**
 * What the warm-ups of our Vector API loops share. Until C2 has compiled such a loop, every vector
 * operation allocates a boxed vector (tens of MB per call at a step worker's sizes), and the heap
 * grown for that garbage stays committed (docs/libtorch-from-java.md, "GELU"); so each kernel runs
 * its loops on scratch memory before the first step until a call allocates next to nothing.
 */
final class VectorWarmUp {
  private VectorWarmUp() {}

  /**
   * A warm-up gives up after this long: each took under a second here, and a JVM without C2
   * (-XX:TieredStopAtLevel=1) never gets there.
   */
  static final long LIMIT_NS = 5_000_000_000L;

  /**
   * Whether {@code calls} allocated next to nothing on this thread's heap: under 1 KB, which a
   * compiled loop's few small arrays stay under and a loop still boxing vectors never does.
   */
  static boolean allocatesNothing(Runnable calls) {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    long before = threads.getThreadAllocatedBytes(id);
    calls.run();
    return threads.getThreadAllocatedBytes(id) - before < 1024;
  }

  /**
   * {@code s} as the kernels get their memory (a raw address, global scope): the compiled loops are
   * specialised to the segment class they saw, and another kind would recompile them.
   */
  static MemorySegment unscoped(MemorySegment s) {
    return MemorySegment.ofAddress(s.address()).reinterpret(s.byteSize());
  }

  /**
   * One kernel's warm-up, run at most once per JVM: later calls return the first one's outcome,
   * also after it ran out of time.
   */
  static final class Once {
    private boolean tried, done;

    /**
     * Runs {@code warmUp} (given its deadline in System.nanoTime) the first time, then collects the
     * garbage: a full collection shrinks the heap back to what is live. Returns whether the loops
     * were seen compiled within {@link #LIMIT_NS}.
     */
    synchronized boolean run(LongPredicate warmUp) {
      if (!tried) {
        tried = true;
        done = warmUp.test(System.nanoTime() + LIMIT_NS);
        System.gc();
      }
      return done;
    }
  }
}
