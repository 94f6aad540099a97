package org.fasterdit.cli;

import java.util.ArrayList;
import java.util.List;
import org.fasterdit.train.ConfigException;
import org.fasterdit.train.ConfigKey;
import org.fasterdit.train.ConfigKeys;

/**
 * Turns leftover CLI words into key=value strings: {@code --key=value}, {@code --key value}, {@code
 * key=value}, and for boolean keys the bare flags {@code --tf32} (true) and {@code --no-flip}
 * (false). Keys may be aliases ({@code --global-batch-size}); the resolver maps them.
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
        continue;
      }
      ConfigKey bare = a.startsWith("--") ? ConfigKeys.find(s) : null;
      boolean nextIsValue = i + 1 < args.size() && !args.get(i + 1).startsWith("--");
      if (bare != null && bare.isBoolean() && !(nextIsValue && isBooleanWord(args.get(i + 1)))) {
        out.add(bare.name() + "=true");
      } else if (a.startsWith("--no-") && isBooleanKey(s.substring(3))) {
        out.add(ConfigKeys.find(s.substring(3)).name() + "=false");
      } else if (a.startsWith("--") && nextIsValue) {
        out.add(s + "=" + args.get(++i));
      } else {
        throw new ConfigException("expected --key=value, got '" + a + "'");
      }
    }
    return out;
  }

  private static boolean isBooleanKey(String name) {
    ConfigKey k = ConfigKeys.find(name);
    return k != null && k.isBoolean();
  }

  private static boolean isBooleanWord(String s) {
    return s.matches("(?i)true|false|yes|no|1|0");
  }
}
