package org.fasterdit.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.ObjectiveKind;
import org.fasterdit.diffusion.ObjectiveSpec;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Threads;

/**
 * The resolved training configuration, typed and grouped as the key table groups it ({@link
 * ConfigKeys}). Built from key/value text by {@link ConfigResolver} (defaults, preset, file, {@code
 * --key=value}) or in code with {@link #preset(String)} and {@link #with(String, Object)};
 * validated as a whole so an impossible run is refused before any work starts.
 *
 * <pre>{@code
 * TrainConfig cfg = TrainConfig.preset("fasterdit").with("batch", 16).with("lr", 3e-4);
 * }</pre>
 */
public record TrainConfig(
    String preset,
    ModelSpec model,
    ObjectiveSpec objective,
    DataSpec data,
    OptimSpec optim,
    RunSpec run,
    Map<String, String> values) {

  /** The network: a named preset or custom dimensions. {@code numClasses} 0 = from the data. */
  public record ModelSpec(
      String name,
      int depth,
      int hidden,
      int heads,
      int patch,
      boolean learnSigma,
      int numClasses) {

    /** The model dimensions for data of the given shape. */
    public DiTConfig forData(int inputSize, int channels, int dataClasses) {
      int classes = numClasses > 0 ? numClasses : dataClasses;
      if (name.equalsIgnoreCase("custom")) {
        return new DiTConfig(depth, hidden, heads, patch, inputSize, channels, classes, learnSigma);
      }
      return DiTConfig.preset(name, inputSize, channels, classes, learnSigma);
    }

    /** A folder-safe name such as DiT-S-2 or DiT-d6-h256-p4. */
    public String tag() {
      if (name.equalsIgnoreCase("custom")) {
        return String.format(Locale.ROOT, "DiT-d%d-h%d-p%d", depth, hidden, patch);
      }
      return name.replace('/', '-');
    }
  }

  /** The data and how it is presented: std modulation, flip, prefetch. */
  public record DataSpec(
      String dataset,
      int imageSize,
      int statsSamples,
      StdModulation.Mode stdMode,
      double targetStd,
      boolean flip,
      int prefetch) {}

  /** Steps, batch and the AdamW / EMA / clipping / class-dropout settings. */
  public record OptimSpec(
      long steps,
      double epochs,
      int batch,
      int gradAccum,
      double lr,
      double beta1,
      double beta2,
      double adamEps,
      double weightDecay,
      double gradClip,
      double emaDecay,
      boolean emaWarmup,
      double classDropout) {

    public int microBatch() {
      return batch / gradAccum;
    }
  }

  /**
   * Where and how the run executes and what it writes. {@code stepThreads} 0 = auto ({@link
   * #stepThreads(boolean, int)}); {@code timeLimitS} 0 = no limit on the training time; {@code
   * initFrom} null = a fresh model; {@code sampleEvery} 0 = no sample grids during training; {@code
   * evalEvery} 0 = no evaluations, {@code evalClassifier} empty = the dataset's default classifier
   * file.
   */
  public record RunSpec(
      Precision precision,
      boolean tf32,
      String device,
      long seed,
      int logEvery,
      int ckptEvery,
      double timeLimitS,
      int nanPatience,
      int stepThreads,
      String results,
      String runName,
      int distTimeoutS,
      java.nio.file.Path initFrom,
      boolean resetClasses,
      long sampleEvery,
      long evalEvery,
      int evalSamples,
      int evalReference,
      String evalClassifier) {}

  public TrainConfig {
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    check(
        optim.batch() % optim.gradAccum() == 0,
        "batch " + optim.batch() + " must be divisible by grad-accum " + optim.gradAccum());
    if (objective.kind() == ObjectiveKind.DDPM && objective.timesteps().logitNormal()) {
      throw new ConfigException(
          "invalid config: timesteps="
              + objective.timesteps()
              + " does not apply to objective=ddpm (DiT trains on uniform integer steps); use"
              + " timesteps=uniform, or objective=flow for logit-normal timesteps");
    }
  }

  /** The config of a preset with every other key at its default. */
  public static TrainConfig preset(String name) {
    return ConfigResolver.resolve(null, List.of("preset=" + name));
  }

  /**
   * This config with one key changed (name or alias; the value as text or as a number/boolean),
   * validated again. Changing {@code preset} starts again from that preset with the defaults.
   */
  public TrainConfig with(String key, Object value) {
    return ConfigResolver.change(this, key, String.valueOf(value));
  }

  /** The resolved value of a key as text (keys in table order). */
  public String get(String key) {
    ConfigKey k = ConfigKeys.find(key);
    if (k == null) throw new ConfigException("unknown config key '" + key + "'");
    return values.get(k.name());
  }

  /** The resolved config as key/value text, keys sorted (saved in every checkpoint). */
  public Map<String, String> asMap() {
    return new LinkedHashMap<>(new TreeMap<>(values));
  }

  /** The resolved config with typed values (numbers, booleans, text), keys in table order. */
  public Map<String, Object> typedValues() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (ConfigKey k : ConfigKeys.all()) {
      Object v = k.parse(values.get(k.name()));
      out.put(k.name(), v instanceof Number || v instanceof Boolean ? v : values.get(k.name()));
    }
    return out;
  }

  /**
   * Threads each micro-batch of {@code perRankMicroBatch} samples is split over ({@code
   * step-threads}). Auto: on CPU as many as OpenBLAS has threads (the launcher gives it the cores,
   * or cores / ranks under {@code launch}), at most one per sample; on CUDA one, since the GPU
   * already runs the kernels in parallel (and one where OpenBLAS's thread count cannot be set).
   */
  public int stepThreads(boolean cuda, int perRankMicroBatch) {
    int n = run.stepThreads();
    if (n > 0) {
      if (n > perRankMicroBatch) {
        throw new ConfigException(
            "invalid config: step-threads "
                + n
                + " exceeds the micro-batch of "
                + perRankMicroBatch
                + " samples per rank");
      }
      return n;
    }
    if (cuda || !Threads.blasThreadsControllable()) return 1;
    return Math.max(1, Math.min(Threads.blasThreads(), perRankMicroBatch));
  }

  private static void check(boolean ok, String message) {
    if (!ok) throw new ConfigException("invalid config: " + message);
  }
}
