package org.fasterdit.vae;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.MiniJson;

/**
 * The shape of an AutoencoderKL, in diffusers' terms.
 *
 * @param blockOutChannels the width of each resolution level, from the image down (SD: 128, 256,
 *     512, 512); every level but the last halves the resolution
 * @param layersPerBlock ResNet blocks per encoder level (the decoder has one more per level)
 * @param latentChannels channels of the latent (SD: 4)
 * @param normGroups GroupNorm groups everywhere (the LDM code hard-codes 32)
 * @param inChannels image channels (3); the decoder outputs as many
 * @param scalingFactor DiT trains on latents x this; 0.18215 for SD when the config lacks the key
 */
public record VaeConfig(
    List<Integer> blockOutChannels,
    int layersPerBlock,
    int latentChannels,
    int normGroups,
    int inChannels,
    double scalingFactor) {

  /** The value the SD / DiT code uses; diffusers configs written before the key existed lack it. */
  public static final double SD_SCALING_FACTOR = 0.18215;

  /** The original LDM code builds every GroupNorm with 32 groups; no tensor shape records it. */
  public static final int LDM_NORM_GROUPS = 32;

  /** Levels halve the resolution; 16 is a 32768x down factor, far beyond any real VAE. */
  static final int MAX_LEVELS = 16;

  public VaeConfig {
    blockOutChannels = List.copyOf(blockOutChannels);
    if (blockOutChannels.isEmpty())
      throw new IllegalArgumentException("block_out_channels is empty");
    if (blockOutChannels.size() > MAX_LEVELS)
      throw bad(
          "block_out_channels has " + blockOutChannels.size() + " levels, at most " + MAX_LEVELS);
    if (layersPerBlock < 1) throw bad("layers_per_block must be >= 1, got " + layersPerBlock);
    if (latentChannels < 1) throw bad("latent_channels must be >= 1, got " + latentChannels);
    if (inChannels < 1) throw bad("in_channels must be >= 1, got " + inChannels);
    if (normGroups < 1) throw bad("norm_num_groups must be >= 1, got " + normGroups);
    for (int w : blockOutChannels) {
      if (w < 1 || w % normGroups != 0) {
        throw bad(
            "block_out_channels "
                + blockOutChannels
                + ": every width must be a positive"
                + " multiple of norm_num_groups = "
                + normGroups);
      }
    }
    if (!(scalingFactor > 0) || Double.isInfinite(scalingFactor)) {
      throw bad("scaling_factor must be a positive number, got " + scalingFactor);
    }
  }

  private static IllegalArgumentException bad(String why) {
    return new IllegalArgumentException("VAE config: " + why);
  }

  /** The Stable Diffusion kl-f8 autoencoder (83.65M parameters; 256 px -> 4 x 32 x 32). */
  public static VaeConfig sd() {
    return new VaeConfig(List.of(128, 256, 512, 512), 2, 4, 32, 3, SD_SCALING_FACTOR);
  }

  /**
   * A lower bound of the parameter count, computed without building anything, in which every size
   * field appears: each encoder level has {@code layersPerBlock} ResNet blocks with a width x width
   * 3x3 convolution each, the input convolution is width0 x in x 3x3, and the quant convolutions
   * are 2 latent x 2 latent and latent x latent (the decoder has more). Saturates at
   * Long.MAX_VALUE.
   */
  public long minParameters() {
    try {
      long latent = latentChannels;
      long n = Math.multiplyExact(5 * latent, latent);
      n = Math.addExact(n, Math.multiplyExact(9L * blockOutChannels.get(0), (long) inChannels));
      for (int w : blockOutChannels) {
        long conv = Math.multiplyExact(9L * w, (long) w);
        n = Math.addExact(n, Math.multiplyExact((long) layersPerBlock, conv));
      }
      return n;
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  public int levels() {
    return blockOutChannels.size();
  }

  /** How much smaller the latent is than the image per side (8 for SD). */
  public int downFactor() {
    return 1 << (levels() - 1);
  }

  public String describe() {
    return String.format(
        Locale.ROOT,
        "AutoencoderKL block_out_channels=%s layers_per_block=%d latent_channels=%d"
            + " norm_num_groups=%d in_channels=%d scaling_factor=%s",
        blockOutChannels,
        layersPerBlock,
        latentChannels,
        normGroups,
        inChannels,
        scalingFactor);
  }

  /**
   * Reads a diffusers {@code config.json}. Missing optional keys take diffusers' defaults
   * (latent_channels 4, norm_num_groups 32, in_channels 3, scaling_factor 0.18215); anything that
   * would build a different network than this class implements is refused by name.
   */
  public static VaeConfig fromDiffusersJson(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": cannot read the VAE config: " + e.getMessage(), e);
    }
    if (!(MiniJson.parse(file.toString(), text) instanceof Map<?, ?> json)) {
      throw new IllegalArgumentException(file + ": expected a JSON object");
    }
    Keys k = new Keys(file, json);
    k.expectString("_class_name", "AutoencoderKL");
    k.expectString("act_fn", "silu");
    k.expectAll("down_block_types", "DownEncoderBlock2D");
    k.expectAll("up_block_types", "UpDecoderBlock2D");
    k.expectTrue("use_quant_conv");
    k.expectTrue("use_post_quant_conv");
    k.expectTrue("mid_block_add_attention");
    int in = k.integer("in_channels", 3);
    int out = k.integer("out_channels", in);
    if (out != in) throw k.bad("out_channels", "must equal in_channels = " + in + ", found " + out);
    List<Integer> widths = k.integers("block_out_channels");
    try {
      return new VaeConfig(
          widths,
          k.integer("layers_per_block", -1),
          k.integer("latent_channels", 4),
          k.integer("norm_num_groups", 32),
          in,
          k.number("scaling_factor", SD_SCALING_FACTOR));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The shape from tensor names and shapes in diffusers naming (what {@link VaeWeights} produces
   * for every layout). The group count is not visible in any shape: it is {@code normGroups}.
   */
  public static VaeConfig infer(Map<String, HostTensor> sd, int normGroups, double scalingFactor) {
    TreeSet<Integer> levels = indices(sd, "encoder.down_blocks.");
    if (levels.isEmpty()) {
      throw new IllegalArgumentException(
          "no encoder.down_blocks.* (LDM: encoder.down.*) tensors: is this a VAE?");
    }
    if (levels.first() != 0 || levels.last() >= MAX_LEVELS) {
      throw new IllegalArgumentException(
          "encoder.down_blocks indices run from "
              + levels.first()
              + " to "
              + levels.last()
              + ": expected 0 to at most "
              + (MAX_LEVELS - 1));
    }
    // Other shapes are checked against the model later (all problems listed at once); these only
    // need to be kernels, and AutoencoderKL.load refuses a model larger than the file.
    List<Integer> widths = new ArrayList<>();
    for (int i = 0; i <= levels.last(); i++) {
      widths.add(dim(sd, "encoder.down_blocks." + i + ".resnets.0.conv1.weight", 0));
    }
    int layers = indices(sd, "encoder.down_blocks.0.resnets.").size();
    int latent = dim(sd, "post_quant_conv.weight", 0);
    int in = dim(sd, "encoder.conv_in.weight", 1);
    return new VaeConfig(widths, layers, latent, normGroups, in, scalingFactor);
  }

  private static TreeSet<Integer> indices(Map<String, HostTensor> sd, String prefix) {
    TreeSet<Integer> out = new TreeSet<>();
    for (String name : sd.keySet()) {
      if (!name.startsWith(prefix)) continue;
      int end = name.indexOf('.', prefix.length());
      if (end < 0) continue;
      try {
        out.add(Integer.parseInt(name.substring(prefix.length(), end)));
      } catch (NumberFormatException e) {
        // not an index: reported later as an unexpected key
      }
    }
    return out;
  }

  private static long[] shape(Map<String, HostTensor> sd, String name) {
    HostTensor t = sd.get(name);
    if (t == null)
      throw new IllegalArgumentException(
          "the checkpoint has no '" + name + "', which every AutoencoderKL has");
    return t.shape();
  }

  /**
   * Axis {@code axis} of a tensor that must be a convolution kernel (rank 4), as a positive int.
   */
  private static int dim(Map<String, HostTensor> sd, String name, int axis) {
    long[] s = shape(sd, name);
    if (s.length != 4 || s[axis] < 1 || s[axis] > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "'" + name + "' has shape " + Arrays.toString(s) + ", not a convolution kernel");
    }
    return (int) s[axis];
  }

  /** Typed access to config.json keys; every error names the file and the key. */
  private record Keys(Path file, Map<?, ?> json) {
    IllegalArgumentException bad(String key, String why) {
      return new IllegalArgumentException(file + ": key '" + key + "' " + why);
    }

    int integer(String key, int fallback) {
      Object v = json.get(key);
      if (v == null && json.containsKey(key) || v == null && fallback < 0) {
        throw bad(key, "is required (an integer)");
      }
      if (v == null) return fallback;
      if (!(v instanceof Long l) || l < 1 || l > Integer.MAX_VALUE) {
        throw bad(key, "must be a positive integer, found " + v);
      }
      return (int) (long) l;
    }

    double number(String key, double fallback) {
      Object v = json.get(key);
      if (v == null) return fallback; // null or absent: the SD convention
      if (!(v instanceof Number n)) throw bad(key, "must be a number, found " + v);
      return n.doubleValue();
    }

    List<Integer> integers(String key) {
      if (!(json.get(key) instanceof List<?> list) || list.isEmpty()) {
        throw bad(key, "must be a non-empty list of positive integers, found " + json.get(key));
      }
      List<Integer> out = new ArrayList<>();
      for (Object o : list) {
        if (!(o instanceof Long l) || l < 1 || l > Integer.MAX_VALUE) {
          throw bad(key, "must be a list of positive integers, found " + list);
        }
        out.add((int) (long) l);
      }
      return out;
    }

    void expectString(String key, String want) {
      Object v = json.get(key);
      if (v != null && !want.equals(v)) {
        throw bad(key, "is " + v + ": only " + want + " is supported");
      }
    }

    void expectAll(String key, String want) {
      Object v = json.get(key);
      if (v == null) return;
      if (!(v instanceof List<?> list) || list.stream().anyMatch(o -> !want.equals(o))) {
        throw bad(key, "is " + v + ": only " + want + " blocks are supported");
      }
    }

    void expectTrue(String key) {
      Object v = json.get(key);
      if (v != null && !Boolean.TRUE.equals(v)) {
        throw bad(
            key, "is " + v + ": only autoencoders with it (the SD kl-f8 family) are supported");
      }
    }
  }
}
