package org.fasterdit.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Where a training run reports its progress. The library default prints a plain line at each
 * logging step, so CI logs and files stay readable; the CLI shows a live bar on a terminal instead.
 */
public interface ProgressSink extends AutoCloseable {
  /**
   * @param logLine true at logging steps, where {@code message} carries the window's rates
   */
  void update(long step, String message, boolean logLine);

  @Override
  default void close() {}

  /** Makes the sink for one run; the CLI passes its bar, library users the default or their own. */
  @FunctionalInterface
  interface Factory {
    ProgressSink open(String task, long startStep, long total, PrintStream out);
  }

  /** Plain lines: {@code step 120/2000 loss 0.41 ... eta 3m05s}. */
  Factory LINES =
      (task, startStep, total, out) -> {
        long startNanos = System.nanoTime();
        return (step, message, logLine) -> {
          if (!logLine) return;
          double elapsed = (System.nanoTime() - startNanos) / 1e9;
          double rate = (step - startStep) / Math.max(elapsed, 1e-9);
          double eta = rate > 0 ? (total - step) / rate : Double.NaN;
          out.printf(
              Locale.ROOT, "step %d/%d  %s  eta %s%n", step, total, message, formatSeconds(eta));
        };
      };

  /** {@code 3m05s} or {@code 1h02m}; {@code ?} when unknown. */
  static String formatSeconds(double s) {
    if (!Double.isFinite(s)) return "?";
    long t = Math.round(s);
    return t >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t % 3600 / 60)
        : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
  }
}
