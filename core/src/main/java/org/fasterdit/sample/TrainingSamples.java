package org.fasterdit.sample;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.fasterdit.data.StdModulation;
import org.fasterdit.model.DiT;
import org.fasterdit.train.TrainConfig;

/**
 * The sample grid a run draws every {@code sample-every} steps: the EMA weights (what sampling
 * uses), a fixed seed and fixed labels (sample i has class i mod classes), so grids from different
 * steps show the same noise turning into the same classes. Unguided, the objective's default
 * sampler with {@link #STEPS} steps: cheap enough to watch a run, not an evaluation.
 */
public final class TrainingSamples {
  static final int COUNT = 16, COLUMNS = 4, STEPS = 25;
  static final long SEED = 0;

  private TrainingSamples() {}

  /**
   * The samples and their grid; no grid when the model works in a latent space (no decoder here).
   */
  public record Drawn(SampleSet samples, BufferedImage grid) {}

  /**
   * @param precision the training run's (resolved) precision
   */
  public static Drawn draw(
      DiT ema, TrainConfig cfg, StdModulation modulation, org.fasterdit.torch.Precision precision) {
    long[] labels = new long[COUNT];
    for (int i = 0; i < COUNT; i++) labels[i] = i % ema.config().numClasses();
    SampleSpec spec =
        new SampleSpec(COUNT, "auto", STEPS, Guidance.none(), SEED, -1, COUNT, "ema", 1.0);
    SampleSet s =
        new SampleGenerator(ema, cfg.objective(), modulation, precision)
            .generate(spec, labels, k -> {});
    return new Drawn(s, SampleExport.isImage(s) ? SampleExport.gridImage(s, COLUMNS) : null);
  }

  /**
   * Writes {@code samples/step-NNNNNNN.png} under {@code runDir} (for latents, the {@code .npy} of
   * that name) and returns the file written.
   */
  public static Path write(Drawn d, Path runDir, long step) {
    Path png = runDir.resolve("samples").resolve(String.format(Locale.ROOT, "step-%07d.png", step));
    try {
      Files.createDirectories(png.getParent());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot create " + png.getParent() + ": " + e.getMessage(), e);
    }
    if (d.grid() != null) {
      SampleExport.writePng(d.grid(), png);
      return png;
    }
    SampleExport.write(d.samples(), png); // not images: writes step-NNNNNNN.npy instead
    return png.resolveSibling(png.getFileName().toString().replace(".png", ".npy"));
  }
}
