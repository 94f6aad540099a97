package org.fasterdit.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for the IDX format of (Fashion-)MNIST: two zero bytes, a type code, the rank, then
 * big-endian u32 dimensions and big-endian data. Gzip-compressed files (detected by their magic,
 * not their name) are inflated with a cap derived from the declared shape.
 */
public final class Idx {
  private static final int MAX_RANK = 16;

  /** Header bytes needed to know the shape: 4-byte magic plus at most MAX_RANK dims. */
  private static final int MAX_PREAMBLE = 4 + 4 * MAX_RANK;

  private Idx() {}

  public static HostTensor read(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      return read(path.toString(), AtomicFiles.mapReadOnly(path, arena));
    }
  }

  /** Parses raw or gzip-compressed IDX bytes into a fresh little-endian tensor. */
  public static HostTensor read(String file, MemorySegment bytes) {
    if (bytes.byteSize() >= 2 && Segments.u8(bytes, 0) == 0x1f && Segments.u8(bytes, 1) == 0x8b) {
      return readGzip(file, bytes);
    }
    Preamble p = preamble(file, bytes);
    long available = bytes.byteSize() - p.headerLen;
    if (available != p.dataBytes) {
      throw new TensorFormatException(
          file + ": IDX declares " + p.dataBytes + " data bytes but " + available + " are present");
    }
    MemorySegment data = Segments.allocate(p.dataBytes);
    MemorySegment.copy(bytes, p.headerLen, data, 0, p.dataBytes);
    Segments.swapBytesInPlace(data, p.dtype.byteSize());
    return new HostTensor(p.dtype, p.shape, data);
  }

  private record Preamble(DType dtype, long[] shape, long headerLen, long dataBytes) {}

  private static Preamble preamble(String file, MemorySegment b) {
    if (b.byteSize() < 4) {
      throw new TensorFormatException(file + ": too short for an IDX header");
    }
    if (Segments.u8(b, 0) != 0 || Segments.u8(b, 1) != 0) {
      throw new TensorFormatException(file + ": not an IDX file (magic must start 00 00)");
    }
    int type = (int) Segments.u8(b, 2);
    DType dtype =
        switch (type) {
          case 0x08 -> DType.U8;
          case 0x09 -> DType.I8;
          case 0x0B -> DType.I16;
          case 0x0C -> DType.I32;
          case 0x0D -> DType.F32;
          case 0x0E -> DType.F64;
          default ->
              throw new TensorFormatException(
                  file + ": unknown IDX type code 0x" + Integer.toHexString(type));
        };
    int rank = (int) Segments.u8(b, 3);
    if (rank > MAX_RANK) {
      throw new TensorFormatException(file + ": IDX rank " + rank + " exceeds " + MAX_RANK);
    }
    long headerLen = 4 + 4L * rank;
    if (b.byteSize() < headerLen) {
      throw new TensorFormatException(file + ": truncated IDX dimensions");
    }
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) {
      shape[i] = b.get(Segments.BE_INT, 4 + 4L * i) & 0xFFFFFFFFL;
    }
    return new Preamble(dtype, shape, headerLen, Segments.byteCount(file, shape, dtype));
  }

  private static HostTensor readGzip(String file, MemorySegment bytes) {
    if (bytes.byteSize() > Integer.MAX_VALUE - 64) {
      throw new TensorFormatException(file + ": gzip IDX larger than 2 GiB; decompress it");
    }
    byte[] comp = bytes.toArray(ValueLayout.JAVA_BYTE);
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(comp), 1 << 16)) {
      byte[] head = in.readNBytes(MAX_PREAMBLE);
      Preamble p = preamble(file, MemorySegment.ofArray(head));
      long total = p.headerLen + p.dataBytes;
      // Deflate cannot compress better than ~1032:1; a larger claim is a bomb or corrupt.
      if (total > Math.max(1 << 16, comp.length * ZipIndex.MAX_DEFLATE_RATIO)) {
        throw new TensorFormatException(
            file
                + ": gzip IDX declares "
                + total
                + " bytes, implausible for "
                + comp.length
                + " compressed bytes");
      }
      if (total > Integer.MAX_VALUE - 64) {
        throw new TensorFormatException(
            file + ": gzip IDX of " + total + " bytes is too large; decompress it first");
      }
      byte[] all = new byte[(int) total];
      int have = (int) Math.min(head.length, total);
      System.arraycopy(head, 0, all, 0, have);
      int got = in.readNBytes(all, have, all.length - have);
      if (have + got != total || (head.length > total)) {
        throw new TensorFormatException(
            file + ": gzip IDX holds " + (have + got) + " bytes, declared " + total);
      }
      if (in.read() != -1) {
        throw new TensorFormatException(
            file + ": gzip IDX has data beyond the declared " + total + " bytes");
      }
      return read(file, MemorySegment.ofArray(all));
    } catch (ZipException e) {
      throw new TensorFormatException(file + ": corrupt gzip data: " + e.getMessage(), e);
    } catch (IOException e) {
      // Truncated gzip streams surface as EOFException; all come from the bytes in memory.
      throw new TensorFormatException(file + ": unreadable gzip data: " + e.getMessage(), e);
    }
  }
}
