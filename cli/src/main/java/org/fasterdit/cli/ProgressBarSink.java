package org.fasterdit.cli;

import java.io.Console;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.fasterdit.train.ProgressSink;

/**
 * Training progress as a live bar (step, loss terms, it/s, img/s, ETA) when the output is a
 * terminal; plain lines otherwise ({@link ProgressSink#LINES}), so CI logs and redirected output
 * stay readable.
 */
final class ProgressBarSink implements ProgressSink {
  private final ProgressBar bar;

  private ProgressBarSink(String task, long startStep, long total) {
    this.bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .startsFrom(startStep, Duration.ZERO)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(500)
            .showSpeed()
            .build();
  }

  /** A bar on a terminal, plain lines elsewhere. */
  static final ProgressSink.Factory FACTORY =
      (task, startStep, total, out) ->
          onTerminal()
              ? new ProgressBarSink(task, startStep, total)
              : ProgressSink.LINES.open(task, startStep, total, out);

  /**
   * True when the output is a terminal. {@code System.console() != null} is not enough: on JDK 22
   * to 24 it returns a console also when output is redirected to a file or pipe.
   */
  static boolean onTerminal() {
    Console c = System.console();
    return c != null && c.isTerminal();
  }

  @Override
  public void update(long step, String message, boolean logLine) {
    bar.stepTo(step);
    bar.setExtraMessage(message);
  }

  @Override
  public void close() {
    bar.close();
  }
}
