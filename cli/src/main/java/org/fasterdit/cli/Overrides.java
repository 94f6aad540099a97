package org.fasterdit.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns leftover CLI words ({@code --key=value}, {@code --key value}, {@code key=value}) into
 * key=value strings.
 */
final class Overrides {
  private Overrides() {}

  static List<String> parse(List<String> args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String s = a.startsWith("--") ? a.substring(2) : a;
      if (s.contains("=")) {
        out.add(s);
      } else if (a.startsWith("--") && i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        out.add(s + "=" + args.get(++i));
      } else {
        throw new IllegalArgumentException("expected --key=value, got '" + a + "'");
      }
    }
    return out;
  }
}
