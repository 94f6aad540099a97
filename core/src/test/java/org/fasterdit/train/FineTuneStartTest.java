package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fasterdit.data.RandomLatents;
import org.fasterdit.io.HostTensor;
import org.fasterdit.model.CheckpointLoader;
import org.junit.jupiter.api.Test;

/**
 * {@code --init-from} on a checkpoint written by the public DiT code's layout
 * (benchmarks/reference/make_public_checkpoints.py): model and EMA load from the file, the class
 * count is guarded, and training continues from there.
 */
class FineTuneStartTest {
  static final Path DIT = Path.of("src/test/resources/public/DiT-tiny.pt");

  static TrainConfig config(String... extra) {
    List<String> kv =
        new java.util.ArrayList<>(
            List.of(
                "preset=fasterdit",
                "model=custom",
                "depth=2",
                "hidden=32",
                "heads=2",
                "patch=2",
                "learn-sigma=true",
                "batch=4",
                "stats-samples=16",
                "init-from=" + DIT));
    kv.addAll(List.of(extra));
    return ConfigResolver.resolve(null, kv);
  }

  static Map<String, HostTensor> file(String key, Arena arena) {
    return CheckpointLoader.readStateDict(DIT, key, arena);
  }

  @Test
  void modelAndEmaComeFromTheFileAndTrainingGoesOn() {
    TrainConfig cfg = config();
    try (Arena arena = Arena.ofConfined();
        Trainer t = Trainer.create(cfg, new RandomLatents(16, 4, 8, 10), GradientSync.NONE)) {
      String what = FineTuneStart.apply(t, cfg.run().initFrom(), cfg.run().resetClasses());
      assertTrue(what.contains("label table of 10 classes kept"), what);
      for (String k : List.of("blocks.1.attn.qkv.weight", FineTuneStart.LABEL_TABLE, "pos_embed")) {
        assertArrayEquals(file("model", arena).get(k).toFloatArray(), t.model().get(k), k);
        assertArrayEquals(file("ema", arena).get(k).toFloatArray(), t.emaModel().get(k), k);
      }
      // the file's model and EMA differ, so the two loads above are told apart
      assertFalse(
          java.util.Arrays.equals(
              file("model", arena).get("blocks.1.attn.qkv.weight").toFloatArray(),
              file("ema", arena).get("blocks.1.attn.qkv.weight").toFloatArray()));
      float[] before = t.model().get("blocks.0.mlp.fc1.weight");
      StepResult r = t.step();
      assertTrue(Double.isFinite(r.loss()));
      assertFalse(java.util.Arrays.equals(before, t.model().get("blocks.0.mlp.fc1.weight")));
    }
  }

  @Test
  void anotherClassCountNeedsResetClasses() {
    TrainConfig cfg = config();
    try (Trainer t = Trainer.create(cfg, new RandomLatents(16, 4, 8, 5), GradientSync.NONE)) {
      var e =
          assertThrows(IllegalArgumentException.class, () -> FineTuneStart.apply(t, DIT, false));
      assertTrue(
          e.getMessage().contains("10 classes") && e.getMessage().contains("--reset-classes"));
    }
    TrainConfig reset = config("reset-classes=true");
    try (Arena arena = Arena.ofConfined();
        Trainer t = Trainer.create(reset, new RandomLatents(16, 4, 8, 5), GradientSync.NONE)) {
      float[] fresh = t.model().get(FineTuneStart.LABEL_TABLE);
      String what = FineTuneStart.apply(t, reset.run().initFrom(), reset.run().resetClasses());
      assertTrue(what.contains("re-initialised for 5 classes (file: 10)"), what);
      assertArrayEquals(fresh, t.model().get(FineTuneStart.LABEL_TABLE));
      assertArrayEquals(fresh, t.emaModel().get(FineTuneStart.LABEL_TABLE));
      assertEquals(6 * 32, fresh.length);
      String k = "blocks.0.adaLN_modulation.1.weight";
      assertArrayEquals(file("ema", arena).get(k).toFloatArray(), t.emaModel().get(k));
      assertTrue(Double.isFinite(t.step().loss()));
    }
  }

  @Test
  void anotherArchitectureIsNamed() {
    TrainConfig cfg = config("hidden=64");
    try (Trainer t = Trainer.create(cfg, new RandomLatents(16, 4, 8, 10), GradientSync.NONE)) {
      var e =
          assertThrows(IllegalArgumentException.class, () -> FineTuneStart.apply(t, DIT, false));
      assertTrue(
          e.getMessage().contains("holds DiT(depth=2, hidden=32")
              && e.getMessage().contains("hidden=64"),
          e.getMessage());
    }
  }
}
