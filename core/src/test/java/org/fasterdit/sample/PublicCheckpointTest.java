package org.fasterdit.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints in the layouts of the public DiT and SiT code (written by
 * benchmarks/reference/make_public_checkpoints.py) load with the right objective guess, and sample
 * what the reference samplers computed from the same noise.
 */
class PublicCheckpointTest {
  static final Path DIR = Path.of("src/test/resources/public");
  static final Map<String, HostTensor> REF = Npz.read(DIR.resolve("samples.npz"));

  /** max |a - b| / max |b|: the DDIM trajectories of a random network reach |x| ~ 600. */
  static double relErr(float[] a, float[] b) {
    double err = 0, mag = 0;
    for (int i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs(a[i] - b[i]));
      mag = Math.max(mag, Math.abs(b[i]));
    }
    return err / mag;
  }

  static float[] ddim(TrainedModel m, int steps, double cfg) {
    try (var scope = NativeScope.open()) {
      Tensor noise = Tensors.view(REF.get("noise"));
      Tensor y = Tensors.view(REF.get("y"));
      var cfgT = m.config();
      DdpmSchedule full =
          DdpmSchedule.of(cfgT.objective().betaSchedule(), cfgT.objective().diffusionSteps());
      Tensor out =
          new DdpmSampler(full, steps, true, false)
              .sample(
                  m.model(), noise, y, Guidance.of(cfg), HostRandom.forStep(0, 0, 0, 0), k -> {});
      return Tensors.toFloats(out);
    }
  }

  @Test
  void ditTrainingDictSamplesAsTheReferenceDdim() {
    try (TrainedModel m =
        PublicCheckpoint.load(DIR.resolve("DiT-tiny.pt"), "ema", 2, "auto", "cpu")) {
      assertEquals("ddpm", m.config().objective().kind().toString());
      assertTrue(m.config().model().learnSigma());
      assertTrue(m.origin().contains("DiT training args"), m.origin());
      assertEquals(2, m.model().config().heads());
      double e = relErr(ddim(m, 10, 1), REF.get("ddim_10").toFloatArray());
      double ec = relErr(ddim(m, 10, 3), REF.get("ddim_10_cfg").toFloatArray());
      System.out.printf("DiT-tiny.pt ddim-10 rel err %.2e, with cfg 3: %.2e%n", e, ec);
      assertTrue(e < 1e-4, "ddim rel err " + e);
      assertTrue(ec < 1e-4, "ddim cfg rel err " + ec);
    }
    try (TrainedModel m =
        PublicCheckpoint.load(DIR.resolve("DiT-tiny.pt"), "model", 2, "auto", "cpu")) {
      double e = relErr(ddim(m, 10, 1), REF.get("ddim_10_model").toFloatArray());
      assertTrue(e < 1e-4, "model weights: ddim rel err " + e);
    }
  }

  @Test
  void bareStateDictIsTakenAsDit(@TempDir Path tmp) throws Exception {
    Path bare = DIR.resolve("DiT-tiny-ema.pt");
    try (TrainedModel m = PublicCheckpoint.load(bare, "ema", 2, "auto", "cpu")) {
      assertEquals("ddpm", m.config().objective().kind().toString());
      assertTrue(m.origin().contains("public DiT default"), m.origin());
      assertTrue(relErr(ddim(m, 10, 1), REF.get("ddim_10").toFloatArray()) < 1e-4);
    }
    // the same bytes under a SiT name are taken as SiT's flow, and --objective overrides either
    Path sitNamed = Files.copy(bare, tmp.resolve("SiT-XL-2-256x256.pt"));
    try (TrainedModel m = PublicCheckpoint.load(sitNamed, "ema", 2, "auto", "cpu")) {
      assertEquals("flow", m.config().objective().kind().toString());
      assertTrue(m.origin().contains("file name"), m.origin());
    }
    try (TrainedModel m = PublicCheckpoint.load(sitNamed, "ema", 2, "ddpm", "cpu")) {
      assertEquals("ddpm", m.config().objective().kind().toString());
      assertTrue(m.origin().contains("--objective"), m.origin());
    }
  }

  @Test
  void sitTrainingDictSamplesAsTheReferenceEuler() {
    try (TrainedModel m =
            PublicCheckpoint.load(DIR.resolve("SiT-tiny.pt"), "ema", 2, "auto", "cpu");
        var scope = NativeScope.open()) {
      assertEquals("flow", m.config().objective().kind().toString());
      assertEquals(FlowPath.LINEAR, m.config().objective().path());
      assertEquals(Prediction.VELOCITY, m.config().objective().prediction());
      assertTrue(m.origin().contains("SiT training args"), m.origin());
      Tensor out =
          new FlowSampler(
                  m.config().objective().path(),
                  m.config().objective().prediction(),
                  FlowSampler.Method.EULER,
                  8,
                  1.0,
                  1e-6,
                  1e-3)
              .sample(
                  m.model(),
                  Tensors.view(REF.get("noise")),
                  Tensors.view(REF.get("y")),
                  Guidance.none(),
                  HostRandom.forStep(0, 0, 0, 0),
                  k -> {});
      double e = relErr(Tensors.toFloats(out), REF.get("euler_8_sit").toFloatArray());
      System.out.printf("SiT-tiny.pt euler-8 rel err %.2e%n", e);
      assertTrue(e < 1e-4, "euler rel err " + e);
    }
  }

  @Test
  void wrongInputsAreRefusedClearly() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PublicCheckpoint.load(DIR.resolve("DiT-tiny.pt"), "ema", 2, "edm", "cpu"));
    assertTrue(e.getMessage().contains("--objective"), e.getMessage());
    // width 32 is not a standard DiT size: the heads must be given
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PublicCheckpoint.load(DIR.resolve("DiT-tiny.pt"), "ema", 0, "auto", "cpu"));
    assertTrue(e.getMessage().contains("--heads"), e.getMessage());
  }
}
