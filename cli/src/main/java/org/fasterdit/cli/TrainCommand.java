package org.fasterdit.cli;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fasterdit.train.Checkpoint;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** {@code fasterdit train [--config FILE] [--resume DIR|FILE] [--key=value ...]}. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a DiT with the fasterdit, sit or dit preset.",
      "Any config key can be set as --key=value, e.g. --preset=sit --model=DiT-S/2 --steps=5000 --batch=128.",
      "Unknown keys are rejected before any work starts."
    })
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--config", description = "config file (JSON object or key=value lines)")
  Path config;

  @Option(
      names = "--resume",
      description = "continue from a checkpoint file or a run folder (its latest checkpoint)")
  Path resume;

  @Option(
      names = "--init-from",
      description =
          "fine-tune: model and EMA from these weights (public DiT/SiT .pt, .safetensors, or one of"
              + " our checkpoints); fresh optimizer, step 0")
  Path initFrom;

  @Option(
      names = "--reset-classes",
      description = "with --init-from: re-initialise the label table when the class count differs")
  boolean resetClasses;

  @Unmatched List<String> rest = new ArrayList<>();

  @Override
  public Integer call() {
    List<String> overrides = new ArrayList<>(Overrides.parse(rest));
    if (initFrom != null) overrides.add("init-from=" + initFrom);
    if (resetClasses) overrides.add("reset-classes=true");
    TrainConfig cfg;
    if (resume != null) {
      // the run continues with its own saved config; explicit overrides (e.g. a later --steps)
      // still apply
      Path file = Checkpoint.resolveLatest(resume);
      Map<String, String> saved;
      try (Arena arena = Arena.ofConfined()) {
        saved = Checkpoint.read(file, arena).meta().config();
      }
      List<String> merged = new ArrayList<>();
      saved.forEach((k, v) -> merged.add(k + "=" + v));
      merged.addAll(overrides);
      cfg = ConfigResolver.resolve(config, merged);
    } else {
      cfg = ConfigResolver.resolve(config, overrides);
    }
    cfg = DistributedSetup.forThisRank(cfg, System.getenv());
    try (GradientSync sync = DistributedSetup.fromEnvironment(cfg)) {
      TrainingRun.Result r = TrainingRun.run(cfg, resume, sync, System.out, CliReporting.INSTANCE);
      return r.preempted() ? ExitCodes.PREEMPTED : 0;
    }
  }
}
