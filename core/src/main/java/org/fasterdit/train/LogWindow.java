package org.fasterdit.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Means over the steps since the last logged row, as DiT and SiT log their loss (the sum over the
 * {@code log-every} window divided by its steps), so one noisy step does not stand for the window.
 * Skipped (non-finite) steps are left out of the means; the last step's loss is kept beside them.
 */
final class LogWindow {
  private int counted;
  private double loss, gradNorm;
  private final Map<String, Double> terms = new LinkedHashMap<>();

  void add(StepResult r) {
    if (r.skipped()) return;
    counted++;
    loss += r.loss();
    gradNorm += r.gradNorm();
    r.terms().forEach((k, v) -> terms.merge(k, v, Double::sum));
  }

  /**
   * Puts {@code loss} (window mean), {@code loss_last}, each term's mean and {@code grad_norm}
   * (mean) into {@code row}, then starts a new window. Means are NaN if every step was skipped.
   */
  void drainInto(Map<String, Object> row, StepResult last) {
    row.put("loss", mean(loss));
    row.put("loss_last", last.loss());
    last.terms().keySet().forEach(k -> row.put(k, mean(terms.getOrDefault(k, Double.NaN))));
    row.put("grad_norm", mean(gradNorm));
    counted = 0;
    loss = 0;
    gradNorm = 0;
    terms.clear();
  }

  private double mean(double sum) {
    return counted == 0 ? Double.NaN : sum / counted;
  }
}
