package org.fasterdit.io;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A Python tuple from a pickle; immutable, so it can serve as a dict key like in Python. */
public record PyTuple(List<Object> items) {
  public PyTuple {
    // List.copyOf rejects nulls, but None is a legal tuple element.
    items = Collections.unmodifiableList(new ArrayList<>(items));
  }

  public static PyTuple of(Object... items) {
    List<Object> l = new ArrayList<>(items.length);
    Collections.addAll(l, items);
    return new PyTuple(l);
  }

  public int size() {
    return items.size();
  }

  public Object get(int i) {
    return items.get(i);
  }
}
