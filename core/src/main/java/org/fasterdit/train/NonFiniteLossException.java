package org.fasterdit.train;

/** Training stopped because too many steps in a row produced NaN/Inf losses or gradients. */
public final class NonFiniteLossException extends RuntimeException {
  public NonFiniteLossException(String message) {
    super(message);
  }
}
