package org.fasterdit.torch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector loops behind {@link GeluTanh}: one pass that writes the GELU and, when a backward will
 * follow, its derivative.
 *
 * <p>Only exactly rounded operations are used (add, multiply, fused multiply-add, divide, integer
 * bit operations), never the Vector API's {@code TANH} or {@code EXP}: those run the JDK's SVML
 * routines once the loop is JIT-compiled but Java's {@code Math} functions before, which differ in
 * the last bits, so a run's results would depend on when the compiler got to the loop, and a
 * resumed run would no longer repeat the uninterrupted one bit for bit. With k = sqrt(2/pi) and u =
 * k (x + 0.044715 x^3), LibTorch's 0.5 x (1 + tanh u) is computed as x s with s = 1 / (1 + e), e =
 * exp(-2u) (the same function, without the cancellation of 1 + tanh u for negative x), and the
 * derivative s + 2 x k (1 + 3 * 0.044715 x^2) s (1 - s), with 1 - s = e s. Results differ from
 * LibTorch's by about an ulp in fp32 (docs/libtorch-from-java.md, "GELU"); bf16 values are widened
 * to fp32 and rounded back to nearest even, as c10::BFloat16 does. Loaded only when the
 * jdk.incubator.vector module is present.
 */
final class GeluTanhKernel {
  private GeluTanhKernel() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();
  private static final float K = (float) Math.sqrt(2 / Math.PI);
  private static final float KAPPA = 0.044715f;

  /** exp(-2u) is clamped here: beyond it s is 0 or 1 in fp32 anyway, and 2^k stays normal. */
  private static final float EXP_LIMIT = 87f;

  private static final float LOG2E = (float) (1 / Math.log(2));
  // ln 2 in two parts: the high one has zeros in its low mantissa bits, so k * LN2_HI is exact
  private static final float LN2_HI = 0.693145751953125f;
  private static final float LN2_LO = (float) (Math.log(2) - 0.693145751953125);

  /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude < 2^22 to an integer. */
  private static final float ROUNDER = 12582912f;

  /** Whether the loops run at least 8 lanes wide here (AVX2 and up). */
  static boolean wideEnough() {
    return lanes() >= 8 && S.length() == F.length();
  }

  static int lanes() {
    return F.length();
  }

  /**
   * y = gelu(x) and, if {@code dydx} is not null, dy/dx, over {@code n} fp32 values; {@code y} may
   * be {@code x}.
   */
  static void f32(MemorySegment x, MemorySegment y, MemorySegment dydx, long n) {
    withTail(GeluTanhKernel::whole, 4, x, y, dydx, n);
  }

  /**
   * As {@link #f32} over bf16 values: widened to fp32, computed as there, rounded back to nearest
   * even as c10::BFloat16 does (NaNs stay NaN: their upper mantissa is set).
   */
  static void bf16(MemorySegment x, MemorySegment y, MemorySegment dydx, long n) {
    withTail((xs, ys, ds, m) -> wholeBf16(xs, NO_BIAS, F.length(), ys, ds, m), 2, x, y, dydx, n);
  }

  /**
   * As {@link #bf16} for a linear layer's output before its bias: rows of {@code cols} bf16 values
   * ({@code n} a multiple of cols, cols of the vector length), y = gelu(x + bias) with the fp32
   * {@code bias} (cols) added in fp32, and dy/dx at x + bias.
   */
  static void bf16WithBias(
      MemorySegment x, MemorySegment bias, int cols, MemorySegment y, MemorySegment dydx, long n) {
    wholeBf16(x, bias, cols, y, dydx, n);
  }

  /**
   * The backward of {@link #bf16WithBias}: dL/dx = dL/dy dy/dx over {@code n} bf16 values, rounded
   * to nearest even as LibTorch's bf16 multiply rounds it, into {@code gx} (which may be {@code
   * g}); and the rounded values summed over the rows of {@code cols} into the fp32 {@code sums}
   * (cols), dL/dbias.
   */
  static void bf16Backward(
      MemorySegment g, MemorySegment dydx, MemorySegment gx, MemorySegment sums, int cols, long n) {
    long col = 0, rowBytes = 4L * cols, step = 4L * F.length();
    for (long i = 0; i < n; i += F.length()) {
      FloatVector gv =
          ((IntVector)
                  ShortVector.fromMemorySegment(S, g, i * 2, ORDER)
                      .convertShape(VectorOperators.S2I, I, 0))
              .lanewise(VectorOperators.LSHL, 16)
              .reinterpretAsFloats();
      FloatVector dv =
          ((IntVector)
                  ShortVector.fromMemorySegment(S, dydx, i * 2, ORDER)
                      .convertShape(VectorOperators.S2I, I, 0))
              .lanewise(VectorOperators.LSHL, 16)
              .reinterpretAsFloats();
      IntVector out = gv.mul(dv).reinterpretAsInts();
      // round to nearest even on the upper 16 bits; NaNs stay NaN (their upper mantissa is set)
      out = out.add(out.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
      FloatVector.fromMemorySegment(F, sums, col, ORDER)
          .add(out.and(0xFFFF0000).reinterpretAsFloats())
          .intoMemorySegment(sums, col, ORDER);
      ((ShortVector) out.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, S, 0))
          .intoMemorySegment(gx, i * 2, ORDER);
      col += step;
      if (col == rowBytes) col = 0;
    }
  }

