package org.fasterdit.cli;

import org.fasterdit.data.DataStats;
import org.fasterdit.data.Datasets;
import org.fasterdit.torch.TorchException;
import org.fasterdit.train.ConfigKeys;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fasterdit} command line. Each subcommand lives in its own file. */
@Command(
    name = "fasterdit",
    mixinStandardHelpOptions = true,
    versionProvider = EnvCommand.Version.class,
    description =
        "Train, sample and analyse Diffusion Transformers with the FasterDiT recipe on LibTorch.",
    subcommands = {
      DemoCommand.class,
      EnvCommand.class,
      TrainCommand.class,
      SampleCommand.class,
      TrainClassifierCommand.class,
      EvalCommand.class,
      SnrPdfCommand.class,
      LaunchCommand.class,
      CkptCommand.class,
      ParityCommand.class,
      VaeCommand.class,
      BenchCommand.class,
      PlotCsvCommand.class,
      StudyCommand.class,
      picocli.AutoComplete.GenerateCompletion.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static {
    // snr-pdf --data NAME measures the dataset's std the same way training does.
    SnrPdfCommand.dataStdResolver =
        spec ->
            Math.round(DataStats.measure(Datasets.open(spec, 32, "train"), 10_000, 0).std() * 1e4)
                / 1e4;
  }

  /** Runs the CLI and returns the exit code (used by tests without exiting the JVM). */
  public static int run(String... args) {
    // the launcher and checkpoint tools never compute with LibTorch: do not load its natives just
    // to set threads
    boolean torchFree = args.length > 0 && (args[0].equals("launch") || args[0].equals("ckpt"));
    if (!torchFree) org.fasterdit.torch.Threads.applyFromEnvironment();
    CommandLine cl = new CommandLine(new Main());
    // every config key, with its default and aliases, under train --help (from the one key table)
    cl.getSubcommands()
        .get("train")
        .getCommandSpec()
        .usageMessage()
        .footer(
            "%nConfig keys (--key=value; booleans also as --key / --no-key):"
                + ConfigKeys.helpText().replace("%", "%%"));
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          // Bad input is the common case: one clear line, no stack trace (set FASTERDIT_DEBUG=1 for
          // it).
          // A native failure that no funnel caught still shows only the first line of its C++ text.
          String message =
              TorchException.isNative(ex)
                  ? TorchException.firstLine(ex.getMessage())
                  : ex.getMessage();
          cmd.getErr().println("fasterdit " + cmd.getCommandName() + ": error: " + message);
          if (System.getenv("FASTERDIT_DEBUG") != null) ex.printStackTrace(cmd.getErr());
          return ExitCodes.of(ex);
        });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
