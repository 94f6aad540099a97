package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fasterdit.torch.Precision;
import org.fasterdit.vae.VaeParity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs VAE weights on a reference case and reports the largest difference from its outputs. */
@Command(
    name = "parity",
    mixinStandardHelpOptions = true,
    description =
        "Check that VAE weights reproduce reference PyTorch outputs: posterior mean and logvar of x,"
            + " decode(mean), decode(z) (last line: max_abs_err=<value>; exit 3 above --tol).")
public final class VaeParityCommand implements Callable<Integer> {
  @Option(
      names = "--vae",
      required = true,
      description = "diffusers folder, or an original .ckpt / .safetensors file")
  Path vae;

  @Option(
      names = "--case",
      required = true,
      description =
          ".npz with x, mean, logvar, recon, z, dec_z (benchmarks/reference/make_vae_cases.py)")
  Path caseFile;

  @Option(
      names = "--tol",
      defaultValue = "1e-4",
      description = "maximum allowed absolute error (default ${DEFAULT-VALUE})")
  double tol;

  @Option(
      names = "--precision",
      defaultValue = "fp32",
      description = "fp32 or bf16 (autocast; default ${DEFAULT-VALUE})")
  String precision;

  @Override
  public Integer call() {
    VaeParity.Result r = VaeParity.run(vae, caseFile, Precision.parse(precision));
    System.out.println("vae: " + r.config().describe());
    System.out.printf(Locale.ROOT, "outputs compared: %d values%n", r.values());
    r.errors().forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-7s max_abs_err=%.3e%n", k, v));
    double worst = r.maxAbsErr();
    System.out.printf(Locale.ROOT, "max_abs_err=%.3e%n", worst);
    return worst <= tol ? 0 : 3; // NaN fails too
  }
}
