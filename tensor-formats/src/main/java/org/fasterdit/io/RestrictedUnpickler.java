package org.fasterdit.io;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A pickle virtual machine that builds plain Java data and never runs code.
 *
 * <p>{@link #load} first runs {@link PickleScanner} over the whole stream, so a pickle that names
 * any global outside {@link PickleAllowList} is refused before a single opcode executes. Allowed
 * callables are then mapped to Java constructors by {@link PickleCalls}.
 *
 * <p>Resource bounds: every opcode consumes at least one input byte and pushes at most one object,
 * so stack, memo and mark stack are all bounded by the input length; string and bytes lengths are
 * checked against the remaining input before allocation.
 */
public final class RestrictedUnpickler {
  private final String where;
  private final byte[] pickle;
  private final Function<Object, Object> persistentLoad;

  private List<Object> stack = new ArrayList<>();
  private final Deque<List<Object>> metastack = new ArrayDeque<>();
  private final Map<Long, Object> memo = new HashMap<>();
  private PickleCursor c;

  /**
   * @param where prefix for error messages, e.g. {@code "model.pt: data.pkl"}
   * @param persistentLoad maps a persistent id (BINPERSID/PERSID) to an object; may throw {@link
   *     TensorFormatException}
   */
  public RestrictedUnpickler(String where, byte[] pickle, Function<Object, Object> persistentLoad) {
    this.where = where;
    this.pickle = pickle;
    this.persistentLoad = persistentLoad;
  }

  public Object load() {
    PickleScanner.scan(where, pickle);
    c = new PickleCursor(where, pickle);
    while (true) {
      int at = c.position();
      PickleOp op = PickleOp.of(c.u1());
      if (op == PickleOp.STOP) {
        return pop(op, at);
      }
      step(op, at);
    }
  }

  private void step(PickleOp op, int at) {
    switch (op) {
      case PROTO -> {
        int v = c.u1();
        if (v > 5) {
          throw fail("unsupported pickle protocol " + v, at);
        }
      }
      case FRAME -> c.s8(); // framing is only a buffering hint
      case MARK -> {
        metastack.push(stack);
        stack = new ArrayList<>();
      }
      case POP -> {
        if (stack.isEmpty()) {
          popMark(op, at);
        } else {
          pop(op, at);
        }
      }
      case POP_MARK -> popMark(op, at);
      case DUP -> push(peek(op, at));
      case NONE -> push(null);
      case NEWTRUE -> push(Boolean.TRUE);
      case NEWFALSE -> push(Boolean.FALSE);
      case INT -> push(PickleStrings.parseInt(where, c.line()));
      case LONG -> push(PickleStrings.parseLong(where, c.line()));
      case BININT -> push((long) c.s4());
      case BININT1 -> push((long) c.u1());
      case BININT2 -> push((long) c.u2());
      case LONG1 -> push(PickleLongs.decode(c.bytes(c.u1())));
      case LONG4 -> push(PickleLongs.decode(c.bytes(c.s4())));
      case FLOAT -> push(PickleStrings.parseFloat(where, c.line()));
      case BINFLOAT -> push(Double.longBitsToDouble(c.be8()));
      case STRING -> push(PickleStrings.unquote(where, c.line()));
      case BINSTRING -> push(PickleStrings.utf8(where, c.bytes(c.s4())));
      case SHORT_BINSTRING -> push(PickleStrings.utf8(where, c.bytes(c.u1())));
      case UNICODE -> push(PickleStrings.rawUnicodeEscape(where, c.line()));
      case BINUNICODE -> push(PickleStrings.utf8(where, c.bytes(c.u4())));
      case SHORT_BINUNICODE -> push(PickleStrings.utf8(where, c.bytes(c.u1())));
      case BINUNICODE8 -> push(PickleStrings.utf8(where, c.bytes(c.s8())));
      case BINBYTES -> push(c.bytes(c.u4()));
      case SHORT_BINBYTES -> push(c.bytes(c.u1()));
      case BINBYTES8, BYTEARRAY8 -> push(c.bytes(c.s8()));
      case EMPTY_DICT -> push(new LinkedHashMap<>());
      case EMPTY_LIST -> push(new ArrayList<>());
      case EMPTY_TUPLE -> push(new PyTuple(List.of()));
      case EMPTY_SET -> push(new LinkedHashSet<>());
      case DICT -> {
        Map<Object, Object> d = new LinkedHashMap<>();
        setItems(d, popMark(op, at), at);
        push(d);
      }
      case LIST -> push(new ArrayList<>(popMark(op, at)));
      case TUPLE -> push(new PyTuple(popMark(op, at)));
      case TUPLE1 -> push(PyTuple.of(pop(op, at)));
      case TUPLE2 -> {
        Object b = pop(op, at);
        Object a = pop(op, at);
        push(PyTuple.of(a, b));
      }
      case TUPLE3 -> {
        Object c3 = pop(op, at);
        Object b = pop(op, at);
        Object a = pop(op, at);
        push(PyTuple.of(a, b, c3));
      }
      case FROZENSET -> {
        Set<Object> s = new LinkedHashSet<>();
        addItems(s, popMark(op, at), at);
        push(Collections.unmodifiableSet(s));
      }
      case SETITEM -> {
        Object v = pop(op, at);
        Object k = pop(op, at);
        setItems(asDict(peek(op, at), op, at), pair(k, v), at);
      }
      case SETITEMS -> {
        List<Object> items = popMark(op, at);
        setItems(asDict(peek(op, at), op, at), items, at);
      }
      case APPEND -> {
        Object v = pop(op, at);
        asList(peek(op, at), op, at).add(v);
      }
      case APPENDS -> {
        List<Object> items = popMark(op, at);
        asList(peek(op, at), op, at).addAll(items);
      }
      case ADDITEMS -> {
        List<Object> items = popMark(op, at);
        if (!(peek(op, at) instanceof LinkedHashSet<?> set)) {
          throw fail("ADDITEMS target is not a set", at);
        }
        @SuppressWarnings("unchecked")
        Set<Object> s = (Set<Object>) set;
        addItems(s, items, at);
      }
      case PUT -> memo.put(PickleStrings.parseMemoIndex(c, c.line()), peek(op, at));
      case BINPUT -> memo.put((long) c.u1(), peek(op, at));
      case LONG_BINPUT -> memo.put(c.u4(), peek(op, at));
      case MEMOIZE -> memo.put((long) memo.size(), peek(op, at));
      case GET -> push(memoGet(PickleStrings.parseMemoIndex(c, c.line()), at));
      case BINGET -> push(memoGet(c.u1(), at));
      case LONG_BINGET -> push(memoGet(c.u4(), at));
      case GLOBAL -> {
        String module = c.line();
        String name = c.line();
        push(PickleAllowList.check(where, module, name));
      }
      case STACK_GLOBAL -> {
        Object name = pop(op, at);
        Object module = pop(op, at);
        if (!(module instanceof String m) || !(name instanceof String n)) {
          throw fail("STACK_GLOBAL operands are not strings", at);
        }
        push(PickleAllowList.check(where, m, n));
      }
      case REDUCE -> {
        Object args = pop(op, at);
        Object func = pop(op, at);
        push(PickleCalls.call(where, callable(func, op, at), tuple(args, op, at)));
      }
      case NEWOBJ -> {
        Object args = pop(op, at);
        Object cls = pop(op, at);
        push(PickleCalls.newObject(where, callable(cls, op, at), tuple(args, op, at), Map.of()));
      }
      case NEWOBJ_EX -> {
        Object kwargs = pop(op, at);
        Object args = pop(op, at);
        Object cls = pop(op, at);
        if (!(kwargs instanceof Map<?, ?> kw)) {
          throw fail("NEWOBJ_EX kwargs is not a dict", at);
        }
        push(PickleCalls.newObject(where, callable(cls, op, at), tuple(args, op, at), kw));
      }
      case BUILD -> {
        Object state = pop(op, at);
        PickleCalls.build(where, peek(op, at), state);
      }
      case BINPERSID -> push(persistentLoad.apply(pop(op, at)));
      case PERSID -> push(persistentLoad.apply(PickleStrings.utf8(where, c.line())));
      default -> throw fail("opcode " + op + " is not supported", at);
    }
  }

  private static List<Object> pair(Object k, Object v) {
    List<Object> l = new ArrayList<>(2);
    l.add(k);
    l.add(v);
    return l;
  }

  private void setItems(Map<Object, Object> d, List<Object> items, int at) {
    if (items.size() % 2 != 0) {
      throw fail("odd number of items for a dict", at);
    }
    for (int i = 0; i < items.size(); i += 2) {
      Object k = items.get(i);
      if (!Hashable.check(k)) {
        throw fail("unhashable dict key of type " + typeName(k), at);
      }
      d.put(k, items.get(i + 1));
    }
  }

  private void addItems(Set<Object> s, List<Object> items, int at) {
    for (Object o : items) {
      if (!Hashable.check(o)) {
        throw fail("unhashable set element of type " + typeName(o), at);
      }
      s.add(o);
    }
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> asDict(Object o, PickleOp op, int at) {
    if (o instanceof LinkedHashMap<?, ?> m) {
      return (Map<Object, Object>) m;
    }
    throw fail(op + " target is not a dict but " + typeName(o), at);
  }

  @SuppressWarnings("unchecked")
  private List<Object> asList(Object o, PickleOp op, int at) {
    if (o instanceof ArrayList<?> l) {
      return (List<Object>) l;
    }
    throw fail(op + " target is not a list but " + typeName(o), at);
  }

  private PyGlobal callable(Object o, PickleOp op, int at) {
    if (o instanceof PyGlobal g) {
      return g;
    }
    throw fail(op + " callable is not an allowed global but " + typeName(o), at);
  }

  private PyTuple tuple(Object o, PickleOp op, int at) {
    if (o instanceof PyTuple t) {
      return t;
    }
    throw fail(op + " arguments are not a tuple but " + typeName(o), at);
  }

  private Object memoGet(long idx, int at) {
    if (!memo.containsKey(idx)) {
      throw fail("memo key " + idx + " was never stored", at);
    }
    return memo.get(idx);
  }

  private void push(Object o) {
    stack.add(o);
  }

  private Object pop(PickleOp op, int at) {
    if (stack.isEmpty()) {
      throw fail(op + " on an empty stack", at);
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek(PickleOp op, int at) {
    if (stack.isEmpty()) {
      throw fail(op + " on an empty stack", at);
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popMark(PickleOp op, int at) {
    if (metastack.isEmpty()) {
      throw fail(op + " without a MARK", at);
    }
    List<Object> items = stack;
    stack = metastack.pop();
    return items;
  }

  static String typeName(Object o) {
    return o == null ? "None" : o.getClass().getSimpleName();
  }

  private TensorFormatException fail(String why, int at) {
    return new TensorFormatException(where + ": " + why + " at offset " + at);
  }
}
