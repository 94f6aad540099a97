package org.fasterdit.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A minimal zip reader over an in-memory (usually memory-mapped) archive: End Of Central Directory
 * (with ZIP64), central entries, and each local header to locate the entry's data.
 *
 * <p>Stored entries are exposed as zero-copy slices of the archive segment; deflated entries are
 * inflated into a buffer whose size is capped by the caller.
 */
public final class ZipIndex {
  /** One archive member. {@code dataOffset} is absolute within the archive. */
  public record Entry(
      String name,
      int method,
      long compressedSize,
      long uncompressedSize,
      long crc32,
      long dataOffset) {
    public boolean isStored() {
      return method == STORED;
    }
  }

  public static final int STORED = 0;
  public static final int DEFLATED = 8;

  /** Deflate cannot exceed ~1032:1; anything claiming more is a bomb or corrupt. */
  static final long MAX_DEFLATE_RATIO = 1100;

  private static final int EOCD_SIG = 0x06054b50;
  private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
  private static final int ZIP64_EOCD_SIG = 0x06064b50;
  private static final int CENTRAL_SIG = 0x02014b50;
  private static final int LOCAL_SIG = 0x04034b50;

  private final String file;
  private final MemorySegment archive;
  private final Map<String, Entry> entries;

  private ZipIndex(String file, MemorySegment archive, Map<String, Entry> entries) {
    this.file = file;
    this.archive = archive;
    this.entries = entries;
  }

  public String file() {
    return file;
  }

  /** Entries in central-directory order. */
  public List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  public Map<String, Entry> byName() {
    return Collections.unmodifiableMap(entries);
  }

  public Entry find(String name) {
    return entries.get(name);
  }

  /** Cheap check for the local-header signature, to tell zips from other formats. */
  public static boolean looksLikeZip(MemorySegment s) {
    return s.byteSize() >= 4 && s.get(Segments.LE_INT, 0) == LOCAL_SIG;
  }

  public static ZipIndex read(String file, MemorySegment archive) {
    long size = archive.byteSize();
    long eocd = findEocd(file, archive);
    long entryCount = Segments.u16(archive, eocd + 10);
    long cdSize = Segments.u32(archive, eocd + 12);
    long cdOffset = Segments.u32(archive, eocd + 16);
    if (Segments.u16(archive, eocd + 4) != 0 || Segments.u16(archive, eocd + 6) != 0) {
      if (entryCount != 0xFFFF) {
        throw fail(file, "multi-disk archives are not supported");
      }
    }
    if (entryCount == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
      long loc = eocd - 20;
      if (loc < 0 || archive.get(Segments.LE_INT, loc) != ZIP64_LOCATOR_SIG) {
        throw fail(file, "EOCD requires ZIP64 but the ZIP64 locator is missing");
      }
      long z64 = archive.get(Segments.LE_LONG, loc + 8);
      if (!Segments.inBounds(z64, 56, loc) || archive.get(Segments.LE_INT, z64) != ZIP64_EOCD_SIG) {
        throw fail(file, "bad ZIP64 end-of-central-directory offset " + z64);
      }
      entryCount = archive.get(Segments.LE_LONG, z64 + 32);
      cdSize = archive.get(Segments.LE_LONG, z64 + 40);
      cdOffset = archive.get(Segments.LE_LONG, z64 + 48);
    }
    if (!Segments.inBounds(cdOffset, cdSize, size)) {
      throw fail(
          file,
          "central directory ["
              + cdOffset
              + ", +"
              + cdSize
              + ") lies outside the "
              + size
              + "-byte file");
    }
    // Each central entry is at least 46 bytes, which bounds the count before allocating.
    if (entryCount < 0 || entryCount > cdSize / 46) {
      throw fail(
          file, "central directory claims " + entryCount + " entries in " + cdSize + " bytes");
    }
    Map<String, Entry> out = new LinkedHashMap<>();
    long p = cdOffset;
    long cdEnd = cdOffset + cdSize;
    for (long i = 0; i < entryCount; i++) {
      if (!Segments.inBounds(p, 46, cdEnd) || archive.get(Segments.LE_INT, p) != CENTRAL_SIG) {
        throw fail(file, "bad central directory entry #" + i + " at offset " + p);
      }
      Entry e = parseCentral(file, archive, p, cdEnd, i);
      if (out.put(e.name(), e) != null) {
        throw fail(file, "duplicate entry name '" + e.name() + "'");
      }
      p +=
          46
              + Segments.u16(archive, p + 28)
              + Segments.u16(archive, p + 30)
              + Segments.u16(archive, p + 32);
    }
    return new ZipIndex(file, archive, out);
  }

