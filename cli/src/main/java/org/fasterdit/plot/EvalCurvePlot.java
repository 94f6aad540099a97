package org.fasterdit.plot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The evaluation curves of a run, from the metrics rows that carry an {@code FD-*} field (those
 * {@code --eval-every} logs): FD-dataset of the EMA samples against the step in {@code eval.png},
 * and the conditional accuracy (0-1, a different scale) in {@code eval-accuracy.png} beside it.
 */
public final class EvalCurvePlot {
  private EvalCurvePlot() {}

  /** Writes {@code png} (FD) and {@code eval-accuracy.png} next to it; nothing without a row. */
  public static void write(List<Map<String, Object>> rows, Path png, String title) {
    List<Double> steps = new ArrayList<>(), fd = new ArrayList<>(), acc = new ArrayList<>();
    String name = null;
    for (Map<String, Object> row : rows) {
      String key = null;
      for (String k : row.keySet()) if (k.startsWith("FD-")) key = k;
      if (key == null || !(row.get(key) instanceof Number v)) continue;
      name = key;
      steps.add(((Number) row.get("step")).doubleValue());
      fd.add(v.doubleValue());
      acc.add(row.get("conditional_accuracy") instanceof Number a ? a.doubleValue() : Double.NaN);
    }
    if (steps.isEmpty()) return;
    LinePlot.create(title).xLabel("step").yLabel(name).series(name, steps, fd).write(png);
    LinePlot.create(title)
        .xLabel("step")
        .yLabel("conditional accuracy")
        .series("conditional_accuracy", steps, acc)
        .write(png.resolveSibling("eval-accuracy.png"));
  }
}
