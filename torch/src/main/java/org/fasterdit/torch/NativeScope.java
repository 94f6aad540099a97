package org.fasterdit.torch;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * One scope per step: every tensor handle created while the scope is open is freed when it closes.
 * JavaCPP only counts the 8-byte handle of a tensor, so without a scope the GC never feels the
 * native memory behind it (see docs/libtorch-from-java.md). A tensor that must outlive the step is
 * passed to {@link #retain}.
 *
 * <pre>{@code
 * try (var scope = NativeScope.open()) {
 *   Tensor loss = model.loss(batch);
 *   lossValue = loss.item_float();
 * }
 * }</pre>
 */
public final class NativeScope implements AutoCloseable {
  private final PointerScope scope;
  private boolean closed;

  private NativeScope() {
    this.scope = new PointerScope();
  }

  public static NativeScope open() {
    return new NativeScope();
  }

  /**
   * Keeps {@code t} alive after this scope closes. The caller owns it from now on and releases it
   * with {@link #release} (or leaves it to live for the program, as model parameters do).
   */
  public static <P extends Pointer> P retain(P t) {
    t.retainReference();
    return t;
  }

  /**
   * Gives back a reference taken by {@link #retain}; frees the native object when it was the last
   * one.
   */
  public static void release(Pointer t) {
    if (t != null && !t.isNull()) t.releaseReference();
  }

  /**
   * Ends the caller's ownership of a retained tensor by handing a copy to the innermost open scope
   * (which frees it like any other temporary) and releasing the original.
   */
  public static Tensor handBack(Tensor retained) {
    Tensor copy = retained.clone();
    release(retained);
    return copy;
  }

  /** Replaces a retained tensor by another retained one, releasing the old value. */
  public static Tensor swap(Tensor old, Tensor fresh) {
    retain(fresh);
    release(old);
    return fresh;
  }

  @Override
  public void close() {
    if (closed) return; // closing twice is safe
    closed = true;
    scope.close();
  }
}
