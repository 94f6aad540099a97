package org.fasterdit.eval;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.data.Dataset;
import org.fasterdit.data.Datasets;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Tensors;
import org.fasterdit.train.AdamW;
import org.fasterdit.train.ProgressSink;

/** Trains, saves, loads and applies the {@link FeatureNet} of a dataset. */
public final class Classifier {
  private Classifier() {}

  /** Default location of a dataset's classifier. */
  public static Path defaultPath(String dataset) {
    return Path.of(
        "results", "classifiers", dataset.replaceAll("[^A-Za-z0-9_.-]", "_") + ".safetensors");
  }

  /**
   * How a classifier is trained. {@link #DEFAULT} is the configuration that reaches >= 0.90
   * Fashion-MNIST test accuracy (docs/evaluation.md has the measurement); {@code maxImages} caps
   * the training images (tests only; 0 = the whole split).
   */
  public record Settings(
      FeatureNet.Arch arch, int epochs, int batch, double lr, long seed, int maxImages) {
    public static final Settings DEFAULT =
        new Settings(FeatureNet.Arch.CONV3_FC, 4, 128, 2e-3, 0, 0);

    public Settings {
      if (epochs < 1)
        throw new IllegalArgumentException("classifier epochs must be >= 1, got " + epochs);
      if (batch < 1)
        throw new IllegalArgumentException("classifier batch must be >= 1, got " + batch);
      if (!(lr > 0)) throw new IllegalArgumentException("classifier lr must be > 0, got " + lr);
      if (maxImages < 0)
        throw new IllegalArgumentException("classifier max images must be >= 0, got " + maxImages);
    }

    public Settings withEpochs(int e) {
      return new Settings(arch, e, batch, lr, seed, maxImages);
    }

    public Settings withBatch(int b) {
      return new Settings(arch, epochs, b, lr, seed, maxImages);
    }

    public Settings withSeed(long s) {
      return new Settings(arch, epochs, batch, lr, s, maxImages);
    }

    public Settings withMaxImages(int m) {
      return new Settings(arch, epochs, batch, lr, seed, m);
    }
  }

  /** Optimizer steps {@link #train} takes on {@code train} with {@code s}. */
  public static long steps(Dataset train, Settings s) {
    int n = s.maxImages() > 0 ? Math.min(s.maxImages(), train.size()) : train.size();
    return (long) s.epochs() * Math.max(1, n / s.batch());
  }

  /**
   * Adam with random horizontal flips over seeded epochs of the training split; the learning rate
   * follows a cosine from {@code lr} to 0 over all steps (a constant rate leaves the last epochs
   * bouncing around the optimum, which costs about a point of test accuracy).
   */
  public static FeatureNet train(Dataset train, Settings set, Device device, IntConsumer onStep) {
    FeatureNet net =
        new FeatureNet(
            set.arch(),
            train.channels(),
            train.numClasses(),
            train.height(),
            train.width(),
            device,
            set.seed());
    // dropout draws from LibTorch's global generator: seed it so a training is repeatable
    torch.manual_seed(set.seed());
    Map<String, Tensor> named = new LinkedHashMap<>(net.params().named());
    AdamW opt = new AdamW(named, set.lr(), 0.9, 0.999, 1e-8, 0);
    int batch = set.batch();
    int n = set.maxImages() > 0 ? Math.min(set.maxImages(), train.size()) : train.size();
    if (n < batch) batch = n;
    int per = train.sampleFloats(), perEpoch = n / batch;
    long steps = (long) set.epochs() * perEpoch;
    int[] order = new int[n];
    for (int s = 0; s < steps; s++) {
      if (s % perEpoch == 0) shuffle(order, set.seed() + s);
      opt.setLr(set.lr() * 0.5 * (1 + Math.cos(Math.PI * s / steps)));
      try (var scope = NativeScope.open()) {
        float[] x = new float[batch * per];
        long[] y = new long[batch];
        for (int i = 0; i < batch; i++) {
          int idx = order[(s % perEpoch) * batch + i];
          train.read(idx, ((idx * 31L + s) & 1) == 1, x, i * per);
          y[i] = train.label(idx);
        }
        opt.zeroGrad();
        Tensor logits =
            net.trainingLogits(
                HostRandom.onDevice(
                    Tensors.ofFloats(x, batch, train.channels(), train.height(), train.width()),
                    device));
        torch
            .cross_entropy_loss(logits, HostRandom.onDevice(Tensors.ofLongs(y, batch), device))
            .backward();
        opt.step();
      }
      onStep.accept(s + 1);
    }
    opt.close();
    return net;
  }

