package org.fasterdit.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Sequential zip writer onto a channel (a {@link FileChannel} or any byte sink): stored entries
 * (optionally with their data aligned, as torch.save does, so readers can map them) and deflated
 * entries; ZIP64 records are emitted automatically when sizes or offsets need them.
 */
public final class ZipWriter {
  private static final long MAX32 = 0xFFFFFFFFL;

  /** Extra-field id used for alignment padding ("FB", as PyTorch's writer does). */
  private static final int PAD_EXTRA_ID = 0x4246;

  private record Written(byte[] name, int method, long crc, long csize, long usize, long offset) {}

  private final WritableByteChannel ch;

  /** Set when the sink can seek: streamed entries need it to patch their CRC in. */
  private final FileChannel file;

  private final List<Written> written = new ArrayList<>();
  private long pos;

  /** The open streamed entry ({@link #beginStored}): bytes still due, running CRC, header start. */
  private long streamRemaining = -1;

  private CRC32 streamCrc;
  private long streamHeader;

  /** Tests set this to exercise ZIP64 records without writing 4 GiB. */
  boolean forceZip64;

  /** Offsets in the archive are relative to the file channel's current position. */
  public ZipWriter(FileChannel ch) throws IOException {
    this.ch = ch;
    this.file = ch;
    this.pos = ch.position();
  }

  /** For in-memory archives; the sink must start empty (offsets count from 0). */
  public ZipWriter(WritableByteChannel sink) {
    this.ch = sink;
    this.file = null; // offsets count from 0 here, so positional CRC patches could miss
    this.pos = 0;
  }

  /**
   * Adds a stored entry made of {@code parts} concatenated; data starts at a multiple of {@code
   * alignment} (1 for none).
   */
  public void addStored(String name, List<MemorySegment> parts, int alignment) throws IOException {
    requireNoOpenEntry(name);
    CRC32 crc = new CRC32();
    long size = 0;
    for (MemorySegment s : parts) {
      for (long off = 0; off < s.byteSize(); off += 1 << 26) {
        crc.update(s.asSlice(off, Math.min(1 << 26, s.byteSize() - off)).asByteBuffer());
      }
      size += s.byteSize();
    }
    writeLocal(name, ZipIndex.STORED, crc.getValue(), size, size, alignment);
    for (MemorySegment s : parts) {
      AtomicFiles.writeFully(ch, s);
    }
    pos += size;
  }

  /** Adds a deflated entry (small payloads: the compressed form is held in memory). */
  public void addDeflated(String name, byte[] data) throws IOException {
    requireNoOpenEntry(name);
    CRC32 crc = new CRC32();
    crc.update(data);
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try {
      d.setInput(data);
      d.finish();
      byte[] buf = new byte[1 << 16];
      while (!d.finished()) {
        bos.write(buf, 0, d.deflate(buf));
      }
    } finally {
      d.end();
    }
    byte[] comp = bos.toByteArray();
    writeLocal(name, ZipIndex.DEFLATED, crc.getValue(), comp.length, data.length, 1);
    AtomicFiles.writeFully(ch, comp);
    pos += comp.length;
  }

  /**
   * Starts a stored entry of exactly {@code size} bytes whose data then arrives in pieces through
   * {@link #appendStored}, so it need never be in memory at once. The size is known upfront (so the
   * header, ZIP64 or not, is final); the CRC, known only at the end, is written into the local
   * header afterwards, which needs a seekable {@link FileChannel} sink. The bytes are those {@link
   * #addStored} writes for the same data.
   */
  public void beginStored(String name, long size, int alignment) throws IOException {
    requireNoOpenEntry(name);
    if (file == null)
      throw new IllegalStateException("streamed zip entries need a FileChannel to patch the CRC");
    if (size < 0) throw new IllegalArgumentException("entry '" + name + "' size " + size + " < 0");
    streamHeader = pos;
    writeLocal(name, ZipIndex.STORED, 0, size, size, alignment);
    streamRemaining = size;
    streamCrc = new CRC32();
  }

  /**
   * Appends to the entry {@link #beginStored} opened; it ends when its declared size is reached.
   */
  public void appendStored(MemorySegment data) throws IOException {
    Written w = written.isEmpty() ? null : written.getLast();
    if (streamRemaining < 0) throw new IllegalStateException("no streamed zip entry is open");
    if (data.byteSize() > streamRemaining)
      throw new IllegalStateException(
          "entry '"
              + new String(w.name, StandardCharsets.UTF_8)
              + "' was declared "
              + w.usize
              + " bytes; "
              + data.byteSize()
              + " more would exceed it by "
              + (data.byteSize() - streamRemaining));
    for (long off = 0; off < data.byteSize(); off += 1 << 26) {
      streamCrc.update(data.asSlice(off, Math.min(1 << 26, data.byteSize() - off)).asByteBuffer());
    }
    AtomicFiles.writeFully(ch, data);
    pos += data.byteSize();
    streamRemaining -= data.byteSize();
    if (streamRemaining == 0) {
      long crc = streamCrc.getValue();
      ByteBuffer b = le(4).putInt((int) crc).flip();
      while (b.hasRemaining()) file.write(b, streamHeader + 14 + (4 - b.remaining()));
      written.set(
          written.size() - 1, new Written(w.name, w.method, crc, w.csize, w.usize, w.offset));
      streamRemaining = -1;
      streamCrc = null;
    }
  }

