package org.fasterdit.plot;

import java.nio.file.Path;
import java.util.List;
import org.fasterdit.diffusion.NoiseSchedule;
import org.fasterdit.diffusion.TimestepDistribution;
import org.fasterdit.snr.Curve;
import org.fasterdit.snr.SnrPdfReport;

/**
 * The SNR PDF as a PNG with one line per data std ("std=0.5", ...); the CSV is {@link
 * SnrPdfReport}'s.
 */
public final class SnrPdfPlot {
  public static final String X_LABEL = "log SNR (natural log)";
  public static final String Y_LABEL = "density";

  private SnrPdfPlot() {}

  /** {@code title} usually comes from {@link SnrPdfReport#title}. */
  public static void writePng(Path out, String title, List<Curve> curves) {
    SnrPdfReport.checkCurves(curves);
    LinePlot plot = LinePlot.create(title).xLabel(X_LABEL).yLabel(Y_LABEL);
    for (Curve c : curves) plot.series(c.label(), c.logSnr(), c.density());
    plot.write(out);
  }

  /** With the standard title for this schedule and sampler. */
  public static void writePng(
      Path out, NoiseSchedule schedule, TimestepDistribution dist, List<Curve> curves) {
    writePng(out, SnrPdfReport.title(schedule, dist), curves);
  }
}
