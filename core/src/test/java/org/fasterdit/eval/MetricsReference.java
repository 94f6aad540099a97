package org.fasterdit.eval;

import java.nio.file.Path;
import java.util.List;
import org.fasterdit.io.ReferenceScript;

/**
 * The outputs of benchmarks/reference/metrics_reference.py (numpy/scipy, ADM's metric definitions),
 * made once per version of the script.
 */
final class MetricsReference {
  private MetricsReference() {}

  /** metrics_case.npz: the random feature sets and the reference metrics of them. */
  static Path caseFile() throws Exception {
    return ReferenceScript.outputs("metrics_reference.py", List.of("numpy", "scipy"))
        .resolve("metrics_case.npz");
  }
}
