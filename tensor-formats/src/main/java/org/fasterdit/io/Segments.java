package org.fasterdit.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Small memory-segment helpers shared by the readers: bounded allocation, LE reads, copies. */
final class Segments {
  static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt LE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong LE_LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfDouble LE_DOUBLE =
      ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt BE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  /** Largest Java array we ask for; beyond it we fall back to GC-managed native memory. */
  private static final long MAX_HEAP_ARRAY = Integer.MAX_VALUE - 64;

  private Segments() {}

  /**
   * Allocates a zeroed, writable segment. Callers must have validated {@code bytes} against the
   * input length first; this is only the mechanism, not the policy.
   */
  static MemorySegment allocate(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative allocation " + bytes);
    }
    if (bytes <= MAX_HEAP_ARRAY) {
      return MemorySegment.ofArray(new byte[(int) bytes]);
    }
    return Arena.ofAuto().allocate(bytes, 8);
  }

  static long u16(MemorySegment s, long off) {
    return s.get(LE_SHORT, off) & 0xFFFFL;
  }

  static long u32(MemorySegment s, long off) {
    return s.get(LE_INT, off) & 0xFFFFFFFFL;
  }

  static long u8(MemorySegment s, long off) {
    return s.get(ValueLayout.JAVA_BYTE, off) & 0xFFL;
  }

  /** Checks {@code [off, off+len)} lies inside {@code [0, limit)} without overflow. */
  static boolean inBounds(long off, long len, long limit) {
    return off >= 0 && len >= 0 && off <= limit && len <= limit - off;
  }

  /** Reverses the byte order of every element in place (big-endian input to little-endian). */
  static void swapBytesInPlace(MemorySegment s, int elemSize) {
    if (elemSize == 1) {
      return;
    }
    long n = s.byteSize() / elemSize;
    for (long i = 0; i < n; i++) {
      long base = i * elemSize;
      for (int a = 0, b = elemSize - 1; a < b; a++, b--) {
        byte x = s.get(ValueLayout.JAVA_BYTE, base + a);
        s.set(ValueLayout.JAVA_BYTE, base + a, s.get(ValueLayout.JAVA_BYTE, base + b));
        s.set(ValueLayout.JAVA_BYTE, base + b, x);
      }
    }
  }

  /** Product of the shape, failing with a format error on negative dims or overflow. */
  static long numel(String file, long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new TensorFormatException(file + ": negative dimension " + d);
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new TensorFormatException(file + ": shape element count overflows 64 bits");
      }
    }
    return n;
  }

  /** numel * elemSize with overflow checking. */
  static long byteCount(String file, long[] shape, DType dtype) {
    try {
      return Math.multiplyExact(numel(file, shape), (long) dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new TensorFormatException(file + ": tensor byte size overflows 64 bits");
    }
  }
}