  /** A trained and saved classifier. */
  public record Trained(Path file, double testAccuracy, double seconds, long steps) {}

  /**
   * Trains a classifier of {@code dataset} with {@code set}, measures its accuracy on the whole
   * test split and saves it to {@code file} (atomically: an interrupted training leaves no file).
   *
   * @param progress receives the steps as {@code progress.open("classifier", 0, steps, out)}
   */
  public static Trained trainAndSave(
      String dataset,
      Settings set,
      Path file,
      Device device,
      ProgressSink.Factory progress,
      PrintStream out) {
    long t0 = System.nanoTime();
    Dataset train = Datasets.open(dataset, 32, "train"), test = Datasets.open(dataset, 32, "test");
    long steps = steps(train, set);
    try (ProgressSink sink = progress.open("classifier", 0, steps, out);
        FeatureNet net =
            train(
                train,
                set,
                device,
                s -> {
                  boolean line = s % 100 == 0 || s == steps;
                  sink.update(
                      s,
                      "epoch " + (1 + (s - 1) * set.epochs() / steps) + "/" + set.epochs(),
                      line);
                })) {
      ImageArrays t = ImageArrays.of(test, Integer.MAX_VALUE);
      var o = apply(net, t.x(), t.n(), t.c(), t.h(), t.w(), device);
      double acc = accuracy(o.predictions(), t.labels());
      save(net, file, dataset, acc);
      return new Trained(file, acc, (System.nanoTime() - t0) / 1e9, steps);
    }
  }

  /**
   * The classifier at {@code file}, trained there with {@link Settings#DEFAULT} first when the file
   * does not exist (the first {@code eval --dataset} or {@code train --eval-every} on a fresh
   * machine). Training reports through {@code progress} and prints one line with the test accuracy
   * on {@code out}.
   */
  public static FeatureNet loadOrTrain(
      Path file,
      String dataset,
      Settings set,
      Device device,
      ProgressSink.Factory progress,
      PrintStream out) {
    if (!java.nio.file.Files.exists(file)) {
      out.printf(
          Locale.ROOT,
          "no classifier at %s: training one on %s (%s, %d epochs; done once)%n",
          file,
          dataset,
          set.arch().tag(),
          set.epochs());
      Trained t = trainAndSave(dataset, set, file, device, progress, out);
      out.printf(
          Locale.ROOT,
          "classifier trained in %.0f s: test_accuracy=%.4f, saved %s%n",
          t.seconds(),
          t.testAccuracy(),
          file);
    }
    return load(file, device);
  }

