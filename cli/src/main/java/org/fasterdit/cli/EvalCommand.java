package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import org.fasterdit.eval.Classifier;
import org.fasterdit.eval.DatasetDistance;
import org.fasterdit.eval.ImageArrays;
import org.fasterdit.eval.InceptionEvaluation;
import org.fasterdit.inception.FidInception;
import org.fasterdit.torch.Devices;
import org.fasterdit.train.ProgressSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Two evaluations of a sample batch. With {@code --ref}: ADM's suite (FID, sFID, Inception Score,
 * precision, recall) with pytorch-fid's FID Inception, one {@code NAME=value} line per metric (see
 * {@link InceptionEvaluation}). Without: FD-dataset between the samples and the dataset's test
 * split in the feature space of the project's own classifier, and the classifier's accuracy on
 * class-conditional samples against the labels they were asked for.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "With --ref: FID, sFID, IS, precision, recall as ADM's evaluator (pytorch-fid Inception).",
      "Without: FD-<dataset> (our feature network, not FID) and conditional accuracy of samples."
    })
public final class EvalCommand implements Callable<Integer> {
  @Option(
      names = "--samples",
      required = true,
      description = ".npz with arr_0 uint8 (N,H,W,C) [+ labels]")
  Path samples;

  @Option(
      names = "--ref",
      description =
          "reference: ADM reference batch .npz (mu, sigma [, mu_s, sigma_s] [, arr_0]), another"
              + " samples .npz, or an ImageNet-style image folder; selects the Inception metrics")
  Path ref;

  @Option(
      names = "--inception",
      description =
          "FID Inception weights, pytorch-fid's "
              + FidInception.WEIGHTS_FILE
              + " (default: ~/.cache/fasterdit/ or $XDG_CACHE_HOME/fasterdit/ + that name)")
  Path inception;

  @Option(
      names = "--batch",
      defaultValue = "" + FidInception.DEFAULT_BATCH,
      description = "images per Inception forward pass (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--dataset", defaultValue = "fashion-mnist")
  String dataset;

  @Option(
      names = "--classifier",
      description =
          "default results/classifiers/<dataset>.safetensors; trained there first when missing")
  Path classifier;

  @Option(
      names = "--reference-images",
      defaultValue = "10000",
      description = "FD-<dataset>: test-split images to compare with (default ${DEFAULT-VALUE})")
  int reference;

  @Option(
      names = "--classifier-epochs",
      hidden = true,
      defaultValue = "0",
      description = "testing: epochs of a classifier trained on first use (0 = the default)")
  int classifierEpochs;

  @Option(
      names = "--classifier-max-images",
      hidden = true,
      defaultValue = "0",
      description = "testing: training images of a classifier trained on first use (0 = all)")
  int classifierMaxImages;

  @Option(names = "--device", defaultValue = "auto")
  String device;

  @Override
  public Integer call() {
    if (ref != null) return inceptionMetrics();
    Classifier.Settings set = Classifier.Settings.DEFAULT;
    if (classifierEpochs > 0) set = set.withEpochs(classifierEpochs);
    if (classifierMaxImages > 0) set = set.withMaxImages(classifierMaxImages);
    DatasetDistance.Result r =
        evaluate(
            samples,
            dataset,
            classifier != null ? classifier : Classifier.defaultPath(dataset),
            set,
            reference,
            Devices.resolve(device));
    System.out.printf(
        Locale.ROOT, "%d samples vs %d %s test images%n", r.samples(), r.reference(), dataset);
    if (!Double.isNaN(r.accuracy()))
      System.out.printf(Locale.ROOT, "conditional_accuracy=%.4f%n", r.accuracy());
    System.out.printf(Locale.ROOT, "FD-%s=%.4f%n", dataset, r.fd());
    return 0;
  }

  private int inceptionMetrics() {
    Path weights = inception != null ? inception : FidInception.defaultWeightsPath();
    var evaluation =
        new InceptionEvaluation(weights, Devices.resolve(device), batch, new StderrListener());
    InceptionEvaluation.Report r = evaluation.evaluate(samples, ref);
    for (InceptionEvaluation.Metric m : r.metrics())
      System.out.printf(Locale.ROOT, "%s=%.8g%n", m.name(), m.value());
    for (String s : r.skipped()) System.out.println("skipped " + s);
    return 0;
  }

  /** Notes and feature-extraction progress on stderr, a line per 10 s, so stdout holds metrics. */
  static final class StderrListener implements InceptionEvaluation.Listener {
    private long start, last;

    @Override
    public void info(String line) {
      System.err.println(line);
    }

    @Override
    public void progress(String what, int done, int total) {
      long now = System.nanoTime();
      if (done == 0) start = last = now;
      if (done != total && now - last < 10_000_000_000L) return;
      last = now;
      double seconds = (now - start) / 1e9, rate = done / Math.max(seconds, 1e-9);
      System.err.printf(
          Locale.ROOT,
          "inception %s: %d/%d images, %.1f img/s, eta %s%n",
          what,
          done,
          total,
          rate,
          ProgressSink.formatSeconds(rate > 0 ? (total - done) / rate : Double.NaN));
    }
  }

  public static DatasetDistance.Result evaluate(
      Path samples,
      String dataset,
      Path classifierFile,
      Classifier.Settings set,
      int reference,
      Device d) {
    ImageArrays s = ImageArrays.fromNpz(samples);
    try (DatasetDistance dist =
        DatasetDistance.open(
            dataset, classifierFile, set, reference, d, ProgressBarSink.FACTORY, System.err)) {
      return dist.measure(s);
    }
  }
}
