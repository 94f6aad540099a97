package org.fasterdit.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader and writer for the safetensors format: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON describing each tensor's dtype, shape and [begin, end) byte range in the data section
 * that follows, and the data section itself.
 */
public final class SafeTensors {
  /** The reference implementation's limit; a larger header is certainly not legitimate. */
  static final long MAX_HEADER = 100L * 1024 * 1024;

  private static final String METADATA_KEY = "__metadata__";

  private SafeTensors() {}

  /**
   * Maps {@code path} read-only into {@code arena} and parses it. Tensor data is NOT copied: every
   * {@link HostTensor#data()} is a slice of the mapping, valid until {@code arena} closes (use
   * {@link HostTensor#copyToHeap()} to keep a tensor longer).
   */
  public static SafeTensorsFile read(Path path, Arena arena) {
    return read(path.toString(), AtomicFiles.mapReadOnly(path, arena));
  }

  /** Parses a safetensors image; tensors are zero-copy slices of {@code bytes}. */
  public static SafeTensorsFile read(String file, MemorySegment bytes) {
    long size = bytes.byteSize();
    if (size < 8) {
      throw new TensorFormatException(
          file + ": too short for a safetensors header (" + size + " bytes)");
    }
    long n = bytes.get(Segments.LE_LONG, 0);
    if (n < 0 || n > size - 8) {
      throw new TensorFormatException(
          file + ": header length " + Long.toUnsignedString(n) + " exceeds the file size " + size);
    }
    if (n > MAX_HEADER) {
      throw new TensorFormatException(
          file + ": header length " + n + " exceeds limit " + MAX_HEADER);
    }
    String json = decodeUtf8(file, bytes.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
    if (!(MiniJson.parse(file, json) instanceof Map<?, ?> root)) {
      throw new TensorFormatException(file + ": header JSON is not an object");
    }
    long dataStart = 8 + n;
    long dataLen = size - dataStart;
    LinkedHashMap<String, HostTensor> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    List<long[]> ranges = new ArrayList<>();
    List<String> rangeNames = new ArrayList<>();
    for (Map.Entry<?, ?> en : root.entrySet()) {
      String name = (String) en.getKey();
      if (name.equals(METADATA_KEY)) {
        parseMetadata(file, en.getValue(), metadata);
        continue;
      }
      String where = file + ": tensor '" + name + "'";
      if (!(en.getValue() instanceof Map<?, ?> info)) {
        throw new TensorFormatException(where + ": entry is not an object");
      }
      for (Object k : info.keySet()) {
        if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
          throw new TensorFormatException(where + ": unexpected field '" + k + "'");
        }
      }
      if (!(info.get("dtype") instanceof String dtypeName)) {
        throw new TensorFormatException(where + ": missing string 'dtype'");
      }
      DType dtype = DType.fromSafetensors(where, dtypeName);
      long[] shape = longList(where, "shape", info.get("shape"), -1);
      long[] off = longList(where, "data_offsets", info.get("data_offsets"), 2);
      long begin = off[0];
      long end = off[1];
      if (begin > end || end > dataLen) {
        throw new TensorFormatException(
            where
                + ": data_offsets ["
                + begin
                + ", "
                + end
                + "] outside the "
                + dataLen
                + "-byte data section");
      }
      long expected = Segments.byteCount(where, shape, dtype);
      if (expected != end - begin) {
        throw new TensorFormatException(
            where + ": shape needs " + expected + " bytes but data_offsets span " + (end - begin));
      }
      tensors.put(
          name, new HostTensor(dtype, shape, bytes.asSlice(dataStart + begin, end - begin)));
      ranges.add(off);
      rangeNames.add(name);
    }
    checkNoOverlap(file, ranges, rangeNames);
    return new SafeTensorsFile(tensors, metadata);
  }

