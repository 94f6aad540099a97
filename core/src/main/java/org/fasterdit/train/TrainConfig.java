package org.fasterdit.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.diffusion.TimestepSampler;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.Precision;

/**
 * The resolved training configuration. Built only through {@link ConfigResolver} (defaults, preset,
 * file, {@code --key=value}), and validated here so an impossible run is refused before any work
 * starts.
 */
public record TrainConfig(
    String preset,
    String model,
    int depth,
    int hidden,
    int heads,
    int patch,
    boolean learnSigma,
    String dataset,
    int imageSize,
    int statsSamples,
    String objective,
    FlowPath path,
    Prediction prediction,
    TimestepSampler timesteps,
    double directionWeight,
    DdpmSchedule.Kind betaSchedule,
    int diffusionSteps,
    StdModulation.Mode stdMode,
    double targetStd,
    long steps,
    int batch,
    int gradAccum,
    double lr,
    double beta1,
    double beta2,
    double adamEps,
    double weightDecay,
    double gradClip,
    double emaDecay,
    double classDropout,
    boolean flip,
    Precision precision,
    boolean tf32,
    String device,
    long seed,
    int logEvery,
    int ckptEvery,
    int nanPatience,
    int prefetch,
    String results,
    String runName,
    Map<String, String> raw) {

  public TrainConfig {
    check(
        objective.equals("flow") || objective.equals("ddpm"),
        "objective must be flow or ddpm, got '" + objective + "'");
    check(steps >= 1, "steps must be >= 1, got " + steps);
    check(batch >= 1, "batch must be >= 1, got " + batch);
    check(gradAccum >= 1, "grad-accum must be >= 1, got " + gradAccum);
    check(
        batch % gradAccum == 0, "batch " + batch + " must be divisible by grad-accum " + gradAccum);
    check(emaDecay >= 0 && emaDecay <= 1, "ema-decay must be in [0, 1], got " + emaDecay);
    check(
        classDropout >= 0 && classDropout < 1,
        "class-dropout must be in [0, 1), got " + classDropout);
    check(gradClip >= 0, "grad-clip must be >= 0 (0 = off), got " + gradClip);
    check(directionWeight >= 0, "direction-weight must be >= 0, got " + directionWeight);
    check(logEvery >= 1, "log-every must be >= 1, got " + logEvery);
    check(ckptEvery >= 0, "ckpt-every must be >= 0 (0 = only at the end), got " + ckptEvery);
    check(nanPatience >= 1, "nan-patience must be >= 1, got " + nanPatience);
    check(diffusionSteps >= 2, "diffusion-steps must be >= 2, got " + diffusionSteps);
    check(imageSize >= 8, "image-size must be >= 8, got " + imageSize);
    check(statsSamples >= 1, "stats-samples must be >= 1, got " + statsSamples);
    String w = raw.getOrDefault("workers", "auto");
    check(
        w.equals("auto") || parsesAsPositiveInt(w),
        "workers must be 'auto' or an integer >= 1, got '" + w + "'");
    check(
        parsesAsNonNegativeLong(raw.getOrDefault("sample-every", "0")),
        "sample-every must be an integer >= 0 (0 = off), got '" + raw.get("sample-every") + "'");
    String warm = raw.getOrDefault("ema-warmup", "true").trim();
    check(
        warm.equals("true") || warm.equals("false"),
        "ema-warmup must be true or false, got '" + warm + "'");
    raw = Map.copyOf(raw);
  }

  /**
   * Whether the EMA decay warms up as min(ema-decay, (1 + n) / (10 + n)) ({@code ema-warmup} key,
   * see {@link Ema}). Checkpoints written before the key existed resolve to the default, true.
   */
  public boolean emaWarmup() {
    return raw.getOrDefault("ema-warmup", "true").trim().equals("true");
  }

  private static boolean parsesAsNonNegativeLong(String s) {
    try {
      return Long.parseLong(s.trim()) >= 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Steps between the sample grids a run draws from its EMA weights ({@code sample-every}); 0 =
   * none.
   */
  public long sampleEvery() {
    return Long.parseLong(raw.getOrDefault("sample-every", "0").trim());
  }

  private static boolean parsesAsPositiveInt(String s) {
    try {
      return Integer.parseInt(s.trim()) >= 1;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Worker threads per micro-batch of {@code perRankMicroBatch} samples ({@code workers} key).
   * {@code auto}: on CPU as many as OpenBLAS has threads (the launcher gives it the cores, or cores
   * / ranks under {@code launch}), at most one per sample; on CUDA one, since the GPU already runs
   * the kernels in parallel (and one where OpenBLAS's thread count cannot be controlled).
   */
  public int workers(boolean cuda, int perRankMicroBatch) {
    String w = raw.getOrDefault("workers", "auto").trim();
    if (!w.equals("auto")) {
      int n = Integer.parseInt(w);
      if (n > perRankMicroBatch) {
        throw new IllegalArgumentException(
            "invalid config: workers "
                + n
                + " exceeds the micro-batch of "
                + perRankMicroBatch
                + " samples per rank");
      }
      return n;
    }
    if (cuda || !org.fasterdit.torch.Threads.blasThreadsControllable()) return 1;
    return Math.max(1, Math.min(org.fasterdit.torch.Threads.blasThreads(), perRankMicroBatch));
  }

  /** The weights to fine-tune from ({@code init-from} key), or null for a fresh model. */
  public java.nio.file.Path initFrom() {
    String f = raw.getOrDefault("init-from", "").trim();
    return f.isEmpty() ? null : java.nio.file.Path.of(f);
  }

  /** Whether {@code init-from} may replace a label table of another class count. */
  public boolean resetClasses() {
    String v = raw.getOrDefault("reset-classes", "false").trim().toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("1") || v.equals("yes")) return true;
    if (v.equals("false") || v.equals("0") || v.equals("no")) return false;
    throw new IllegalArgumentException(
        "config key 'reset-classes' must be true or false, got '" + v + "'");
  }

  private static void check(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException("invalid config: " + message);
  }

  /** The model dimensions for a dataset of the given shape (preset name or custom dimensions). */
  public DiTConfig modelConfig(int inputSize, int channels, int numClasses) {
    if (model.equalsIgnoreCase("custom")) {
      return new DiTConfig(
          depth, hidden, heads, patch, inputSize, channels, numClasses, learnSigma);
    }
    return DiTConfig.preset(model, inputSize, channels, numClasses, learnSigma);
  }

  /** A folder-safe name such as DiT-S-2 or DiT-custom-6x256. */
  public String modelTag() {
    if (model.equalsIgnoreCase("custom"))
      return String.format(Locale.ROOT, "DiT-d%d-h%d-p%d", depth, hidden, patch);
    return model.replace('/', '-');
  }

  public int microBatch() {
    return batch / gradAccum;
  }

  /**
   * The resolved config as ordered key/value strings (saved in every run folder and checkpoint).
   */
  public Map<String, String> asMap() {
    return new LinkedHashMap<>(new java.util.TreeMap<>(raw));
  }
}
