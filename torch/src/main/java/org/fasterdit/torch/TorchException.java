package org.fasterdit.torch;

/**
 * The one unchecked exception type for failures inside LibTorch or at the native boundary, used by
 * the model, trainer, samplers and CLI. JavaCPP surfaces a C++ exception as a bare RuntimeException
 * whose message holds the full C++ backtrace; this type's message is what the caller was doing plus
 * the first line of the native message, and the full native text stays in {@link #getCause()} (the
 * CLI prints it with {@code FASTERDIT_DEBUG=1}).
 */
public final class TorchException extends RuntimeException {
  public TorchException(String message) {
    super(message);
  }

  public TorchException(String message, Throwable cause) {
    super(message + ": " + firstLine(cause.getMessage()), cause);
  }

  /** The first line of a (native) message. */
  public static String firstLine(String s) {
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
    } catch (RuntimeException e) {
      if (isNative(e)) throw new TorchException(doing, e);
      throw e; // our own exceptions already say what is wrong
    }
  }

  /**
   * True for an exception JavaCPP made from a C++ one: exactly {@code RuntimeException}, never a
   * subclass (ours are all subclasses or other types).
   */
  public static boolean isNative(Throwable e) {
    return e.getClass() == RuntimeException.class;
  }
}
