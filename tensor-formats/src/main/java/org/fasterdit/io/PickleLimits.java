package org.fasterdit.io;

import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The resource bounds of one unpickling: an estimate of the Java heap every opcode allocates (stack
 * slots, memo entries, containers, strings, bytes), checked against {@link #MULTIPLE} times the
 * pickle's length plus {@link #BASE}, and the nesting depth of containers, at most {@link
 * #MAX_DEPTH}. A crafted pickle that would need more (millions of memo entries, containers
 * duplicated through the memo, thousands of nested tuples that would overflow the stack of whoever
 * walks the result) is refused with a {@link TensorFormatException} instead. Real checkpoints use a
 * few bytes of heap per pickle byte and a nesting depth below 10.
 */
final class PickleLimits {
  /** Heap bytes allowed per pickle byte. */
  static final long MULTIPLE = 32;

  /** Heap bytes allowed on top, so tiny pickles are never refused. */
  static final long BASE = 1 << 20;

  /** Deepest allowed nesting of tuples, lists, dicts and sets. */
  static final int MAX_DEPTH = 1000;

  /** Rough JVM sizes: object header + fields, one reference, a HashMap node with a boxed key. */
  static final long OBJECT = 32, SLOT = 8, MEMO_ENTRY = 64;

  private final String where;
  private final long budget;
  private long used;
  private final Map<Object, Integer> depth = new IdentityHashMap<>();

  PickleLimits(String where, long pickleLength) {
    this.where = where;
    this.budget = BASE + MULTIPLE * pickleLength;
  }

  /** Accounts for {@code bytes} of heap about to be allocated at offset {@code at}. */
  void charge(long bytes, int at) {
    used += bytes;
    if (used > budget) {
      throw new TensorFormatException(
          String.format(
              Locale.ROOT,
              "%s: the pickle needs more than %d bytes of memory for %d bytes of input (limit: "
                  + "%d x its length + 1 MiB) at offset %d; refusing a crafted or damaged file",
              where,
              budget,
              (budget - BASE) / MULTIPLE,
              MULTIPLE,
              at));
    }
  }

  /** A string or byte array of {@code n} bytes (or chars). */
  void chargeArray(long n, int at) {
    charge(OBJECT + 2 * Math.max(0, n), at);
  }

  /** A new container holding {@code children}; returns it. */
  <T> T container(T c, Iterable<?> children, int at) {
    int d = 1;
    long n = 0;
    for (Object child : children) {
      d = Math.max(d, 1 + depthOf(child));
      n++;
    }
    charge(OBJECT + 2 * OBJECT + SLOT * n, at); // the container and its backing table or array
    setDepth(c, d, at);
    return c;
  }

  /** {@code child} was added to the existing container {@code parent}. */
  void added(Object parent, Object child, int at) {
    charge(2 * SLOT, at);
    int d = 1 + depthOf(child);
    if (d > depthOf(parent)) setDepth(parent, d, at);
  }

  private int depthOf(Object o) {
    Integer d = depth.get(o);
    return d == null ? 0 : d;
  }

  private void setDepth(Object c, int d, int at) {
    if (d > MAX_DEPTH) {
      throw new TensorFormatException(
          where + ": containers nested more than " + MAX_DEPTH + " deep at offset " + at);
    }
    depth.put(c, d);
  }
}
