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
 * <p>Resource bounds: string and bytes lengths are checked against the remaining input before
 * allocation, and {@link PickleLimits} charges every allocation against a stated multiple of the
 * input length and bounds the nesting depth, so a crafted pickle is refused with a {@link
 * TensorFormatException}, never with an OutOfMemoryError or a StackOverflowError.
 */
public final class RestrictedUnpickler {
  private final String where;
  private final byte[] pickle;
  private final Function<Object, Object> persistentLoad;

  private List<Object> stack = new ArrayList<>();
  private final Deque<List<Object>> metastack = new ArrayDeque<>();
  private final Map<Long, Object> memo = new HashMap<>();
  private PickleCursor c;
  private PickleLimits limits;
  private int at; // offset of the opcode being executed

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
    limits = new PickleLimits(where, pickle.length);
    try {
      while (true) {
        at = c.position();
        PickleOp op = PickleOp.of(c.u1());
        if (op == PickleOp.STOP) {
          return pop(op, at);
        }
        step(op, at);
      }
    } catch (StackOverflowError e) { // a last resort: PickleLimits bounds the nesting it can see
      throw fail("objects nested too deeply to handle", at);
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
        limits.charge(PickleLimits.OBJECT + PickleLimits.SLOT, at);
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
      case INT -> pushNew(PickleStrings.parseInt(where, c.line()));
      case LONG -> pushNew(PickleStrings.parseLong(where, c.line()));
      case BININT -> push((long) c.s4());
      case BININT1 -> push((long) c.u1());
      case BININT2 -> push((long) c.u2());
      case LONG1 -> pushNew(PickleLongs.decode(c.bytes(c.u1())));
      case LONG4 -> pushNew(PickleLongs.decode(c.bytes(c.s4())));
      case FLOAT -> push(PickleStrings.parseFloat(where, c.line()));
      case BINFLOAT -> push(Double.longBitsToDouble(c.be8()));
      case STRING -> pushNew(PickleStrings.unquote(where, c.line()));
      case BINSTRING -> pushNew(PickleStrings.utf8(where, c.bytes(c.s4())));
      case SHORT_BINSTRING -> pushNew(PickleStrings.utf8(where, c.bytes(c.u1())));
      case UNICODE -> pushNew(PickleStrings.rawUnicodeEscape(where, c.line()));
      case BINUNICODE -> pushNew(PickleStrings.utf8(where, c.bytes(c.u4())));
      case SHORT_BINUNICODE -> pushNew(PickleStrings.utf8(where, c.bytes(c.u1())));
      case BINUNICODE8 -> pushNew(PickleStrings.utf8(where, c.bytes(c.s8())));
      case BINBYTES -> pushNew(c.bytes(c.u4()));
      case SHORT_BINBYTES -> pushNew(c.bytes(c.u1()));
      case BINBYTES8, BYTEARRAY8 -> pushNew(c.bytes(c.s8()));
      case EMPTY_DICT -> push(limits.container(new LinkedHashMap<>(), List.of(), at));
      case EMPTY_LIST -> push(limits.container(new ArrayList<>(), List.of(), at));
      case EMPTY_TUPLE -> push(limits.container(new PyTuple(List.of()), List.of(), at));
      case EMPTY_SET -> push(limits.container(new LinkedHashSet<>(), List.of(), at));
      case DICT -> {
        List<Object> items = popMark(op, at);
        Map<Object, Object> d = limits.container(new LinkedHashMap<>(), items, at);
        setItems(d, items, at);
        push(d);
      }
      case LIST -> {
        List<Object> items = popMark(op, at);
        push(limits.container(new ArrayList<>(items), items, at));
      }
      case TUPLE -> {
        List<Object> items = popMark(op, at);
        push(limits.container(new PyTuple(items), items, at));
      }
      case TUPLE1 -> pushTuple(java.util.Arrays.asList(pop(op, at)));
      case TUPLE2 -> {
        Object b = pop(op, at);
        Object a = pop(op, at);
        pushTuple(java.util.Arrays.asList(a, b));
      }
      case TUPLE3 -> {
        Object c3 = pop(op, at);
        Object b = pop(op, at);
        Object a = pop(op, at);
        pushTuple(java.util.Arrays.asList(a, b, c3));
      }
      case FROZENSET -> {
        List<Object> items = popMark(op, at);
        Set<Object> s = new LinkedHashSet<>();
        addItems(s, items, at);
        push(limits.container(Collections.unmodifiableSet(s), items, at));
      }
      case SETITEM -> {
        Object v = pop(op, at);
        Object k = pop(op, at);
        Map<Object, Object> d = asDict(peek(op, at), op, at);
        setItems(d, pair(k, v), at);
        limits.added(d, k, at);
        limits.added(d, v, at);
      }
      case SETITEMS -> {
        List<Object> items = popMark(op, at);
        Map<Object, Object> d = asDict(peek(op, at), op, at);
        setItems(d, items, at);
        for (Object o : items) limits.added(d, o, at);
      }
      case APPEND -> {
        Object v = pop(op, at);
        List<Object> l = asList(peek(op, at), op, at);
        l.add(v);
        limits.added(l, v, at);
      }
      case APPENDS -> {
        List<Object> items = popMark(op, at);
        List<Object> l = asList(peek(op, at), op, at);
        l.addAll(items);
        for (Object o : items) limits.added(l, o, at);
      }
      case ADDITEMS -> {
        List<Object> items = popMark(op, at);
        if (!(peek(op, at) instanceof LinkedHashSet<?> set)) {
          throw fail("ADDITEMS target is not a set", at);
        }
        @SuppressWarnings("unchecked")
        Set<Object> s = (Set<Object>) set;
        addItems(s, items, at);
        for (Object o : items) limits.added(set, o, at);
      }
      case PUT -> memoPut(PickleStrings.parseMemoIndex(c, c.line()), peek(op, at));
      case BINPUT -> memoPut((long) c.u1(), peek(op, at));
      case LONG_BINPUT -> memoPut(c.u4(), peek(op, at));
      case MEMOIZE -> memoPut((long) memo.size(), peek(op, at));
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
        PyTuple a = tuple(args, op, at);
        push(limits.container(PickleCalls.call(where, callable(func, op, at), a), a.items(), at));
      }
      case NEWOBJ -> {
        Object args = pop(op, at);
        Object cls = pop(op, at);
        PyTuple a = tuple(args, op, at);
        push(
            limits.container(
                PickleCalls.newObject(where, callable(cls, op, at), a, Map.of()), a.items(), at));
      }
      case NEWOBJ_EX -> {
        Object kwargs = pop(op, at);
        Object args = pop(op, at);
        Object cls = pop(op, at);
        if (!(kwargs instanceof Map<?, ?> kw)) {
          throw fail("NEWOBJ_EX kwargs is not a dict", at);
        }
        PyTuple a = tuple(args, op, at);
        push(
            limits.container(
                PickleCalls.newObject(where, callable(cls, op, at), a, kw), a.items(), at));
      }
      case BUILD -> {
        Object state = pop(op, at);
        Object target = peek(op, at);
        PickleCalls.build(where, target, state);
        limits.added(target, state, at);
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
    limits.charge(PickleLimits.SLOT, at);
    stack.add(o);
  }

  /** Pushes a value just read from the input, accounting for its own size. */
  private void pushNew(Object o) {
    long n =
        switch (o) {
          case String str -> str.length();
          case byte[] b -> b.length;
          case java.math.BigInteger big -> big.bitLength() / 8;
          default -> 0;
        };
    limits.chargeArray(n, at);
    push(o);
  }

  private void pushTuple(List<Object> items) {
    push(limits.container(new PyTuple(items), items, at));
  }

  private void memoPut(long key, Object value) {
    limits.charge(PickleLimits.MEMO_ENTRY, at);
    memo.put(key, value);
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
