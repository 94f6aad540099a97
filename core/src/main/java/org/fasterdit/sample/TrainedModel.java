package org.fasterdit.sample;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.fasterdit.data.StdModulation;
import org.fasterdit.model.CheckpointLoader;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.PrecisionProbe;
import org.fasterdit.train.Checkpoint;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.TrainConfig;

/**
 * A model loaded from a checkpoint with everything sampling needs: weights, config, data
 * statistics, and how the training latents were scaled after the VAE.
 *
 * @param origin one line for the user: which file, which weights, and (for public checkpoints) what
 *     was guessed about the objective
 * @param latentScale the factor the training latents were multiplied by after the VAE encoder (the
 *     DiT convention is 0.18215); NaN when the checkpoint does not record it
 */
public record TrainedModel(
    DiT model,
    TrainConfig config,
    StdModulation modulation,
    long step,
    Path file,
    String origin,
    double latentScale)
    implements AutoCloseable {

  /**
   * A fasterdit training checkpoint (file or run folder).
   *
   * @param weights "ema" (default for sampling) or "model"
   */
  public static TrainedModel load(Path fileOrDir, String weights, String device) {
    Path file = Checkpoint.resolveLatest(fileOrDir);
    try (Arena arena = Arena.ofConfined()) {
      Checkpoint.Loaded c = Checkpoint.read(file, arena);
      List<String> kv = new ArrayList<>();
      c.meta().config().forEach((k, v) -> kv.add(k + "=" + v));
      TrainConfig cfg = ConfigResolver.resolve(null, kv);
      Device d = Devices.resolve(device);
      DiT model = CheckpointLoader.load(c.group(weights), c.meta().model(), d);
      return new TrainedModel(
          model,
          cfg,
          new StdModulation(cfg.data().stdMode(), cfg.data().targetStd(), c.meta().stats()),
          c.meta().step(),
          file,
          "checkpoint " + file + " (step " + c.meta().step() + "), " + weights + " weights",
          c.latentScale());
    }
  }

  /**
   * Any checkpoint {@code sample} accepts: a fasterdit training checkpoint or run folder, else a
   * file written by the public DiT or SiT code (see {@link PublicCheckpoint}).
   *
   * @param heads attention heads for a public checkpoint (0 = the standard table for its width)
   * @param objective "auto" to guess a public checkpoint's objective, or "ddpm" / "flow"
   */
  public static TrainedModel open(
      Path fileOrDir, String weights, int heads, String objective, String device) {
    if (Checkpoint.isTrainingCheckpoint(fileOrDir)) {
      if (!objective.equals("auto")) {
        throw new IllegalArgumentException(
            "--objective applies to public checkpoints only: "
                + fileOrDir
                + " is a fasterdit checkpoint, whose config names its objective");
      }
      return load(fileOrDir, weights, device);
    }
    return PublicCheckpoint.load(fileOrDir, weights, heads, objective, device);
  }

  /**
   * A generator computing in {@code requested}; auto is resolved by a probe of this model's matmuls
   * at the sampling batch ({@code batch}, at most 8 images timed) on the calling thread.
   */
  public SampleGenerator generator(Precision requested, int batch) {
    return new SampleGenerator(
        model, config.objective(), modulation, precisionFor(requested, batch).chosen());
  }

  /** What {@link #generator} computes in, and why. */
  public PrecisionProbe.Result precisionFor(Precision requested, int batch) {
    var mc = model.config();
    return PrecisionProbe.transformer(
        requested,
        model.device(),
        mc.hidden(),
        mc.heads(),
        mc.tokens(),
        Math.max(1, Math.min(batch, 8)),
        1);
  }

  @Override
  public void close() {
    model.close();
  }
}
