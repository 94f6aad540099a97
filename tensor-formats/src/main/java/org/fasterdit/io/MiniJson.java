package org.fasterdit.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, dependency-free JSON parser (RFC 8259) and string quoter, sized for safetensors
 * headers. Objects become {@code LinkedHashMap<String,Object>} (duplicate keys rejected), arrays
 * {@code ArrayList}, integers {@code Long} (or {@code BigInteger}), other numbers {@code Double}.
 * Nesting is capped so hostile input cannot exhaust the Java stack. Public for small config files
 * (a diffusers {@code config.json}); errors name the file and the offset.
 */
public final class MiniJson {
  static final int MAX_DEPTH = 64;

  private final String file;
  private final String s;
  private int p;

  private MiniJson(String file, String s) {
    this.file = file;
    this.s = s;
  }

  public static Object parse(String file, String text) {
    MiniJson j = new MiniJson(file, text);
    j.ws();
    Object v = j.value(0);
    j.ws();
    if (j.p != text.length()) {
      throw j.fail("trailing characters after the JSON value");
    }
    return v;
  }

  private Object value(int depth) {
    if (depth > MAX_DEPTH) {
      throw fail("nesting deeper than " + MAX_DEPTH);
    }
    if (p >= s.length()) {
      throw fail("unexpected end of JSON");
    }
    char c = s.charAt(p);
    return switch (c) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number();
        }
        throw fail("unexpected character '" + c + "'");
      }
    };
  }

  private Map<String, Object> object(int depth) {
    p++;
    LinkedHashMap<String, Object> m = new LinkedHashMap<>();
    ws();
    if (peek() == '}') {
      p++;
      return m;
    }
    while (true) {
      ws();
      if (peek() != '"') {
        throw fail("expected a string key");
      }
      String k = string();
      ws();
      expect(':');
      ws();
      Object v = value(depth + 1);
      if (m.containsKey(k)) {
        throw fail("duplicate key \"" + k + "\"");
      }
      m.put(k, v);
      ws();
      if (peek() == ',') {
        p++;
      } else if (peek() == '}') {
        p++;
        return m;
      } else {
        throw fail("expected ',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) {
    p++;
    List<Object> a = new ArrayList<>();
    ws();
    if (peek() == ']') {
      p++;
      return a;
    }
    while (true) {
      ws();
      a.add(value(depth + 1));
      ws();
      if (peek() == ',') {
        p++;
      } else if (peek() == ']') {
        p++;
        return a;
      } else {
        throw fail("expected ',' or ']'");
      }
    }
  }

  private String string() {
    p++;
    StringBuilder b = new StringBuilder();
    while (true) {
      if (p >= s.length()) {
        throw fail("unterminated string");
      }
      char c = s.charAt(p++);
      if (c == '"') {
        return b.toString();
      }
      if (c < 0x20) {
        throw fail("unescaped control character in string");
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (p >= s.length()) {
        throw fail("unterminated escape");
      }
      char e = s.charAt(p++);
      switch (e) {
        case '"' -> b.append('"');
        case '\\' -> b.append('\\');
        case '/' -> b.append('/');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (p + 4 > s.length()) {
            throw fail("truncated \\u escape");
          }
          int v = 0;
          for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(p + i), 16);
            if (d < 0) {
              throw fail("bad hex digit in \\u escape");
            }
            v = v * 16 + d;
          }
          p += 4;
          b.append((char) v);
        }
        default -> throw fail("bad escape '\\" + e + "'");
      }
    }
  }

  private Object number() {
    int start = p;
    if (peek() == '-') {
      p++;
    }
    if (peek() == '0') {
      p++;
    } else if (peek() >= '1' && peek() <= '9') {
      digits();
    } else {
      throw fail("malformed number");
    }
    boolean integral = true;
    if (peek() == '.') {
      p++;
      integral = false;
      if (!(peek() >= '0' && peek() <= '9')) {
        throw fail("malformed number");
      }
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      p++;
      integral = false;
      if (peek() == '+' || peek() == '-') {
        p++;
      }
      if (!(peek() >= '0' && peek() <= '9')) {
        throw fail("malformed number");
      }
      digits();
    }
    String lit = s.substring(start, p);
    if (!integral) {
      return Double.parseDouble(lit);
    }
    if (lit.length() <= 18) {
      return Long.parseLong(lit);
    }
    BigInteger big = new BigInteger(lit);
    return big.bitLength() < 64 ? (Object) big.longValue() : big;
  }

  private void digits() {
    while (peek() >= '0' && peek() <= '9') {
      p++;
    }
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, p)) {
      throw fail("unexpected token");
    }
    p += word.length();
    return v;
  }

  private void expect(char c) {
    if (peek() != c) {
      throw fail("expected '" + c + "'");
    }
    p++;
  }

  private char peek() {
    return p < s.length() ? s.charAt(p) : '\0';
  }

  private void ws() {
    while (p < s.length()) {
      char c = s.charAt(p);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      p++;
    }
  }

  private TensorFormatException fail(String why) {
    return new TensorFormatException(file + ": bad JSON at offset " + p + ": " + why);
  }

  /** JSON string literal for {@code v}, escaping quotes, backslashes and control characters. */
  static String quote(String v) {
    StringBuilder b = new StringBuilder(v.length() + 2).append('"');
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
