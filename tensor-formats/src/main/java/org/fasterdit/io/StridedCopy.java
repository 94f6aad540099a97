package org.fasterdit.io;

import java.lang.foreign.MemorySegment;

/**
 * Gathers an arbitrarily strided view (torch views, Fortran-ordered npy) into a fresh contiguous
 * row-major buffer. Callers must have validated that every addressed element lies inside {@code
 * src}; {@link #maxElementIndex} helps with that.
 */
final class StridedCopy {
  private StridedCopy() {}

  /**
   * Highest element index the view touches ({@code offset + sum((size_i-1)*stride_i)}), or {@code
   * -1} if the view is empty. Throws on negative strides or overflow.
   */
  static long maxElementIndex(String file, long offset, long[] size, long[] stride) {
    if (offset < 0) {
      throw new TensorFormatException(file + ": negative storage offset " + offset);
    }
    long max = offset;
    for (int i = 0; i < size.length; i++) {
      if (size[i] < 0) {
        throw new TensorFormatException(file + ": negative dimension " + size[i]);
      }
      if (size[i] == 0) {
        return -1;
      }
    }
    try {
      for (int i = 0; i < size.length; i++) {
        if (stride[i] < 0) {
          throw new TensorFormatException(file + ": negative stride " + stride[i]);
        }
        max = Math.addExact(max, Math.multiplyExact(size[i] - 1, stride[i]));
      }
    } catch (ArithmeticException e) {
      throw new TensorFormatException(file + ": tensor view extent overflows 64 bits");
    }
    return max;
  }

  /** True when the strides are the row-major ones (dims of size 1 may carry any stride). */
  static boolean isContiguous(long[] size, long[] stride) {
    long expected = 1;
    for (int i = size.length - 1; i >= 0; i--) {
      if (size[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= size[i];
    }
    return true;
  }

  /** Row-major element strides for {@code size}; caller guarantees no overflow. */
  static long[] rowMajorStrides(long[] size) {
    long[] stride = new long[size.length];
    long s = 1;
    for (int i = size.length - 1; i >= 0; i--) {
      stride[i] = s;
      s *= size[i];
    }
    return stride;
  }

  /** Copies the view into {@code dst} (which must hold numel*elemSize bytes) in row-major order. */
  static void copy(
      MemorySegment src, long offset, long[] size, long[] stride, int elemSize, MemorySegment dst) {
    int nd = size.length;
    long numel = 1;
    for (long d : size) {
      numel *= d;
    }
    if (numel == 0) {
      return;
    }
    if (nd == 0) {
      MemorySegment.copy(src, offset * elemSize, dst, 0, elemSize);
      return;
    }
    long inner = size[nd - 1];
    long innerStride = stride[nd - 1];
    long[] idx = new long[nd - 1];
    long base = offset;
    long out = 0;
    long rows = numel / inner;
    for (long r = 0; r < rows; r++) {
      if (innerStride == 1) {
        MemorySegment.copy(src, base * elemSize, dst, out, inner * elemSize);
        out += inner * elemSize;
      } else {
        long e = base;
        for (long j = 0; j < inner; j++, e += innerStride) {
          MemorySegment.copy(src, e * elemSize, dst, out, elemSize);
          out += elemSize;
        }
      }
      // Odometer increment over the outer dimensions.
      for (int d = nd - 2; d >= 0; d--) {
        idx[d]++;
        base += stride[d];
        if (idx[d] < size[d]) {
          break;
        }
        base -= stride[d] * size[d];
        idx[d] = 0;
      }
    }
  }
}
