package org.fasterdit.sample;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.PyNamespace;
import org.fasterdit.io.TorchCheckpoint;
import org.fasterdit.model.CheckpointLoader;
import org.fasterdit.model.DiT;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.Devices;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.TrainConfig;

/**
 * Checkpoints written by the public DiT and SiT code ({@code torch.save} of a state dict, or of
 * {@code {"model", "ema", "opt", "args"}}), and plain safetensors state dicts. Shapes give the
 * model; nothing in the tensors tells the objective, so it is guessed (and the guess is stated):
 *
 * <ol>
 *   <li>SiT's training args carry {@code path_type} and {@code prediction}: flow matching with
 *       them;
 *   <li>other training args (DiT's train.py): DDPM;
 *   <li>no args (the released files are bare EMA state dicts): a file name starting with "SiT"
 *       means SiT's defaults (linear path, velocity), anything else DiT's DDPM.
 * </ol>
 *
 * DDPM means DiT's diffusion: linear betas, T = 1000, epsilon prediction, learned sigma when the
 * final layer has 2C channels. Neither recipe modulates the data std: latents are used as scaled by
 * the VAE convention (x 0.18215), which decoding undoes.
 */
public final class PublicCheckpoint {
  private PublicCheckpoint() {}

  /** What the file is taken to be trained with, and why. */
  public record Objective(String name, FlowPath path, Prediction prediction, String reason) {
    public String describe() {
      return name.equals("ddpm")
          ? "ddpm (linear betas, T=1000, epsilon)"
          : "flow (path="
              + path.name().toLowerCase(Locale.ROOT)
              + ", prediction="
              + prediction.name().toLowerCase(Locale.ROOT)
              + ")";
    }
  }

  /**
   * @param weights "ema" or "model" for files holding both (a bare state dict is used as is)
   * @param heads attention heads; 0 = the standard DiT table for the width
   * @param objective "auto" (guess), "ddpm" or "flow" (SiT's linear path and velocity unless the
   *     file's args say otherwise)
   */
  public static TrainedModel load(
      Path file, String weights, int heads, String objective, String device) {
    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> sd = CheckpointLoader.readStateDict(file, weights, arena);
      Object root = isPickle(file) ? TorchCheckpoint.read(file, arena) : null;
      PyNamespace args =
          root instanceof Map<?, ?> m && m.get("args") instanceof PyNamespace ns ? ns : null;
      boolean bare =
          !(root instanceof Map<?, ?> m && (m.containsKey("model") || m.containsKey("ema")));
      DiTConfig mc = CheckpointLoader.inferConfig(sd, heads);
      Objective obj = objective(file, args, objective);
      List<String> kv = new ArrayList<>();
      kv.add("preset=" + (obj.name().equals("ddpm") ? "dit" : "sit"));
      kv.add("learn-sigma=" + mc.learnSigma());
      kv.add("std-mode=none");
      if (obj.name().equals("flow")) {
        kv.add("path=" + obj.path().name().toLowerCase(Locale.ROOT));
        kv.add("prediction=" + obj.prediction().name().toLowerCase(Locale.ROOT));
      }
      TrainConfig cfg = ConfigResolver.resolve(null, kv);
      DiT model = CheckpointLoader.load(sd, mc, Devices.resolve(device));
      String which = bare ? "its state dict" : weights + " weights";
      String origin =
          String.format(
              Locale.ROOT,
              "public checkpoint %s, %s; objective %s, guessed from %s (override with --objective)",
              file,
              which,
              obj.describe(),
              obj.reason());
      return new TrainedModel(
          model,
          cfg,
          new StdModulation(StdModulation.Mode.NONE, 1, null),
          -1,
          file,
          origin,
          Double.NaN);
    }
  }

  /** The objective for {@code file}: {@code override} unless it is "auto", else the guess above. */
  public static Objective objective(Path file, PyNamespace args, String override) {
    String o = override.trim().toLowerCase(Locale.ROOT);
    Object pathType = args == null ? null : args.get("path_type");
    Object pred = args == null ? null : args.get("prediction");
    FlowPath path = pathType instanceof String s ? sitPath(s) : FlowPath.LINEAR;
    Prediction prediction = pred instanceof String s ? Prediction.parse(s) : Prediction.VELOCITY;
    switch (o) {
      case "ddpm", "dit" -> {
        return new Objective("ddpm", null, null, "--objective");
      }
      case "flow", "sit" -> {
        return new Objective("flow", path, prediction, "--objective");
      }
      case "auto" -> {}
      default ->
          throw new IllegalArgumentException(
              "unknown --objective '" + override + "': expected auto, ddpm or flow");
    }
    if (args != null && pathType != null) {
      return new Objective(
          "flow", path, prediction, "SiT training args (path_type=" + pathType + ")");
    }
    if (args != null) {
      return new Objective("ddpm", null, null, "DiT training args (no path_type)");
    }
    boolean sitName = file.getFileName().toString().toLowerCase(Locale.ROOT).startsWith("sit");
    return sitName
        ? new Objective("flow", path, prediction, "the file name (SiT*, no training args)")
        : new Objective(
            "ddpm", null, null, "the public DiT default (no training args, name not SiT*)");
  }

  private static FlowPath sitPath(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "linear" -> FlowPath.LINEAR;
      case "gvp" -> FlowPath.COSINE;
      case "vp" -> FlowPath.VP;
      default ->
          throw new IllegalArgumentException(
              "checkpoint args name path_type '" + s + "': expected Linear, GVP or VP");
    };
  }

  private static boolean isPickle(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return !n.endsWith(".safetensors");
  }
}
