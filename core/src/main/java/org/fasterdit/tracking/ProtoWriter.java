package org.fasterdit.tracking;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few protocol-buffer wire encodings the TensorBoard event messages use (varint, 64-bit, 32-bit
 * and length-delimited fields), so the event files need no protobuf library. Each call appends one
 * field: {@code (field number << 3) | wire type}, then the value.
 */
final class ProtoWriter {
  private static final int VARINT = 0, FIXED64 = 1, BYTES = 2, FIXED32 = 5;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  ProtoWriter varint(int field, long value) {
    tag(field, VARINT);
    rawVarint(value);
    return this;
  }

  ProtoWriter fixedDouble(int field, double value) {
    tag(field, FIXED64);
    long bits = Double.doubleToLongBits(value);
    for (int i = 0; i < 8; i++) out.write((int) (bits >>> (8 * i)));
    return this;
  }

  ProtoWriter fixedFloat(int field, float value) {
    tag(field, FIXED32);
    int bits = Float.floatToIntBits(value);
    for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
    return this;
  }

  ProtoWriter bytes(int field, byte[] value) {
    tag(field, BYTES);
    rawVarint(value.length);
    out.writeBytes(value);
    return this;
  }

  ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  /** An embedded message is a length-delimited field holding its encoding. */
  ProtoWriter message(int field, ProtoWriter message) {
    return bytes(field, message.toByteArray());
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void tag(int field, int wireType) {
    rawVarint(((long) field << 3) | wireType);
  }

  /** Seven bits a byte, low first, the high bit set on every byte but the last. */
  private void rawVarint(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }
}
