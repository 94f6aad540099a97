package org.fasterdit.eval;

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
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.torch.HostRandom;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.NoGrad;
import org.fasterdit.torch.Tensors;
import org.fasterdit.train.AdamW;

/** Trains, saves, loads and applies the {@link FeatureNet} of a dataset. */
public final class Classifier {
  private Classifier() {}

  /** Default location of a dataset's classifier. */
  public static Path defaultPath(String dataset) {
    return Path.of(
        "results", "classifiers", dataset.replaceAll("[^A-Za-z0-9_.-]", "_") + ".safetensors");
  }

  /** Adam (lr 1e-3) with random flips over {@code epochs} seeded epochs of the training split. */
  public static FeatureNet train(
      Dataset train, int epochs, int batch, Device device, long seed, IntConsumer onStep) {
    FeatureNet net = new FeatureNet(train.channels(), train.numClasses(), device, seed);
    Map<String, Tensor> named = new LinkedHashMap<>(net.params().named());
    AdamW opt = new AdamW(named, 1e-3, 0.9, 0.999, 1e-8, 0);
    int per = train.sampleFloats(), n = train.size(), steps = epochs * (n / batch);
    int[] order = new int[n];
    for (int s = 0; s < steps; s++) {
      if (s % (n / batch) == 0) shuffle(order, seed + s);
      try (var scope = NativeScope.open()) {
        float[] x = new float[batch * per];
        long[] y = new long[batch];
        for (int i = 0; i < batch; i++) {
          int idx = order[(s % (n / batch)) * batch + i];
          train.read(idx, ((idx * 31L + s) & 1) == 1, x, i * per);
          y[i] = train.label(idx);
        }
        opt.zeroGrad();
        Tensor logits =
            net.logits(
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
      md.put("dataset", dataset);
      md.put("channels", Integer.toString(net.channels()));
      md.put("classes", Integer.toString(net.classes()));
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
      FeatureNet net =
          new FeatureNet(
              Integer.parseInt(f.metadata().get("channels")),
              Integer.parseInt(f.metadata().get("classes")),
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
}
