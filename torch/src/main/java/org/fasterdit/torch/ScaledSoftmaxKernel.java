package org.fasterdit.torch;

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
 * The vector loops behind {@link ScaledSoftmax}: over rows of {@code n} bf16 values (one query's
 * attention scores), p = softmax(s x) computed in fp32 and rounded to bf16; and its backward dL/dx
 * = s p (g - sum(p g)) from the bf16 p and g = dL/dp.
 *
 * <p>Bits as in {@link GeluTanhKernel} and {@link ModulatedNormKernel}: only exactly rounded
 * operations, exp by the same range reduction and polynomial as the GELU's, and row sums taken lane
 * by lane and then over the lanes in a fixed order; so interpreted, C1 and C2 code agree to the
 * bit. Each loop is one method with no vector-taking helper. Rows must be a whole number of
 * vectors. Loaded only when the jdk.incubator.vector module is present.
 */
final class ScaledSoftmaxKernel {
  private ScaledSoftmaxKernel() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** Below this, exp is 0 in the result (it would be subnormal); the polynomial is fed -87. */
  private static final float EXP_LIMIT = 87f;

  private static final float LOG2E = (float) (1 / Math.log(2));
  // ln 2 in two parts: the high one has zeros in its low mantissa bits, so k * LN2_HI is exact
  private static final float LN2_HI = 0.693145751953125f;
  private static final float LN2_LO = (float) (Math.log(2) - 0.693145751953125);

  /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude < 2^22 to an integer. */
  private static final float ROUNDER = 12582912f;

  static int lanes() {
    return F.length();
  }

