package org.fasterdit.torch;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

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
 * The vector loops behind {@link ModulatedNorm#sublayer}'s gated residual: over rows of {@code d}
 * values (a token), x + gate (y + bias) with the fp32 residual stream x, a bf16 branch output y (a
 * matmul's, before its bias), an fp32 bias and one fp32 gate row per sample; and its backward,
 * dL/dy = gate g rounded to bf16, dL/dgate summed over the sample's tokens and dL/dbias over all
 * rows, in fp32.
 *
 * <p>Bits as in {@link ModulatedNormKernel}: exactly rounded operations only (the forward's last
 * step one fused multiply-add, which gives LibTorch's addcmul's bits; dL/dy a product rounded to
 * bf16, as LibTorch's addcmul backward and cast), each loop one method without vector-taking
 * helpers. Rows must be a whole number of vectors. Loaded only when the jdk.incubator.vector module
 * is present.
 */
final class GatedResidualKernel {
  private GatedResidualKernel() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /**
   * Calls both loops on small scratch buffers until a call of each allocates next to nothing
   * (compiled, see {@link VectorWarmUp}), or until {@code deadlineNanos}. Returns whether both got
   * there.
   */
  static boolean warmUp(long deadlineNanos) {
    int d = 4 * F.length(), tokens = 4, rows = 2 * tokens;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment x = VectorWarmUp.unscoped(arena.allocate(4L * rows * d));
      MemorySegment y = VectorWarmUp.unscoped(arena.allocate(2L * rows * d));
      MemorySegment gate = VectorWarmUp.unscoped(arena.allocate(4L * 2 * d));
      MemorySegment bias = VectorWarmUp.unscoped(arena.allocate(4L * d));
      MemorySegment sums = VectorWarmUp.unscoped(arena.allocate(4L * 2 * 2 * d));
      MemorySegment biasSums = VectorWarmUp.unscoped(arena.allocate(4L * d));
      for (int i = 0; i < rows * d; i++) x.setAtIndex(JAVA_FLOAT, i, (i % 97 - 48) / 8f);
      for (int i = 0; i < 2 * d; i++) gate.setAtIndex(JAVA_FLOAT, i, (i % 7) / 8f);
      for (int i = 0; i < d; i++) bias.setAtIndex(JAVA_FLOAT, i, (i % 5) / 8f);
      boolean forward = false, backward = false;
      while (!(forward && backward) && System.nanoTime() < deadlineNanos) {
        if (!forward)
          forward =
              VectorWarmUp.allocatesNothing(() -> forward(x, gate, y, bias, x, rows, tokens, d));
        if (!backward)
          backward =
              VectorWarmUp.allocatesNothing(
                  () -> backward(x, y, gate, bias, y, sums, biasSums, rows, tokens, d, 2L * d));
      }
      return forward && backward;
    }
  }

  /**
   * out = x + gate (y + bias), the last step rounded once. {@code x} and {@code out} (which may be
   * x): fp32 (rows, d); {@code y}: bf16 (rows, d); {@code gate}: fp32 (rows / tokens, d), row r
   * using sample r / tokens; {@code bias}: fp32 (d).
   */
  static void forward(
      MemorySegment x,
      MemorySegment gate,
      MemorySegment y,
      MemorySegment bias,
      MemorySegment out,
      long rows,
      long tokens,
      int d) {
    for (long r = 0; r < rows; r++) {
      long base = r * 4L * d, cond = (r / tokens) * 4L * d;
      for (int i = 0; i < d; i += F.length()) {
        long at = base + 4L * i;
        FloatVector yv =
            ((IntVector)
                    ShortVector.fromMemorySegment(S, y, r * 2L * d + 2L * i, ORDER)
                        .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats()
                .add(FloatVector.fromMemorySegment(F, bias, 4L * i, ORDER));
        FloatVector.fromMemorySegment(F, gate, cond + 4L * i, ORDER)
            .fma(yv, FloatVector.fromMemorySegment(F, x, at, ORDER))
            .intoMemorySegment(out, at, ORDER);
      }
    }
  }

  /**
   * From {@code g} = dL/dout (fp32, (rows, d)): writes dL/dy = gate g, rounded to nearest even,
   * into {@code gy} (bf16, (rows, d); it may be {@code y}, which is read first), adds dL/dgate =
   * the sum over a sample's tokens of g (y + bias) into {@code gGate} (one row of d floats per
   * sample, {@code condStride} floats apart) and dL/dbias = the sum over all rows of the rounded
   * dL/dy into {@code gBias} (d floats).
   */
  static void backward(
      MemorySegment g,
      MemorySegment y,
      MemorySegment gate,
      MemorySegment bias,
      MemorySegment gy,
      MemorySegment gGate,
      MemorySegment gBias,
      long rows,
      long tokens,
      int d,
      long condStride) {
    for (long r = 0; r < rows; r++) {
      long base = r * 4L * d, cond = (r / tokens) * 4L * d, half = r * 2L * d;
      long acc = (r / tokens) * 4L * condStride;
      for (int i = 0; i < d; i += F.length()) {
        long a = acc + 4L * i, c = 4L * i;
        FloatVector gv = FloatVector.fromMemorySegment(F, g, base + 4L * i, ORDER);
        FloatVector yv =
            ((IntVector)
                    ShortVector.fromMemorySegment(S, y, half + 2L * i, ORDER)
                        .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats()
                .add(FloatVector.fromMemorySegment(F, bias, c, ORDER));
        gv.fma(yv, FloatVector.fromMemorySegment(F, gGate, a, ORDER))
            .intoMemorySegment(gGate, a, ORDER);
        IntVector out =
            gv.mul(FloatVector.fromMemorySegment(F, gate, cond + 4L * i, ORDER))
                .reinterpretAsInts();
        // round to nearest even on the upper 16 bits; NaNs stay NaN (their upper mantissa is set)
        out = out.add(out.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
        IntVector rounded = out.and(0xFFFF0000);
        FloatVector.fromMemorySegment(F, gBias, c, ORDER)
            .add(rounded.reinterpretAsFloats())
            .intoMemorySegment(gBias, c, ORDER);
        ((ShortVector)
                out.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, S, 0))
            .intoMemorySegment(gy, half + 2L * i, ORDER);
      }
    }
  }
}
