package org.fasterdit.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.fasterdit.diffusion.NoiseSchedule;
import org.fasterdit.diffusion.TimestepDistribution;
import org.fasterdit.plot.SnrPdfPlot;
import org.fasterdit.snr.Curve;
import org.fasterdit.snr.LogSnrStats;
import org.fasterdit.snr.SnrGrid;
import org.fasterdit.snr.SnrPdf;
import org.fasterdit.snr.SnrPdfReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code snr-pdf}: plots and summarises the log-SNR PDF that training visits for a path, a timestep
 * sampler and one or more data stds, the FasterDiT tool for choosing a data-std multiplier.
 */
@Command(
    name = "snr-pdf",
    mixinStandardHelpOptions = true,
    description = {
      "Density of log SNR (natural log, extended SNR = alpha^2 sigma_d^2 / sigma^2) that training visits.",
      "Scaling the data by c shifts the curve by 2 ln c."
    })
public final class SnrPdfCommand implements Callable<Integer> {

  /**
   * Resolves {@code --data DATASET} to that dataset's std. Null until the trainer, which knows how
   * to read datasets, sets it; this module stays free of dataset code.
   */
  public static volatile Function<String, Double> dataStdResolver;

  @Spec CommandSpec spec;

  @Option(
      names = "--path",
      paramLabel = "PATH",
      defaultValue = "linear",
      converter = ScheduleConverter.class,
      description = "Noise path: " + NoiseSchedule.NAMES + " (default: ${DEFAULT-VALUE}).")
  NoiseSchedule path;

  @Option(
      names = "--sampler",
      paramLabel = "SAMPLER",
      defaultValue = "lognorm:0,1",
      converter = DistributionConverter.class,
      description =
          "Timestep sampler: uniform or lognorm:MU,S (default: ${DEFAULT-VALUE}). On DDPM paths, "
              + "continuous u maps to step min(T-1, floor((1-u) T)).")
  TimestepDistribution sampler;

  @Option(
      names = "--data-std",
      paramLabel = "LIST",
      split = ",",
      description = "Data stds, comma-separated (e.g. 0.5,1,2). Required unless --data is given.")
  List<Double> dataStds = new ArrayList<>();

  @Option(
      names = "--data",
      paramLabel = "DATASET",
      description = "Add the std of this dataset (needs the trainer).")
  String data;

  @Option(names = "--out", paramLabel = "FILE.png", description = "Write the plot here.")
  Path out;

  @Option(
      names = "--csv",
      paramLabel = "FILE.csv",
      description = "Write std,log_snr,density rows here.")
  Path csv;

  @Option(
      names = "--grid-min",
      defaultValue = "-20",
      description = "Lowest log SNR on the grid (default: ${DEFAULT-VALUE}).")
  double gridMin;

  @Option(
      names = "--grid-max",
      defaultValue = "20",
      description = "Highest log SNR on the grid (default: ${DEFAULT-VALUE}).")
  double gridMax;

  @Option(
      names = "--points",
      defaultValue = "801",
      description = "Grid points (default: ${DEFAULT-VALUE}).")
  int points;

  @Option(
      names = "--window",
      paramLabel = "LO,HI",
      description =
          "Also report the mass of log SNR inside [LO, HI], e.g. a region you consider productive.")
  String window;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** A CommandLine that reports bad input as one line, as the trainer's main does. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new SnrPdfCommand());
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          cmd.getErr().println("snr-pdf: error: " + ex.getMessage());
          return 1;
        });
    return cl;
  }

  @Override
  public Integer call() {
    PrintWriter w = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
    SnrGrid grid = new SnrGrid(gridMin, gridMax, points);
    double[] win = window == null ? null : parseWindow(window);
    List<Double> stds = resolveStds();

    List<Curve> curves = new ArrayList<>();
    w.println(
        SnrPdfReport.title(path, sampler)
            + String.format(
                Locale.ROOT,
                ", grid [%s, %s] x %d",
                fmt(grid.min()),
                fmt(grid.max()),
                grid.points()));
    for (double std : stds) {
      Curve c = SnrPdf.analytic(path, sampler, std, grid);
      curves.add(c);
      LogSnrStats s = SnrPdf.stats(path, sampler, std, grid);
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "  %-10s mean %7.3f  std %6.3f  mode %7.3f  mass in grid %.4f",
                  c.label(),
                  s.mean(),
                  s.std(),
                  c.mode(),
                  s.massInGrid()));
      if (win != null) {
        line.append(
            String.format(
                Locale.ROOT,
                "  mass in [%s, %s] %.4f",
                fmt(win[0]),
                fmt(win[1]),
                SnrPdf.massBetween(path, sampler, std, win[0], win[1])));
      }
      w.println(line);
    }
    if (out != null) {
      SnrPdfPlot.writePng(out, path, sampler, curves);
      w.println("wrote plot " + out.toAbsolutePath());
    }
    if (csv != null) {
      SnrPdfReport.writeCsv(csv, curves);
      w.println("wrote csv " + csv.toAbsolutePath());
    }
    if (out == null && csv == null)
      w.println("no files written (give --out FILE.png and/or --csv FILE.csv)");
    w.flush();
    return 0;
  }

  private List<Double> resolveStds() {
    List<Double> stds = new ArrayList<>();
    if (data != null) {
      Function<String, Double> resolver = dataStdResolver;
      if (resolver == null)
        throw new IllegalArgumentException("--data needs the trainer's dataset support");
      Double std = resolver.apply(data);
      if (std == null)
        throw new IllegalArgumentException("--data " + data + ": no data std could be found");
      stds.add(checkStd("--data " + data, std));
    }
    if (dataStds != null) for (Double d : dataStds) stds.add(checkStd("--data-std", d));
    if (stds.isEmpty())
      throw new IllegalArgumentException("give --data-std LIST (e.g. 0.5,1,2) or --data DATASET");
    return stds;
  }

  private static double checkStd(String source, Double std) {
    if (std == null || !(std > 0) || std.isInfinite()) {
      throw new IllegalArgumentException(
          source + ": data std must be positive and finite, got " + std);
    }
    return std;
  }

  private static double[] parseWindow(String spec) {
    String[] p = spec.split(",", -1);
    try {
      if (p.length == 2) {
        double lo = Double.parseDouble(p[0].trim());
        double hi = Double.parseDouble(p[1].trim());
        if (lo < hi) return new double[] {lo, hi};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "--window must be LO,HI with LO < HI (log SNR), got '" + spec + "'");
  }

  private static String fmt(double x) {
    return SnrPdfReport.formatStd(x);
  }

  /**
   * Turns parse errors into picocli's "Invalid value for option" messages instead of stack traces.
   */
  static final class ScheduleConverter implements CommandLine.ITypeConverter<NoiseSchedule> {
    @Override
    public NoiseSchedule convert(String value) {
      try {
        return NoiseSchedule.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  static final class DistributionConverter
      implements CommandLine.ITypeConverter<TimestepDistribution> {
    @Override
    public TimestepDistribution convert(String value) {
      try {
        return TimestepDistribution.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
