package org.fasterdit.train;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One training config key: its name, the group it belongs to, its type, default, a one-line doc and
 * the names it is also accepted under (the flags DiT, SiT and torchrun users type, and names this
 * project used before). The table of all keys is {@link ConfigKeys}.
 *
 * @param parser turns the text of a value into the typed value (Integer, Long, Double, Boolean,
 *     String or a domain type such as {@code FlowPath}); throws IllegalArgumentException with a
 *     message for a CLI user
 */
public record ConfigKey(
    String name,
    Group group,
    String type,
    String defaultValue,
    String doc,
    List<String> aliases,
    Function<String, Object> parser) {

  /** Which part of the typed config a key feeds. */
  public enum Group {
    MODEL,
    OBJECTIVE,
    DATA,
    OPTIM,
    RUN;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ConfigKey {
    aliases = List.copyOf(aliases);
  }

  /** The typed value of {@code text}; the error names this key and the value. */
  public Object parse(String text) {
    if (text == null) throw new ConfigException("config key '" + name + "' has no value");
    try {
      return parser.apply(text.trim());
    } catch (
        RuntimeException e) { // domain parsers throw IllegalArgumentException or TorchException
      String m = e.getMessage();
      throw new ConfigException(
          "config key '" + name + "'" + (m.startsWith("must") ? " " : ": ") + m, e);
    }
  }

  /** The name and every alias. */
  public List<String> aliasesAndName() {
    List<String> all = new java.util.ArrayList<>(aliases);
    all.add(0, name);
    return all;
  }

  /** True for keys that may be given as a bare flag ({@code --tf32}, {@code --no-flip}). */
  public boolean isBoolean() {
    return type.equals("boolean");
  }

  // Parsers for the plain types; each message says what was expected.

  static Integer intAtLeast(String s, int min) {
    int v;
    try {
      v = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new ConfigException("must be an integer, got '" + s + "'");
    }
    if (v < min) throw new ConfigException("must be >= " + min + ", got " + v);
    return v;
  }

  static Long longAtLeast(String s, long min) {
    long v;
    try {
      v = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new ConfigException("must be an integer, got '" + s + "'");
    }
    if (v < min) throw new ConfigException("must be >= " + min + ", got " + v);
    return v;
  }

  static Double number(String s, double lo, double hi, boolean hiOpen) {
    double v;
    try {
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new ConfigException("must be a finite number, got '" + s + "'");
    }
    if (!Double.isFinite(v)) throw new ConfigException("must be a finite number, got '" + s + "'");
    boolean ok = v >= lo && (hiOpen ? v < hi : v <= hi);
    if (!ok) {
      String range =
          Double.isInfinite(hi) ? ">= " + lo : "in [" + lo + ", " + hi + (hiOpen ? ")" : "]");
      throw new ConfigException("must be " + range + ", got " + v);
    }
    return v;
  }

  /**
   * A duration in seconds: a plain number (seconds) or a number with the unit s, m or h ({@code
   * 90}, {@code 7.5m}, {@code 2h}); 0 = none.
   */
  static Double seconds(String s) {
    String x = s.trim().toLowerCase(Locale.ROOT);
    double unit = 1;
    if (x.endsWith("h")) unit = 3600;
    else if (x.endsWith("m")) unit = 60;
    if (x.endsWith("h") || x.endsWith("m") || x.endsWith("s")) x = x.substring(0, x.length() - 1);
    double v;
    try {
      v = Double.parseDouble(x);
    } catch (NumberFormatException e) {
      throw new ConfigException("must be a duration such as 90, 90s, 7.5m or 2h, got '" + s + "'");
    }
    if (!Double.isFinite(v) || v < 0)
      throw new ConfigException("must be a duration >= 0 such as 90s, 7.5m or 2h, got '" + s + "'");
    return v * unit;
  }

  static Boolean bool(String s) {
    String x = s.toLowerCase(Locale.ROOT);
    if (x.equals("true") || x.equals("1") || x.equals("yes")) return true;
    if (x.equals("false") || x.equals("0") || x.equals("no")) return false;
    throw new ConfigException("must be true or false, got '" + s + "'");
  }
}
