package org.fasterdit.plot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loss curve (loss and each loss term, log scale) from the rows of {@code
 * metrics.jsonl}.
 */
public final class LossCurvePlot {
  private LossCurvePlot() {}

  /**
   * Writes {@code png}; terms that are missing in some rows or not positive (log axis) are left
   * out.
   */
  public static void write(List<Map<String, Object>> rows, Path png, String title) {
    if (rows.stream().filter(r -> r.get("loss") instanceof Number).count() < 2) return;
    Map<String, List<Double>> series = new LinkedHashMap<>();
    List<Double> steps = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      if (!(row.get("loss") instanceof Number)) continue; // an evaluation row (eval.png)
      steps.add(((Number) row.get("step")).doubleValue());
      for (String k : List.of("loss", "mse", "direction", "vb")) {
        if (row.get(k) instanceof Number n)
          series.computeIfAbsent(k, x -> new ArrayList<>()).add(n.doubleValue());
      }
    }
    LinePlot plot = LinePlot.create(title).xLabel("step").yLabel("loss").logY();
    double[] x = steps.stream().mapToDouble(Double::doubleValue).toArray();
    series.forEach(
        (k, v) -> {
          if (v.size() == x.length && v.stream().allMatch(d -> d > 0)) {
            plot.series(k, x, v.stream().mapToDouble(Double::doubleValue).toArray());
          }
        });
    plot.write(png);
  }
}
