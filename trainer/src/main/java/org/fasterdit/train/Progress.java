package org.fasterdit.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress: a live bar (step, loss terms, it/s, img/s, ETA) on a terminal; plain lines at each logging step
 * otherwise, so CI logs and files stay readable.
 */
final class Progress implements AutoCloseable {
  private final ProgressBar bar;
  private final PrintStream out;
  private final long total;
  private final long startStep;
  private final long startNanos = System.nanoTime();

  Progress(String task, long startStep, long total, PrintStream out, boolean interactive) {
    this.out = out;
    this.total = total;
    this.startStep = startStep;
    this.bar = interactive
        ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total).startsFrom(startStep, Duration.ZERO)
            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).showSpeed().build()
        : null;
  }

  void update(long step, String message, boolean logLine) {
    if (bar != null) {
      bar.stepTo(step);
      bar.setExtraMessage(message);
    } else if (logLine) {
      double elapsed = (System.nanoTime() - startNanos) / 1e9;
      double rate = (step - startStep) / Math.max(elapsed, 1e-9);
      double eta = rate > 0 ? (total - step) / rate : Double.NaN;
      out.printf(Locale.ROOT, "step %d/%d  %s  eta %s%n", step, total, message, formatSeconds(eta));
    }
  }

  static String formatSeconds(double s) {
    if (!Double.isFinite(s)) return "?";
    long t = Math.round(s);
    return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t % 3600 / 60)
        : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
  }

  @Override
  public void close() {
    if (bar != null) bar.close();
  }
}
