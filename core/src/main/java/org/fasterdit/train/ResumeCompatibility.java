package org.fasterdit.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a resumed run may change. The seed, the data and the model define the run: with another seed
 * the noise, label dropout and epoch order no longer continue the saved ones, another dataset or
 * model cannot use the saved weights or statistics, so these are refused, naming the key. The
 * global batch may change (a resume on fewer or more machines): the run continues at the saved data
 * position, so no sample is skipped or repeated, and says so. Everything else (steps, lr, logging)
 * is an ordinary override.
 */
public final class ResumeCompatibility {
  /** Keys a resumed run must keep; the architecture keys only count for {@code model=custom}. */
  static final List<String> FIXED =
      List.of("seed", "dataset", "image-size", "model", "learn-sigma");

  static final List<String> CUSTOM_ARCHITECTURE = List.of("depth", "hidden", "heads", "patch");

  private ResumeCompatibility() {}

  /**
   * @param saved the config stored in the checkpoint
   * @param now the config of the run that resumes it
   * @return notes to print (a changed batch); throws naming the first key that may not change
   */
  public static List<String> check(
      String checkpoint, Map<String, String> saved, Map<String, String> now) {
    List<String> keys = new ArrayList<>(FIXED);
    if ("custom".equals(now.get("model"))) keys.addAll(CUSTOM_ARCHITECTURE);
    for (String k : keys) {
      String was = saved.get(k), is = now.get(k);
      if (was != null && !was.equals(is)) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "cannot resume %s with %s=%s: the checkpoint was trained with %s=%s, and a resumed "
                    + "run keeps its %s (start a new run to change it)",
                checkpoint,
                k,
                is,
                k,
                was,
                k));
      }
    }
    List<String> notes = new ArrayList<>();
    String was = saved.get("batch"), is = now.get("batch");
    if (was != null && !was.equals(is)) {
      notes.add(
          String.format(
              Locale.ROOT,
              "global batch changed from %s to %s: continuing at the saved data position with "
                  + "the new batch (no sample skipped or repeated)",
              was,
              is));
    }
    return notes;
  }
}
