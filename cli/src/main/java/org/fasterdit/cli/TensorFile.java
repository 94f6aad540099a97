package org.fasterdit.cli;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.PyNamespace;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.io.SafeTensorsFile;
import org.fasterdit.io.TorchCheckpoint;
import org.fasterdit.model.CheckpointLoader;

/**
 * Any checkpoint the project reads, as flat named tensors plus its string metadata: our safetensors
 * training checkpoints ({@code model.*}, {@code ema.*}, {@code opt.*}), plain safetensors, and
 * PyTorch {@code .pt} files (through the restricted unpickler; nested dicts become dotted names
 * such as {@code ema.blocks.0.attn.qkv.weight}). Tensors are memory-mapped views valid while {@code
 * arena} is open.
 */
record TensorFile(
    Path file, String kind, Map<String, HostTensor> tensors, Map<String, String> metadata) {
  static TensorFile read(Path file, String key, Arena arena) {
    if (!Files.isRegularFile(file))
      throw new IllegalArgumentException("no checkpoint file at " + file);
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean safetensors = name.endsWith(".safetensors");
    Map<String, String> md = new LinkedHashMap<>();
    Map<String, HostTensor> tensors;
    String kind;
    if (safetensors) {
      SafeTensorsFile f = SafeTensors.read(file, arena);
      md.putAll(f.metadata());
      kind =
          org.fasterdit.train.Checkpoint.FORMAT.equals(md.get("format"))
              ? "fasterdit training checkpoint"
              : "safetensors";
      tensors = f.tensors();
    } else {
      Object root = TorchCheckpoint.read(file, arena);
      kind = "PyTorch checkpoint (.pt, read without executing code)";
      tensors = TorchCheckpoint.tensors(root);
      if (root instanceof Map<?, ?> m) {
        m.forEach(
            (k, v) -> {
              if (v instanceof PyNamespace ns)
                ns.attributes().forEach((a, x) -> md.put(k + "." + a, String.valueOf(x)));
              else if (!(v instanceof Map<?, ?>) && !(v instanceof HostTensor))
                md.put(String.valueOf(k), String.valueOf(v));
            });
      }
    }
    if (key != null && !key.isBlank()) {
      // the same selection as sampling and parity use: "model" / "ema" of a training checkpoint or
      // a public .pt dict
      tensors = CheckpointLoader.readStateDict(file, key, arena);
    }
    return new TensorFile(file, kind, new LinkedHashMap<>(tensors), md);
  }

  static String shape(HostTensor t) {
    return java.util.Arrays.toString(t.shape());
  }

  static String bytes(long n) {
    if (n < 1024) return n + " B";
    if (n < 1L << 20) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    if (n < 1L << 30) return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
    return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
  }
}
