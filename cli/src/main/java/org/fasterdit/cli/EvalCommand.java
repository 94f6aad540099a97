package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import org.fasterdit.data.Datasets;
import org.fasterdit.eval.Classifier;
import org.fasterdit.eval.FeatureNet;
import org.fasterdit.eval.FrechetDistance;
import org.fasterdit.eval.ImageArrays;
import org.fasterdit.torch.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * FD-dataset between generated samples and the dataset's test split, in the feature space of the
 * project's own classifier, and the classifier's accuracy on class-conditional samples against the
 * labels they were asked for.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Frechet distance (FD-<dataset>, our feature network, not FID) and conditional accuracy of samples.")
public final class EvalCommand implements Callable<Integer> {
  @Option(
      names = "--samples",
      required = true,
      description = ".npz with arr_0 uint8 (N,H,W,C) [+ labels]")
  Path samples;

  @Option(names = "--dataset", defaultValue = "fashion-mnist")
  String dataset;

  @Option(names = "--classifier", description = "default results/classifiers/<dataset>.safetensors")
  Path classifier;

  @Option(
      names = "--reference",
      defaultValue = "10000",
      description = "test-split images to compare with")
  int reference;

  @Option(names = "--device", defaultValue = "auto")
  String device;

  @Override
  public Integer call() {
    Result r =
        evaluate(
            samples,
            dataset,
            classifier != null ? classifier : Classifier.defaultPath(dataset),
            reference,
            Devices.resolve(device));
    System.out.printf(
        Locale.ROOT, "%d samples vs %d %s test images%n", r.samples(), r.reference(), dataset);
    if (!Double.isNaN(r.accuracy()))
      System.out.printf(Locale.ROOT, "conditional_accuracy=%.4f%n", r.accuracy());
    System.out.printf(Locale.ROOT, "FD-%s=%.4f%n", dataset, r.fd());
    return 0;
  }

  public record Result(double fd, double accuracy, int samples, int reference) {}

  public static Result evaluate(
      Path samples, String dataset, Path classifierFile, int reference, Device d) {
    ImageArrays s = ImageArrays.fromNpz(samples);
    ImageArrays ref = ImageArrays.of(Datasets.open(dataset, 32, "test"), reference);
    if (s.c() != ref.c() || s.h() != ref.h() || s.w() != ref.w()) {
      throw new IllegalArgumentException(
          "samples are "
              + s.c()
              + "x"
              + s.h()
              + "x"
              + s.w()
              + " but "
              + dataset
              + " images are "
              + ref.c()
              + "x"
              + ref.h()
              + "x"
              + ref.w());
    }
    try (FeatureNet net = Classifier.load(classifierFile, d)) {
      var so = Classifier.apply(net, s.x(), s.n(), s.c(), s.h(), s.w(), d);
      var ro = Classifier.apply(net, ref.x(), ref.n(), ref.c(), ref.h(), ref.w(), d);
      double fd =
          FrechetDistance.distance(
              FrechetDistance.fit(so.features()), FrechetDistance.fit(ro.features()));
      double acc =
          s.labels() == null ? Double.NaN : Classifier.accuracy(so.predictions(), s.labels());
      return new Result(fd, acc, s.n(), ref.n());
    }
  }
}
