package org.fasterdit.vae;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.io.TorchCheckpoint;

/**
 * Finds and reads autoencoder weights in every layout we support, through our own readers (the
 * restricted unpickler for {@code .bin}/{@code .ckpt}, a read-only mapping for safetensors):
 *
 * <ul>
 *   <li>a diffusers folder: {@code config.json} + {@code diffusion_pytorch_model.safetensors} (or
 *       {@code .bin}), current or pre-0.15 attention names; a pipeline folder with a {@code vae/}
 *       subfolder; or the weights file of such a folder;
 *   <li>an original LDM file: {@code .ckpt} (a zip torch.save of {@code {"state_dict": ...}}) or
 *       {@code .safetensors}, optionally prefixed {@code first_stage_model.} (a full SD
 *       checkpoint), with the training loss ({@code loss.*}) and EMA ({@code model_ema.*}) entries
 *       ignored.
 * </ul>
 *
 * Tensors keep their stored dtype (fp32, fp16, bf16); the model converts while copying.
 */
public final class VaeWeights {
  static final String CONFIG = "config.json";
  static final String[] DIFFUSERS_FILES = {
    "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin",
    "diffusion_pytorch_model.fp16.safetensors", "diffusion_pytorch_model.fp16.bin"
  };
  private static final String SD_PREFIX = "first_stage_model.";

  /** Where public weights that fit come from; said whenever weights are missing. */
  public static final String WHERE_TO_GET_WEIGHTS =
      "Weights that fit (fasterdit never downloads anything; fetch them yourself): the diffusers folders"
          + " stabilityai/sd-vae-ft-ema or stabilityai/sd-vae-ft-mse on the Hugging Face hub (config.json +"
          + " diffusion_pytorch_model.safetensors; pass the folder), or the original"
          + " vae-ft-mse-840000-ema-pruned.ckpt / .safetensors (stabilityai/sd-vae-ft-mse-original; pass the"
          + " file). Put them anywhere, e.g. models/sd-vae-ft-ema/, and pass that path as --vae.";

  /**
   * @param tensors by current diffusers names; may be views of {@code arena}'s mappings
   * @param layout a description for messages: "diffusers folder (...)", "LDM checkpoint", ...
   */
  public record Loaded(VaeConfig config, Map<String, HostTensor> tensors, String layout) {}

  private VaeWeights() {}

  public static Loaded read(Path path, Arena arena) {
    if (!Files.exists(path)) {
      throw new IllegalArgumentException("no VAE weights at " + path + ". " + WHERE_TO_GET_WEIGHTS);
    }
    if (Files.isDirectory(path)) {
      Path folder =
          Files.isRegularFile(path.resolve(CONFIG)) || !Files.isDirectory(path.resolve("vae"))
              ? path
              : path.resolve("vae"); // a whole diffusers pipeline: its VAE lives in vae/
      Path config = folder.resolve(CONFIG);
      if (!Files.isRegularFile(config)) {
        throw new IllegalArgumentException(
            path
                + " is a folder without "
                + CONFIG
                + ": a diffusers VAE folder holds config.json and diffusion_pytorch_model.safetensors. "
                + WHERE_TO_GET_WEIGHTS);
      }
      for (String name : DIFFUSERS_FILES) {
        Path file = folder.resolve(name);
        if (Files.isRegularFile(file)) return diffusers(config, file, arena);
      }
      throw new IllegalArgumentException(
          folder
              + " has "
              + CONFIG
              + " but no weights ("
              + String.join(" or ", DIFFUSERS_FILES)
              + "). "
              + WHERE_TO_GET_WEIGHTS);
    }
    Path sibling = path.toAbsolutePath().resolveSibling(CONFIG);
    if (path.getFileName().toString().startsWith("diffusion_pytorch_model.")
        && Files.isRegularFile(sibling)) {
      return diffusers(sibling, path, arena);
    }
    Map<String, HostTensor> sd = LdmNames.toDiffusers(vaeEntries(readTensors(path, arena), path));
    // no config: the shape is in the tensors, the group count is LDM's fixed 32
    VaeConfig config;
    try {
      config = VaeConfig.infer(sd, VaeConfig.LDM_NORM_GROUPS, VaeConfig.SD_SCALING_FACTOR);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
    return new Loaded(config, sd, "single-file checkpoint " + path.getFileName());
  }

  private static Loaded diffusers(Path config, Path file, Arena arena) {
    VaeConfig c = VaeConfig.fromDiffusersJson(config);
    Map<String, HostTensor> sd = LdmNames.toDiffusers(vaeEntries(readTensors(file, arena), file));
    return new Loaded(c, sd, "diffusers folder " + config.getParent());
  }

  /** The file's state dict, whatever the container. */
  static Map<String, HostTensor> readTensors(Path file, Arena arena) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".safetensors")) return SafeTensors.read(file, arena).tensors();
    Object root = TorchCheckpoint.read(file, arena);
    if (root instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> inner) root = inner;
    if (!(root instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(
          file
              + ": expected a state dict (or a dict with 'state_dict'), found "
              + (root == null ? "None" : root.getClass().getSimpleName()));
    }
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (var e : map.entrySet()) {
      if (e.getValue() instanceof HostTensor t && e.getKey() instanceof String k) {
        out.put(k, t);
      } else {
        throw new IllegalArgumentException(
            file + ": state dict entry '" + e.getKey() + "' is not a tensor");
      }
    }
    return out;
  }

  /**
   * The autoencoder's own entries: those under {@code first_stage_model.} when the file is a full
   * SD checkpoint, else everything but the training loss ({@code loss.*}, which holds the LPIPS net
   * and the discriminator) and EMA bookkeeping ({@code model_ema.*}).
   */
  static Map<String, HostTensor> vaeEntries(Map<String, HostTensor> all, Path file) {
    boolean prefixed = all.keySet().stream().anyMatch(k -> k.startsWith(SD_PREFIX));
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (var e : all.entrySet()) {
      String k = e.getKey();
      if (prefixed) {
        if (k.startsWith(SD_PREFIX)) out.put(k.substring(SD_PREFIX.length()), e.getValue());
      } else if (!k.startsWith("loss.") && !k.startsWith("model_ema.")) {
        out.put(k, e.getValue());
      }
    }
    if (out.isEmpty())
      throw new IllegalArgumentException(
          file + ": no autoencoder tensors in " + all.size() + " entries");
    return out;
  }
}
