package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fasterdit.data.Dataset;
import org.fasterdit.data.SyntheticShapes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * N steps, save, resume in a new trainer, N more steps == 2N uninterrupted steps: same losses, same
 * weights.
 */
class ResumeTest {
  static TrainConfig config(String preset, String... extra) {
    List<String> kv =
        new ArrayList<>(
            List.of(
                "preset=" + preset,
                "dataset=synthetic",
                "model=custom",
                "depth=2",
                "hidden=32",
                "heads=2",
                "patch=8",
                "batch=8",
                "grad-accum=2",
                "stats-samples=64",
                "ema-decay=0.9",
                "lr=1e-3",
                "steps=100"));
    kv.addAll(List.of(extra));
    return ConfigResolver.resolve(null, kv);
  }

  static Dataset data() {
    return new SyntheticShapes(256, 32, 1, 5);
  }

  static List<Double> steps(Trainer t, int n) {
    List<Double> losses = new ArrayList<>();
    for (int i = 0; i < n; i++) losses.add(t.step().loss());
    return losses;
  }

  void check(String preset, Path dir, String... extra) {
    TrainConfig cfg = config(preset, extra);
    int n = 3;
    List<Double> straight;
    float[] wStraight, emaStraight;
    try (Trainer t = Trainer.create(cfg, data(), GradientSync.NONE)) {
      straight = steps(t, 2 * n);
      wStraight = t.model().get("blocks.1.mlp.fc2.weight");
      emaStraight = t.emaModel().get("final_layer.linear.weight");
    }
    List<Double> resumed = new ArrayList<>();
    Path ckpt = dir.resolve(preset + ".safetensors");
    try (Trainer t = Trainer.create(cfg, data(), GradientSync.NONE)) {
      resumed.addAll(steps(t, n));
      t.save(ckpt);
    }
    float[] wResumed, emaResumed;
    try (Trainer t = Trainer.create(cfg, data(), GradientSync.NONE)) {
      t.resume(ckpt);
      assertEquals(n, t.stepCount());
      resumed.addAll(steps(t, n));
      wResumed = t.model().get("blocks.1.mlp.fc2.weight");
      emaResumed = t.emaModel().get("final_layer.linear.weight");
    }
    assertEquals(straight, resumed, preset + ": losses");
    assertArrayEquals(wStraight, wResumed, preset + ": weights");
    assertArrayEquals(emaStraight, emaResumed, preset + ": EMA weights");
  }

  @Test
  void fasterditResumesExactly(@TempDir Path dir) {
    check("fasterdit", dir);
  }

  @Test
  void ditResumesExactly(@TempDir Path dir) {
    check("dit", dir);
  }

  @Test
  void resumesExactlyWithMicroBatchesSplitOverTwoThreads(@TempDir Path dir) {
    check("fasterdit", dir, "workers=2");
  }
}
