package org.fasterdit.cli;

import org.fasterdit.plot.LossCurvePlot;
import org.fasterdit.train.TrainingRun;

/**
 * How CLI runs report: a live bar on a terminal (plain lines otherwise) and {@code loss.png} at the
 * end.
 */
final class CliReporting {
  static final TrainingRun.Reporting INSTANCE =
      new TrainingRun.Reporting(ProgressBarSink.FACTORY, LossCurvePlot::write);

  private CliReporting() {}
}
