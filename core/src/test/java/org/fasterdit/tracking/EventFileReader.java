package org.fasterdit.tracking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader written from the TFRecord and protobuf specifications, independent of the writer: its
 * own bitwise CRC-32C, its own varint decoding. Fails on any framing or CRC error.
 */
final class EventFileReader {
  private EventFileReader() {}

  /** One decoded protobuf message: field number to the values in order (Long, byte[]). */
  record Message(Map<Integer, List<Object>> fields) {
    Object one(int field) {
      List<Object> v = fields.get(field);
      if (v == null || v.size() != 1) throw new AssertionError("field " + field + ": " + v);
      return v.get(0);
    }

    boolean has(int field) {
      return fields.containsKey(field);
    }

    List<Message> messages(int field) {
      List<Message> out = new ArrayList<>();
      for (Object o : fields.getOrDefault(field, List.of())) out.add(decode((byte[]) o));
      return out;
    }

    Message message(int field) {
      return decode((byte[]) one(field));
    }

    String string(int field) {
      return new String((byte[]) one(field), StandardCharsets.UTF_8);
    }

    long varint(int field) {
      return (Long) one(field);
    }

    double fixedDouble(int field) {
      return Double.longBitsToDouble((Long) one(field));
    }

    float fixedFloat(int field) {
      return Float.intBitsToFloat((int) (long) (Long) one(field));
    }
  }

  static List<Message> readEvents(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<Message> events = new ArrayList<>();
    while (b.hasRemaining()) {
      if (b.remaining() < 12) throw new AssertionError("truncated header at " + b.position());
      byte[] len = new byte[8];
      b.get(len);
      long length = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
      int lenCrc = b.getInt();
      if (lenCrc != masked(len))
        throw new AssertionError("length CRC mismatch at record " + events.size());
      if (length < 0 || length > b.remaining() - 4)
        throw new AssertionError("bad length " + length);
      byte[] data = new byte[(int) length];
      b.get(data);
      int dataCrc = b.getInt();
      if (dataCrc != masked(data))
        throw new AssertionError("data CRC mismatch at record " + events.size());
      events.add(decode(data));
    }
    return events;
  }

  static Message decode(byte[] data) {
    Map<Integer, List<Object>> fields = new LinkedHashMap<>();
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      long key = varint(b);
      int field = (int) (key >>> 3), wire = (int) (key & 7);
      Object value =
          switch (wire) {
            case 0 -> varint(b);
            case 1 -> b.getLong();
            case 5 -> (long) b.getInt();
            case 2 -> {
              byte[] v = new byte[(int) varint(b)];
              b.get(v);
              yield v;
            }
            default -> throw new AssertionError("unexpected wire type " + wire);
          };
      fields.computeIfAbsent(field, k -> new ArrayList<>()).add(value);
    }
    return new Message(fields);
  }

  private static long varint(ByteBuffer b) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      int x = b.get() & 0xFF;
      v |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) return v;
      if (shift > 63) throw new AssertionError("varint too long");
    }
  }

  /** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit. */
  static int crc32c(byte[] data) {
    int crc = 0xFFFFFFFF;
    for (byte x : data) {
      crc ^= x & 0xFF;
      for (int k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82F63B78 & -(crc & 1));
    }
    return ~crc;
  }

  static int masked(byte[] data) {
    int c = crc32c(data);
    return ((c >>> 15) | (c << 17)) + 0xa282ead8;
  }
}
