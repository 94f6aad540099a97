package org.fasterdit.examples;

import java.nio.file.Path;
import java.util.List;
import org.fasterdit.data.DataStats;
import org.fasterdit.data.Dataset;
import org.fasterdit.data.SyntheticShapes;
import org.fasterdit.diffusion.FlowObjective;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.Objective;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.diffusion.TimestepSampler;
import org.fasterdit.model.DiT;
import org.fasterdit.model.DiTConfig;
import org.fasterdit.torch.Devices;
import org.fasterdit.train.ConfigResolver;
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
        ConfigResolver.resolve(null, List.of("preset=fasterdit", "batch=16", "lr=3e-4"));
    DiT model = new DiT(new DiTConfig(2, 64, 4, 4, 32, 1, 10, false), Devices.resolve("cpu"), 0);
    Objective transport =
        new FlowObjective(
            FlowPath.LINEAR,
            Prediction.VELOCITY,
            TimestepSampler.parse("lognorm:0,1", -1),
            1.0); // FasterDiT: velocity, logit-normal t, direction loss
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
      trainer.save(checkpoint); // model, EMA, optimizer, step, data stats: resume with
      // trainer.resume(checkpoint)
    }
    // README:end
    return loss;
  }
}
