package org.fasterdit.model;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.io.TorchCheckpoint;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;

/**
 * Loads DiT weights from a PyTorch {@code .pt} checkpoint (either {@code
 * torch.save(model.state_dict())} or the public code's {@code {"model", "ema", "opt", "args"}}
 * dict) or a {@code .safetensors} file, inferring the model's dimensions from tensor shapes.
 * Attention heads are not visible in any shape, so they come from the caller (a preset name or an
 * explicit number), or from the standard DiT width-to-heads table.
 */
public final class CheckpointLoader {
  private CheckpointLoader() {}

  /**
   * The state dict in {@code file}. For a dict of dicts, {@code key} picks one ("ema", "model");
   * null means "ema" when present, else "model". Tensors may be memory-mapped views whose lifetime
   * is {@code arena}.
   */
  public static Map<String, HostTensor> readStateDict(Path file, String key, Arena arena) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".safetensors")) {
      if (key != null && !key.isBlank()) {
        // Our own training checkpoints prefix keys with "model." / "ema."; plain exports have no
        // prefix.
        return selectPrefixed(SafeTensors.read(file, arena).tensors(), key, file);
      }
      return selectPrefixed(SafeTensors.read(file, arena).tensors(), null, file);
    }
    Object root = TorchCheckpoint.read(file, arena);
    if (!(root instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(
          file + ": expected a dict at the top level, found " + typeName(root));
    }
    if (isStateDict(map)) return toStateDict(map, file);
    String chosen = key != null && !key.isBlank() ? key : map.containsKey("ema") ? "ema" : "model";
    Object sub = map.get(chosen);
    if (!(sub instanceof Map<?, ?> subMap) || !isStateDict(subMap)) {
      throw new IllegalArgumentException(
          file
              + ": no state dict under key '"
              + chosen
              + "' (top-level keys: "
              + map.keySet()
              + ")");
    }
    return toStateDict(subMap, file);
  }

  private static Map<String, HostTensor> selectPrefixed(
      Map<String, HostTensor> all, String key, Path file) {
    String prefix = key == null ? null : key + ".";
    if (prefix == null) {
      if (all.containsKey("pos_embed")) return all;
      prefix = all.keySet().stream().anyMatch(k -> k.startsWith("ema.")) ? "ema." : "model.";
    }
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (var e : all.entrySet()) {
      if (e.getKey().startsWith(prefix))
        out.put(e.getKey().substring(prefix.length()), e.getValue());
    }
    if (out.isEmpty()) {
      if (key != null && all.containsKey("pos_embed")) return all;
      throw new IllegalArgumentException(file + ": no tensors under '" + prefix + "*'");
    }
    return out;
  }

  private static boolean isStateDict(Map<?, ?> map) {
    return !map.isEmpty() && map.values().stream().allMatch(v -> v instanceof HostTensor);
  }

  private static Map<String, HostTensor> toStateDict(Map<?, ?> map, Path file) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (var e : map.entrySet()) {
      if (!(e.getKey() instanceof String k))
        throw new IllegalArgumentException(file + ": non-string key " + e.getKey());
      out.put(k, (HostTensor) e.getValue());
    }
    return out;
  }

  private static String typeName(Object o) {
    return o == null ? "None" : o.getClass().getSimpleName();
  }

  /**
   * Dimensions from tensor shapes; {@code heads} = 0 means: use the standard DiT table for the
   * width.
   */
  public static DiTConfig inferConfig(Map<String, HostTensor> sd, int heads) {
    long[] pos = shapeOf(sd, "pos_embed", 3);
    long[] proj = shapeOf(sd, "x_embedder.proj.weight", 4);
    long[] table = shapeOf(sd, "y_embedder.embedding_table.weight", 2);
    long[] fin = shapeOf(sd, "final_layer.linear.weight", 2);
    int hidden = (int) proj[0], inCh = (int) proj[1], patch = (int) proj[2];
    int grid = (int) Math.round(Math.sqrt(pos[1]));
    if ((long) grid * grid != pos[1])
      throw new IllegalArgumentException("pos_embed has " + pos[1] + " tokens, not a square grid");
    TreeSet<Integer> blocks = new TreeSet<>();
    for (String k : sd.keySet()) {
      if (k.startsWith("blocks.")) blocks.add(Integer.parseInt(k.substring(7, k.indexOf('.', 7))));
    }
    if (blocks.isEmpty())
      throw new IllegalArgumentException("state dict has no blocks.N.* tensors");
    int depth = blocks.last() + 1;
    long outCh = fin[0] / ((long) patch * patch);
    boolean learnSigma = outCh == 2L * inCh;
    if (!learnSigma && outCh != inCh) {
      throw new IllegalArgumentException(
          "final_layer.linear.weight has "
              + fin[0]
              + " rows: neither "
              + inCh
              + " nor "
              + 2 * inCh
              + " channels x patch^2");
    }
    int h = heads > 0 ? heads : standardHeads(hidden);
    return new DiTConfig(
        depth, hidden, h, patch, grid * patch, inCh, (int) table[0] - 1, learnSigma);
  }

  /** Heads of the paper's sizes (S 384/6, B 768/12, L 1024/16, XL 1152/16). */
  public static int standardHeads(int hidden) {
    return switch (hidden) {
      case 384 -> 6;
      case 768 -> 12;
      case 1024, 1152 -> 16;
      default ->
          throw new IllegalArgumentException(
              "hidden size "
                  + hidden
                  + " is not a standard DiT size, so the number of heads is unknown: pass --heads N or --model DiT-X/p");
    };
  }

  private static long[] shapeOf(Map<String, HostTensor> sd, String key, int rank) {
    HostTensor t = sd.get(key);
    if (t == null)
      throw new IllegalArgumentException(
          "state dict has no '" + key + "' (is this a DiT checkpoint?)");
    if (t.shape().length != rank) {
      throw new IllegalArgumentException(
          "'" + key + "' has rank " + t.shape().length + ", expected " + rank);
    }
    return t.shape();
  }

  /**
   * Builds the model and copies the weights in (dtype converted to fp32, moved to {@code device}).
   */
  public static DiT load(Map<String, HostTensor> sd, DiTConfig config, Device device) {
    DiT model = new DiT(config, device);
    try (var scope = NativeScope.open()) {
      Map<String, Tensor> views = new LinkedHashMap<>();
      for (var e : sd.entrySet()) views.put(e.getKey(), Tensors.view(e.getValue()));
      model.loadStateDict(views);
      java.lang.ref.Reference.reachabilityFence(
          sd); // the views borrow its memory until the copy is done
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return model;
  }
}
