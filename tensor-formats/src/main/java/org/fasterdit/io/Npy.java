package org.fasterdit.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reader and writer for numpy's .npy format (versions 1.0, 2.0, 3.0).
 *
 * <p>Reading always copies into a fresh contiguous little-endian C-order buffer, because big-endian
 * and Fortran-ordered files need conversion anyway and the result must not depend on the lifetime
 * of the input.
 */
public final class Npy {
  private Npy() {}

  public static HostTensor read(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      return read(path.toString(), AtomicFiles.mapReadOnly(path, arena));
    }
  }

  public static HostTensor read(String name, ByteBuffer bytes) {
    return read(name, MemorySegment.ofBuffer(bytes));
  }

  /** Parses a complete .npy image; trailing bytes after the declared data are rejected. */
  public static HostTensor read(String name, MemorySegment bytes) {
    return copy(name, bytes, parse(name, bytes));
  }

  /**
   * As {@link #read(String, MemorySegment)}, but an array already in {@link HostTensor}'s layout (C
   * order, little-endian or single-byte, not bool, which must be checked) comes back as a view of
   * {@code bytes}, valid while that memory is: a mapped 10 GB batch of samples then costs no copy.
   */
  public static HostTensor view(String name, MemorySegment bytes) {
    NpyHeader h = parse(name, bytes);
    boolean hostLayout =
        !(h.fortranOrder() && h.shape().length > 1)
            && !(h.bigEndian() && h.dtype().byteSize() > 1)
            && h.dtype() != DType.BOOL;
    if (!hostLayout) return copy(name, bytes, h);
    return new HostTensor(h.dtype(), h.shape(), bytes.asSlice(h.dataOffset(), h.dataBytes()));
  }

  private static NpyHeader parse(String name, MemorySegment bytes) {
    NpyHeader h = NpyHeader.parse(name, bytes);
    long available = bytes.byteSize() - h.dataOffset();
    if (available < h.dataBytes()) {
      throw new TensorFormatException(
          name
              + ": .npy declares "
              + h
              + " = "
              + h.dataBytes()
              + " data bytes but only "
              + available
              + " are present");
    }
    if (available > h.dataBytes()) {
      throw new TensorFormatException(
          name + ": " + (available - h.dataBytes()) + " unexpected trailing bytes after .npy data");
    }
    return h;
  }

  private static HostTensor copy(String name, MemorySegment bytes, NpyHeader h) {
    MemorySegment src = bytes.asSlice(h.dataOffset(), h.dataBytes());
    MemorySegment dst = Segments.allocate(h.dataBytes());
    long[] shape = h.shape();
    int es = h.dtype().byteSize();
    if (h.fortranOrder() && shape.length > 1) {
      // Fortran order is column-major: element [i0,i1,..] at i0 + n0*(i1 + n1*(...)).
      long[] stride = new long[shape.length];
      long s = 1;
      for (int i = 0; i < shape.length; i++) {
        stride[i] = s;
        s *= shape[i];
      }
      StridedCopy.copy(src, 0, shape, stride, es, dst);
    } else {
      MemorySegment.copy(src, 0, dst, 0, h.dataBytes());
    }
    if (h.bigEndian()) {
      Segments.swapBytesInPlace(dst, es);
    }
    if (h.dtype() == DType.BOOL) {
      checkBools(name, dst);
    }
    return new HostTensor(h.dtype(), shape, dst);
  }

  /** numpy only ever writes 0/1 for bools; anything else indicates corruption. */
  static void checkBools(String name, MemorySegment s) {
    for (long i = 0; i < s.byteSize(); i++) {
      byte b = s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
      if (b != 0 && b != 1) {
        throw new TensorFormatException(name + ": bool element " + i + " has value " + b);
      }
    }
  }

  /** Writes a v1.0 (v2.0 if the header is huge) little-endian C-order .npy atomically. */
  public static void write(Path path, HostTensor t) {
    byte[] header = NpyHeader.encode(t.dtype(), t.shape());
    AtomicFiles.write(
        path,
        ch -> {
          AtomicFiles.writeFully(ch, header);
          AtomicFiles.writeFully(ch, t.data());
        });
  }

  /** The complete .npy image in memory (used by {@link Npz}). */
  public static byte[] toBytes(HostTensor t) {
    byte[] header = NpyHeader.encode(t.dtype(), t.shape());
    long total = header.length + t.byteSize();
    if (total > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(t + " is too large for an in-memory .npy image");
    }
    byte[] out = new byte[(int) total];
    System.arraycopy(header, 0, out, 0, header.length);
    MemorySegment.copy(t.data(), 0, MemorySegment.ofArray(out), header.length, t.byteSize());
    return out;
  }
}
