package org.fasterdit.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * numpy .npz archives: a zip of {@code <key>.npy} members (np.savez stores, np.savez_compressed
 * deflates). {@link #read(Path)} returns independent copies, so the archive is unmapped before
 * returning; {@link #map(Path, Arena)} returns views of the mapped file where the layout allows.
 */
public final class Npz {
  /** Enough for any sane .npy header (numpy's own default limit is 10 000 bytes). */
  private static final int HEADER_PREFIX = 1 << 16;

  private Npz() {}

  public static LinkedHashMap<String, HostTensor> read(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      return read(path.toString(), AtomicFiles.mapReadOnly(path, arena));
    }
  }

  /**
   * The arrays of a .npz without copying what need not be: a stored (np.savez) member in C order is
   * a view of the file mapped into {@code arena}, valid while it is open; a deflated member is
   * inflated once (into memory of its own), a Fortran-order or big-endian one copied into C order.
   * CRCs are checked as by {@link #read(Path)}, so a flipped bit is still reported.
   */
  public static LinkedHashMap<String, HostTensor> map(Path path, Arena arena) {
    return read(path.toString(), AtomicFiles.mapReadOnly(path, arena), true);
  }

  /** Keys are the member names without the ".npy" suffix, in archive order. */
  public static LinkedHashMap<String, HostTensor> read(String file, MemorySegment archive) {
    return read(file, archive, false);
  }

  private static LinkedHashMap<String, HostTensor> read(
      String file, MemorySegment archive, boolean views) {
    ZipIndex zip = ZipIndex.read(file, archive);
    LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
    for (ZipIndex.Entry e : zip.entries()) {
      if (e.name().endsWith("/")) {
        continue; // directory entries carry no data
      }
      if (!e.name().endsWith(".npy")) {
        throw new TensorFormatException(file + ": member '" + e.name() + "' is not a .npy array");
      }
      String key = e.name().substring(0, e.name().length() - 4);
      String where = file + ":" + e.name();
      // Validate the inner header first so the inflated size is bounded by what the
      // .npy declares, not just by the zip's (attacker-controlled) size field.
      MemorySegment prefix = zip.readPrefix(e, HEADER_PREFIX);
      NpyHeader h = NpyHeader.parse(where, prefix);
      long expected;
      try {
        expected = Math.addExact(h.dataOffset(), h.dataBytes());
      } catch (ArithmeticException ex) {
        throw new TensorFormatException(where + ": declared size overflows");
      }
      if (expected != e.uncompressedSize()) {
        throw new TensorFormatException(
            where
                + ": .npy header declares "
                + expected
                + " bytes but the zip entry holds "
                + e.uncompressedSize());
      }
      MemorySegment bytes = zip.read(e, expected);
      if (e.isStored()) {
        zip.checkCrc(e, bytes);
      }
      out.put(key, views ? Npy.view(where, bytes) : Npy.read(where, bytes));
    }
    return out;
  }

  /** Writes an uncompressed .npz (like np.savez) atomically; numpy.load reads it. */
  public static void write(Path path, Map<String, HostTensor> tensors) {
    AtomicFiles.write(
        path,
        ch -> {
          ZipWriter zw = new ZipWriter(ch);
          for (Map.Entry<String, HostTensor> en : tensors.entrySet()) {
            HostTensor t = en.getValue();
            MemorySegment header = MemorySegment.ofArray(NpyHeader.encode(t.dtype(), t.shape()));
            zw.addStored(en.getKey() + ".npy", List.of(header, t.data()), 64);
          }
          zw.finish();
        });
  }
}
