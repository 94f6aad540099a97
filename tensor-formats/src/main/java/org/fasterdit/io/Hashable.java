package org.fasterdit.io;

import java.math.BigInteger;

/**
 * Decides whether a pickled object may be a dict key or set element. Mirrors Python (lists, dicts
 * and sets are unhashable) and bounds the size of tuple keys: Java hashes tuples by walking them,
 * and a pickle can build a tuple DAG whose unfolded size is exponential in its byte length ({@code
 * t = (t, t)} repeated), so an unbounded key would hang hashing.
 *
 * <p>{@code bytes} keys are accepted but hash by identity in Java (Python hashes by value);
 * checkpoints do not use them as keys in practice.
 */
final class Hashable {
  /** Maximum number of nodes (tuple elements, counted with repetition) in one key. */
  private static final int MAX_NODES = 4096;

  private Hashable() {}

  static boolean check(Object o) {
    return visit(o, new int[] {MAX_NODES});
  }

  private static boolean visit(Object o, int[] budget) {
    if (--budget[0] < 0) {
      return false;
    }
    if (o == null
        || o instanceof String
        || o instanceof Long
        || o instanceof BigInteger
        || o instanceof Double
        || o instanceof Boolean
        || o instanceof PyGlobal
        || o instanceof byte[]) {
      return true;
    }
    if (o instanceof PyTuple t) {
      for (Object item : t.items()) {
        if (!visit(item, budget)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }
}
