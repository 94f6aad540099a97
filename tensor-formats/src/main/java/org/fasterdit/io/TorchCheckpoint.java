package org.fasterdit.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader for PyTorch's checkpoints. The legacy format (torch.save before 1.6, and later with {@code
 * _use_new_zipfile_serialization=False}) is handed to {@link TorchLegacy}; the zip format
 * (torch.save since 1.6) is read here: {@code <archive>/data.pkl} (a pickle with persistent ids for
 * storages), {@code <archive>/data/<key>} raw storages, and optionally {@code <archive>/byteorder}.
 * The pickle runs in {@link RestrictedUnpickler}.
 *
 * <p>Result mapping: dict -> LinkedHashMap, OrderedDict -> {@link PyOrderedDict}, tensor and
 * Parameter -> {@link HostTensor}, argparse.Namespace -> {@link PyNamespace}, list -> ArrayList,
 * tuple -> {@link PyTuple}, str -> String, int -> Long (BigInteger if huge), float -> Double, bool
 * -> Boolean, None -> null, bytes -> byte[], set -> Set, torch.device -> String.
 *
 * <p>Zero-copy: tensors that are contiguous views of a stored (uncompressed) little-endian storage
 * are slices of the read-only file mapping and valid only while the Arena is open.
 */
public final class TorchCheckpoint {
  /** data.pkl holds structure, not tensor data; anything bigger is not a real checkpoint. */
  static final long MAX_PICKLE = 256L << 20;

  private TorchCheckpoint() {}

  public static Object read(Path path, Arena arena) {
    return read(path.toString(), AtomicFiles.mapReadOnly(path, arena));
  }

  public static Object read(String file, MemorySegment archive) {
    if (!ZipIndex.looksLikeZip(archive)) {
      if (TorchLegacy.looksLikeLegacy(archive)) return TorchLegacy.read(file, archive);
      throw new TensorFormatException(
          file
              + ": not a torch checkpoint (neither the zip format of torch.save since 1.6 nor the"
              + " legacy format before it)");
    }
    ZipIndex zip = ZipIndex.read(file, archive);
    String prefix = archivePrefix(file, zip);
    ZipIndex.Entry pklEntry = zip.find(prefix + "data.pkl");
    MemorySegment pklSeg = zip.read(pklEntry, MAX_PICKLE);
    if (pklEntry.isStored()) {
      zip.checkCrc(pklEntry, pklSeg);
    }
    boolean bigEndian = byteOrderIsBig(file, zip, prefix);
    byte[] pickle = pklSeg.toArray(ValueLayout.JAVA_BYTE);
    String where = file + ": data.pkl";
    Map<String, TorchStorage> storages = new HashMap<>();
    RestrictedUnpickler u =
        new RestrictedUnpickler(
            where, pickle, pid -> loadStorage(where, zip, prefix, bigEndian, storages, pid));
    return u.load();
  }

  /** The single top-level folder holding data.pkl (its name is arbitrary). */
  private static String archivePrefix(String file, ZipIndex zip) {
    String found = null;
    for (ZipIndex.Entry e : zip.entries()) {
      String n = e.name();
      if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
        if (found != null) {
          throw new TensorFormatException(file + ": more than one data.pkl in archive");
        }
        found = n.substring(0, n.length() - "data.pkl".length());
      }
    }
    if (found == null) {
      throw new TensorFormatException(
          file + ": no <archive>/data.pkl entry (entries: " + abbreviate(zip.names()) + ")");
    }
    return found;
  }

  private static boolean byteOrderIsBig(String file, ZipIndex zip, String prefix) {
    ZipIndex.Entry e = zip.find(prefix + "byteorder");
    if (e == null) {
      return false; // written before the entry existed: always little-endian
    }
    String s =
        new String(zip.read(e, 16).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII)
            .strip();
    return switch (s) {
      case "little" -> false;
      case "big" -> true;
      default -> throw new TensorFormatException(file + ": byteorder entry is '" + s + "'");
    };
  }

  /** persistent_load for ('storage', torch.XStorage, key, location, numel). */
  private static Object loadStorage(
      String where,
      ZipIndex zip,
      String prefix,
      boolean big,
      Map<String, TorchStorage> cache,
      Object pid) {
    TorchStorageId id = TorchStorageId.parse(where, pid, 5);
    String key = id.key();
    DType dtype = id.dtype();
    TorchStorage cached = cache.get(key);
    if (cached != null) {
      id.checkSame(where, cached);
      return cached;
    }
    ZipIndex.Entry e = zip.find(prefix + "data/" + key);
    if (e == null) {
      throw new TensorFormatException(
          where + ": storage '" + key + "' has no entry " + prefix + "data/" + key);
    }
    long bytes = id.byteSize(where);
    if (e.uncompressedSize() < bytes) {
      throw new TensorFormatException(
          where
              + ": storage '"
              + key
              + "' needs "
              + bytes
              + " bytes but its entry holds "
              + e.uncompressedSize());
    }
    MemorySegment whole = zip.read(e, e.uncompressedSize());
    // inflated entries were checked while inflating; a stored one is checked here, once per
    // storage: a flipped weight bit would otherwise load silently (CRC32 runs at GB/s)
    if (e.isStored()) zip.checkCrc(e, whole);
    MemorySegment data = whole.asSlice(0, bytes);
    if (big && dtype.byteSize() > 1) {
      MemorySegment copy = Segments.allocate(bytes);
      MemorySegment.copy(data, 0, copy, 0, bytes);
      Segments.swapBytesInPlace(copy, dtype.byteSize());
      data = copy;
    }
    TorchStorage s = new TorchStorage(key, dtype, id.numel(), id.location(), data);
    cache.put(key, s);
    return s;
  }

  /**
   * Every tensor reachable from {@code root}, keyed by its dotted path (dict keys, list indices,
   * namespace attributes), e.g. {@code "model.blocks.0.weight"}. Shared and cyclic references are
   * visited once.
   */
  public static LinkedHashMap<String, HostTensor> tensors(Object root) {
    LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
    collect("", root, out, new IdentityHashMap<>(), 0);
    return out;
  }

  private static void collect(
      String path,
      Object o,
      Map<String, HostTensor> out,
      IdentityHashMap<Object, Boolean> seen,
      int depth) {
    if (o instanceof HostTensor t) {
      out.put(path, t);
      return;
    }
    if (o == null || depth > 256 || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    String p = path.isEmpty() ? "" : path + ".";
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        collect(p + e.getKey(), e.getValue(), out, seen, depth + 1);
      }
    } else if (o instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        collect(p + i, l.get(i), out, seen, depth + 1);
      }
    } else if (o instanceof PyTuple t) {
      collect(path, t.items(), out, seen, depth);
    } else if (o instanceof PyNamespace ns) {
      collect(path, ns.attributes(), out, seen, depth);
    }
  }

  private static String abbreviate(List<String> names) {
    List<String> head = new ArrayList<>(names.subList(0, Math.min(8, names.size())));
    if (names.size() > 8) {
      head.add("... " + (names.size() - 8) + " more");
    }
    return String.join(", ", head);
  }
}
