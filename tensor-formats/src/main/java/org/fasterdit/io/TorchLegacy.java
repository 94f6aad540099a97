package org.fasterdit.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * torch.save's legacy format (before PyTorch 1.6, and later with {@code
 * _use_new_zipfile_serialization=False}; pytorch-fid's Inception weights are such a file). One
 * stream, no zip:
 *
 * <ol>
 *   <li>a pickle of the magic number {@code 0x1950a86a20f9469cfc6c};
 *   <li>a pickle of the protocol version, 1001;
 *   <li>a pickle of a sys-info dict ({@code protocol_version}, {@code little_endian}, {@code
 *       type_sizes});
 *   <li>the object's pickle, storages as persistent ids {@code ('storage', torch.XStorage, key,
 *       location, numel, view_metadata)};
 *   <li>a pickle of the list of storage keys, in the order their data follows;
 *   <li>per key: its element count (int64, little-endian), then count x element-size bytes of
 *       little-endian data.
 * </ol>
 *
 * <p>Each storage's dtype and size are only known from the object's pickle, yet its data comes
 * after it, so the object pickle runs twice in {@link RestrictedUnpickler}: first with each storage
 * standing in as a same-sized slice of the file (no copy; bounds and views are checked, the result
 * is dropped), which yields every key's element size so the raw section can be walked and checked;
 * then for real, with storages as zero-copy slices of the mapped file.
 */
final class TorchLegacy {
  static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
  static final long PROTOCOL_VERSION = 1001;

  /** The first guess at a pickle's length; it grows until the pickle's STOP is inside. */
  private static final int FIRST_WINDOW = 64 << 10;

  private TorchLegacy() {}

  /** A pickle (PROTO opcode) at offset 0; {@link #read} checks the magic number itself. */
  static boolean looksLikeLegacy(MemorySegment data) {
    return data.byteSize() >= 2 && (data.get(ValueLayout.JAVA_BYTE, 0) & 0xFF) == 0x80;
  }

  private record Pickle(byte[] bytes, long end) {}

  static Object read(String file, MemorySegment data) {
    Pickle magic = next(file + ": legacy magic number", data, 0);
    if (!MAGIC.equals(asBig(header(file + ": legacy magic number", magic)))) {
      throw new TensorFormatException(
          file + ": not a torch checkpoint (a pickle, but not torch.save's magic number)");
    }
    Pickle version = next(file + ": legacy protocol version", data, magic.end());
    Object v = header(file + ": legacy protocol version", version);
    if (!(v instanceof Long n) || n != PROTOCOL_VERSION) {
      throw new TensorFormatException(
          file + ": legacy protocol version " + v + " is not supported (expected 1001)");
    }
    Pickle sysInfo = next(file + ": legacy sys info", data, version.end());
    if (!(header(file + ": legacy sys info", sysInfo) instanceof Map<?, ?> info)) {
      throw new TensorFormatException(file + ": legacy sys info is not a dict");
    }
    if (Boolean.FALSE.equals(info.get("little_endian"))) {
      throw new TensorFormatException(
          file + ": written on a big-endian machine (legacy format), which is not supported");
    }
    String where = file + ": legacy pickle";
    Pickle object = next(where, data, sysInfo.end());

    Map<String, TorchStorage> standIns = new HashMap<>();
    unpickle(where, object.bytes(), pid -> standIn(where, data, standIns, pid));

    Pickle keyList = next(file + ": legacy storage keys", data, object.end());
    Map<String, MemorySegment> raw = rawStorages(file, data, keyList, standIns);
    Map<String, TorchStorage> storages = new HashMap<>();
    return unpickle(where, object.bytes(), pid -> resolve(where, raw, storages, pid));
  }

  /** The next pickle starting at {@code pos}: its bytes and the offset just past its STOP. */
  private static Pickle next(String what, MemorySegment data, long pos) {
    long avail = Math.min(data.byteSize() - pos, TorchCheckpoint.MAX_PICKLE);
    if (avail <= 0) throw new TensorFormatException(what + ": the file ends before it");
    long len = Math.min(avail, FIRST_WINDOW);
    while (true) {
      byte[] window = data.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
      try {
        int end = PickleScanner.scan(what, window);
        return new Pickle(java.util.Arrays.copyOf(window, end), pos + end);
      } catch (TensorFormatException e) {
        if (len >= avail) throw e; // the whole rest of the file was scanned: a real error
        len = Math.min(avail, len * 4);
      }
    }
  }

  private static Object header(String where, Pickle p) {
    return unpickle(
        where,
        p.bytes(),
        pid -> {
          throw new TensorFormatException(where + ": unexpected persistent id");
        });
  }

  private static Object unpickle(String where, byte[] pickle, Function<Object, Object> load) {
    return new RestrictedUnpickler(where, pickle, load).load();
  }

