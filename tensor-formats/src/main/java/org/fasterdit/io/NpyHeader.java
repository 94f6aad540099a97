package org.fasterdit.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parsed preamble of a .npy file: magic, version, and the Python-literal header dict {@code
 * {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}.
 *
 * @param dataOffset byte offset of the array data from the start of the .npy
 * @param dataBytes declared array payload size (numel * itemsize), overflow-checked
 */
record NpyHeader(
    DType dtype,
    boolean bigEndian,
    boolean fortranOrder,
    long[] shape,
    long dataOffset,
    long dataBytes) {

  static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** numpy itself refuses headers beyond this unless asked; plenty for any real shape. */
  static final long MAX_HEADER_LEN = 1 << 20;

  /** Minimum bytes that must be present to know the header length. */
  static final int PREFIX_LEN = 12;

  /** Parses the header at the start of {@code s}; only the header bytes need to be present. */
  static NpyHeader parse(String file, MemorySegment s) {
    long size = s.byteSize();
    if (size < 10) {
      throw new TensorFormatException(file + ": too short for a .npy header (" + size + " bytes)");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (s.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
        throw new TensorFormatException(file + ": not a .npy file (bad magic)");
      }
    }
    int major = (int) Segments.u8(s, 6);
    long headerLen;
    long start;
    if (major == 1) {
      headerLen = Segments.u16(s, 8);
      start = 10;
    } else if (major == 2 || major == 3) {
      if (size < 12) {
        throw new TensorFormatException(file + ": truncated .npy v" + major + " header");
      }
      headerLen = Segments.u32(s, 8);
      start = 12;
    } else {
      throw new TensorFormatException(
          file + ": unsupported .npy version " + major + "." + Segments.u8(s, 7));
    }
    if (headerLen > MAX_HEADER_LEN) {
      throw new TensorFormatException(
          file + ": .npy header length " + headerLen + " exceeds limit " + MAX_HEADER_LEN);
    }
    if (!Segments.inBounds(start, headerLen, size)) {
      throw new TensorFormatException(
          file
              + ": .npy header length "
              + headerLen
              + " runs past end of data ("
              + size
              + " bytes)");
    }
    byte[] raw = s.asSlice(start, headerLen).toArray(ValueLayout.JAVA_BYTE);
    // v1/v2 are latin1 per the spec; v3 is utf8. Only ASCII is meaningful in either case.
    String text =
        new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    return new Parser(file, text).parseDict(start + headerLen);
  }

  /** The full header block (magic..padding..newline) for a v1.0 file, 64-byte aligned. */
  static byte[] encode(DType dtype, long[] shape) {
    StringBuilder sb = new StringBuilder();
    sb.append("{'descr': '").append(dtype.numpyDescr()).append("', 'fortran_order': False, ");
    sb.append("'shape': (");
    // numpy's repr of a tuple: "()", "(3,)", "(2, 3)".
    for (int i = 0; i < shape.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    if (shape.length == 1) {
      sb.append(',');
    }
    sb.append("), }");
    int prefix = 10;
    int major = 1;
    int total = prefix + sb.length() + 1;
    if (total > 0xFFFF) {
      major = 2;
      prefix = 12;
      total = prefix + sb.length() + 1;
    }
    int padded = (total + 63) / 64 * 64;
    while (sb.length() + 1 + prefix < padded) {
      sb.append(' ');
    }
    sb.append('\n');
    byte[] h = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[prefix + h.length];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    out[6] = (byte) major;
    out[7] = 0;
    int len = h.length;
    out[8] = (byte) len;
    out[9] = (byte) (len >>> 8);
    if (major == 2) {
      out[10] = (byte) (len >>> 16);
      out[11] = (byte) (len >>> 24);
    }
    System.arraycopy(h, 0, out, prefix, h.length);
    return out;
  }

  /** Recursive-descent parser for the tiny Python-literal subset numpy writes. */
  private static final class Parser {
    private final String file;
    private final String t;
    private int p;

    Parser(String file, String text) {
      this.file = file;
      this.t = text;
    }

    NpyHeader parseDict(long dataOffset) {
      String descr = null;
      Boolean fortran = null;
      long[] shape = null;
      expect('{');
      while (true) {
        skipWs();
        if (peek() == '}') {
          p++;
          break;
        }
        String key = parseString();
        expect(':');
        switch (key) {
          case "descr" -> {
            skipWs();
            if (peek() == '[') {
              throw fail("structured (record) dtypes are not supported");
            }
            descr = parseString();
          }
          case "fortran_order" -> fortran = parseBool();
          case "shape" -> shape = parseShape();
          default -> throw fail("unexpected header key '" + key + "'");
        }
        skipWs();
        if (peek() == ',') {
          p++;
        } else if (peek() != '}') {
          throw fail("expected ',' or '}' at header offset " + p);
        }
      }
      skipWs();
      if (p != t.length()) {
        throw fail("trailing characters after header dict");
      }
      if (descr == null || fortran == null || shape == null) {
        throw fail("header must contain 'descr', 'fortran_order' and 'shape'");
      }
      DType dtype = DType.fromNumpyDescr(file, descr);
      boolean big = descr.startsWith(">");
      long bytes = Segments.byteCount(file, shape, dtype);
      return new NpyHeader(dtype, big, fortran, shape, dataOffset, bytes);
    }

    private long[] parseShape() {
      expect('(');
      List<Long> dims = new ArrayList<>();
      while (true) {
        skipWs();
        if (peek() == ')') {
          p++;
          break;
        }
        dims.add(parseInt());
        skipWs();
        if (peek() == ',') {
          p++;
        } else if (peek() != ')') {
          throw fail("malformed shape tuple");
        }
        if (dims.size() > 64) {
          throw fail("more than 64 dimensions");
        }
      }
      return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private long parseInt() {
      int s = p;
      while (p < t.length() && Character.isDigit(t.charAt(p)) && t.charAt(p) < 128) {
        p++;
      }
      if (s == p || p - s > 18) {
        throw fail("bad dimension in shape");
      }
      long v = Long.parseLong(t.substring(s, p));
      if (p < t.length() && t.charAt(p) == 'L') {
        p++; // Python 2 long suffix written by very old numpy
      }
      return v;
    }

    private boolean parseBool() {
      skipWs();
      if (t.startsWith("True", p)) {
        p += 4;
        return true;
      }
      if (t.startsWith("False", p)) {
        p += 5;
        return false;
      }
      throw fail("expected True or False");
    }

    private String parseString() {
      skipWs();
      char q = peek();
      if (q != '\'' && q != '"') {
        throw fail("expected a quoted string at header offset " + p);
      }
      int end = t.indexOf(q, p + 1);
      if (end < 0) {
        throw fail("unterminated string");
      }
      String s = t.substring(p + 1, end);
      if (s.indexOf('\\') >= 0) {
        throw fail("escapes in header strings are not supported");
      }
      p = end + 1;
      return s;
    }

    private void expect(char c) {
      skipWs();
      if (peek() != c) {
        throw fail("expected '" + c + "' at header offset " + p);
      }
      p++;
    }

    private char peek() {
      return p < t.length() ? t.charAt(p) : '\0';
    }

    private void skipWs() {
      while (p < t.length()
          && (t.charAt(p) == ' '
              || t.charAt(p) == '\n'
              || t.charAt(p) == '\t'
              || t.charAt(p) == '\r')) {
        p++;
      }
    }

    private TensorFormatException fail(String why) {
      return new TensorFormatException(file + ": bad .npy header: " + why);
    }
  }

  @Override
  public String toString() {
    return "NpyHeader["
        + dtype
        + " "
        + Arrays.toString(shape)
        + (bigEndian ? " BE" : "")
        + (fortranOrder ? " F" : "")
        + "]";
  }
}
