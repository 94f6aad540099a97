package org.fasterdit.cli;

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
          System.console() != null
              ? new ProgressBarSink(task, startStep, total)
              : ProgressSink.LINES.open(task, startStep, total, out);

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
