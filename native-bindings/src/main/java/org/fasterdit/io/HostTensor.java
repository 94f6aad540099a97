package org.fasterdit.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Placeholder until the readers land (replaced by the full version). */
public record HostTensor(DType dtype, long[] shape, MemorySegment data) {
  public long numel() { long n = 1; for (long d : shape) n *= d; return n; }
  public static HostTensor ofFloats(long[] shape, float[] v) {
    MemorySegment s = Arena.ofAuto().allocate((long) v.length * 4, 8);
    MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
    return new HostTensor(DType.F32, shape, s);
  }
  public float[] toFloatArray() { return data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED); }
  public long[] toLongArray() { return data.toArray(ValueLayout.JAVA_LONG_UNALIGNED); }
}
