package org.fasterdit.io;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What REDUCE, NEWOBJ and BUILD mean for each allow-listed global: a fixed mapping to Java
 * constructors with argument checks. Nothing here can run Python code or reach reflection.
 */
final class PickleCalls {
  private PickleCalls() {}

  /** REDUCE: {@code g(*args)}. */
  static Object call(String where, PyGlobal g, PyTuple args) {
    List<Object> a = args.items();
    return switch (g.qualifiedName()) {
      case "collections.OrderedDict" -> {
        PyOrderedDict d = new PyOrderedDict();
        if (a.size() == 1) {
          fillPairs(where, d, a.get(0));
        } else if (!a.isEmpty()) {
          throw bad(where, g, "takes at most one argument");
        }
        yield d;
      }
      case "torch._utils._rebuild_tensor_v2" -> {
        if (a.size() != 6 && a.size() != 7) {
          throw bad(where, g, "expects 6 or 7 arguments, got " + a.size());
        }
        if (!(a.get(4) instanceof Boolean)) {
          throw bad(where, g, "requires_grad is not a bool");
        }
        yield TorchTensors.rebuild(where, a.get(0), a.get(1), a.get(2), a.get(3));
      }
      case "torch._utils._rebuild_tensor" -> {
        if (a.size() != 4) {
          throw bad(where, g, "expects 4 arguments, got " + a.size());
        }
        yield TorchTensors.rebuild(where, a.get(0), a.get(1), a.get(2), a.get(3));
      }
      case "torch._utils._rebuild_parameter" -> {
        if (a.size() != 3 || !(a.get(0) instanceof HostTensor t)) {
          throw bad(where, g, "expects (tensor, requires_grad, backward_hooks)");
        }
        yield t;
      }
      case "torch.device" -> device(where, g, a);
      case "argparse.Namespace" -> {
        if (!a.isEmpty()) {
          throw bad(where, g, "takes keyword arguments only");
        }
        yield new PyNamespace(new LinkedHashMap<>());
      }
      case "_codecs.encode" -> encode(where, g, a);
      case "builtins.set", "builtins.frozenset" -> {
        Set<Object> s = new LinkedHashSet<>();
        if (a.size() == 1) {
          if (!(a.get(0) instanceof Collection<?> items) && !(a.get(0) instanceof PyTuple)) {
            throw bad(where, g, "argument is not a list or tuple");
          }
          Collection<?> items =
              a.get(0) instanceof PyTuple t ? t.items() : (Collection<?>) a.get(0);
          for (Object o : items) {
            if (!Hashable.check(o)) {
              throw bad(where, g, "element is unhashable");
            }
            s.add(o);
          }
        } else if (!a.isEmpty()) {
          throw bad(where, g, "takes at most one argument");
        }
        yield g.name().equals("frozenset") ? Collections.unmodifiableSet(s) : s;
      }
      default -> throw bad(where, g, "is not callable (it may only be used as a type tag)");
    };
  }

  /** NEWOBJ / NEWOBJ_EX: {@code cls.__new__(cls, *args, **kwargs)}. */
  static Object newObject(String where, PyGlobal cls, PyTuple args, Map<?, ?> kwargs) {
    if (!args.items().isEmpty() || !kwargs.isEmpty()) {
      throw bad(where, cls, "cannot be created with arguments via NEWOBJ");
    }
    return switch (cls.qualifiedName()) {
      case "argparse.Namespace" -> new PyNamespace(new LinkedHashMap<>());
      case "collections.OrderedDict" -> new PyOrderedDict();
      case "builtins.set" -> new LinkedHashSet<>();
      default -> throw bad(where, cls, "cannot be instantiated via NEWOBJ");
    };
  }

