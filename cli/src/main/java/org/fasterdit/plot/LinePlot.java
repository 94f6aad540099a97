package org.fasterdit.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.fasterdit.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A PNG line chart with several named series, for SNR PDFs, loss curves and FD-vs-steps.
 *
 * <pre>
 * LinePlot.create("train loss").xLabel("step").yLabel("loss").logY()
 *     .series("mse", steps, mse).series("cos", steps, cos).write(Path.of("loss.png"));
 * </pre>
 *
 * Non-finite y values become gaps rather than errors, because a diverged run is exactly when the
 * plot is wanted. Non-finite x values, and non-positive values on a log axis, are input errors.
 */
public final class LinePlot {
  static {
    // Training machines have no display; JFreeChart renders off-screen but AWT must be told before
    // it starts.
    if (System.getProperty("java.awt.headless") == null)
      System.setProperty("java.awt.headless", "true");
  }

  public static final int DEFAULT_WIDTH = 900;
  public static final int DEFAULT_HEIGHT = 600;

  /**
   * Tableau-10 colours: distinguishable, darker than JFreeChart's default pastel green/yellow on
   * white.
   */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd),
    new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
        new Color(0x17becf)
  };

  private record Series(String name, double[] x, double[] y) {}

  private final String title;
  private String xLabel = "x";
  private String yLabel = "y";
  private boolean logX;
  private boolean logY;
  private int width = DEFAULT_WIDTH;
  private int height = DEFAULT_HEIGHT;
  private final List<Series> series = new ArrayList<>();

  private LinePlot(String title) {
    this.title = title;
  }

  public static LinePlot create(String title) {
    return new LinePlot(title == null ? "" : title);
  }

  public LinePlot xLabel(String label) {
    xLabel = label == null ? "" : label;
    return this;
  }

  public LinePlot yLabel(String label) {
    yLabel = label == null ? "" : label;
    return this;
  }

  public LinePlot logX() {
    return logX(true);
  }

  public LinePlot logX(boolean on) {
    logX = on;
    return this;
  }

  public LinePlot logY() {
    return logY(true);
  }

  public LinePlot logY(boolean on) {
    logY = on;
    return this;
  }

  public LinePlot size(int width, int height) {
    if (width < 50 || height < 50 || width > 10_000 || height > 10_000) {
      throw new IllegalArgumentException(
          "plot size must be 50..10000 px each way, got " + width + "x" + height);
    }
    this.width = width;
    this.height = height;
    return this;
  }

  /** Adds a series; {@code x} and {@code y} must have the same length. The arrays are copied. */
  public LinePlot series(String name, double[] x, double[] y) {
    if (name == null || name.isBlank())
      throw new IllegalArgumentException("plot series needs a name");
    for (Series s : series) {
      if (s.name.equals(name))
        throw new IllegalArgumentException("plot already has a series named '" + name + "'");
    }
    if (x == null || y == null || x.length != y.length) {
      throw new IllegalArgumentException(
          "series '"
              + name
              + "' needs x and y of equal length, got "
              + (x == null ? "null" : x.length)
              + " and "
              + (y == null ? "null" : y.length));
    }
    series.add(new Series(name, x.clone(), y.clone()));
    return this;
  }

  /**
   * Same as {@link #series(String, double[], double[])} for boxed lists (e.g. steps collected while
   * training).
   */
  public LinePlot series(String name, List<? extends Number> x, List<? extends Number> y) {
    if (x == null || y == null)
      throw new IllegalArgumentException("series '" + name + "' needs x and y lists");
    return series(name, toArray(x), toArray(y));
  }

  /**
   * Renders the chart and writes it atomically as PNG (temp file in the same folder, then a
   * rename).
   */
  public void write(Path out) {
    JFreeChart chart = build();
    AtomicFiles.writeStream(
        out, stream -> ChartUtils.writeChartAsPNG(stream, chart, width, height));
  }

  /** The chart object, for callers that want to tweak it before writing. */
  public JFreeChart build() {
    if (series.isEmpty()) throw new IllegalArgumentException("plot '" + title + "' has no series");
    XYSeriesCollection data = new XYSeriesCollection();
    for (Series s : series) data.addSeries(toXy(s));
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    if (logX) plot.setDomainAxis(logAxis(xLabel));
    if (logY) plot.setRangeAxis(logAxis(yLabel));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < series.size(); i++) {
      renderer.setSeriesStroke(i, new BasicStroke(2f));
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
    }
    plot.setRenderer(renderer);
    return chart;
  }

  private XYSeries toXy(Series s) {
    // autoSort off: the caller's order is the line's order; duplicates allowed (e.g. a resumed run
    // re-logging a step).
    XYSeries xy = new XYSeries(s.name, false, true);
    for (int i = 0; i < s.x.length; i++) {
      double x = s.x[i];
      double y = s.y[i];
      if (!Double.isFinite(x)) {
        throw new IllegalArgumentException(
            "series '" + s.name + "' has non-finite x = " + x + " at index " + i);
      }
      if (logX && !(x > 0)) {
        throw new IllegalArgumentException(
            "series '"
                + s.name
                + "' has x = "
                + x
                + " at index "
                + i
                + ", but a log x axis needs x > 0");
      }
      if (!Double.isFinite(y)) {
        xy.add(x, null); // a gap in the line
        continue;
      }
      if (logY && !(y > 0)) {
        throw new IllegalArgumentException(
            "series '"
                + s.name
                + "' has y = "
                + y
                + " at index "
                + i
                + ", but a log y axis needs y > 0");
      }
      xy.add(x, y);
    }
    return xy;
  }

  private static LogAxis logAxis(String label) {
    LogAxis axis = new LogAxis(label);
    axis.setSmallestValue(1e-300);
    return axis;
  }

  private static double[] toArray(List<? extends Number> values) {
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) {
      Number v = values.get(i);
      out[i] = v == null ? Double.NaN : v.doubleValue();
    }
    return out;
  }

  /** Names of the series added so far, in order. */
  public Set<String> seriesNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Series s : series) names.add(s.name);
    return names;
  }
}
