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
 * The vector loops behind {@link ModulatedNorm}: over rows of {@code d} fp32 values (a token's
 * activations), layer norm without affine parameters then {@code xhat * scale1 + shift}, with one
 * (shift, scale1) row per sample; and the backward of both in one pass.
 *
 * <p>As in {@link GeluTanhKernel}, only exactly rounded operations (add, multiply, fused
 * multiply-add, divide, square root), and the sums over a row are taken lane by lane and then over
 * the lanes in a fixed order, never with the Vector API's {@code reduceLanes}, whose order is left
 * to the implementation: so interpreted, C1 and C2 code give the same bits and a resumed run
 * repeats the uninterrupted one. Each loop is written out in one method with no vector-taking
 * helper (the JIT boxes vectors across calls it does not inline). Rows must be a whole number of
 * vectors. Loaded only when the jdk.incubator.vector module is present.
 */
final class ModulatedNormKernel {
  private ModulatedNormKernel() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  static int lanes() {
    return F.length();
  }

  /**
   * Calls the three loops on small scratch buffers until a call of each allocates next to nothing
   * (compiled, see {@link VectorWarmUp}), or until {@code deadlineNanos} (System.nanoTime). Returns
   * whether all three got there.
   */
  static boolean warmUp(long deadlineNanos) {
    int d = 4 * F.length(), tokens = 4, rows = 2 * tokens;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment x = VectorWarmUp.unscoped(arena.allocate(4L * rows * d));
      MemorySegment g = VectorWarmUp.unscoped(arena.allocate(4L * rows * d));
      MemorySegment h = VectorWarmUp.unscoped(arena.allocate(4L * rows * d));
      MemorySegment cond = VectorWarmUp.unscoped(arena.allocate(4L * 2 * d));
      MemorySegment sums = VectorWarmUp.unscoped(arena.allocate(4L * 2 * 2 * d));
      MemorySegment stats = VectorWarmUp.unscoped(arena.allocate(4L * 2 * rows));
      for (int i = 0; i < rows * d; i++) {
        x.setAtIndex(JAVA_FLOAT, i, (i % 97 - 48) / 8f);
        g.setAtIndex(JAVA_FLOAT, i, (i % 89 - 44) / 8f);
      }
      for (int i = 0; i < 2 * d; i++) cond.setAtIndex(JAVA_FLOAT, i, (i % 7) / 8f);
      boolean f32 = false, bf16 = false, back = false;
      while (!(f32 && bf16 && back) && System.nanoTime() < deadlineNanos) {
        if (!f32)
          f32 =
              VectorWarmUp.allocatesNothing(
                  () -> forwardF32(x, cond, cond, h, stats, rows, tokens, d, 1e-6f));
        if (!bf16)
          bf16 =
              VectorWarmUp.allocatesNothing(
                  () -> forwardBf16(x, cond, cond, h, stats, rows, tokens, d, 1e-6f));
        if (!back)
          back =
              VectorWarmUp.allocatesNothing(
                  () -> {
                    // with and without a residual gradient, as training runs both
                    for (MemorySegment residual : new MemorySegment[] {g, null})
                      backward(
                          g,
                          x,
                          cond,
                          stats,
                          h,
                          residual,
                          sums,
                          sums.asSlice(4L * d),
                          rows,
                          tokens,
                          d,
                          2L * d);
                  });
      }
      return f32 && bf16 && back;
    }
  }

  /**
   * Forward, fp32 out. {@code x} and {@code h}: (rows, d); {@code shift} and {@code scale1} (= 1 +
   * scale): (rows / tokens, d), row r using sample r / tokens; {@code stats} gets (mean, rstd) per
   * row, 2 * rows floats.
   */
  static void forwardF32(
      MemorySegment x,
      MemorySegment shift,
      MemorySegment scale1,
      MemorySegment h,
      MemorySegment stats,
      long rows,
      long tokens,
      int d,
      float eps) {
    float[] lanes = new float[F.length()];
    long rowBytes = 4L * d;
    for (long r = 0; r < rows; r++) {
      long base = r * rowBytes, cond = (r / tokens) * rowBytes;
      rowStats(x, base, d, eps, lanes, stats, r);
      float mean = stats.getAtIndex(JAVA_FLOAT, 2 * r);
      float rstd = stats.getAtIndex(JAVA_FLOAT, 2 * r + 1);
      for (int i = 0; i < d; i += F.length()) {
        long at = base + 4L * i, c = cond + 4L * i;
        FloatVector xhat = FloatVector.fromMemorySegment(F, x, at, ORDER).sub(mean).mul(rstd);
        xhat.fma(
                FloatVector.fromMemorySegment(F, scale1, c, ORDER),
                FloatVector.fromMemorySegment(F, shift, c, ORDER))
            .intoMemorySegment(h, at, ORDER);
      }
    }
  }

  /**
   * {@link #forwardF32} with {@code h} in bf16, rounded to nearest even as c10::BFloat16 does. A
   * copy rather than a flag, for the reason given in {@link GeluTanhKernel#wholeBf16}.
   */
  static void forwardBf16(
      MemorySegment x,
      MemorySegment shift,
      MemorySegment scale1,
      MemorySegment h,
      MemorySegment stats,
      long rows,
      long tokens,
      int d,
      float eps) {
    float[] lanes = new float[F.length()];
    long rowBytes = 4L * d;
    for (long r = 0; r < rows; r++) {
      long base = r * rowBytes, cond = (r / tokens) * rowBytes;
      rowStats(x, base, d, eps, lanes, stats, r);
      float mean = stats.getAtIndex(JAVA_FLOAT, 2 * r);
      float rstd = stats.getAtIndex(JAVA_FLOAT, 2 * r + 1);
      for (int i = 0; i < d; i += F.length()) {
        long at = base + 4L * i, c = cond + 4L * i;
        FloatVector xhat = FloatVector.fromMemorySegment(F, x, at, ORDER).sub(mean).mul(rstd);
        IntVector out =
            xhat.fma(
                    FloatVector.fromMemorySegment(F, scale1, c, ORDER),
                    FloatVector.fromMemorySegment(F, shift, c, ORDER))
                .reinterpretAsInts();
        // round to nearest even on the upper 16 bits; NaNs stay NaN (their upper mantissa is set)
        out = out.add(out.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
        ((ShortVector)
                out.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, S, 0))
            .intoMemorySegment(h, r * 2L * d + 2L * i, ORDER);
      }
    }
  }

  /**
   * Mean and 1 / sqrt(variance + eps) of row {@code r} (at byte {@code base} of {@code x}) into
   * {@code stats}, two passes over the row (it is in cache by the second). A method of its own: its
   * vectors stay inside it, so a call the JIT does not inline boxes nothing.
   */
  private static void rowStats(
      MemorySegment x, long base, int d, float eps, float[] lanes, MemorySegment stats, long r) {
    FloatVector acc = FloatVector.zero(F);
    for (int i = 0; i < d; i += F.length())
      acc = acc.add(FloatVector.fromMemorySegment(F, x, base + 4L * i, ORDER));
    acc.intoArray(lanes, 0);
    float sum = 0;
    for (float v : lanes) sum += v;
    float mean = sum / d;
    acc = FloatVector.zero(F);
    for (int i = 0; i < d; i += F.length()) {
      FloatVector c = FloatVector.fromMemorySegment(F, x, base + 4L * i, ORDER).sub(mean);
      acc = c.fma(c, acc);
    }
    acc.intoArray(lanes, 0);
    float squares = 0;
    for (float v : lanes) squares += v;
    float rstd = 1f / (float) Math.sqrt(squares / d + eps);
    stats.setAtIndex(JAVA_FLOAT, 2 * r, mean);
    stats.setAtIndex(JAVA_FLOAT, 2 * r + 1, rstd);
  }

  /**
   * Backward of both, from {@code g} = dL/dh (fp32, (rows, d)): writes dL/dx into {@code gx} (which
   * may be {@code g}) and adds dL/dshift and dL/dscale, summed over each sample's tokens, into
   * {@code gShift} and {@code gScale}: rows of {@code d} floats {@code condStride} floats apart,
   * one per sample. With xhat = (x - mean) rstd and u = g scale1, dL/dx = rstd (u - mean(u) - xhat
   * mean(u xhat)), plus {@code residual} (fp32, (rows, d)) when it is not null: the gradient x gets
   * from another reader (the gated residual), added as the autograd engine would add it.
   */
  static void backward(
      MemorySegment g,
      MemorySegment x,
      MemorySegment scale1,
      MemorySegment stats,
      MemorySegment gx,
      MemorySegment residual,
      MemorySegment gShift,
      MemorySegment gScale,
      long rows,
      long tokens,
      int d,
      long condStride) {
    float[] lanes = new float[F.length()];
    long rowBytes = 4L * d;
    for (long r = 0; r < rows; r++) {
      long base = r * rowBytes, cond = (r / tokens) * rowBytes;
      long acc = (r / tokens) * 4L * condStride;
      float mean = stats.getAtIndex(JAVA_FLOAT, 2 * r);
      float rstd = stats.getAtIndex(JAVA_FLOAT, 2 * r + 1);
      FloatVector sumU = FloatVector.zero(F), sumUXhat = FloatVector.zero(F);
      for (int i = 0; i < d; i += F.length()) {
        long at = base + 4L * i, c = cond + 4L * i, a = acc + 4L * i;
        FloatVector gv = FloatVector.fromMemorySegment(F, g, at, ORDER);
        FloatVector xhat = FloatVector.fromMemorySegment(F, x, at, ORDER).sub(mean).mul(rstd);
        FloatVector u = gv.mul(FloatVector.fromMemorySegment(F, scale1, c, ORDER));
        sumU = sumU.add(u);
        sumUXhat = u.fma(xhat, sumUXhat);
        FloatVector.fromMemorySegment(F, gShift, a, ORDER)
            .add(gv)
            .intoMemorySegment(gShift, a, ORDER);
        gv.fma(xhat, FloatVector.fromMemorySegment(F, gScale, a, ORDER))
            .intoMemorySegment(gScale, a, ORDER);
      }
      sumU.intoArray(lanes, 0);
      float meanU = 0;
      for (float v : lanes) meanU += v;
      meanU /= d;
      sumUXhat.intoArray(lanes, 0);
      float meanUXhat = 0;
      for (float v : lanes) meanUXhat += v;
      meanUXhat /= d;
      for (int i = 0; i < d; i += F.length()) {
        long at = base + 4L * i, c = cond + 4L * i;
        FloatVector xhat = FloatVector.fromMemorySegment(F, x, at, ORDER).sub(mean).mul(rstd);
        FloatVector u =
            FloatVector.fromMemorySegment(F, g, at, ORDER)
                .mul(FloatVector.fromMemorySegment(F, scale1, c, ORDER));
        FloatVector v = xhat.mul(-meanUXhat).add(u).sub(meanU).mul(rstd);
        if (residual != null) v = v.add(FloatVector.fromMemorySegment(F, residual, at, ORDER));
        v.intoMemorySegment(gx, at, ORDER);
      }
    }
  }
}
