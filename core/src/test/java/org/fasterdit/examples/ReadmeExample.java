package org.fasterdit.examples;

import java.nio.file.Path;
import org.fasterdit.data.DataStats;
import org.fasterdit.data.Dataset;
import org.fasterdit.data.SyntheticShapes;
import org.fasterdit.diffusion.Objective;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.Devices;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.StepResult;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.Trainer;

/**
 * The Java example shown in the README; ReadmeExampleTest checks the README still shows exactly
 * this code. ci/library-check also builds it as a separate Maven project against the published
 * artifacts and runs {@link #main}.
 */
public final class ReadmeExample {
  private ReadmeExample() {}

  public static void main(String[] args) {
    double loss = run(Path.of(args.length > 0 ? args[0] : "readme-example.safetensors"));
    System.out.printf("README example: final loss %.4f%n", loss);
    if (!(loss > 0 && Double.isFinite(loss))) System.exit(1);
  }

  public static double run(Path checkpoint) {
    // README:begin
    Dataset data =
        new SyntheticShapes(1000, 32, 1, 0); // or Datasets.open("fashion-mnist", 32, "train")
    TrainConfig cfg =
        TrainConfig.preset("fasterdit") // velocity, logit-normal t, direction loss, std modulation
            .with("batch", 16)
            .with("lr", 3e-4)
            .with("depth", 2)
            .with("hidden", 64);
    DiT model = new DiT(cfg.model().forData(32, 1, 10), Devices.resolve("cpu"), cfg.run().seed());
    Objective transport = Trainer.objectiveFor(cfg);
    double loss = Double.NaN;
    try (Trainer trainer =
        new Trainer(
            cfg, model, transport, data, DataStats.measure(data, 1000, 0), GradientSync.NONE)) {
      for (int i = 0; i < 5; i++) {
        StepResult r = trainer.step();
        System.out.printf(
            "step %d loss %.4f mse %.4f direction %.4f%n",
            r.step(), r.loss(), r.terms().get("mse"), r.terms().get("direction"));
        loss = r.loss();
      }
      // model, EMA, optimizer, step, data stats; trainer.resume(checkpoint) continues exactly
      trainer.save(checkpoint);
    }
    // README:end
    return loss;
  }
}
