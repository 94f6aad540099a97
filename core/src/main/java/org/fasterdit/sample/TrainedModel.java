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
import org.fasterdit.train.Checkpoint;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.TrainConfig;

/**
 * A model loaded from a training checkpoint with everything sampling needs: weights, config, data
 * statistics.
 */
public record TrainedModel(
    DiT model, TrainConfig config, StdModulation modulation, long step, Path file)
    implements AutoCloseable {

  /**
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
          new StdModulation(cfg.stdMode(), cfg.targetStd(), c.meta().stats()),
          c.meta().step(),
          file);
    }
  }

  public SampleGenerator generator() {
    return new SampleGenerator(model, config, modulation);
  }

  @Override
  public void close() {
    model.close();
  }
}