  /**
   * Calls both loops on a small scratch buffer until a call of each allocates next to nothing
   * (compiled, see {@link VectorWarmUp}), or until {@code deadlineNanos} (System.nanoTime). Returns
   * whether both got there.
   */
  static boolean warmUp(long deadlineNanos) {
    int n = 4 * F.length(), rows = 4;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment x = VectorWarmUp.unscoped(arena.allocate(2L * rows * n));
      MemorySegment g = VectorWarmUp.unscoped(arena.allocate(2L * rows * n));
      for (int i = 0; i < rows * n; i++) {
        // bf16 bits of small values of both signs: the upper half of the fp32 bits
        x.setAtIndex(JAVA_SHORT, i, bf16Bits((i % 97 - 48) / 8f));
        g.setAtIndex(JAVA_SHORT, i, bf16Bits((i % 89 - 44) / 8f));
      }
      boolean forward = false, backward = false;
      float[] row = new float[n];
      while (!(forward && backward) && System.nanoTime() < deadlineNanos) {
        if (!forward)
          forward = VectorWarmUp.allocatesNothing(() -> forward(x, x, rows, n, 0.125f, row));
        if (!backward)
          backward = VectorWarmUp.allocatesNothing(() -> backward(x, g, g, rows, n, 0.125f));
      }
      return forward && backward;
    }
  }

  private static short bf16Bits(float v) {
    return (short) (Float.floatToRawIntBits(v) >>> 16);
  }

  /**
   * p = softmax(scale x) over each of {@code rows} rows of {@code n} bf16 values; {@code p} may be
   * {@code x}. {@code row} is scratch of at least n floats (the row's exponentials). A row holding
   * a NaN comes out NaN, as LibTorch's.
   */
  static void forward(
      MemorySegment x, MemorySegment p, long rows, int n, float scale, float[] row) {
    float[] lanes = new float[F.length()];
    FloatVector zero = FloatVector.zero(F), one = FloatVector.broadcast(F, 1f);
    for (long r = 0; r < rows; r++) {
      long base = r * 2L * n;
      FloatVector top = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
      for (int i = 0; i < n; i += F.length()) {
        FloatVector v =
            ((IntVector)
                    ShortVector.fromMemorySegment(S, x, base + 2L * i, ORDER)
                        .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
        top = top.max(v);
      }
      top.intoArray(lanes, 0);
      float max = lanes[0];
      for (float v : lanes) max = Math.max(max, v);
      FloatVector sum = zero;
      for (int i = 0; i < n; i += F.length()) {
        FloatVector v =
            ((IntVector)
                    ShortVector.fromMemorySegment(S, x, base + 2L * i, ORDER)
                        .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
        // a = scale (x - max) <= 0; e = exp(a) with a = k ln2 + r, |r| <= ln2/2, exp(r) by
        // Horner over 1/j!, j = 7 down to 0
        FloatVector a0 = v.sub(max).mul(scale);
        FloatVector a = a0.max(-EXP_LIMIT);
        FloatVector kf = a.mul(LOG2E).add(ROUNDER).sub(ROUNDER);
        FloatVector q = kf.fma(FloatVector.broadcast(F, -LN2_HI), a).sub(kf.mul(LN2_LO));
        FloatVector e = q.mul(1f / 5040).add(1f / 720);
        e = e.fma(q, FloatVector.broadcast(F, 1f / 120));
        e = e.fma(q, FloatVector.broadcast(F, 1f / 24));
        e = e.fma(q, FloatVector.broadcast(F, 1f / 6));
        e = e.fma(q, FloatVector.broadcast(F, 0.5f));
        e = e.fma(q, one).fma(q, one);
        IntVector k = (IntVector) kf.convertShape(VectorOperators.F2I, I, 0);
        e = e.mul(k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        // beyond the limit (and for -inf scores) the exponential is 0; NaN stays NaN
        e = e.blend(zero, a0.compare(VectorOperators.LT, -EXP_LIMIT));
        sum = sum.add(e);
        e.intoArray(row, i);
      }
      sum.intoArray(lanes, 0);
      float total = 0;
      for (float v : lanes) total += v;
      float inverse = 1f / total;
      for (int i = 0; i < n; i += F.length()) {
        IntVector out = FloatVector.fromArray(F, row, i).mul(inverse).reinterpretAsInts();
        // round to nearest even on the upper 16 bits; NaNs stay NaN (their upper mantissa is set)
        out = out.add(out.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
        ((ShortVector)
                out.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, S, 0))
            .intoMemorySegment(p, base + 2L * i, ORDER);
      }
    }
  }

  /**
   * dL/dx = scale p (g - sum(p g)) over each row, from the forward's bf16 {@code p} and {@code g} =
   * dL/dp (bf16); {@code gx} (bf16) may be {@code g}.
   */
  static void backward(
      MemorySegment p, MemorySegment g, MemorySegment gx, long rows, int n, float scale) {
    float[] lanes = new float[F.length()];
    for (long r = 0; r < rows; r++) {
      long base = r * 2L * n;
      FloatVector dot = FloatVector.zero(F);
      for (int i = 0; i < n; i += F.length()) {
        long at = base + 2L * i;
        FloatVector pv =
            ((IntVector)
                    ShortVector.fromMemorySegment(S, p, at, ORDER)
                        .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
        FloatVector gv =
            ((IntVector)
                    ShortVector.fromMemorySegment(S, g, at, ORDER)
                        .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
        dot = pv.fma(gv, dot);
      }
      dot.intoArray(lanes, 0);
      float pg = 0;
      for (float v : lanes) pg += v;
      for (int i = 0; i < n; i += F.length()) {
        long at = base + 2L * i;
        FloatVector pv =
            ((IntVector)
                    ShortVector.fromMemorySegment(S, p, at, ORDER)
                        .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
        FloatVector gv =
            ((IntVector)
                    ShortVector.fromMemorySegment(S, g, at, ORDER)
                        .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
        IntVector out = gv.sub(pg).mul(pv).mul(scale).reinterpretAsInts();
        out = out.add(out.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
        ((ShortVector)
                out.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, S, 0))
            .intoMemorySegment(gx, at, ORDER);
      }
    }
  }
}
