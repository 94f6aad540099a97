package org.fasterdit.io;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bounds-checked reading of a pickle byte stream. Every length is checked against the bytes that
 * remain, so no opcode can make the unpickler allocate more than the input size.
 */
final class PickleCursor {
  private final String where;
  private final byte[] b;
  private int p;

  PickleCursor(String where, byte[] bytes) {
    this.where = where;
    this.b = bytes;
  }

  int position() {
    return p;
  }

  boolean atEnd() {
    return p >= b.length;
  }

  int remaining() {
    return b.length - p;
  }

  int u1() {
    need(1);
    return b[p++] & 0xFF;
  }

  int u2() {
    need(2);
    int v = (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
    p += 2;
    return v;
  }

  int s4() {
    need(4);
    int v =
        (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
    p += 4;
    return v;
  }

  long u4() {
    return s4() & 0xFFFFFFFFL;
  }

  long s8() {
    long lo = u4();
    long hi = u4();
    return lo | hi << 32;
  }

  /** 8 raw bytes in big-endian order (BINFLOAT). */
  long be8() {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (b[p + i] & 0xFF);
    }
    p += 8;
    return v;
  }

  /** Reads {@code n} bytes, failing if fewer remain (also catches absurd lengths). */
  byte[] bytes(long n) {
    if (n < 0 || n > remaining()) {
      throw fail("length " + n + " exceeds the " + remaining() + " bytes left");
    }
    byte[] out = Arrays.copyOfRange(b, p, p + (int) n);
    p += (int) n;
    return out;
  }

  void skip(long n) {
    if (n < 0 || n > remaining()) {
      throw fail("length " + n + " exceeds the " + remaining() + " bytes left");
    }
    p += (int) n;
  }

  /**
   * A newline-terminated line without the newline, one char per byte (ISO-8859-1) so no information
   * is lost; callers decode further as the opcode requires.
   */
  String line() {
    int start = p;
    while (p < b.length && b[p] != '\n') {
      p++;
    }
    if (p >= b.length) {
      throw fail("unterminated text argument");
    }
    String s = new String(b, start, p - start, StandardCharsets.ISO_8859_1);
    p++;
    return s;
  }

  private void need(int n) {
    if (remaining() < n) {
      throw fail("truncated (needs " + n + " more bytes)");
    }
  }

  TensorFormatException fail(String why) {
    return new TensorFormatException(where + ": " + why + " at offset " + p);
  }
}