  /** A streamed entry must be complete before the next one starts or the archive ends. */
  private void requireNoOpenEntry(String next) {
    if (streamRemaining >= 0) {
      Written w = written.getLast();
      throw new IllegalStateException(
          "entry '"
              + new String(w.name, StandardCharsets.UTF_8)
              + "' is missing "
              + streamRemaining
              + " of its declared "
              + w.usize
              + " bytes (before "
              + next
              + ")");
    }
  }

  private void writeLocal(String name, int method, long crc, long csize, long usize, int alignment)
      throws IOException {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    boolean z64 = forceZip64 || csize >= MAX32 || usize >= MAX32;
    int z64Len = z64 ? 20 : 0;
    long base = pos + 30 + nameBytes.length + z64Len;
    int pad = 0;
    if (alignment > 1 && base % alignment != 0) {
      pad = (int) (alignment - base % alignment);
      if (pad < 4) {
        pad += alignment; // the padding field needs room for its own 4-byte header
      }
    }
    ByteBuffer b = le(30 + nameBytes.length + z64Len + pad);
    b.putInt(0x04034b50)
        .putShort((short) (z64 ? 45 : 20))
        .putShort((short) 0x800)
        .putShort((short) method)
        .putShort((short) 0)
        .putShort((short) 0x21)
        .putInt((int) crc)
        .putInt((int) (z64 ? MAX32 : csize))
        .putInt((int) (z64 ? MAX32 : usize))
        .putShort((short) nameBytes.length)
        .putShort((short) (z64Len + pad))
        .put(nameBytes);
    if (z64) {
      b.putShort((short) 1).putShort((short) 16).putLong(usize).putLong(csize);
    }
    if (pad > 0) {
      b.putShort((short) PAD_EXTRA_ID).putShort((short) (pad - 4));
      b.put(new byte[pad - 4]);
    }
    written.add(new Written(nameBytes, method, crc, csize, usize, pos));
    pos += b.capacity();
    AtomicFiles.writeFully(ch, b.flip());
  }

  /** Writes the central directory and end records. The channel stays open. */
  public void finish() throws IOException {
    requireNoOpenEntry("the central directory");
    long cdStart = pos;
    for (Written w : written) {
      boolean z64 = forceZip64 || w.csize >= MAX32 || w.usize >= MAX32 || w.offset >= MAX32;
      int extra = z64 ? 28 : 0;
      ByteBuffer b = le(46 + w.name.length + extra);
      b.putInt(0x02014b50)
          .putShort((short) 45)
          .putShort((short) (z64 ? 45 : 20))
          .putShort((short) 0x800)
          .putShort((short) w.method)
          .putShort((short) 0)
          .putShort((short) 0x21)
          .putInt((int) w.crc)
          .putInt((int) (z64 ? MAX32 : w.csize))
          .putInt((int) (z64 ? MAX32 : w.usize))
          .putShort((short) w.name.length)
          .putShort((short) extra)
          .putShort((short) 0)
          .putShort((short) 0)
          .putShort((short) 0)
          .putInt(0)
          .putInt((int) (z64 ? MAX32 : w.offset))
          .put(w.name);
      if (z64) {
        b.putShort((short) 1)
            .putShort((short) 24)
            .putLong(w.usize)
            .putLong(w.csize)
            .putLong(w.offset);
      }
      pos += b.capacity();
      AtomicFiles.writeFully(ch, b.flip());
    }
    long cdSize = pos - cdStart;
    int n = written.size();
    boolean z64 = forceZip64 || n >= 0xFFFF || cdStart >= MAX32 || cdSize >= MAX32;
    if (z64) {
      long z64Eocd = pos;
      ByteBuffer b = le(56 + 20);
      b.putInt(0x06064b50)
          .putLong(44)
          .putShort((short) 45)
          .putShort((short) 45)
          .putInt(0)
          .putInt(0)
          .putLong(n)
          .putLong(n)
          .putLong(cdSize)
          .putLong(cdStart);
      b.putInt(0x07064b50).putInt(0).putLong(z64Eocd).putInt(1);
      pos += b.capacity();
      AtomicFiles.writeFully(ch, b.flip());
    }
    ByteBuffer e = le(22);
    e.putInt(0x06054b50)
        .putShort((short) 0)
        .putShort((short) 0)
        .putShort((short) (z64 ? 0xFFFF : n))
        .putShort((short) (z64 ? 0xFFFF : n))
        .putInt((int) (z64 ? MAX32 : cdSize))
        .putInt((int) (z64 ? MAX32 : cdStart))
        .putShort((short) 0);
    pos += 22;
    AtomicFiles.writeFully(ch, e.flip());
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
