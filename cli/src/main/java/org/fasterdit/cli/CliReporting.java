package org.fasterdit.cli;

import org.fasterdit.plot.EvalCurvePlot;
import org.fasterdit.plot.LossCurvePlot;
import org.fasterdit.train.TrainingRun;

/**
 * How CLI runs report: a live bar on a terminal (plain lines otherwise) {@code loss.png} and (with
 * eval-every) {@code eval.png} at the end.
 */
final class CliReporting {
  static final TrainingRun.Reporting INSTANCE =
      new TrainingRun.Reporting(
          ProgressBarSink.FACTORY, LossCurvePlot::write, EvalCurvePlot::write);

  private CliReporting() {}
}
