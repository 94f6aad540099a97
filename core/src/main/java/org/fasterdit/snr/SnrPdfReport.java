package org.fasterdit.snr;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.fasterdit.diffusion.NoiseSchedule;
import org.fasterdit.diffusion.TimestepDistribution;
import org.fasterdit.io.AtomicFiles;

/**
 * Writes SNR PDFs as CSV ({@code std,log_snr,density}); the CLI plots them ({@code SnrPdfPlot}).
 */
public final class SnrPdfReport {
  public static final String CSV_HEADER = "std,log_snr,density";

  private SnrPdfReport() {}

  /**
   * One row per grid point per curve, curves in the given order. Locale.ROOT so a machine set to a
   * decimal-comma locale still writes a CSV that every reader parses.
   */
  public static void writeCsv(Path out, List<Curve> curves) {
    checkCurves(curves);
    AtomicFiles.writeStream(
        out,
        stream -> {
          BufferedWriter w =
              new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
          w.write(CSV_HEADER);
          w.write('\n');
          for (Curve c : curves) {
            String std = formatStd(c.dataStd());
            double[] x = c.logSnr();
            double[] y = c.density();
            for (int i = 0; i < x.length; i++) {
              w.write(String.format(Locale.ROOT, "%s,%.6f,%.9g\n", std, x[i], y[i]));
            }
          }
          w.flush(); // not close(): AtomicFiles owns the stream
        });
  }

  /** e.g. "SNR PDF: path linear, sampler lognorm:0,1". */
  public static String title(NoiseSchedule schedule, TimestepDistribution dist) {
    return "SNR PDF: path " + schedule.label() + ", sampler " + dist.spec();
  }

  /** Shortest plain decimal for a std: 0.5 -> "0.5", 1.0 -> "1", 0.18215 -> "0.18215". */
  public static String formatStd(double std) {
    return BigDecimal.valueOf(std).stripTrailingZeros().toPlainString();
  }

  public static void checkCurves(List<Curve> curves) {
    if (curves == null || curves.isEmpty())
      throw new IllegalArgumentException("no SNR PDF curves to write");
    for (int i = 0; i < curves.size(); i++) {
      if (curves.get(i) == null)
        throw new IllegalArgumentException("SNR PDF curve " + i + " is null");
    }
  }
}
