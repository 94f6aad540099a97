package org.fasterdit.dist;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.TCPStore;

/**
 * The native objects of one joined job, owned here and freed in one known order by {@link #close}:
 * the process group first, then what it was built from (Gloo options and devices), the store last.
 *
 * <p>Why the store is freed by hand, last: {@code new TCPStore} is a plain C++ {@code new} owned by
 * its Java handle. The group constructors take a {@code c10::intrusive_ptr<Store>}; JavaCPP's
 * adapter makes one from the raw pointer and, after the call, converts it back to a raw pointer,
 * which leaves one reference it never gives back (also when the constructor throws). The group's
 * own reference therefore never brings the count to zero: the store outlives the group, its port
 * stays bound and its threads keep running, until its Java handle deletes it. Deleting it while the
 * group lives would leave the group a dangling store (the heap corruption once seen when the
 * collector freed an unreachable store handle); deleting it after the group is the one correct
 * free. So every handle is kept reachable here (never collected) and retained (an enclosing JavaCPP
 * scope cannot free it either), and nothing is freed but by {@link #close} or {@link
 * #keepUntilExit}. {@code C10dLifetimeTest} checks the order with glibc's heap checks on and the
 * port and sockets given back.
 */
final class JoinedGroup implements AutoCloseable {
  /** Broken groups, reachable until the process exits so that no collector frees them. */
  private static final List<JoinedGroup> KEPT_UNTIL_EXIT =
      Collections.synchronizedList(new ArrayList<>());

  private final TCPStore store;
  private final List<Pointer> parts = new ArrayList<>();
  private Backend backend;
  private String backendName;
  private boolean closed;

  /** Takes ownership of {@code store}, the first object of a job. */
  JoinedGroup(TCPStore store) {
    this.store = retained(store);
  }

  /** Takes ownership of an object the group is built from (options, devices). */
  <P extends Pointer> P part(P p) {
    parts.add(retained(p));
    return p;
  }

  /** Takes ownership of the group built from the store. */
  void joined(Backend b, String name) {
    this.backend = retained(b);
    this.backendName = name;
  }

  TCPStore store() {
    return store;
  }

  Backend backend() {
    return backend;
  }

  String backendName() {
    return backendName;
  }

  private static <P extends Pointer> P retained(P p) {
    p.retainReference();
    return p;
  }

  /**
   * After a failed collective: frees nothing, ever. The group's destructor would wait for work
   * stuck on a dead peer, and the store must outlive the group.
   */
  void keepUntilExit() {
    if (closed) return;
    closed = true;
    KEPT_UNTIL_EXIT.add(this);
  }

  /**
   * Frees the group (joining its threads, closing its connections), then its parts, then the store
   * (its port is free again when this returns). Also right after a failed join: the store survives
   * a throwing group constructor in the same way.
   */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (backend != null) free(backend);
    for (int i = parts.size() - 1; i >= 0; i--) free(parts.get(i));
    free(store);
  }

  /**
   * Gives back our reference, and one an enclosing JavaCPP scope may hold (ours decides the moment,
   * not the scope's end), so the native object is freed now.
   */
  private static void free(Pointer p) {
    while (p.referenceCount() > 0) p.releaseReference();
  }
}
