package org.fasterdit.dist;

/**
 * Turns c10d's exception text (a message followed by a native stack dump) into one readable line.
 */
final class C10dErrors {
  private C10dErrors() {}

  static String firstLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) return e.getClass().getSimpleName();
    for (String line : m.split("\n")) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("Exception raised from") && !l.startsWith("frame #"))
        return stripSource(l);
    }
    return m.strip();
  }

  /**
   * Gloo prefixes its messages with the build machine's source path, "[/long/path/pair.cc:538] ":
   * drop it.
   */
  static String stripSource(String line) {
    if (line.startsWith("[")) {
      int end = line.indexOf("] ");
      if (end > 0 && line.substring(0, end).matches("\\[[^ ]*\\.(cc|cpp|h):\\d+"))
        return line.substring(end + 2);
    }
    return line;
  }
}
