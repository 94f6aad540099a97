package org.fasterdit.train;

import static org.fasterdit.train.ConfigKey.Group.DATA;
import static org.fasterdit.train.ConfigKey.Group.MODEL;
import static org.fasterdit.train.ConfigKey.Group.OBJECTIVE;
import static org.fasterdit.train.ConfigKey.Group.OPTIM;
import static org.fasterdit.train.ConfigKey.Group.RUN;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.ObjectiveKind;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.diffusion.TimestepSampler;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.Precision;

/**
 * Every training config key, once: name, group, type, default, one-line doc, aliases. This table
 * drives the defaults, {@code train --help}, the README's key table (checked by a test), the typed
 * {@link TrainConfig} and the saved {@code config.json}. To add a key: add one entry here and read
 * it in {@link TrainConfig}.
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  private static final List<ConfigKey> ALL = new ArrayList<>();
  private static final Map<String, ConfigKey> BY_NAME = new LinkedHashMap<>();

  private static void key(
      String name,
      ConfigKey.Group group,
      String type,
      String def,
      String doc,
      Function<String, Object> parser,
      String... aliases) {
    ConfigKey k = new ConfigKey(name, group, type, def, doc, List.of(aliases), parser);
    ALL.add(k);
    for (String n : k.aliasesAndName()) {
      if (BY_NAME.put(n, k) != null) throw new IllegalStateException("config key " + n + " twice");
    }
  }

  private static Function<String, Object> ints(int min) {
    return s -> ConfigKey.intAtLeast(s, min);
  }

  private static Function<String, Object> longs(long min) {
    return s -> ConfigKey.longAtLeast(s, min);
  }

  private static Function<String, Object> numbers(double lo, double hi) {
    return s -> ConfigKey.number(s, lo, hi, false);
  }

  private static final Function<String, Object> TEXT = s -> s;
  private static final Function<String, Object> BOOL = ConfigKey::bool;
  private static final double INF = Double.POSITIVE_INFINITY;

  static {
    // model
    key(
        "preset",
        RUN,
        "fasterdit|sit|dit",
        "fasterdit",
        "the recipe: sets the objective keys below (table in the README)",
        ConfigKeys::preset);
    key(
        "model",
        MODEL,
        "name",
        "custom",
        "DiT-S/2 ... DiT-XL/8 (SiT-* accepted), or custom (depth/hidden/heads/patch); custom is small enough for a CPU demo",
        ConfigKeys::modelName);
    key("depth", MODEL, "int", "6", "transformer blocks (model=custom)", ints(1));
    key("hidden", MODEL, "int", "256", "width (model=custom)", ints(8));
    key("heads", MODEL, "int", "4", "attention heads (model=custom); must divide hidden", ints(1));
    key(
        "patch",
        MODEL,
        "int",
        "4",
        "patch size (model=custom); must divide the input size",
        ints(1));
    key(
        "learn-sigma",
        MODEL,
        "boolean",
        "false",
        "predict the variance too (DiT's learned sigma; doubles the output channels)",
        BOOL);
    key(
        "num-classes",
        MODEL,
        "int",
        "0",
        "label table size; 0 = from the data (set it when fine-tuning a 1000-class model on fewer labels)",
        ints(0),
        "num_classes");
    // objective
    key(
        "objective",
        OBJECTIVE,
        "flow|ddpm",
        "flow",
        "flow matching (SiT, FasterDiT) or DDPM (DiT)",
        ObjectiveKind::parse);
    key(
        "path",
        OBJECTIVE,
        "linear|cosine|vp",
        "linear",
        "flow path (SiT's --path-type Linear|GVP|VP accepted)",
        FlowPath::parse,
        "path-type");
    key(
        "prediction",
        OBJECTIVE,
        "velocity|noise|score",
        "velocity",
        "what the flow model predicts",
        Prediction::parse);
    key(
        "timesteps",
        OBJECTIVE,
        "uniform|lognorm:MU,S",
        "lognorm:0,1",
        "training time distribution; lognorm = logit-normal (FasterDiT)",
        ConfigKeys::timesteps);
    key(
        "lognorm-until",
        OBJECTIVE,
        "long",
        "-1",
        "step from which t is uniform again (the authors switch lognorm off late); -1 = never",
        longs(-1));
    key(
        "direction-weight",
        OBJECTIVE,
        "double",
        "1.0",
        "weight of FasterDiT's velocity direction (cosine) loss; the paper text does not confirm 1, so it is a key",
        numbers(0, INF));
    key(
        "beta-schedule",
        OBJECTIVE,
        "linear|cosine",
        "linear",
        "DDPM betas",
        DdpmSchedule::parseKind);
    key("diffusion-steps", OBJECTIVE, "int", "1000", "DDPM steps T", ints(2));
    // data
    key(
        "dataset",
        DATA,
        "spec",
        "fashion-mnist",
        "fashion-mnist, synthetic, folder:PATH, latents:PATH, shards:PATH",
        TEXT,
        "data-path");
    key(
        "image-size",
        DATA,
        "int",
        "32",
        "image folders are centre-cropped and resized to this",
        ints(8));
    key(
        "stats-samples",
        DATA,
        "int",
        "10000",
        "samples the data mean/std are measured on (LightningDiT uses ~10k)",
        ints(1));
    key(
        "std-mode",
        DATA,
        "none|scale|per-channel",
        "scale",
        "data-std modulation (FasterDiT): none, one scale, or per channel",
        StdModulation::parseMode);
    key(
        "target-std",
        DATA,
        "double",
        "1.0",
        "std the data is scaled to; chosen for Fashion-MNIST with the SNR-PDF tool (docs/std-modulation.md)",
        numbers(0, INF));
    key(
        "flip",
        DATA,
        "boolean",
        "true",
        "random horizontal flip (as DiT); --no-flip turns it off",
        BOOL);
    key("prefetch", DATA, "int", "4", "batches loaded ahead on a background thread", ints(0));
    // optimisation
    key("steps", OPTIM, "long", "2000", "optimizer steps", longs(1), "max-steps");
    key(
        "epochs",
        OPTIM,
        "double",
        "0",
        "if > 0: train this many passes over the data (converted to steps, stated at start)",
        numbers(0, INF));
    key(
        "batch",
        OPTIM,
        "int",
        "64",
        "global batch (split across ranks)",
        ints(1),
        "global-batch-size");
    key(
        "grad-accum",
        OPTIM,
        "int",
        "1",
        "micro-batches per step (batch must divide by it)",
        ints(1));
    key(
        "lr",
        OPTIM,
        "double",
        "1e-4",
        "AdamW learning rate (DiT/SiT recipe; small models on small data tolerate more)",
        numbers(0, INF));
    key("beta1", OPTIM, "double", "0.9", "AdamW beta1", numbers(0, 1));
    key("beta2", OPTIM, "double", "0.999", "AdamW beta2", numbers(0, 1));
    key("adam-eps", OPTIM, "double", "1e-8", "AdamW epsilon", numbers(0, INF));
    key(
        "weight-decay",
        OPTIM,
        "double",
        "0",
        "AdamW weight decay (the DiT recipe uses none)",
        numbers(0, INF));
    key(
        "grad-clip",
        OPTIM,
        "double",
        "1.0",
        "gradient norm clip, 0 = off (guards long bf16 runs against the NaNs the authors reported)",
        numbers(0, INF));
    key("ema-decay", OPTIM, "double", "0.9999", "EMA decay per step", numbers(0, 1));
    key(
        "ema-warmup",
        OPTIM,
        "boolean",
        "true",
        "EMA decay min(ema-decay, (1+n)/(10+n)) at step n, so EMA weights sample well at any run"
            + " length",
        BOOL);
    key(
        "class-dropout",
        OPTIM,
        "double",
        "0.1",
        "label dropout probability (enables classifier-free guidance)",
        s -> ConfigKey.number(s, 0, 1, true));
    // run
    key(
        "precision",
        RUN,
        "auto|fp32|bf16|fp16",
        "auto",
        "compute precision (autocast); auto = bf16 where a probe of the model's matmuls finds it"
            + " >= 1.25x faster than fp32 here, else fp32; fp16 is CUDA-only",
        Precision::parse);
    key("tf32", RUN, "boolean", "false", "allow TF32 matmuls on CUDA", BOOL);
    key(
        "device",
        RUN,
        "auto|cpu|cuda[:N]",
        "auto",
        "where to train; auto = CUDA when present",
        TEXT);
    key(
        "seed",
        RUN,
        "long",
        "0",
        "every random draw is a function of (seed, data position)",
        longs(Long.MIN_VALUE),
        "global-seed");
    key("log-every", RUN, "int", "10", "steps between metrics lines", ints(1));
    key(
        "ckpt-every",
        RUN,
        "int",
        "1000",
        "steps between checkpoints; 0 = only at the end",
        ints(0));
    key(
        "time-limit",
        RUN,
        "duration",
        "0",
        "stop after this much training time (90s, 7.5m, 2h; 0 = none), saving a checkpoint that"
            + " --resume continues to steps",
        ConfigKey::seconds);
    key(
        "nan-patience",
        RUN,
        "int",
        "20",
        "non-finite steps in a row (skipped) before the run stops",
        ints(1));
    key(
        "step-threads",
        RUN,
        "auto|int",
        "auto",
        "threads each micro-batch is split over; auto = the BLAS threads on CPU, 1 on CUDA",
        ConfigKeys::stepThreads,
        "workers");
    key("results", RUN, "path", "results", "folder for numbered run folders", TEXT, "results-dir");
    key("run-name", RUN, "text", "", "run folder name; empty = MODEL-PRESET", TEXT);
    key(
        "dist-timeout",
        RUN,
        "int",
        "120",
        "seconds a rank waits for its peers (rendezvous, each collective) before failing",
        ints(1));
    key(
        "sample-every",
        RUN,
        "long",
        "0",
        "steps between sample grids drawn from the EMA weights (samples/step-N.png and"
            + " TensorBoard); 0 = none",
        longs(0));
    key(
        "eval-every",
        RUN,
        "long",
        "0",
        "steps between evaluations of the EMA weights (FD-<dataset> and conditional accuracy"
            + " in metrics.jsonl, TensorBoard and eval.png); 0 = none; needs a dataset classifier",
        longs(0));
    key(
        "eval-samples",
        RUN,
        "int",
        "1000",
        "images sampled per evaluation (labels uniform over classes, fixed seed)",
        ints(2));
    key(
        "eval-reference",
        RUN,
        "int",
        "10000",
        "test images whose classifier statistics the evaluation compares with (fitted once)",
        ints(2));
    key(
        "eval-classifier",
        RUN,
        "path",
        "",
        "classifier of --eval-every; empty = results/classifiers/<dataset>.safetensors (trained"
            + " there on first use for fashion-mnist)",
        TEXT);
    key(
        "init-from",
        RUN,
        "path",
        "",
        "fine-tune: start model and EMA from these weights (.pt or .safetensors, e.g."
            + " DiT-XL-2-256x256.pt); fresh optimizer",
        TEXT);
    key(
        "reset-classes",
        RUN,
        "boolean",
        "false",
        "with init-from: a new label table when the class count differs (else refused)",
        BOOL);
  }

  /** Every key in table order. */
  public static List<ConfigKey> all() {
    return List.copyOf(ALL);
  }

  /** The key for a name or alias ({@code --global_batch_size} = {@code batch}), or null. */
  public static ConfigKey find(String nameOrAlias) {
    return BY_NAME.get(canonical(nameOrAlias));
  }

  /** {@code --Global_Batch_Size} -> {@code global-batch-size}. */
  public static String canonical(String key) {
    String k = key.trim();
    while (k.startsWith("-")) k = k.substring(1);
    return k.replace('_', '-').toLowerCase(Locale.ROOT);
  }

  /** Defaults of every key, by name, in table order. */
  public static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    for (ConfigKey k : ALL) d.put(k.name(), k.defaultValue());
    return d;
  }

  /** What each preset changes on top of the defaults; presets share model and data for fairness. */
  public static Map<String, String> presetValues(String name) {
    Map<String, String> p = new LinkedHashMap<>();
    switch ((String) preset(name)) {
      case "fasterdit" -> {
        p.put("objective", "flow");
        p.put("path", "linear");
        p.put("prediction", "velocity");
        p.put("timesteps", "lognorm:0,1");
        p.put("direction-weight", "1.0");
        p.put("std-mode", "scale");
        p.put("learn-sigma", "false");
      }
      case "sit" -> {
        p.put("objective", "flow");
        p.put("path", "linear");
        p.put("prediction", "velocity");
        p.put("timesteps", "uniform");
        p.put("direction-weight", "0");
        p.put("std-mode", "none");
        p.put("learn-sigma", "false");
      }
      default -> { // dit
        p.put("objective", "ddpm");
        p.put("beta-schedule", "linear");
        p.put("diffusion-steps", "1000");
        p.put("std-mode", "none");
        p.put("learn-sigma", "true");
        p.put("direction-weight", "0");
        p.put("timesteps", "uniform");
      }
    }
    return p;
  }

  /** The key table as Markdown (the README's table is this text; a test keeps them equal). */
  public static String markdownTable() {
    StringBuilder b =
        new StringBuilder("| key | group | type | default | what |\n|---|---|---|---|---|\n");
    for (ConfigKey k : ALL) {
      String names = "`" + k.name() + "`";
      if (!k.aliases().isEmpty()) names += " (also `" + String.join("`, `", k.aliases()) + "`)";
      String def = k.defaultValue().isEmpty() ? "(empty)" : "`" + k.defaultValue() + "`";
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s |%n",
              names,
              k.group().label(),
              k.type().replace("|", "\\|"),
              def,
              k.doc().replace("|", "\\|")));
    }
    return b.toString();
  }

  /** The key list for {@code train --help}: one line a key, with its default. */
  public static String helpText() {
    StringBuilder b = new StringBuilder();
    ConfigKey.Group group = null;
    for (ConfigKey k : ALL) {
      if (k.group() != group) {
        group = k.group();
        b.append(String.format(Locale.ROOT, "%n%s keys:%n", group.label()));
      }
      String names =
          k.name() + (k.aliases().isEmpty() ? "" : " (" + String.join(", ", k.aliases()) + ")");
      b.append(
          String.format(
              Locale.ROOT,
              "  --%s=%s  [default: %s]%n      %s%n",
              names,
              k.type(),
              k.defaultValue().isEmpty() ? "\"\"" : k.defaultValue(),
              k.doc()));
    }
    return b.toString();
  }

  private static Object preset(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    if (v.equals("fasterdit") || v.equals("sit") || v.equals("dit")) return v;
    throw new ConfigException("unknown preset '" + s + "': expected fasterdit, sit or dit");
  }

  /** DiT-S/2 ... DiT-XL/8 (SiT's names, the same sizes, too) or custom. */
  private static Object modelName(String s) {
    if (s.equalsIgnoreCase("custom")) return "custom";
    DiTConfig.presetHeads(s); // throws for an unknown name, saying what is expected
    return s;
  }

  private static Object timesteps(String s) {
    return TimestepSampler.parse(s, -1)
        .toString(); // validated; lognorm-until is applied in TrainConfig
  }

  private static Object stepThreads(String s) {
    if (s.equalsIgnoreCase("auto")) return 0;
    try {
      int n = Integer.parseInt(s);
      if (n >= 1) return n;
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new ConfigException("must be 'auto' or an integer >= 1, got '" + s + "'");
  }
}
