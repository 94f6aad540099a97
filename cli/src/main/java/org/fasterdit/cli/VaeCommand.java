package org.fasterdit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fasterdit vae ...}: the SD autoencoder (kl-f8). Add a subcommand to the list below. */
@Command(
    name = "vae",
    mixinStandardHelpOptions = true,
    description =
        "The Stable Diffusion autoencoder (AutoencoderKL, kl-f8): weights in diffusers or original LDM"
            + " layouts, fp32 or fp16. See docs/vae.md.",
    subcommands = {
      VaeParityCommand.class,
      VaeBenchCommand.class,
      VaeEncodeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class VaeCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
