package org.fasterdit.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fasterdit.plot.LinePlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Plots one numeric CSV column against another, one line per value of a grouping column (e.g. FD vs
 * steps per preset).
 */
@Command(
    name = "plot-csv",
    mixinStandardHelpOptions = true,
    description = "Line plot (PNG) from a CSV file with a header row.")
public final class PlotCsvCommand implements Callable<Integer> {
  @Option(names = "--csv", required = true)
  Path csv;

  @Option(names = "--x", required = true)
  String x;

  @Option(names = "--y", required = true)
  String y;

  @Option(names = "--series", description = "column whose values name the lines")
  String series;

  @Option(names = "--title", defaultValue = "")
  String title;

  @Option(names = "--log-y", defaultValue = "false")
  boolean logY;

  @Option(names = "--out", required = true)
  Path out;

  @Override
  public Integer call() throws IOException {
    List<String> lines = Files.readAllLines(csv);
    if (lines.size() < 2) throw new IllegalArgumentException(csv + ": no data rows");
    List<String> header = Arrays.asList(lines.get(0).split(","));
    int xi = column(header, x),
        yi = column(header, y),
        si = series == null ? -1 : column(header, series);
    Map<String, List<double[]>> groups = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) continue;
      String[] f = line.split(",", -1);
      try {
        groups
            .computeIfAbsent(si < 0 ? y : f[si], k -> new ArrayList<>())
            .add(new double[] {Double.parseDouble(f[xi]), Double.parseDouble(f[yi])});
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        throw new IllegalArgumentException(csv + ": bad row '" + line + "'");
      }
    }
    LinePlot p =
        LinePlot.create(title.isEmpty() ? y + " vs " + x : title).xLabel(x).yLabel(y).logY(logY);
    groups.forEach(
        (name, pts) ->
            p.series(
                name,
                pts.stream().mapToDouble(a -> a[0]).toArray(),
                pts.stream().mapToDouble(a -> a[1]).toArray()));
    p.write(out);
    System.out.println("wrote " + out);
    return 0;
  }

  private int column(List<String> header, String name) {
    int i = header.indexOf(name);
    if (i < 0)
      throw new IllegalArgumentException(
          csv + ": no column '" + name + "' (columns: " + header + ")");
    return i;
  }
}