  /** BUILD: restore instance state (the {@code __dict__}) onto {@code inst}. */
  static void build(String where, Object inst, Object state) {
    Map<?, ?> dict = stateDict(where, state);
    if (inst instanceof PyNamespace ns) {
      dict.forEach((k, v) -> ns.attributes().put(attrName(where, k), v));
    } else if (inst instanceof PyOrderedDict od) {
      // e.g. a state_dict's _metadata: kept apart so the map holds only the items.
      dict.forEach((k, v) -> od.attributes().put(attrName(where, k), v));
    } else {
      throw new TensorFormatException(
          where + ": BUILD is not supported on " + RestrictedUnpickler.typeName(inst));
    }
  }

  private static Map<?, ?> stateDict(String where, Object state) {
    if (state instanceof Map<?, ?> m) {
      return m;
    }
    // (dict_state, slot_state) form used when a class has __slots__.
    if (state instanceof PyTuple t
        && t.size() == 2
        && t.get(1) == null
        && (t.get(0) == null || t.get(0) instanceof Map<?, ?>)) {
      return t.get(0) == null ? Map.of() : (Map<?, ?>) t.get(0);
    }
    throw new TensorFormatException(
        where + ": BUILD state is not a dict but " + RestrictedUnpickler.typeName(state));
  }

  private static String attrName(String where, Object k) {
    if (k instanceof String s) {
      return s;
    }
    throw new TensorFormatException(where + ": attribute name is not a string");
  }

  private static void fillPairs(String where, Map<Object, Object> d, Object items) {
    Collection<?> list =
        items instanceof PyTuple t ? t.items() : items instanceof Collection<?> c ? c : null;
    if (list == null) {
      throw new TensorFormatException(where + ": OrderedDict argument is not a sequence");
    }
    for (Object p : list) {
      List<?> kv = p instanceof PyTuple t ? t.items() : p instanceof List<?> l ? l : null;
      if (kv == null || kv.size() != 2 || !Hashable.check(kv.get(0))) {
        throw new TensorFormatException(
            where + ": OrderedDict item is not a " + "(hashable key, value) pair");
      }
      d.put(kv.get(0), kv.get(1));
    }
  }

  /** torch.device('cuda', 0) / ('cpu') -> "cuda:0" / "cpu". */
  private static String device(String where, PyGlobal g, List<Object> a) {
    if (a.isEmpty() || a.size() > 2 || !(a.get(0) instanceof String type)) {
      throw bad(where, g, "expects (type[, index])");
    }
    if (a.size() == 2 && a.get(1) != null) {
      if (!(a.get(1) instanceof Long idx)) {
        throw bad(where, g, "index is not an int");
      }
      return type + ":" + idx;
    }
    return type;
  }

  /** Protocol-2 pickles write bytes b as _codecs.encode(b.decode('latin1'), 'latin1'). */
  private static byte[] encode(String where, PyGlobal g, List<Object> a) {
    if (a.size() != 2 || !(a.get(0) instanceof String s) || !(a.get(1) instanceof String enc)) {
      throw bad(where, g, "expects (str, encoding)");
    }
    switch (enc.toLowerCase(java.util.Locale.ROOT)) {
      case "latin1", "latin-1", "iso-8859-1", "iso8859-1" -> {
        for (int i = 0; i < s.length(); i++) {
          if (s.charAt(i) > 0xFF) {
            throw bad(where, g, "character beyond latin1");
          }
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
      }
      case "utf-8", "utf8" -> {
        return s.getBytes(StandardCharsets.UTF_8);
      }
      case "ascii" -> {
        for (int i = 0; i < s.length(); i++) {
          if (s.charAt(i) > 0x7F) {
            throw bad(where, g, "character beyond ascii");
          }
        }
        return s.getBytes(StandardCharsets.US_ASCII);
      }
      default -> throw bad(where, g, "unsupported encoding '" + enc + "'");
    }
  }

  private static TensorFormatException bad(String where, PyGlobal g, String why) {
    return new TensorFormatException(where + ": " + g.qualifiedName() + " " + why);
  }
}
