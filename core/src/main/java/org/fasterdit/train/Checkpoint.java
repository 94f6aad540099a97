package org.fasterdit.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.data.DataStats;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.io.SafeTensorsFile;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.Tensors;

/**
 * One training checkpoint = one safetensors file (readable from Python with the safetensors
 * package): tensors {@code model.*}, {@code ema.*}, {@code opt.exp_avg.*}, {@code
 * opt.exp_avg_sq.*}, and string metadata holding the step, data position, data statistics, model
 * and training config, RNG scheme and loss scale. Written atomically (temporary file, fsync,
 * rename), so a crash leaves either the old set of checkpoints or the new one, never half a file.
 * Named {@code step-0001000.safetensors} so the latest sorts last.
 */
public final class Checkpoint {
  public static final String FORMAT = "fasterdit-checkpoint-1";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Checkpoint() {}

  /** What a checkpoint holds besides tensors. */
  public record Meta(
      long step,
      long optimizerSteps,
      long dataPosition,
      DiTConfig model,
      DataStats stats,
      Map<String, String> config,
      long seed,
      double lossScale,
      double latentScale) {}

  public static Path fileFor(Path dir, long step) {
    return dir.resolve(String.format(java.util.Locale.ROOT, "step-%07d.safetensors", step));
  }

  public static void save(Path file, Meta meta, Map<String, Map<String, Tensor>> groups) {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("format", FORMAT);
    md.put("step", Long.toString(meta.step()));
    md.put("optimizer_steps", Long.toString(meta.optimizerSteps()));
    md.put("data_position", Long.toString(meta.dataPosition()));
    md.put("seed", Long.toString(meta.seed()));
    md.put(
        "rng",
        "counter-based: every draw is a function of (seed, data position, stream); nothing else to restore");
    md.put("loss_scale", Double.toString(meta.lossScale()));
    // what sampling divides by before the VAE decoder; only latent data sets know it
    if (Double.isFinite(meta.latentScale()))
      md.put("latent_scaling_factor", Double.toString(meta.latentScale()));
    try {
      md.put("model_config", JSON.writeValueAsString(meta.model()));
      md.put("data_stats", JSON.writeValueAsString(meta.stats()));
      md.put("config", JSON.writeValueAsString(meta.config()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode checkpoint metadata: " + e.getMessage(), e);
    }
    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> host = new LinkedHashMap<>();
      groups.forEach(
          (prefix, tensors) ->
              tensors.forEach((k, t) -> host.put(prefix + "." + k, Tensors.toHost(t, arena))));
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot create checkpoint folder " + file.getParent() + ": " + e.getMessage());
      }
      SafeTensors.write(file, host, md);
    }
  }

  /**
   * A checkpoint read back: tensor groups (memory-mapped for the life of {@code arena}) and
   * metadata.
   */
  public record Loaded(Meta meta, Map<String, Map<String, HostTensor>> groups, Path file) {
    /** See {@link Meta#latentScale()}: NaN when the training data did not record it. */
    public double latentScale() {
      return meta.latentScale();
    }

    public Map<String, HostTensor> group(String name) {
      Map<String, HostTensor> g = groups.get(name);
      if (g == null)
        throw new IllegalArgumentException(file + ": checkpoint has no '" + name + ".*' tensors");
      return g;
    }
  }

  public static Loaded read(Path file, Arena arena) {
    SafeTensorsFile f = SafeTensors.read(file, arena);
    Map<String, String> md = f.metadata();
    if (!FORMAT.equals(md.get("format"))) {
      throw new IllegalArgumentException(
          file + ": not a fasterdit training checkpoint (format=" + md.get("format") + ")");
    }
    Meta meta;
    try {
      meta =
          new Meta(
              Long.parseLong(md.get("step")),
              Long.parseLong(md.get("optimizer_steps")),
              Long.parseLong(md.get("data_position")),
              JSON.readValue(md.get("model_config"), DiTConfig.class),
              JSON.readValue(md.get("data_stats"), DataStats.class),
              JSON.readValue(
                  md.get("config"), new TypeReference<LinkedHashMap<String, String>>() {}),
              Long.parseLong(md.get("seed")),
              Double.parseDouble(md.getOrDefault("loss_scale", "1")),
              Double.parseDouble(md.getOrDefault("latent_scaling_factor", "NaN")));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          file + ": checkpoint metadata is damaged: " + e.getMessage(), e);
    }
    Map<String, Map<String, HostTensor>> groups = new LinkedHashMap<>();
    f.tensors()
        .forEach(
            (k, t) -> {
              int dot = k.indexOf('.');
              String g = dot < 0 ? "" : k.substring(0, dot);
              groups.computeIfAbsent(g, x -> new LinkedHashMap<>()).put(k.substring(dot + 1), t);
            });
    return new Loaded(meta, groups, file);
  }

  /**
   * {@code path} itself if it is a file, else the latest complete checkpoint under it (or its
   * checkpoints/ folder).
   */
  public static Path resolveLatest(Path path) {
    if (Files.isRegularFile(path)) return path;
    if (!Files.isDirectory(path)) throw new IllegalArgumentException("no checkpoint at " + path);
    Path dir = Files.isDirectory(path.resolve("checkpoints")) ? path.resolve("checkpoints") : path;
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("step-\\d+\\.safetensors"))
          .max(java.util.Comparator.comparing(p -> p.getFileName().toString()))
          .orElseThrow(
              () -> new IllegalArgumentException("no step-*.safetensors checkpoint in " + dir));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage());
    }
  }

  /**
   * True for a run folder or a file this trainer wrote (safetensors with our format tag); false for
   * anything else, e.g. a public {@code .pt} or a plain safetensors state dict.
   */
  public static boolean isTrainingCheckpoint(Path path) {
    if (Files.isDirectory(path)) return true;
    if (!Files.isRegularFile(path)) throw new IllegalArgumentException("no checkpoint at " + path);
    if (!path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".safetensors"))
      return false;
    try (Arena arena = Arena.ofConfined()) {
      return FORMAT.equals(SafeTensors.read(path, arena).metadata().get("format"));
    }
  }
}
