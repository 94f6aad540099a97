package org.fasterdit.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A dense tensor in host memory: contiguous, row-major, little-endian bytes.
 *
 * <p>{@code data} may be a heap segment, GC-managed native memory, or a read-only slice of a
 * memory-mapped file (safetensors, stored .pt storages). In the mapped case the segment is only
 * valid while the {@link java.lang.foreign.Arena} passed to the reader is open.
 */
public record HostTensor(DType dtype, long[] shape, MemorySegment data) {

  public HostTensor {
    if (dtype == null || shape == null || data == null) {
      throw new IllegalArgumentException("dtype, shape and data must be non-null");
    }
    shape = shape.clone();
    long bytes = Segments.byteCount("HostTensor", shape, dtype);
    if (data.byteSize() != bytes) {
      throw new IllegalArgumentException(
          "HostTensor "
              + dtype
              + Arrays.toString(shape)
              + " needs "
              + bytes
              + " bytes but data has "
              + data.byteSize());
    }
  }

  /** Defensive copy so callers cannot mutate the record's shape. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteSize() {
    return data.byteSize();
  }

  public static HostTensor ofFloats(long[] shape, float[] v) {
    checkLength(shape, v.length);
    MemorySegment s = Segments.allocate(4L * v.length);
    for (int i = 0; i < v.length; i++) {
      s.set(Segments.LE_FLOAT, 4L * i, v[i]);
    }
    return new HostTensor(DType.F32, shape, s);
  }

  public static HostTensor ofDoubles(long[] shape, double[] v) {
    checkLength(shape, v.length);
    MemorySegment s = Segments.allocate(8L * v.length);
    for (int i = 0; i < v.length; i++) {
      s.set(Segments.LE_DOUBLE, 8L * i, v[i]);
    }
    return new HostTensor(DType.F64, shape, s);
  }

  public static HostTensor ofLongs(long[] shape, long[] v) {
    checkLength(shape, v.length);
    MemorySegment s = Segments.allocate(8L * v.length);
    for (int i = 0; i < v.length; i++) {
      s.set(Segments.LE_LONG, 8L * i, v[i]);
    }
    return new HostTensor(DType.I64, shape, s);
  }

  public static HostTensor ofInts(long[] shape, int[] v) {
    checkLength(shape, v.length);
    MemorySegment s = Segments.allocate(4L * v.length);
    for (int i = 0; i < v.length; i++) {
      s.set(Segments.LE_INT, 4L * i, v[i]);
    }
    return new HostTensor(DType.I32, shape, s);
  }

  /** Wraps raw little-endian bytes (copied) of the given dtype. */
  public static HostTensor ofBytes(DType dtype, long[] shape, byte[] littleEndian) {
    return new HostTensor(dtype, shape, MemorySegment.ofArray(littleEndian.clone()));
  }

  /** Converts floats to a floating dtype: F16 via IEEE rounding, BF16 round-to-nearest-even. */
  public static HostTensor ofFloatsAs(DType dtype, long[] shape, float[] v) {
    checkLength(shape, v.length);
    MemorySegment s = Segments.allocate((long) dtype.byteSize() * v.length);
    for (int i = 0; i < v.length; i++) {
      switch (dtype) {
        case F32 -> s.set(Segments.LE_FLOAT, 4L * i, v[i]);
        case F64 -> s.set(Segments.LE_DOUBLE, 8L * i, v[i]);
        case F16 -> s.set(Segments.LE_SHORT, 2L * i, Float.floatToFloat16(v[i]));
        case BF16 -> s.set(Segments.LE_SHORT, 2L * i, BFloat16.fromFloat(v[i]));
        default ->
            throw new IllegalArgumentException("ofFloatsAs needs a float dtype, got " + dtype);
      }
    }
    return new HostTensor(dtype, shape, s);
  }

  /** Element {@code i} (flat, row-major) converted to double. */
  public double getDouble(long i) {
    long o = i * dtype.byteSize();
    return switch (dtype) {
      case F64 -> data.get(Segments.LE_DOUBLE, o);
      case F32 -> data.get(Segments.LE_FLOAT, o);
      case F16 -> Float.float16ToFloat(data.get(Segments.LE_SHORT, o));
      case BF16 -> BFloat16.toFloat(data.get(Segments.LE_SHORT, o));
      case I64 -> data.get(Segments.LE_LONG, o);
      case I32 -> data.get(Segments.LE_INT, o);
      case I16 -> data.get(Segments.LE_SHORT, o);
      case I8 -> data.get(ValueLayout.JAVA_BYTE, o);
      case U8 -> data.get(ValueLayout.JAVA_BYTE, o) & 0xFF;
      case BOOL -> data.get(ValueLayout.JAVA_BYTE, o) != 0 ? 1 : 0;
    };
  }

  /** Element {@code i} converted to long (floats truncate toward zero like a Java cast). */
  public long getLong(long i) {
    long o = i * dtype.byteSize();
    return switch (dtype) {
      case I64 -> data.get(Segments.LE_LONG, o);
      case I32 -> data.get(Segments.LE_INT, o);
      case I16 -> data.get(Segments.LE_SHORT, o);
      case I8 -> data.get(ValueLayout.JAVA_BYTE, o);
      case U8 -> data.get(ValueLayout.JAVA_BYTE, o) & 0xFF;
      case BOOL -> data.get(ValueLayout.JAVA_BYTE, o) != 0 ? 1 : 0;
      default -> (long) getDouble(i);
    };
  }

  public float[] toFloatArray() {
    int n = arrayLength();
    float[] out = new float[n];
    if (dtype == DType.F32) {
      MemorySegment.copy(data, Segments.LE_FLOAT, 0, out, 0, n);
      return out;
    }
    for (int i = 0; i < n; i++) {
      out[i] = (float) getDouble(i);
    }
    return out;
  }

  public double[] toDoubleArray() {
    int n = arrayLength();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = getDouble(i);
    }
    return out;
  }

  public long[] toLongArray() {
    int n = arrayLength();
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = getLong(i);
    }
    return out;
  }

  /** Copy of the raw little-endian bytes. */
  public byte[] toByteArray() {
    if (data.byteSize() > Integer.MAX_VALUE - 64) {
      throw new IllegalStateException(this + " is too large for a Java array");
    }
    return data.toArray(ValueLayout.JAVA_BYTE);
  }

  /** A contiguous heap copy, independent of any mapped file or arena. */
  public HostTensor copyToHeap() {
    return new HostTensor(dtype, shape, MemorySegment.ofArray(toByteArray()));
  }

  private int arrayLength() {
    long n = numel();
    if (n > Integer.MAX_VALUE - 64) {
      throw new IllegalStateException(this + " has too many elements for a Java array");
    }
    return (int) n;
  }

  private static void checkLength(long[] shape, int length) {
    long n = Segments.numel("HostTensor", shape);
    if (n != length) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " has "
              + n
              + " elements but "
              + length
              + " values were given");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor t
        && t.dtype == dtype
        && Arrays.equals(t.shape, shape)
        && t.data.byteSize() == data.byteSize()
        && MemorySegment.mismatch(t.data, 0, t.data.byteSize(), data, 0, data.byteSize()) == -1;
  }

  @Override
  public int hashCode() {
    return 31 * dtype.hashCode() + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "HostTensor[" + dtype + " " + Arrays.toString(shape) + "]";
  }
}
