package org.fasterdit.torch;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector loop behind {@link WidenedSum}: bf16 values widened to fp32 (exactly: the bf16 bits
 * are the upper half of the fp32 ones) and added in fp32, in the parts' order, then added to a
 * base, each addition rounded once as LibTorch's fp32 add rounds it. Loaded only when the
 * jdk.incubator.vector module is present.
 */
final class WidenedSumKernel {
  private WidenedSumKernel() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /**
   * Calls the loop, with and without a base, on small scratch buffers until a call allocates next
   * to nothing (compiled, see {@link VectorWarmUp}), or until {@code deadlineNanos}. Returns
   * whether it got there.
   */
  static boolean warmUp(long deadlineNanos) {
    int n = 64 * F.length() + 3; // and a tail
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment[] parts = {
        VectorWarmUp.unscoped(arena.allocate(2L * n)), VectorWarmUp.unscoped(arena.allocate(2L * n))
      };
      MemorySegment out = VectorWarmUp.unscoped(arena.allocate(4L * n));
      boolean done = false;
      while (!done && System.nanoTime() < deadlineNanos)
        done =
            VectorWarmUp.allocatesNothing(
                () -> {
                  sum(parts, null, out, n);
                  sum(parts, out, out, n);
                });
      return done;
    }
  }

  /**
   * out = base + (parts[0] + parts[1] + ...) over {@code n} values, the parts bf16, {@code base}
   * (null for none) and {@code out} fp32; {@code out} may be {@code base}.
   */
  static void sum(MemorySegment[] parts, MemorySegment base, MemorySegment out, long n) {
    long bound = n - n % F.length();
    for (long i = 0; i < bound; i += F.length()) {
      // the first part apart: a vector that may be null would be boxed
      FloatVector acc =
          ((IntVector)
                  ShortVector.fromMemorySegment(S, parts[0], i * 2, ORDER)
                      .convertShape(VectorOperators.S2I, I, 0))
              .lanewise(VectorOperators.LSHL, 16)
              .reinterpretAsFloats();
      for (int j = 1; j < parts.length; j++)
        acc =
            acc.add(
                ((IntVector)
                        ShortVector.fromMemorySegment(S, parts[j], i * 2, ORDER)
                            .convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats());
      if (base != null) acc = FloatVector.fromMemorySegment(F, base, i * 4, ORDER).add(acc);
      acc.intoMemorySegment(out, i * 4, ORDER);
    }
    for (long i = bound; i < n; i++) { // the tail: the same additions, one value at a time
      float acc = 0;
      for (int j = 0; j < parts.length; j++) {
        float v = Float.intBitsToFloat(parts[j].getAtIndex(JAVA_SHORT, i) << 16);
        acc = j == 0 ? v : acc + v;
      }
      if (base != null) acc = base.getAtIndex(JAVA_FLOAT, i) + acc;
      out.setAtIndex(JAVA_FLOAT, i, acc);
    }
  }
}
