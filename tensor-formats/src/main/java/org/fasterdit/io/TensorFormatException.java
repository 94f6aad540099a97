package org.fasterdit.io;

/**
 * Thrown for every malformed, truncated, hostile or unsupported tensor file.
 *
 * <p>Unchecked on purpose: callers usually cannot recover from a broken checkpoint except by
 * reporting it, and the message always names the file and the problem so that the report is
 * actionable without a debugger.
 */
public final class TensorFormatException extends RuntimeException {
  public TensorFormatException(String message) {
    super(message);
  }

  public TensorFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
