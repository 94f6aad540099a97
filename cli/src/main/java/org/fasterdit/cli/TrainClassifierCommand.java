package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import org.fasterdit.data.Dataset;
import org.fasterdit.data.Datasets;
import org.fasterdit.eval.Classifier;
import org.fasterdit.eval.FeatureNet;
import org.fasterdit.eval.ImageArrays;
import org.fasterdit.torch.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains the feature network used by {@code eval} on a dataset's training split and reports its
 * test accuracy.
 */
@Command(
    name = "train-classifier",
    mixinStandardHelpOptions = true,
    description =
        "Train the project's feature network for FD-<dataset> and report its test accuracy.")
public final class TrainClassifierCommand implements Callable<Integer> {
  @Option(names = "--dataset", defaultValue = "fashion-mnist")
  String dataset;

  @Option(names = "--epochs", defaultValue = "2")
  int epochs;

  @Option(names = "--batch", defaultValue = "128")
  int batch;

  @Option(names = "--seed", defaultValue = "0")
  long seed;

  @Option(names = "--device", defaultValue = "auto")
  String device;

  @Option(names = "--out", description = "default results/classifiers/<dataset>.safetensors")
  Path out;

  @Override
  public Integer call() {
    Device d = Devices.resolve(device);
    Dataset train = Datasets.open(dataset, 32, "train"), test = Datasets.open(dataset, 32, "test");
    Path file = out != null ? out : Classifier.defaultPath(dataset);
    long t0 = System.nanoTime();
    int total = epochs * (train.size() / batch);
    try (FeatureNet net =
        Classifier.train(
            train,
            epochs,
            batch,
            d,
            seed,
            s -> {
              if (s % 100 == 0 || s == total)
                System.out.printf(Locale.ROOT, "step %d/%d%n", s, total);
            })) {
      ImageArrays t = ImageArrays.of(test, Integer.MAX_VALUE);
      var o = Classifier.apply(net, t.x(), t.n(), t.c(), t.h(), t.w(), d);
      double acc = Classifier.accuracy(o.predictions(), t.labels());
      Classifier.save(net, file, dataset, acc);
      System.out.printf(
          Locale.ROOT,
          "trained %d epochs in %.0f s; saved %s%n",
          epochs,
          (System.nanoTime() - t0) / 1e9,
          file);
      System.out.printf(Locale.ROOT, "test_accuracy=%.4f%n", acc);
    }
    return 0;
  }
}
