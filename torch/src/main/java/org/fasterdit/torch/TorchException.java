package org.fasterdit.torch;

/**
 * The one unchecked exception type for failures inside LibTorch or at the native boundary. JavaCPP
 * surfaces a C++ exception as a bare RuntimeException whose message holds the full C++ backtrace;
 * this type keeps the first line readable and names what the caller was doing.
 */
public final class TorchException extends RuntimeException {
  public TorchException(String message) {
    super(message);
  }

  public TorchException(String message, Throwable cause) {
    super(message + ": " + firstLine(cause.getMessage()), cause);
  }

  static String firstLine(String s) {
    if (s == null) return "(no message)";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Runs {@code body}, turning any native failure into a TorchException that says what was being
   * done.
   */
  public static <T> T wrap(String doing, java.util.function.Supplier<T> body) {
    try {
      return body.get();
    } catch (TorchException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new TorchException(doing, e);
    }
  }
}