  private static void checkNoOverlap(String file, List<long[]> ranges, List<String> names) {
    Integer[] order = new Integer[ranges.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(
        order,
        Comparator.comparingLong((Integer i) -> ranges.get(i)[0])
            .thenComparingLong(i -> ranges.get(i)[1]));
    long maxEnd = 0;
    int maxOwner = -1;
    for (int k : order) {
      long[] cur = ranges.get(k);
      if (cur[1] == cur[0]) {
        continue; // empty tensors occupy no bytes and cannot overlap anything
      }
      if (maxOwner >= 0 && cur[0] < maxEnd) {
        throw new TensorFormatException(
            file + ": tensors '" + names.get(maxOwner) + "' and '" + names.get(k) + "' overlap");
      }
      if (cur[1] > maxEnd) {
        maxEnd = cur[1];
        maxOwner = k;
      }
    }
  }

  private static void parseMetadata(String file, Object v, Map<String, String> out) {
    if (!(v instanceof Map<?, ?> m)) {
      throw new TensorFormatException(file + ": __metadata__ is not an object");
    }
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw new TensorFormatException(
            file + ": __metadata__ value for '" + e.getKey() + "' is not a string");
      }
      out.put((String) e.getKey(), s);
    }
  }

  private static long[] longList(String where, String field, Object v, int expectLen) {
    if (!(v instanceof List<?> list)) {
      throw new TensorFormatException(where + ": missing array '" + field + "'");
    }
    if (expectLen >= 0 && list.size() != expectLen) {
      throw new TensorFormatException(
          where + ": '" + field + "' must have " + expectLen + " elements");
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Long l) || l < 0) {
        throw new TensorFormatException(
            where
                + ": '"
                + field
                + "' element "
                + i
                + " is not a non-negative 64-bit integer: "
                + list.get(i));
      }
      out[i] = l;
    }
    return out;
  }

  private static String decodeUtf8(String file, byte[] b) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw new TensorFormatException(file + ": header is not valid UTF-8");
    }
  }

  /**
   * Writes {@code tensors} (and optional string {@code metadata}) atomically. Data is laid out by
   * decreasing element size so that every tensor stays aligned to its element size; the header is
   * space-padded so the data section starts at a multiple of 8.
   */
  public static void write(
      Path path, Map<String, HostTensor> tensors, Map<String, String> metadata) {
    List<Map.Entry<String, HostTensor>> order = new ArrayList<>(tensors.entrySet());
    order.sort(
        Comparator.comparingInt(
            (Map.Entry<String, HostTensor> e) -> -e.getValue().dtype().byteSize()));
    StringBuilder h = new StringBuilder("{");
    if (metadata != null && !metadata.isEmpty()) {
      h.append(MiniJson.quote(METADATA_KEY)).append(":{");
      boolean first = true;
      for (Map.Entry<String, String> m : metadata.entrySet()) {
        h.append(first ? "" : ",")
            .append(MiniJson.quote(m.getKey()))
            .append(':')
            .append(MiniJson.quote(m.getValue()));
        first = false;
      }
      h.append('}');
    }
    long off = 0;
    for (Map.Entry<String, HostTensor> e : order) {
      if (e.getKey().equals(METADATA_KEY)) {
        throw new IllegalArgumentException("tensor name '__metadata__' is reserved");
      }
      HostTensor t = e.getValue();
      h.append(h.length() > 1 ? "," : "")
          .append(MiniJson.quote(e.getKey()))
          .append(":{\"dtype\":\"")
          .append(t.dtype().safetensorsName())
          .append("\",\"shape\":[");
      long[] shape = t.shape();
      for (int i = 0; i < shape.length; i++) {
        h.append(i == 0 ? "" : ",").append(shape[i]);
      }
      h.append("],\"data_offsets\":[")
          .append(off)
          .append(',')
          .append(off + t.byteSize())
          .append("]}");
      off += t.byteSize();
    }
    h.append('}');
    byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    AtomicFiles.write(
        path,
        ch -> {
          AtomicFiles.writeFully(ch, head.flip());
          for (Map.Entry<String, HostTensor> e : order) {
            AtomicFiles.writeFully(ch, e.getValue().data());
          }
        });
  }
}