  private static Entry parseCentral(String file, MemorySegment a, long p, long cdEnd, long i) {
    int flags = (int) Segments.u16(a, p + 8);
    int method = (int) Segments.u16(a, p + 10);
    long crc = Segments.u32(a, p + 16);
    long csize = Segments.u32(a, p + 20);
    long usize = Segments.u32(a, p + 24);
    int nameLen = (int) Segments.u16(a, p + 28);
    int extraLen = (int) Segments.u16(a, p + 30);
    int commentLen = (int) Segments.u16(a, p + 32);
    long localOffset = Segments.u32(a, p + 42);
    if (!Segments.inBounds(p + 46, (long) nameLen + extraLen + commentLen, cdEnd)) {
      throw fail(file, "central directory entry #" + i + " runs past the directory");
    }
    String name = decodeName(file, a.asSlice(p + 46, nameLen), flags);
    if ((flags & 1) != 0) {
      throw fail(file, "entry '" + name + "' is encrypted");
    }
    if (method != STORED && method != DEFLATED) {
      throw fail(file, "entry '" + name + "' uses unsupported compression method " + method);
    }
    // ZIP64 extended information: only the fields saturated in the central record are present.
    long x = p + 46 + nameLen;
    long xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      int id = (int) Segments.u16(a, x);
      int len = (int) Segments.u16(a, x + 2);
      if (x + 4 + len > xEnd) {
        throw fail(file, "entry '" + name + "' has a malformed extra field");
      }
      if (id == 0x0001) {
        long q = x + 4;
        long qEnd = q + len;
        if (usize == 0xFFFFFFFFL) {
          usize = readZip64(file, a, q, qEnd, name);
          q += 8;
        }
        if (csize == 0xFFFFFFFFL) {
          csize = readZip64(file, a, q, qEnd, name);
          q += 8;
        }
        if (localOffset == 0xFFFFFFFFL) {
          localOffset = readZip64(file, a, q, qEnd, name);
        }
      }
      x += 4 + len;
    }
    long size = a.byteSize();
    if (!Segments.inBounds(localOffset, 30, size)
        || a.get(Segments.LE_INT, localOffset) != LOCAL_SIG) {
      throw fail(file, "entry '" + name + "' has a bad local header offset " + localOffset);
    }
    long dataOffset =
        localOffset + 30 + Segments.u16(a, localOffset + 26) + Segments.u16(a, localOffset + 28);
    if (!Segments.inBounds(dataOffset, csize, size)) {
      throw fail(
          file,
          "entry '"
              + name
              + "' data ["
              + dataOffset
              + ", +"
              + csize
              + ") lies outside the "
              + size
              + "-byte file");
    }
    if (method == STORED && csize != usize) {
      throw fail(
          file,
          "stored entry '"
              + name
              + "' has compressed size "
              + csize
              + " != uncompressed size "
              + usize);
    }
    return new Entry(name, method, csize, usize, crc, dataOffset);
  }

  private static long readZip64(String file, MemorySegment a, long q, long qEnd, String name) {
    if (q + 8 > qEnd) {
      throw fail(file, "entry '" + name + "' has a truncated ZIP64 extra field");
    }
    long v = a.get(Segments.LE_LONG, q);
    if (v < 0) {
      throw fail(file, "entry '" + name + "' has a ZIP64 size/offset beyond 2^63");
    }
    return v;
  }

  private static String decodeName(String file, MemorySegment raw, int flags) {
    byte[] b = raw.toArray(ValueLayout.JAVA_BYTE);
    if ((flags & 0x800) == 0) {
      // Without the UTF-8 flag names are CP437; ASCII (all we expect) is common to both.
      return new String(b, StandardCharsets.ISO_8859_1);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw fail(file, "entry name is not valid UTF-8");
    }
  }

  private static long findEocd(String file, MemorySegment a) {
    long size = a.byteSize();
    if (size < 22) {
      throw fail(file, "too short to be a zip archive (" + size + " bytes)");
    }
    long stop = Math.max(0, size - 22 - 0xFFFF);
    for (long p = size - 22; p >= stop; p--) {
      if (a.get(Segments.LE_INT, p) == EOCD_SIG && p + 22 + Segments.u16(a, p + 20) == size) {
        return p;
      }
    }
    throw fail(file, "no zip end-of-central-directory record (not a zip or truncated)");
  }

  /** Zero-copy view of a stored entry's bytes. */
  public MemorySegment storedSlice(Entry e) {
    if (!e.isStored()) {
      throw fail(file, "entry '" + e.name() + "' is compressed; it cannot be mapped");
    }
    return archive.asSlice(e.dataOffset(), e.compressedSize());
  }

  /**
   * The entry's bytes: a zero-copy slice for stored entries, otherwise inflated into a new buffer.
   * Refuses entries whose declared size exceeds {@code maxSize} or the deflate ratio limit, and
   * verifies the CRC of inflated data.
   */
  public MemorySegment read(Entry e, long maxSize) {
    if (e.uncompressedSize() > maxSize) {
      throw fail(
          file,
          "entry '"
              + e.name()
              + "' declares "
              + e.uncompressedSize()
              + " bytes, more than the "
              + maxSize
              + " allowed here");
    }
    if (e.isStored()) {
      return storedSlice(e);
    }
    if (e.uncompressedSize() > Math.max(1024, e.compressedSize() * MAX_DEFLATE_RATIO)) {
      throw fail(
          file,
          "entry '"
              + e.name()
              + "' claims a compression ratio beyond "
              + MAX_DEFLATE_RATIO
              + ":1 (zip bomb?)");
    }
    MemorySegment out = Segments.allocate(e.uncompressedSize());
    inflate(e, out, true);
    return out;
  }

  /**
   * The first {@code min(n, uncompressedSize)} bytes of the entry (no CRC check), so callers can
   * validate an inner header before committing to inflating the whole entry.
   */
  public MemorySegment readPrefix(Entry e, int n) {
    long len = Math.min(n, e.uncompressedSize());
    if (e.isStored()) {
      return storedSlice(e).asSlice(0, len);
    }
    MemorySegment out = MemorySegment.ofArray(new byte[(int) len]);
    long got = inflate(e, out, false);
    if (got != len) {
      throw fail(file, "entry '" + e.name() + "' inflated to only " + got + " bytes");
    }
    return out;
  }

  /**
   * Inflates into {@code out}. If {@code exact}, exactly {@code out.byteSize()} bytes must come out
   * and the CRC must match; otherwise it stops once {@code out} is full.
   */
  private long inflate(Entry e, MemorySegment out, boolean exact) {
    Inflater inf = new Inflater(true);
    CRC32 crc = new CRC32();
    try {
      long inOff = e.dataOffset();
      long inEnd = e.dataOffset() + e.compressedSize();
      long produced = 0;
      long cap = out.byteSize();
      byte[] scratch = new byte[1];
      int chunk = 1 << 20;
      while (!inf.finished()) {
        if (inf.needsInput()) {
          if (inOff >= inEnd) {
            throw fail(file, "entry '" + e.name() + "' deflate stream is truncated");
          }
          int n = (int) Math.min(chunk, inEnd - inOff);
          inf.setInput(archive.asSlice(inOff, n).asByteBuffer());
          inOff += n;
        }
        int n;
        long readBefore = inf.getBytesRead();
        if (produced < cap) {
          ByteBuffer dst = out.asSlice(produced, Math.min(chunk, cap - produced)).asByteBuffer();
          n = inf.inflate(dst);
          crc.update(out.asSlice(produced, n).asByteBuffer());
        } else if (!exact) {
          return produced;
        } else {
          // Output is full: any further byte means the entry lied about its size.
          n = inf.inflate(scratch);
          if (n > 0) {
            throw fail(
                file, "entry '" + e.name() + "' inflates beyond its declared " + cap + " bytes");
          }
        }
        produced += n;
        if (n == 0 && inf.needsDictionary()) {
          throw fail(file, "entry '" + e.name() + "' needs a preset dictionary");
        }
        if (n == 0 && inf.getBytesRead() == readBefore && !inf.needsInput() && !inf.finished()) {
          throw fail(file, "entry '" + e.name() + "' deflate stream made no progress");
        }
      }
      if (!exact) {
        return produced;
      }
      if (produced != cap) {
        throw fail(
            file, "entry '" + e.name() + "' inflated to " + produced + " bytes, expected " + cap);
      }
      if (crc.getValue() != e.crc32()) {
        throw fail(file, "entry '" + e.name() + "' CRC mismatch (corrupt archive)");
      }
      return produced;
    } catch (DataFormatException ex) {
      throw fail(file, "entry '" + e.name() + "' has corrupt deflate data: " + ex.getMessage());
    } finally {
      inf.end();
    }
  }

  /** Verifies a (small) entry's CRC; used for metadata entries like data.pkl. */
  public void checkCrc(Entry e, MemorySegment data) {
    CRC32 crc = new CRC32();
    crc.update(data.asByteBuffer());
    if (crc.getValue() != e.crc32()) {
      throw fail(file, "entry '" + e.name() + "' CRC mismatch (corrupt archive)");
    }
  }

  /** Names of all entries, for error messages. */
  public List<String> names() {
    return new ArrayList<>(entries.keySet());
  }

  private static TensorFormatException fail(String file, String why) {
    return new TensorFormatException(file + ": " + why);
  }
}
