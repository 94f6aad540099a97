package org.fasterdit.cli;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;
import org.fasterdit.model.CheckpointLoader;
import org.fasterdit.model.DiT;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Tensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a checkpoint on a reference case and reports the largest difference from the reference output. */
@Command(name = "parity", mixinStandardHelpOptions = true,
    description = "Check that a checkpoint reproduces reference PyTorch outputs (last line: max_abs_err=<value>).")
public final class ParityCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", required = true, description = ".pt or .safetensors file")
  Path checkpoint;

  @Option(names = "--key", description = "ema or model, for checkpoints holding both (default: ema if present)")
  String key;

  @Option(names = "--model", description = "preset whose heads to use, e.g. DiT-S/2")
  String model;

  @Option(names = "--heads", description = "attention heads (not recorded in any tensor shape)")
  int heads;

  @Option(names = "--case", required = true, description = ".npz with x, t, y and out")
  Path caseFile;

  @Option(names = "--tol", defaultValue = "1e-4", description = "maximum allowed absolute error (default ${DEFAULT-VALUE})")
  double tol;

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or bf16 (autocast)")
  String precision;

  @Override
  public Integer call() {
    Result r = run(checkpoint, key, model, heads, caseFile, Precision.parse(precision));
    System.out.println("model: " + r.config().describe());
    System.out.printf(Locale.ROOT, "outputs compared: %d values%n", r.count());
    System.out.printf(Locale.ROOT, "max_abs_err=%.3e%n", r.maxAbsErr());
    return r.maxAbsErr() <= tol ? 0 : 3;
  }

  public record Result(DiTConfig config, long count, double maxAbsErr) {}

  public static Result run(Path checkpoint, String key, String model, int heads, Path caseFile, Precision precision) {
    int h = heads > 0 ? heads : model != null ? DiTConfig.presetHeads(model) : 0;
    Device cpu = new Device(DeviceType.CPU);
    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> sd = CheckpointLoader.readStateDict(checkpoint, key, arena);
      DiTConfig config = CheckpointLoader.inferConfig(sd, h);
      Map<String, HostTensor> c = Npz.read(caseFile);
      for (String k : new String[] {"x", "t", "y", "out"}) {
        if (!c.containsKey(k)) throw new IllegalArgumentException(caseFile + ": missing array '" + k + "'");
      }
      try (DiT dit = CheckpointLoader.load(sd, config, cpu); var s = NativeScope.open(); var g = NoGrad.on();
          var a = precision.autocast(cpu)) {
        Tensor out = dit.forward(Tensors.copyOf(c.get("x")), Tensors.copyOf(c.get("t")), Tensors.copyOf(c.get("y")));
        float[] got = Tensors.toFloats(out);
        float[] want = c.get("out").toFloatArray();
        if (got.length != want.length) {
          throw new IllegalArgumentException("model output has " + got.length + " values, reference has " + want.length);
        }
        double max = 0;
        for (int i = 0; i < got.length; i++) max = Math.max(max, Math.abs((double) got[i] - want[i]));
        return new Result(config, got.length, max);
      }
    }
  }
}