  private static void shuffle(int[] order, long seed) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    for (int i = 0; i < order.length; i++) order[i] = i;
    for (int i = order.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  /** Features (N, 128) and predicted classes of (N, C, H, W) images in [-1, 1]. */
  public record Outputs(double[][] features, int[] predictions) {}

  public static Outputs apply(
      FeatureNet net, float[] x, int n, int c, int h, int w, Device device) {
    double[][] feats = new double[n][];
    int[] pred = new int[n];
    int per = c * h * w, batch = 256;
    try (var g = NoGrad.on()) {
      for (int from = 0; from < n; from += batch) {
        int m = Math.min(batch, n - from);
        try (var scope = NativeScope.open()) {
          float[] part = java.util.Arrays.copyOfRange(x, from * per, (from + m) * per);
          Tensor xt = HostRandom.onDevice(Tensors.ofFloats(part, m, c, h, w), device);
          Tensor f = net.features(xt);
          float[] fv = Tensors.toFloats(f);
          float[] lv = Tensors.toFloats(net.logits(xt));
          for (int i = 0; i < m; i++) {
            feats[from + i] = new double[FeatureNet.FEATURES];
            for (int j = 0; j < FeatureNet.FEATURES; j++)
              feats[from + i][j] = fv[i * FeatureNet.FEATURES + j];
            int best = 0;
            for (int k = 1; k < net.classes(); k++)
              if (lv[i * net.classes() + k] > lv[i * net.classes() + best]) best = k;
            pred[from + i] = best;
          }
        }
      }
    }
    return new Outputs(feats, pred);
  }

  public static double accuracy(int[] pred, long[] labels) {
    int ok = 0;
    for (int i = 0; i < pred.length; i++) if (pred[i] == labels[i]) ok++;
    return ok / (double) pred.length;
  }

  public static void save(FeatureNet net, Path file, String dataset, double testAccuracy) {
    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> host = new LinkedHashMap<>();
      net.params().named().forEach((k, t) -> host.put(k, Tensors.toHost(t, arena)));
      Map<String, String> md = new LinkedHashMap<>();
      md.put("kind", "fasterdit-feature-net");
      md.put("arch", net.arch().tag());
      md.put("dataset", dataset);
      md.put("channels", Integer.toString(net.channels()));
      md.put("classes", Integer.toString(net.classes()));
      if (net.arch() == FeatureNet.Arch.CONV3_FC) {
        md.put("height", Integer.toString(net.height()));
        md.put("width", Integer.toString(net.width()));
      }
      md.put("test_accuracy", String.format(Locale.ROOT, "%.4f", testAccuracy));
      try {
        java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException(
            "cannot create " + file.getParent() + ": " + e.getMessage());
      }
      SafeTensors.write(file, host, md);
    }
  }

  public static FeatureNet load(Path file, Device device) {
    if (!java.nio.file.Files.exists(file)) {
      throw new IllegalArgumentException(
          "no classifier at " + file + ": run ./fasterdit train-classifier first");
    }
    try (Arena arena = Arena.ofConfined()) {
      var f = SafeTensors.read(file, arena);
      if (!"fasterdit-feature-net".equals(f.metadata().get("kind"))) {
        throw new IllegalArgumentException(file + " is not a fasterdit feature network");
      }
      FeatureNet.Arch arch = FeatureNet.Arch.ofTag(f.metadata().get("arch"), file);
      int[] hw = inputSize(arch, f, file);
      FeatureNet net =
          new FeatureNet(
              arch,
              Integer.parseInt(f.metadata().get("channels")),
              Integer.parseInt(f.metadata().get("classes")),
              hw[0],
              hw[1],
              device,
              0);
      Map<String, Tensor> views = new LinkedHashMap<>();
      try (var scope = NativeScope.open()) {
        f.tensors().forEach((k, v) -> views.put(k, Tensors.view(v)));
        net.load(views);
      }
      return net;
    }
  }

  /**
   * The image size the file's feature layer was built for: conv3-fc stores it as {@code
   * height}/{@code width}; conv3-gap works at any size (32 is only a placeholder).
   */
  private static int[] inputSize(
      FeatureNet.Arch arch, org.fasterdit.io.SafeTensorsFile f, Path file) {
    if (arch == FeatureNet.Arch.CONV3_GAP) return new int[] {32, 32};
    String h = f.metadata().get("height"), w = f.metadata().get("width");
    if (h == null || w == null)
      throw new IllegalArgumentException(
          file + ": conv3-fc classifier lacks height/width metadata");
    return new int[] {Integer.parseInt(h), Integer.parseInt(w)};
  }
}
