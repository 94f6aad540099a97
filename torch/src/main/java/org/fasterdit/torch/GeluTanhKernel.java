package org.fasterdit.torch;

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
 * The vector loops behind {@link GeluTanh}: one pass that evaluates the tanh once and writes the
 * GELU and, when a backward will follow, its derivative. The arithmetic follows LibTorch's CPU
 * kernel's formulas (0.5 x (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2/pi)) with fused
 * multiply-adds where it has separate ones, and the tanh is the JDK's vectorised one, so results
 * differ from LibTorch's by an ulp or two (docs/libtorch-from-java.md, "GELU"). bf16 values are
 * widened to fp32 and rounded back to nearest-even, as c10::BFloat16 does. Loaded only when the
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

  /**
   * Whether the loops run at least 8 lanes wide here (AVX2 and up); narrower, LibTorch's kernel is
   * the better choice.
   */
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
    long i = 0;
    long bound = n - n % F.length();
    for (; i < bound; i += F.length()) {
      FloatVector v = FloatVector.fromMemorySegment(F, x, i * 4, ORDER);
      FloatVector t = tanhOfInner(v);
      if (dydx != null) derivative(v, t).intoMemorySegment(dydx, i * 4, ORDER);
      value(v, t).intoMemorySegment(y, i * 4, ORDER);
    }
    for (; i < n; i++) {
      float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
      float t = (float) Math.tanh(K * (v + KAPPA * (v * v * v)));
      if (dydx != null) dydx.setAtIndex(ValueLayout.JAVA_FLOAT, i, derivative(v, t));
      y.setAtIndex(ValueLayout.JAVA_FLOAT, i, 0.5f * v * (1f + t));
    }
  }

  /** As {@link #f32} over bf16 values (fp32 arithmetic, results rounded to bf16). */
  static void bf16(MemorySegment x, MemorySegment y, MemorySegment dydx, long n) {
    long i = 0;
    long bound = n - n % F.length();
    for (; i < bound; i += F.length()) {
      FloatVector v = loadBf16(x, i);
      FloatVector t = tanhOfInner(v);
      if (dydx != null) storeBf16(derivative(v, t), dydx, i);
      storeBf16(value(v, t), y, i);
    }
    for (; i < n; i++) {
      float v = Float.intBitsToFloat(x.getAtIndex(ValueLayout.JAVA_SHORT, i) << 16);
      float t = (float) Math.tanh(K * (v + KAPPA * (v * v * v)));
      if (dydx != null) dydx.setAtIndex(ValueLayout.JAVA_SHORT, i, toBf16(derivative(v, t)));
      y.setAtIndex(ValueLayout.JAVA_SHORT, i, toBf16(0.5f * v * (1f + t)));
    }
  }

  private static FloatVector tanhOfInner(FloatVector x) {
    FloatVector cube = x.mul(x).mul(x);
    return cube.fma(FloatVector.broadcast(F, KAPPA), x).mul(K).lanewise(VectorOperators.TANH);
  }

  private static FloatVector value(FloatVector x, FloatVector t) {
    FloatVector half = x.mul(0.5f);
    return t.fma(half, half);
  }

  /** 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 kappa x^2), LibTorch's gelu_backward factor. */
  private static FloatVector derivative(FloatVector x, FloatVector t) {
    FloatVector left = t.fma(0.5f, 0.5f);
    FloatVector inner = x.mul(x).fma(3 * KAPPA * K, K);
    FloatVector halfSech2 = t.fma(t.neg(), FloatVector.broadcast(F, 1f)).mul(x.mul(0.5f));
    return halfSech2.fma(inner, left);
  }

  private static float derivative(float x, float t) {
    return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * (K * (1f + 3 * KAPPA * x * x));
  }

  private static FloatVector loadBf16(MemorySegment m, long i) {
    ShortVector raw = ShortVector.fromMemorySegment(S, m, i * 2, ORDER);
    IntVector wide = (IntVector) raw.convertShape(VectorOperators.S2I, I, 0);
    return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }

  /** Round to nearest even on the upper 16 bits; NaNs stay NaN (their upper mantissa is set). */
  private static void storeBf16(FloatVector v, MemorySegment m, long i) {
    IntVector bits = v.reinterpretAsInts();
    IntVector lsb = bits.lanewise(VectorOperators.LSHR, 16).and(1);
    IntVector rounded = bits.add(lsb).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
    ((ShortVector) rounded.convertShape(VectorOperators.I2S, S, 0))
        .intoMemorySegment(m, i * 2, ORDER);
  }

  private static short toBf16(float f) {
    if (Float.isNaN(f)) return (short) 0x7FC0;
    int bits = Float.floatToRawIntBits(f);
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }
}
