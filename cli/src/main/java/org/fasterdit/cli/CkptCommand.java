package org.fasterdit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fasterdit ckpt diff|info|export}: checkpoint tools. */
@Command(
    name = "ckpt",
    mixinStandardHelpOptions = true,
    description =
        "Inspect, compare and export checkpoints (.safetensors training checkpoints, plain safetensors, PyTorch .pt).",
    subcommands = {
      CkptDiffCommand.class,
      CkptInfoCommand.class,
      CkptExportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class CkptCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
