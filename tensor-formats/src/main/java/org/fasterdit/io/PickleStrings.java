package org.fasterdit.io;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Decoding of the text arguments of protocol-0 opcodes and of pickled strings. */
final class PickleStrings {
  /** Python's float repr: digits with optional fraction/exponent, or inf/nan. */
  private static final Pattern FLOAT =
      Pattern.compile("[+-]?(\\d+\\.?\\d*([eE][+-]?\\d+)?|\\.\\d+([eE][+-]?\\d+)?|inf|nan)");

  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

  private PickleStrings() {}

  /** Strict UTF-8 (BINUNICODE and friends). */
  static String utf8(String where, byte[] raw) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new TensorFormatException(where + ": pickled string is not valid UTF-8");
    }
  }

  /** Re-decodes a byte-preserving (latin1) line as UTF-8. */
  static String utf8(String where, String latin1Line) {
    return utf8(where, latin1Line.getBytes(StandardCharsets.ISO_8859_1));
  }

  static long parseMemoIndex(PickleCursor c, String line) {
    if (!line.matches("\\d{1,18}")) {
      throw c.fail("bad memo index '" + line + "'");
    }
    return Long.parseLong(line);
  }

  /** INT opcode: "00"/"01" are Python 2 bools; otherwise a (possibly huge) decimal integer. */
  static Object parseInt(String where, String line) {
    if (line.equals("00")) {
      return Boolean.FALSE;
    }
    if (line.equals("01")) {
      return Boolean.TRUE;
    }
    return parseLong(where, line);
  }

  /** LONG opcode: decimal integer with an optional Python 2 'L' suffix. */
  static Object parseLong(String where, String line) {
    String s = line.endsWith("L") ? line.substring(0, line.length() - 1) : line;
    if (!INTEGER.matcher(s).matches() || s.length() > 10_000) {
      throw new TensorFormatException(where + ": bad integer literal '" + abbreviate(line) + "'");
    }
    return narrow(new BigInteger(s));
  }

  static Object narrow(BigInteger v) {
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  static double parseFloat(String where, String line) {
    String s = line.strip();
    if (!FLOAT.matcher(s).matches()) {
      throw new TensorFormatException(where + ": bad float literal '" + abbreviate(line) + "'");
    }
    return switch (s) {
      case "inf", "+inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      case "nan", "+nan", "-nan" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }

  /** STRING opcode: a quoted Python 2 str repr with backslash escapes, then UTF-8. */
  static String unquote(String where, String line) {
    if (line.length() < 2
        || line.charAt(0) != line.charAt(line.length() - 1)
        || (line.charAt(0) != '\'' && line.charAt(0) != '"')) {
      throw new TensorFormatException(where + ": STRING argument must be quoted");
    }
    String body = line.substring(1, line.length() - 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length());
    for (int i = 0; i < body.length(); i++) {
      char ch = body.charAt(i);
      if (ch != '\\') {
        out.write(ch);
        continue;
      }
      if (++i >= body.length()) {
        throw new TensorFormatException(where + ": STRING ends with a lone backslash");
      }
      char e = body.charAt(i);
      switch (e) {
        case '\\', '\'', '"' -> out.write(e);
        case 'n' -> out.write('\n');
        case 't' -> out.write('\t');
        case 'r' -> out.write('\r');
        case 'a' -> out.write(7);
        case 'b' -> out.write(8);
        case 'f' -> out.write(12);
        case 'v' -> out.write(11);
        case 'x' -> {
          out.write(hex(where, body, i + 1, 2));
          i += 2;
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int v = 0;
            int n = 0;
            while (n < 3 && i < body.length() && body.charAt(i) >= '0' && body.charAt(i) <= '7') {
              v = v * 8 + (body.charAt(i++) - '0');
              n++;
            }
            i--;
            out.write(v & 0xFF);
          } else {
            out.write('\\');
            out.write(e);
          }
        }
      }
    }
    return utf8(where, out.toByteArray());
  }

  /** UNICODE opcode: raw-unicode-escape (latin1 bytes plus \\uXXXX and \\UXXXXXXXX). */
  static String rawUnicodeEscape(String where, String latin1Line) {
    StringBuilder b = new StringBuilder(latin1Line.length());
    for (int i = 0; i < latin1Line.length(); i++) {
      char ch = latin1Line.charAt(i);
      if (ch == '\\'
          && i + 1 < latin1Line.length()
          && (latin1Line.charAt(i + 1) == 'u' || latin1Line.charAt(i + 1) == 'U')) {
        int digits = latin1Line.charAt(i + 1) == 'u' ? 4 : 8;
        int cp = hex(where, latin1Line, i + 2, digits);
        if (!Character.isValidCodePoint(cp)) {
          throw new TensorFormatException(where + ": bad code point in UNICODE");
        }
        b.appendCodePoint(cp);
        i += 1 + digits;
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }

  private static int hex(String where, String s, int from, int digits) {
    if (from + digits > s.length()) {
      throw new TensorFormatException(where + ": truncated hex escape");
    }
    long v = 0;
    for (int k = 0; k < digits; k++) {
      int d = Character.digit(s.charAt(from + k), 16);
      if (d < 0) {
        throw new TensorFormatException(where + ": bad hex digit in escape");
      }
      v = v * 16 + d;
    }
    return v > Integer.MAX_VALUE ? -1 : (int) v;
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
