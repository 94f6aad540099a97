package org.fasterdit.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.fasterdit.data.DataStats;
import org.fasterdit.data.Dataset;
import org.fasterdit.data.SyntheticShapes;
import org.junit.jupiter.api.Test;

/**
 * A NaN in a batch is detected, the step skipped and reported, training goes on; K bad steps in a
 * row stop it.
 */
class NanGuardTest {
  /** Synthetic shapes with NaN injected into every sample whose index is in [from, to). */
  record Poisoned(Dataset base, int from, int to) implements Dataset {
    @Override
    public String name() {
      return "poisoned";
    }

    @Override
    public int size() {
      return base.size();
    }

    @Override
    public int channels() {
      return base.channels();
    }

    @Override
    public int height() {
      return base.height();
    }

    @Override
    public int width() {
      return base.width();
    }

    @Override
    public int numClasses() {
      return base.numClasses();
    }

    @Override
    public boolean supportsFlip() {
      return false;
    }

    @Override
    public int label(int i) {
      return base.label(i);
    }

    @Override
    public void read(int i, boolean flip, float[] dst, int off) {
      base.read(i, flip, dst, off);
      if (i >= from && i < to) dst[off + 3] = Float.NaN;
    }
  }

  static TrainConfig cfg(int patience) {
    return ConfigResolver.resolve(
        null,
        List.of(
            "dataset=synthetic",
            "model=custom",
            "depth=1",
            "hidden=32",
            "heads=2",
            "patch=8",
            "batch=4",
            "std-mode=none",
            "nan-patience=" + patience,
            "flip=false",
            "ema-decay=0.9"));
  }

  @Test
  void aPoisonedBatchIsSkippedAndTrainingGoesOn() {
    Dataset base = new SyntheticShapes(64, 32, 1, 3);
    Dataset data = new Poisoned(base, 10, 11); // exactly one sample is bad
    DataStats stats = DataStats.measure(base, 64, 0);
    TrainConfig c = cfg(3);
    var model =
        new org.fasterdit.model.DiT(
            c.model().forData(32, 1, 10),
            new org.bytedeco.pytorch.Device(org.bytedeco.pytorch.global.torch.DeviceType.CPU),
            0);
    try (Trainer t =
        new Trainer(c, model, Trainer.objectiveFor(c), data, stats, GradientSync.NONE)) {
      int skipped = 0;
      for (int i = 0; i < 40; i++) {
        StepResult r = t.step();
        if (r.skipped()) {
          skipped++;
          assertTrue(r.skipReason().contains("non-finite"), r.skipReason());
        } else {
          assertTrue(Double.isFinite(r.loss()));
        }
      }
      assertTrue(
          skipped >= 1,
          "the NaN sample was visited in 40 steps of 4 over 64 samples, so a step must be skipped");
      for (float w : t.model().get("blocks.0.attn.qkv.weight"))
        assertFalse(Float.isNaN(w), "weights stayed finite");
    }
  }

  @Test
  void manyBadStepsInARowStopWithAClearMessage() {
    Dataset base = new SyntheticShapes(64, 32, 1, 3);
    Dataset data = new Poisoned(base, 0, 64);
    TrainConfig c = cfg(5);
    var model =
        new org.fasterdit.model.DiT(
            c.model().forData(32, 1, 10),
            new org.bytedeco.pytorch.Device(org.bytedeco.pytorch.global.torch.DeviceType.CPU),
            0);
    try (Trainer t =
        new Trainer(
            c,
            model,
            Trainer.objectiveFor(c),
            data,
            DataStats.measure(base, 64, 0),
            GradientSync.NONE)) {
      var e =
          assertThrows(
              NonFiniteLossException.class,
              () -> {
                for (int i = 0; i < 10; i++) t.step();
              });
      assertTrue(
          e.getMessage().contains("5 steps in a row had a non-finite loss or gradient"),
          e.getMessage());
    }
  }
}
