package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resume with other settings: seed, dataset or model changes are refused naming the key; a new
 * global batch continues at the saved data position, says so, and the position is read back from
 * the checkpoint (not recomputed from the step).
 */
class ResumeChangesTest {
  static Path saved(Path dir) {
    Path f = dir.resolve("step3.safetensors");
    try (Trainer t =
        Trainer.create(ResumeTest.config("fasterdit"), ResumeTest.data(), GradientSync.NONE)) {
      ResumeTest.steps(t, 3);
      assertEquals(24, t.dataPosition());
      t.save(f);
    }
    return f;
  }

  @Test
  void changedSeedDatasetOrModelIsRefusedNamingTheKey(@TempDir Path dir) {
    Path f = saved(dir);
    for (String[] change :
        new String[][] {
          {"seed=5", "seed"}, {"hidden=64", "hidden"}, {"image-size=16", "image-size"}
        }) {
      try (Trainer t =
          Trainer.create(
              ResumeTest.config("fasterdit", change[0]), ResumeTest.data(), GradientSync.NONE)) {
        var e = assertThrows(IllegalArgumentException.class, () -> t.resume(f));
        assertTrue(e.getMessage().contains(change[1] + "="), e.getMessage());
        assertTrue(e.getMessage().contains("keeps its " + change[1]), e.getMessage());
      }
    }
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ResumeCompatibility.check(
                    "f",
                    java.util.Map.of("dataset", "synthetic"),
                    java.util.Map.of("dataset", "fashion-mnist")));
    assertTrue(e.getMessage().contains("dataset=synthetic"), e.getMessage());
  }

  @Test
  void aNewGlobalBatchContinuesAtTheSavedDataPosition(@TempDir Path dir) {
    Path f = saved(dir), after = dir.resolve("step4.safetensors");
    try (Trainer t =
        Trainer.create(
            ResumeTest.config("fasterdit", "batch=16"), ResumeTest.data(), GradientSync.NONE)) {
      List<String> notes = t.resume(f);
      assertEquals(1, notes.size(), notes.toString());
      assertTrue(notes.getFirst().contains("global batch changed from 8 to 16"), notes.toString());
      assertEquals(3, t.stepCount());
      assertEquals(24, t.dataPosition(), "continues at sample 24, not 3 x 16 = 48");
      t.step();
      assertEquals(24 + 16, t.dataPosition());
      t.save(after);
    }
    try (Arena a = Arena.ofConfined()) {
      assertEquals(40, Checkpoint.read(after, a).meta().dataPosition());
    }
  }

  @Test
  void aDamagedDataPositionIsRefused() {
    for (long bad : new long[] {-8, 2}) { // negative; fewer samples than steps
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> Trainer.checkDataPosition(bad, 3, "f"));
      assertTrue(e.getMessage().contains("data position"), e.getMessage());
    }
    Trainer.checkDataPosition(24, 3, "f");
  }
}
