package org.fasterdit.sample;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.fasterdit.data.StdModulation;
import org.fasterdit.eval.Classifier;
import org.fasterdit.eval.DatasetDistance;
import org.fasterdit.eval.ImageArrays;
import org.fasterdit.model.DiT;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.Precision;
import org.fasterdit.train.ConfigException;
import org.fasterdit.train.ProgressSink;
import org.fasterdit.train.TrainConfig;

/**
 * The evaluation a run does every {@code eval-every} steps: {@code eval-samples} images from the
 * EMA weights (labels i mod classes, so uniform over classes; a fixed seed, so every evaluation
 * sees the same noise; the objective's default sampler and step count, no guidance), measured as
 * {@code eval --dataset} does ({@link DatasetDistance}: FD-dataset in the classifier's feature
 * space and conditional accuracy). The classifier is loaded, or trained on first use for
 * Fashion-MNIST, and the reference statistics fitted once, when the run opens this.
 */
public final class TrainingEvaluation implements AutoCloseable {
  /** Sampler steps: the default of {@code ./fasterdit sample}. */
  static final int STEPS = 50;

  static final long SEED = 1234;
  private final DatasetDistance distance;
  private final int count;

  private TrainingEvaluation(DatasetDistance distance, int count) {
    this.distance = distance;
    this.count = count;
  }

  /** The classifier file of a run: {@code eval-classifier}, or under the results folder. */
  public static Path classifierFile(TrainConfig cfg) {
    String set = cfg.run().evalClassifier();
    if (!set.isEmpty()) return Path.of(set);
    return Path.of(cfg.run().results(), "classifiers")
        .resolve(Classifier.defaultPath(cfg.data().dataset()).getFileName());
  }

  /**
   * Refuses {@code eval-every} where no evaluation exists: latent datasets (no classifier of
   * latents), and datasets other than Fashion-MNIST without a classifier file (only Fashion-MNIST
   * has a classifier configuration that trains to a meaningful accuracy on first use).
   */
  public static void check(TrainConfig cfg, int worldSize) {
    if (cfg.run().evalEvery() == 0) return;
    String d = cfg.data().dataset().trim().toLowerCase(Locale.ROOT);
    if (d.startsWith("latents:") || d.startsWith("shards:")) {
      throw new ConfigException(
          "eval-every="
              + cfg.run().evalEvery()
              + ": evaluation during training is not available for latent datasets ("
              + cfg.data().dataset()
              + "); set eval-every=0 and evaluate decoded samples with ./fasterdit eval --ref");
    }
    boolean fashion = d.startsWith("fashion");
    Path file = classifierFile(cfg);
    if (!fashion && !Files.exists(file)) {
      throw new ConfigException(
          "eval-every="
              + cfg.run().evalEvery()
              + " needs a classifier for dataset "
              + cfg.data().dataset()
              + ": none at "
              + file
              + " (train one with ./fasterdit train-classifier --dataset "
              + cfg.data().dataset()
              + " --out "
              + file
              + ", or set eval-classifier)");
    }
    if (worldSize > 1 && !Files.exists(file)) {
      // rank 0 would train it while its peers wait in their first all-reduce past dist-timeout
      throw new ConfigException(
          "eval-every="
              + cfg.run().evalEvery()
              + " with "
              + worldSize
              + " ranks needs the classifier to exist before the run: none at "
              + file
              + "; train it first with ./fasterdit train-classifier --dataset "
              + cfg.data().dataset()
              + " --out "
              + file);
    }
  }

  /** Loads (or trains) the classifier and fits the reference statistics. */
  public static TrainingEvaluation open(
      TrainConfig cfg, ProgressSink.Factory progress, PrintStream log) {
    DatasetDistance d =
        DatasetDistance.open(
            cfg.data().dataset(),
            classifierFile(cfg),
            Classifier.Settings.DEFAULT,
            cfg.run().evalReference(),
            Devices.resolve(cfg.run().device()),
            progress,
            log);
    return new TrainingEvaluation(d, cfg.run().evalSamples());
  }

  /** The metric names of a row: {@code FD-<dataset>}, as {@code eval} prints them. */
  public String fdKey() {
    return "FD-" + distance.dataset();
  }

  /** Samples and measures; returns the metrics row of {@code step}. */
  public Map<String, Object> evaluate(
      long step, DiT ema, TrainConfig cfg, StdModulation modulation, Precision precision) {
    long t0 = System.nanoTime();
    int classes = ema.config().numClasses();
    long[] labels = new long[count];
    for (int i = 0; i < count; i++) labels[i] = i % classes;
    SampleSpec spec =
        new SampleSpec(
            count, "auto", STEPS, Guidance.none(), SEED, -1, Math.min(count, 64), "ema", 1.0);
    SampleSet s =
        new SampleGenerator(ema, cfg.objective(), modulation, precision)
            .generate(spec, labels, k -> {});
    if (!SampleExport.isImage(s)) {
      throw new IllegalStateException("evaluation needs image samples, got " + s.c() + " channels");
    }
    ImageArrays a =
        ImageArrays.fromUint8Nhwc(s.toUint8Nhwc(), labels, s.count(), s.h(), s.w(), s.c());
    DatasetDistance.Result r = distance.measure(a);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("step", step);
    row.put(fdKey(), r.fd());
    row.put("conditional_accuracy", r.accuracy());
    row.put("eval_samples", r.samples());
    row.put("eval_s", (System.nanoTime() - t0) / 1e9);
    return row;
  }

  @Override
  public void close() {
    distance.close();
  }
}
