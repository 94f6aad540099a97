package org.fasterdit.train;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.io.HostTensor;
import org.fasterdit.model.CheckpointLoader;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;

/**
 * Starts a new run from published weights ({@code --init-from}): model and EMA from the file (a
 * public DiT/SiT {@code .pt}, a plain or prefixed safetensors, or one of our checkpoints), the
 * optimizer fresh, the step at 0. A file with another class count is refused unless {@code
 * reset-classes}: then the label table keeps the new run's own initialisation (N(0, 0.02), as DiT
 * initialises it) and everything else loads.
 */
public final class FineTuneStart {
  static final String LABEL_TABLE = "y_embedder.embedding_table.weight";

  private FineTuneStart() {}

  /** Loads {@code file} into the trainer's model and EMA and returns a line saying what it did. */
  public static String apply(Trainer trainer, Path file, boolean resetClasses) {
    if (trainer.stepCount() != 0)
      throw new IllegalStateException(
          "init-from applies to a new run, not at step " + trainer.stepCount());
    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> model, ema;
      if (Checkpoint.isTrainingCheckpoint(file)) {
        Checkpoint.Loaded c = Checkpoint.read(Checkpoint.resolveLatest(file), arena);
        model = c.group("model");
        ema = c.groups().containsKey("ema") ? c.group("ema") : model;
      } else {
        model = readOr(file, "model", "ema", arena);
        ema = readOr(file, "ema", "model", arena);
      }
      DiT target = trainer.model();
      int have = classesOf(model, file), want = target.config().numClasses();
      if (have != want && !resetClasses) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "%s has a label table for %d classes, the data have %d: pass --reset-classes to start"
                    + " a new label table (the rest of the weights still load)",
                file,
                have,
                want));
      }
      describeMismatch(model, target, file);
      load(target, model, resetClasses, target);
      load(trainer.emaModel(), ema, resetClasses, target);
      return String.format(
          Locale.ROOT,
          "initialised model and EMA from %s (%d tensors; %s); optimizer fresh, step 0",
          file,
          model.size(),
          resetClasses
              ? "label table re-initialised for " + want + " classes (file: " + have + ")"
              : "label table of " + have + " classes kept");
    }
  }

  /**
   * The state dict under {@code key}, else under {@code fallback} (a file with only one of them).
   */
  private static Map<String, HostTensor> readOr(
      Path file, String key, String fallback, Arena arena) {
    try {
      return CheckpointLoader.readStateDict(file, key, arena);
    } catch (IllegalArgumentException e) {
      return CheckpointLoader.readStateDict(file, fallback, arena);
    }
  }

  private static int classesOf(Map<String, HostTensor> sd, Path file) {
    HostTensor t = sd.get(LABEL_TABLE);
    if (t == null || t.shape().length != 2)
      throw new IllegalArgumentException(
          file + ": no " + LABEL_TABLE + " (is this a DiT checkpoint?)");
    return (int) t.shape()[0] - 1;
  }

  /** A shape mismatch outside the label table names both models, which says what to configure. */
  private static void describeMismatch(Map<String, HostTensor> sd, DiT target, Path file) {
    for (var e : target.stateDict().entrySet()) {
      if (e.getKey().equals(LABEL_TABLE)) continue;
      HostTensor s = sd.get(e.getKey());
      if (s != null && Arrays.equals(s.shape(), Tensors.shape(e.getValue()))) continue;
      String theirs;
      try {
        theirs = CheckpointLoader.inferConfig(sd, target.config().heads()).describe();
      } catch (IllegalArgumentException x) {
        theirs = "a model this trainer cannot read (" + x.getMessage() + ")";
      }
      throw new IllegalArgumentException(
          file
              + " holds "
              + theirs
              + " but the configured model is "
              + target.config().describe()
              + " (first difference: "
              + e.getKey()
              + "); configure the same model, e.g. --model=DiT-XL/2 --learn-sigma=true");
    }
  }

  private static void load(DiT dst, Map<String, HostTensor> src, boolean resetClasses, DiT fresh) {
    try (var scope = NativeScope.open()) {
      Map<String, Tensor> views = new LinkedHashMap<>();
      src.forEach((k, v) -> views.put(k, Tensors.view(v)));
      // the new run's own table (for the EMA too: it starts equal to the model, as in any run)
      if (resetClasses) views.put(LABEL_TABLE, fresh.stateDict().get(LABEL_TABLE).clone());
      dst.loadStateDict(views);
      java.lang.ref.Reference.reachabilityFence(src);
    }
  }
}
