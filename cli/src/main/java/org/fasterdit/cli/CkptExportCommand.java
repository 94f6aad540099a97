package org.fasterdit.cli;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.io.TorchSave;
import org.fasterdit.model.CheckpointLoader;
import org.fasterdit.train.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fasterdit ckpt export}: one set of weights of a training checkpoint as a plain state dict
 * with the public DiT parameter names, for PyTorch ({@code torch.load(f, weights_only=True)}, then
 * {@code model.load_state_dict}) or any safetensors reader.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Export the EMA or raw weights of a checkpoint as a state dict with the public DiT names:",
      "  pt: torch.save layout, loads with torch.load(OUT, weights_only=True) and DiT's load_state_dict",
      "  safetensors: the same tensors as a safetensors file (metadata format=pt)"
    })
public final class CkptExportCommand implements Callable<Integer> {
  @Option(names = "--to", required = true, description = "pt or safetensors")
  String to;

  @Option(
      names = "--weights",
      defaultValue = "ema",
      description = "ema (what sampling uses) or model (default ${DEFAULT-VALUE})")
  String weights;

  @Parameters(index = "0", paramLabel = "FILE", description = "a training checkpoint or run folder")
  Path file;

  @Parameters(index = "1", paramLabel = "OUT", description = "the file to write")
  Path out;

  @Override
  public Integer call() {
    String format = to.toLowerCase(Locale.ROOT);
    if (!format.equals("pt") && !format.equals("safetensors"))
      throw new IllegalArgumentException("--to must be pt or safetensors, got '" + to + "'");
    if (!weights.equals("ema") && !weights.equals("model"))
      throw new IllegalArgumentException("--weights must be ema or model, got '" + weights + "'");
    Path source = Checkpoint.resolveLatest(file);
    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> tensors =
          new LinkedHashMap<>(CheckpointLoader.readStateDict(source, weights, arena));
      if (!tensors.containsKey("pos_embed") || !tensors.containsKey("x_embedder.proj.weight"))
        throw new IllegalArgumentException(
            source + ": no DiT '" + weights + "' weights found (keys: " + tensors.keySet() + ")");
      if (format.equals("pt")) TorchSave.write(out, tensors);
      else SafeTensors.write(out, tensors, Map.of("format", "pt"));
      long bytes = tensors.values().stream().mapToLong(HostTensor::byteSize).sum();
      System.out.printf(
          Locale.ROOT,
          "wrote %d tensors (%s, %s weights of %s) to %s%n",
          tensors.size(),
          TensorFile.bytes(bytes),
          weights,
          source,
          out);
    }
    return 0;
  }
}
