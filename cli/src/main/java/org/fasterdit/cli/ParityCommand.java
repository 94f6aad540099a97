package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.model.Parity;
import org.fasterdit.torch.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs a checkpoint on a reference case and reports the largest difference from the reference
 * output.
 */
@Command(
    name = "parity",
    mixinStandardHelpOptions = true,
    description =
        "Check that a checkpoint reproduces reference PyTorch outputs (last line: max_abs_err=<value>).")
public final class ParityCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", required = true, description = ".pt or .safetensors file")
  Path checkpoint;

  @Option(
      names = "--key",
      description = "ema or model, for checkpoints holding both (default: ema if present)")
  String key;

  @Option(names = "--model", description = "preset whose heads to use, e.g. DiT-S/2")
  String model;

  @Option(names = "--heads", description = "attention heads (not recorded in any tensor shape)")
  int heads;

  @Option(names = "--case", required = true, description = ".npz with x, t, y and out")
  Path caseFile;

  @Option(
      names = "--tol",
      defaultValue = "1e-4",
      description = "maximum allowed absolute error (default ${DEFAULT-VALUE})")
  double tol;

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or bf16 (autocast)")
  String precision;

  @Override
  public Integer call() {
    int h = heads > 0 ? heads : model != null ? DiTConfig.presetHeads(model) : 0;
    Parity.Result r = Parity.run(checkpoint, key, h, caseFile, Precision.parse(precision));
    System.out.println("model: " + r.config().describe());
    System.out.printf(Locale.ROOT, "outputs compared: %d values%n", r.count());
    if (!Double.isNaN(r.cfgMaxAbsErr()))
      System.out.printf(Locale.ROOT, "cfg_max_abs_err=%.3e%n", r.cfgMaxAbsErr());
    double worst =
        Double.isNaN(r.cfgMaxAbsErr()) ? r.maxAbsErr() : Math.max(r.maxAbsErr(), r.cfgMaxAbsErr());
    System.out.printf(Locale.ROOT, "max_abs_err=%.3e%n", r.maxAbsErr());
    return worst <= tol ? 0 : 3;
  }
}
