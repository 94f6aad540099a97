package org.fasterdit.torch;

import org.bytedeco.pytorch.NoGradGuard;

/**
 * {@code try (var g = NoGrad.on()) {...}}: autograd off for the block (thread-local), restored on
 * close.
 */
public final class NoGrad implements AutoCloseable {
  private final NoGradGuard guard;
  private boolean closed;

  private NoGrad() {
    this.guard = new NoGradGuard();
  }

  public static NoGrad on() {
    return new NoGrad();
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    guard.close(); // the C++ destructor restores the previous grad mode
  }
}
