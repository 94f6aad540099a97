package org.fasterdit.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fasterdit.data.SyntheticShapes;
import org.fasterdit.io.DType;
import org.fasterdit.io.Npz;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every sampler runs from a real checkpoint, is reproducible from its seed, and exports in the
 * evaluator layout.
 */
class SamplingTest {
  static Path checkpoint(Path dir, String preset) {
    TrainConfig cfg =
        ConfigResolver.resolve(
            null,
            List.of(
                "preset=" + preset,
                "model=custom",
                "depth=1",
                "hidden=32",
                "heads=2",
                "patch=8",
                "batch=8",
                "stats-samples=64",
                "ema-decay=0.5",
                "lr=1e-3"));
    Path f = dir.resolve(preset + ".safetensors");
    try (Trainer t = Trainer.create(cfg, new SyntheticShapes(64, 32, 1, 1), GradientSync.NONE)) {
      for (int i = 0; i < 3; i++) t.step();
      t.save(f);
    }
    return f;
  }

  static SampleSet sample(Path ckpt, String sampler, double cfg, long seed) {
    try (TrainedModel m = TrainedModel.load(ckpt, "ema", "cpu")) {
      return m.generator(org.fasterdit.torch.Precision.FP32, 64)
          .generate(
              new SampleSpec(5, sampler, 4, Guidance.of(cfg), seed, -1, 3, "ema", 1.0), k -> {});
    }
  }

  @Test
  void flowAndDdpmSamplersRunAndAreReproducible(@TempDir Path dir) {
    Path flow = checkpoint(dir, "fasterdit"), ddpm = checkpoint(dir, "dit");
    for (String s : List.of("euler", "heun", "dopri5", "sde")) check(flow, s);
    for (String s : List.of("ddpm", "ddim")) check(ddpm, s);
    var e = assertThrows(IllegalArgumentException.class, () -> sample(flow, "ddim", 1, 0));
    assertTrue(e.getMessage().contains("needs a DDPM model"), e.getMessage());
  }

  /** dopri5's tolerances reach the solver: a tight tolerance takes more steps, other samples. */
  @Test
  void dopri5TolerancesComeFromTheSpec(@TempDir Path dir) {
    Path flow = checkpoint(dir, "fasterdit");
    try (TrainedModel m = TrainedModel.load(flow, "ema", "cpu")) {
      SampleSet sit =
          m.generator(org.fasterdit.torch.Precision.FP32, 64).generate(spec(1e-6, 1e-3), k -> {});
      SampleSet same =
          m.generator(org.fasterdit.torch.Precision.FP32, 64).generate(spec(1e-6, 1e-3), k -> {});
      SampleSet tight =
          m.generator(org.fasterdit.torch.Precision.FP32, 64).generate(spec(1e-9, 1e-9), k -> {});
      assertArrayEquals(sit.x(), same.x());
      assertTrue(!java.util.Arrays.equals(sit.x(), tight.x()), "atol/rtol had no effect");
    }
    assertThrows(IllegalArgumentException.class, () -> spec(0, 1e-3));
  }

  static SampleSpec spec(double atol, double rtol) {
    return new SampleSpec(2, "dopri5", 1, Guidance.none(), 3, -1, 2, "ema", 1.0, atol, rtol);
  }

  static void check(Path ckpt, String sampler) {
    SampleSet a = sample(ckpt, sampler, 2.0, 7),
        b = sample(ckpt, sampler, 2.0, 7),
        c = sample(ckpt, sampler, 2.0, 8);
    assertEquals(5, a.count());
    assertEquals(5 * 32 * 32, a.x().length);
    for (float v : a.x()) assertTrue(Float.isFinite(v), sampler + " produced a non-finite value");
    assertArrayEquals(a.x(), b.x(), sampler + ": same seed, same samples");
    assertTrue(!java.util.Arrays.equals(a.x(), c.x()), sampler + ": another seed, other samples");
    for (long y : a.labels()) assertTrue(y >= 0 && y < 10);
  }

  @Test
  void exportsTheAdmLayoutAndAGrid(@TempDir Path dir) throws Exception {
    Path flow = checkpoint(dir, "sit");
    SampleSet s = sample(flow, "euler", 1.0, 1);
    Path npz = dir.resolve("s.npz"), png = dir.resolve("s.png");
    SampleExport.write(s, npz);
    var m = Npz.read(npz);
    assertEquals(DType.U8, m.get("arr_0").dtype());
    assertArrayEquals(new long[] {5, 32, 32, 1}, m.get("arr_0").shape());
    assertArrayEquals(s.labels(), m.get("labels").toLongArray());
    SampleExport.write(s, png);
    byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
  }
}
