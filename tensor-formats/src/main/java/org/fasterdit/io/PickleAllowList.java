package org.fasterdit.io;

import java.util.Set;
import java.util.TreeSet;

/**
 * The fixed set of Python globals a checkpoint pickle may reference. Everything else (os.system,
 * builtins.eval, subprocess.Popen, ...) is refused by name. Entries are matched exactly; they are
 * never imported or executed, only mapped to Java constructors.
 */
final class PickleAllowList {
  static final Set<String> ALLOWED =
      Set.of(
          "collections.OrderedDict",
          "torch._utils._rebuild_tensor",
          "torch._utils._rebuild_tensor_v2",
          "torch._utils._rebuild_parameter",
          "torch.DoubleStorage",
          "torch.FloatStorage",
          "torch.HalfStorage",
          "torch.BFloat16Storage",
          "torch.LongStorage",
          "torch.IntStorage",
          "torch.ShortStorage",
          "torch.CharStorage",
          "torch.ByteStorage",
          "torch.BoolStorage",
          "torch.device",
          "argparse.Namespace",
          // Protocol-2 pickles of Python 3 objects spell bytes and sets through these.
          "_codecs.encode",
          "builtins.set",
          "builtins.frozenset");

  private PickleAllowList() {}

  /** Python 3 writes Python 2 module names in protocols 0-2; map them back like pickle does. */
  static String normalizeModule(String module) {
    return switch (module) {
      case "__builtin__" -> "builtins";
      case "copy_reg" -> "copyreg";
      default -> module;
    };
  }

  /** Returns the normalized global, or throws naming it if it is not allow-listed. */
  static PyGlobal check(String where, String module, String name) {
    String qualified = normalizeModule(module) + "." + name;
    if (!ALLOWED.contains(qualified)) {
      throw new TensorFormatException(
          where
              + ": global '"
              + module
              + "."
              + name
              + "' is not allowed (allowed: "
              + String.join(", ", new TreeSet<>(ALLOWED))
              + ")");
    }
    return new PyGlobal(normalizeModule(module), name);
  }
}