  private static BigInteger asBig(Object o) {
    return o instanceof BigInteger b ? b : o instanceof Long l ? BigInteger.valueOf(l) : null;
  }

  /** First pass: a same-sized slice of the file stands in for the storage (or its view). */
  private static Object standIn(
      String where, MemorySegment data, Map<String, TorchStorage> seen, Object pid) {
    TorchStorageId id = TorchStorageId.parse(where, pid, 6);
    TorchStorage root = seen.get(id.key());
    if (root == null) {
      long bytes = id.byteSize(where);
      if (bytes > data.byteSize()) {
        throw new TensorFormatException(
            where
                + ": storage '"
                + id.key()
                + "' needs "
                + bytes
                + " bytes but the file holds only "
                + data.byteSize());
      }
      root =
          new TorchStorage(id.key(), id.dtype(), id.numel(), id.location(), data.asSlice(0, bytes));
      seen.put(id.key(), root);
    } else {
      id.checkSame(where, root);
    }
    return view(where, id, root, seen);
  }

  /** Second pass: the storage's own bytes in the file. */
  private static Object resolve(
      String where, Map<String, MemorySegment> raw, Map<String, TorchStorage> seen, Object pid) {
    TorchStorageId id = TorchStorageId.parse(where, pid, 6);
    TorchStorage root = seen.get(id.key());
    if (root == null) {
      root = new TorchStorage(id.key(), id.dtype(), id.numel(), id.location(), raw.get(id.key()));
      seen.put(id.key(), root);
    }
    return view(where, id, root, seen);
  }

  /**
   * The root storage, or for a view id {@code (view_key, offset, size)} the slice of it (storages
   * could be views of each other before PyTorch 1.0).
   */
  private static TorchStorage view(
      String where, TorchStorageId id, TorchStorage root, Map<String, TorchStorage> seen) {
    if (id.view() == null) return root;
    if (!(id.view() instanceof PyTuple t)
        || t.size() != 3
        || !(t.get(0) instanceof String viewKey)
        || !(t.get(1) instanceof Long offset)
        || !(t.get(2) instanceof Long size)) {
      throw new TensorFormatException(where + ": malformed storage view metadata");
    }
    if (!Segments.inBounds(offset, size, root.numel())) {
      throw new TensorFormatException(
          where
              + ": storage view '"
              + viewKey
              + "' (offset "
              + offset
              + ", size "
              + size
              + ") exceeds storage '"
              + root.key()
              + "' of "
              + root.numel()
              + " elements");
    }
    TorchStorage v = seen.get("view:" + viewKey);
    if (v != null) return v;
    int es = root.dtype().byteSize();
    MemorySegment slice = root.data().asSlice(offset * es, size * es);
    v = new TorchStorage(viewKey, root.dtype(), size, root.location(), slice);
    seen.put("view:" + viewKey, v);
    return v;
  }

  /** Walks the raw section: every listed key once, its element count as the pickle says. */
  private static Map<String, MemorySegment> rawStorages(
      String file, MemorySegment data, Pickle keyList, Map<String, TorchStorage> standIns) {
    String where = file + ": legacy storage keys";
    if (!(header(where, keyList) instanceof List<?> keys)) {
      throw new TensorFormatException(where + ": not a list");
    }
    Map<String, MemorySegment> raw = new LinkedHashMap<>();
    long pos = keyList.end();
    for (Object k : keys) {
      if (!(k instanceof String key))
        throw new TensorFormatException(where + ": a key is not a str");
      TorchStorage s = standIns.get(key);
      if (s == null || raw.containsKey(key)) {
        throw new TensorFormatException(
            where
                + ": '"
                + key
                + "' is "
                + (s == null ? "not a storage of the pickle" : "listed twice"));
      }
      if (!Segments.inBounds(pos, 8, data.byteSize())) {
        throw new TensorFormatException(
            file + ": truncated: storage '" + key + "' is missing (file ends at " + pos + ")");
      }
      long count = data.get(Segments.LE_LONG, pos);
      if (count != s.numel()) {
        throw new TensorFormatException(
            file
                + ": storage '"
                + key
                + "' holds "
                + count
                + " elements, the pickle says "
                + s.numel());
      }
      long bytes = s.data().byteSize();
      if (!Segments.inBounds(pos + 8, bytes, data.byteSize())) {
        throw new TensorFormatException(
            file
                + ": truncated: storage '"
                + key
                + "' needs "
                + bytes
                + " bytes at offset "
                + (pos + 8)
                + " but the file has "
                + data.byteSize());
      }
      raw.put(key, data.asSlice(pos + 8, bytes));
      pos += 8 + bytes;
    }
    for (String key : standIns.keySet()) {
      if (!key.startsWith("view:") && !raw.containsKey(key)) {
        throw new TensorFormatException(where + ": storage '" + key + "' has no data");
      }
    }
    return raw;
  }
}