  /** -0 in every lane: adding it changes no value, not even the sign of a zero. */
  private static final MemorySegment NO_BIAS = negativeZeros(F.length());

  private static MemorySegment negativeZeros(int n) {
    MemorySegment s = VectorWarmUp.unscoped(Arena.global().allocate(4L * n));
    for (int i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, -0f);
    return s;
  }

  /**
   * Calls both loops, with and without the derivative, on a small scratch buffer until a call of
   * each allocates nothing on the heap (the JIT has compiled it and removed the boxed vectors), or
   * until {@code deadlineNanos} (System.nanoTime). Returns whether both got there.
   */
  static boolean warmUp(long deadlineNanos) {
    int n = 64 * F.length();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment x = VectorWarmUp.unscoped(arena.allocate(4L * n)),
          y = VectorWarmUp.unscoped(arena.allocate(4L * n));
      MemorySegment d = VectorWarmUp.unscoped(arena.allocate(4L * n));
      for (int i = 0; i < n; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 97 - 48) / 8f);
      boolean f32Done = false, bf16Done = false;
      while (!(f32Done && bf16Done) && System.nanoTime() < deadlineNanos) {
        if (!f32Done)
          f32Done =
              VectorWarmUp.allocatesNothing(
                  () -> {
                    f32(x, y, d, n);
                    f32(x, y, null, n);
                  });
        if (!bf16Done)
          bf16Done = // the fp32 bits read as bf16 pairs: any values will do
              VectorWarmUp.allocatesNothing(
                  () -> {
                    bf16(x, y, d, n);
                    bf16(x, y, null, n);
                    bf16WithBias(x, x, 4 * F.length(), y, d, n);
                    bf16WithBias(x, x, 4 * F.length(), y, null, n);
                    bf16Backward(x, d, y, x, 4 * F.length(), n);
                  });
      }
      return f32Done && bf16Done;
    }
  }

  /** A loop over whole vectors: {@code n} is a multiple of the vector length. */
  private interface WholeVectors {
    void run(MemorySegment x, MemorySegment y, MemorySegment dydx, long n);
  }

  /**
   * Runs {@code loop} over the whole vectors, then the tail through a zero-padded vector's worth of
   * scratch: the same arithmetic as the rest.
   */
  private static void withTail(
      WholeVectors loop, int bytes, MemorySegment x, MemorySegment y, MemorySegment dydx, long n) {
    long bound = n - n % F.length();
    loop.run(x, y, dydx, bound);
    if (bound == n) return;
    long rest = (n - bound) * bytes, vector = (long) F.length() * bytes;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment sx = arena.allocate(vector), sy = arena.allocate(vector);
      MemorySegment sd = dydx == null ? null : arena.allocate(vector);
      MemorySegment.copy(x, bound * bytes, sx, 0, rest);
      loop.run(sx, sy, sd, F.length());
      MemorySegment.copy(sy, 0, y, bound * bytes, rest);
      if (dydx != null) MemorySegment.copy(sd, 0, dydx, bound * bytes, rest);
    }
  }

  /**
   * The arithmetic, over {@code n} fp32 values, n a multiple of the vector length. Written out in
   * one loop with no calls of our own: the Vector API is fast only when the JIT inlines every
   * vector operation, and it stopped inlining helper methods here (node count and size limits),
   * which boxed vectors and ran 3x slower (docs/libtorch-from-java.md, "GELU").
   */
  private static void whole(MemorySegment x, MemorySegment y, MemorySegment dydx, long n) {
    FloatVector one = FloatVector.broadcast(F, 1f);
    for (long i = 0; i < n; i += F.length()) {
      FloatVector v = FloatVector.fromMemorySegment(F, x, i * 4, ORDER);
      FloatVector x2 = v.mul(v);
      // a = -2u = -2 k (x + kappa x^3), clamped
      FloatVector a =
          x2.mul(v)
              .fma(FloatVector.broadcast(F, KAPPA), v)
              .mul(-2 * K)
              .max(-EXP_LIMIT)
              .min(EXP_LIMIT);
      // e = exp(a): a = k ln2 + r, |r| <= ln2/2; exp(r) by Horner over 1/j!, j = 7 down to 0
      FloatVector kf = a.mul(LOG2E).add(ROUNDER).sub(ROUNDER);
      FloatVector r = kf.fma(FloatVector.broadcast(F, -LN2_HI), a).sub(kf.mul(LN2_LO));
      FloatVector p = r.mul(1f / 5040).add(1f / 720);
      p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
      p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
      p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
      p = p.fma(r, FloatVector.broadcast(F, 0.5f));
      p = p.fma(r, one).fma(r, one);
      IntVector k = (IntVector) kf.convertShape(VectorOperators.F2I, I, 0);
      FloatVector e = p.mul(k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
      FloatVector s = one.div(e.add(1f));
      if (dydx != null) {
        // s + 2 x k (1 + 3 kappa x^2) s (1 - s), with 1 - s = e s
        FloatVector slope = x2.fma(FloatVector.broadcast(F, 3 * KAPPA), one);
        v.mul(2 * K).mul(slope).fma(s.mul(e.mul(s)), s).intoMemorySegment(dydx, i * 4, ORDER);
      }
      v.mul(s).intoMemorySegment(y, i * 4, ORDER);
    }
  }

  /**
   * {@link #whole} over bf16 values, plus a bias row of {@code cols} fp32 values (the flat calls
   * pass a vector of -0): the same arithmetic, between a widening load and rounding stores. A copy,
   * because neither sharing works: a shared helper is not inlined (see {@link #whole}), and one
   * loop for both dtypes with a flag ran fp32 at 14-19 instead of 2.5 ms per call once bf16 had run
   * through it (the JIT recompiled it for both and boxed the vectors).
   */
  private static void wholeBf16(
      MemorySegment x, MemorySegment bias, int cols, MemorySegment y, MemorySegment dydx, long n) {
    FloatVector one = FloatVector.broadcast(F, 1f);
    long col = 0, rowBytes = 4L * cols, step = 4L * F.length();
    for (long i = 0; i < n; i += F.length()) {
      FloatVector v =
          ((IntVector)
                  ShortVector.fromMemorySegment(S, x, i * 2, ORDER)
                      .convertShape(VectorOperators.S2I, I, 0))
              .lanewise(VectorOperators.LSHL, 16)
              .reinterpretAsFloats()
              .add(FloatVector.fromMemorySegment(F, bias, col, ORDER));
      col += step;
      if (col == rowBytes) col = 0;
      FloatVector x2 = v.mul(v);
      // a = -2u = -2 k (x + kappa x^3), clamped
      FloatVector a =
          x2.mul(v)
              .fma(FloatVector.broadcast(F, KAPPA), v)
              .mul(-2 * K)
              .max(-EXP_LIMIT)
              .min(EXP_LIMIT);
      // e = exp(a): a = k ln2 + r, |r| <= ln2/2; exp(r) by Horner over 1/j!, j = 7 down to 0
      FloatVector kf = a.mul(LOG2E).add(ROUNDER).sub(ROUNDER);
      FloatVector r = kf.fma(FloatVector.broadcast(F, -LN2_HI), a).sub(kf.mul(LN2_LO));
      FloatVector p = r.mul(1f / 5040).add(1f / 720);
      p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
      p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
      p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
      p = p.fma(r, FloatVector.broadcast(F, 0.5f));
      p = p.fma(r, one).fma(r, one);
      IntVector k = (IntVector) kf.convertShape(VectorOperators.F2I, I, 0);
      FloatVector e = p.mul(k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
      FloatVector s = one.div(e.add(1f));
      if (dydx != null) {
        // s + 2 x k (1 + 3 kappa x^2) s (1 - s), with 1 - s = e s
        FloatVector slope = x2.fma(FloatVector.broadcast(F, 3 * KAPPA), one);
        IntVector d = v.mul(2 * K).mul(slope).fma(s.mul(e.mul(s)), s).reinterpretAsInts();
        // round to nearest even on the upper 16 bits; NaNs stay NaN (their upper mantissa is set)
        d = d.add(d.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
        ((ShortVector) d.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, S, 0))
            .intoMemorySegment(dydx, i * 2, ORDER);
      }
      IntVector out = v.mul(s).reinterpretAsInts();
      out = out.add(out.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
      ((ShortVector) out.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, S, 0))
          .intoMemorySegment(y, i * 2, ORDER);
    }
  }
}
