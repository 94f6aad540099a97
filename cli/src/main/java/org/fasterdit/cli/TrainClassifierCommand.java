package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fasterdit.eval.Classifier;
import org.fasterdit.torch.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains the feature network used by {@code eval} on a dataset's training split and reports its
 * test accuracy. The defaults are {@link Classifier.Settings#DEFAULT}, the configuration {@code
 * eval} trains on first use.
 */
@Command(
    name = "train-classifier",
    mixinStandardHelpOptions = true,
    description =
        "Train the project's feature network for FD-<dataset> and report its test accuracy.")
public final class TrainClassifierCommand implements Callable<Integer> {
  @Option(names = "--dataset", defaultValue = "fashion-mnist")
  String dataset;

  @Option(names = "--epochs", description = "default: the eval default (4)")
  Integer epochs;

  @Option(names = "--batch", description = "default: the eval default (128)")
  Integer batch;

  @Option(names = "--seed", defaultValue = "0")
  long seed;

  @Option(
      names = "--max-images",
      hidden = true,
      defaultValue = "0",
      description = "testing: train on the first N shuffled images only (0 = all)")
  int maxImages;

  @Option(names = "--device", defaultValue = "auto")
  String device;

  @Option(names = "--out", description = "default results/classifiers/<dataset>.safetensors")
  Path out;

  @Override
  public Integer call() {
    Classifier.Settings s = Classifier.Settings.DEFAULT.withSeed(seed).withMaxImages(maxImages);
    if (epochs != null) s = s.withEpochs(epochs);
    if (batch != null) s = s.withBatch(batch);
    Path file = out != null ? out : Classifier.defaultPath(dataset);
    Classifier.Trained t =
        Classifier.trainAndSave(
            dataset, s, file, Devices.resolve(device), ProgressBarSink.FACTORY, System.err);
    System.out.printf(
        Locale.ROOT,
        "trained %s, %d epochs (%d steps) in %.0f s; saved %s%n",
        s.arch().tag(),
        s.epochs(),
        t.steps(),
        t.seconds(),
        file);
    System.out.printf(Locale.ROOT, "test_accuracy=%.4f%n", t.testAccuracy());
    return 0;
  }
}
