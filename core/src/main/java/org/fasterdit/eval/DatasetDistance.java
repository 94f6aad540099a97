package org.fasterdit.eval;

import java.io.PrintStream;
import java.nio.file.Path;
import org.bytedeco.pytorch.Device;
import org.fasterdit.data.Datasets;
import org.fasterdit.train.ProgressSink;

/**
 * FD-dataset and conditional accuracy of generated images: the Frechet distance between the
 * project's classifier features ({@link FeatureNet}) of the samples and of the first N test images
 * of the dataset, and the fraction of samples the classifier assigns to the class they were drawn
 * for. The reference statistics are computed once when this is opened, so a training run that
 * evaluates every N steps pays for them once. Used by {@code eval --dataset} and by {@code train
 * --eval-every}.
 */
public final class DatasetDistance implements AutoCloseable {
  /** One measurement; {@code accuracy} is NaN when the samples carry no labels. */
  public record Result(double fd, double accuracy, int samples, int reference) {}

  private final String dataset;
  private final FeatureNet net;
  private final Device device;
  private final FrechetDistance.Gaussian reference;
  private final int referenceCount, c, h, w;

  private DatasetDistance(
      String dataset, FeatureNet net, Device device, ImageArrays ref, FrechetDistance.Gaussian g) {
    this.dataset = dataset;
    this.net = net;
    this.device = device;
    this.reference = g;
    this.referenceCount = ref.n();
    this.c = ref.c();
    this.h = ref.h();
    this.w = ref.w();
  }

  /**
   * Loads (or, when the file is missing, trains with {@link Classifier.Settings}{@code set}) the
   * classifier and fits the statistics of {@code referenceImages} test images of {@code dataset}.
   */
  public static DatasetDistance open(
      String dataset,
      Path classifierFile,
      Classifier.Settings set,
      int referenceImages,
      Device device,
      ProgressSink.Factory progress,
      PrintStream out) {
    checkReferenceCount(dataset, referenceImages); // before a classifier is trained for it
    FeatureNet net = Classifier.loadOrTrain(classifierFile, dataset, set, device, progress, out);
    return of(dataset, net, classifierFile.toString(), referenceImages, device);
  }

  /**
   * As {@link #open} with a classifier already loaded ({@code name} says which, in errors), which
   * this then owns: closed with it, or at once when the reference cannot be measured.
   */
  public static DatasetDistance of(
      String dataset, FeatureNet net, String name, int referenceImages, Device device) {
    try {
      checkReferenceCount(dataset, referenceImages);
      ImageArrays ref = ImageArrays.of(Datasets.open(dataset, 32, "test"), referenceImages);
      if (net.channels() != ref.c())
        throw new IllegalArgumentException(
            "classifier "
                + name
                + " reads "
                + net.channels()
                + "-channel images but "
                + dataset
                + " has "
                + ref.c());
      var ro = Classifier.apply(net, ref.x(), ref.n(), ref.c(), ref.h(), ref.w(), device);
      return new DatasetDistance(dataset, net, device, ref, FrechetDistance.fit(ro.features()));
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
  }

  private static void checkReferenceCount(String dataset, int referenceImages) {
    if (referenceImages < 2)
      throw new IllegalArgumentException(
          "FD-" + dataset + " needs >= 2 reference images, got " + referenceImages);
  }

  public String dataset() {
    return dataset;
  }

  /** FD and (with labels) conditional accuracy of {@code samples}, which must be dataset-sized. */
  public Result measure(ImageArrays s) {
    if (s.c() != c || s.h() != h || s.w() != w) {
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
              + c
              + "x"
              + h
              + "x"
              + w);
    }
    if (s.n() < 2)
      throw new IllegalArgumentException("FD-" + dataset + " needs >= 2 samples, got " + s.n());
    var so = Classifier.apply(net, s.x(), s.n(), s.c(), s.h(), s.w(), device);
    double fd = FrechetDistance.distance(FrechetDistance.fit(so.features()), reference);
    double acc =
        s.labels() == null ? Double.NaN : Classifier.accuracy(so.predictions(), s.labels());
    return new Result(fd, acc, s.n(), referenceCount);
  }

  @Override
  public void close() {
    net.close();
  }
}
