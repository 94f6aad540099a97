package org.fasterdit.eval;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.fasterdit.inception.FidInception;
import org.fasterdit.inception.InceptionFeatures;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;

/**
 * ADM's evaluation suite on the JVM: FID, sFID, Inception Score, precision and recall of a sample
 * batch against a reference, with pytorch-fid's FID Inception. The reference is an .npz in ADM's
 * layout ({@code mu}/{@code sigma}, {@code mu_s}/{@code sigma_s} and/or {@code arr_0} images),
 * another samples .npz, or an ImageNet-style image folder. Statistics stored in the reference are
 * used as they are (ADM's reference batches carry statistics of the whole dataset and 10k images
 * for precision/recall); whatever needs the reference's images is computed once and cached next to
 * it ({@link ReferenceCache}). Metrics the reference cannot support are reported as skipped, with
 * the reason. See docs/evaluation.md.
 */
public final class InceptionEvaluation {
  /** Where progress and notes go (the CLI prints them on stderr). */
  public interface Listener {
    void info(String line);

    void progress(String what, int done, int total);
  }

  public record Metric(String name, double value) {}

  public record Report(List<Metric> metrics, List<String> skipped, int samples) {}

  private final Path weights;
  private final Device device;
  private final int batchSize;
  private final Listener listener;

  public InceptionEvaluation(Path weights, Device device, int batchSize, Listener listener) {
    this.weights = weights;
    this.device = device;
    this.batchSize = batchSize;
    this.listener = listener;
  }

  /**
   * What a reference supplies: statistics stored in it and/or images to compute the rest from
   * ({@code images} null for a folder, decoded at {@code folderSize} only when the cache misses).
   */
  record Reference(
      FrechetDistance.Gaussian pool3Stats,
      FrechetDistance.Gaussian spatialStats,
      boolean hasImages,
      HostTensor images,
      int folderSize) {}

  public Report evaluate(Path samplesFile, Path refFile) {
    // the image arrays stay views of the mapped files (50k samples at 256 px are 9.8 GB), unmapped
    // when this evaluation ends
    try (Arena files = Arena.ofConfined()) {
      HostTensor samples = EvalImages.arr0(samplesFile, readNpz(samplesFile, "samples", files));
      return evaluate(samples, refFile, reference(refFile, (int) samples.shape()[1], files));
    }
  }

  private Report evaluate(HostTensor samples, Path refFile, Reference ref) {
    List<Metric> metrics = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    try (FidInception net = FidInception.load(weights, device).setBatchSize(batchSize)) {
      InceptionFeatures s = features(net, samples, "samples");
      ReferenceCache.Entry fromImages =
          ref.hasImages() ? referenceFeatures(net, ref, refFile) : null;
      int n = s.count();
      FrechetDistance.Gaussian refPool3 =
          ref.pool3Stats() != null ? ref.pool3Stats() : fromImages.pool3Stats();
      metrics.add(
          new Metric(
              "FID",
              FrechetDistance.distance(
                  FrechetDistance.fit(s.pool3(), n, InceptionFeatures.POOL3_DIM), refPool3)));
      FrechetDistance.Gaussian refSpatial =
          ref.spatialStats() != null
              ? ref.spatialStats()
              : ref.pool3Stats() == null ? fromImages.spatialStats() : null;
      if (refSpatial != null) {
        metrics.add(
            new Metric(
                "sFID",
                FrechetDistance.distance(
                    FrechetDistance.fit(s.spatial(), n, InceptionFeatures.SPATIAL_DIM),
                    refSpatial)));
      } else {
        skipped.add("sFID: " + refFile + " has mu/sigma but no mu_s/sigma_s");
      }
      metrics.add(
          new Metric("IS", InceptionScore.of(admLogits(net, s), n, InceptionFeatures.LOGITS_DIM)));
      if (fromImages != null) {
        var pr =
            new PrecisionRecall()
                .compute(
                    fromImages.pool3(),
                    fromImages.count(),
                    s.pool3(),
                    n,
                    InceptionFeatures.POOL3_DIM);
        metrics.add(new Metric("precision", pr.precision()));
        metrics.add(new Metric("recall", pr.recall()));
      } else {
        skipped.add(
            "precision, recall: " + refFile + " has no images (arr_0) to take neighbours from");
      }
      return new Report(metrics, skipped, n);
    }
  }

  /** ADM's IS input: pool3 @ W, the logits without the fc bias. */
  private static float[] admLogits(FidInception net, InceptionFeatures f) {
    float[] bias = net.fcBias();
    float[] out = f.logits().clone();
    for (int i = 0; i < out.length; i++) out[i] -= bias[i % bias.length];
    return out;
  }

  /** Reads a reference as {@code eval --ref} does; refuses what no metric could use, by name. */
  static Reference reference(Path file, int sampleSize) {
    return reference(file, sampleSize, Arena.ofAuto());
  }

  /** As {@link #reference(Path, int)}, its arrays views of the file mapped into {@code arena}. */
  static Reference reference(Path file, int sampleSize, Arena arena) {
    if (Files.isDirectory(file)) {
      return new Reference(null, null, true, null, sampleSize);
    }
    Map<String, HostTensor> m = readNpz(file, "reference", arena);
    FrechetDistance.Gaussian pool3 =
        storedStats(file, m, "mu", "sigma", InceptionFeatures.POOL3_DIM);
    FrechetDistance.Gaussian spatial =
        storedStats(file, m, "mu_s", "sigma_s", InceptionFeatures.SPATIAL_DIM);
    boolean images = m.containsKey("arr_0");
    if (pool3 == null && !images) {
      throw new IllegalArgumentException(
          file
              + ": neither mu/sigma nor arr_0 images (an ADM reference batch or a samples .npz); it holds "
              + m.keySet());
    }
    return new Reference(pool3, spatial, images, images ? EvalImages.arr0(file, m) : null, 0);
  }

  /** mu/sigma stored in an ADM reference batch, or null when it has neither. */
  private static FrechetDistance.Gaussian storedStats(
      Path file, Map<String, HostTensor> m, String mu, String sigma, int dim) {
    HostTensor a = m.get(mu), b = m.get(sigma);
    if (a == null && b == null) return null;
    if (a == null || b == null) {
      throw new IllegalArgumentException(
          file + ": has " + (a == null ? sigma : mu) + " without " + (a == null ? mu : sigma));
    }
    if (!Arrays.equals(a.shape(), new long[] {dim})
        || !Arrays.equals(b.shape(), new long[] {dim, dim})) {
      throw new IllegalArgumentException(
          file
              + ": "
              + mu
              + " "
              + Arrays.toString(a.shape())
              + " / "
              + sigma
              + " "
              + Arrays.toString(b.shape())
              + " are not ("
              + dim
              + ") / ("
              + dim
              + ", "
              + dim
              + ") Inception statistics");
    }
    if (!a.dtype().isFloatingPoint() || !b.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          file
              + ": "
              + mu
              + " / "
              + sigma
              + " are "
              + a.dtype()
              + " / "
              + b.dtype()
              + ", not floating point Inception statistics");
    }
    double[] mean = a.toDoubleArray(), cov = b.toDoubleArray();
    // A NaN or infinity here would only surface as a NaN FID at the end of a long evaluation.
    for (double v : mean) {
      if (!Double.isFinite(v)) throw new IllegalArgumentException(file + ": " + mu + " holds " + v);
    }
    for (double v : cov) {
      if (!Double.isFinite(v))
        throw new IllegalArgumentException(file + ": " + sigma + " holds " + v);
    }
    return new FrechetDistance.Gaussian(mean, cov, 0);
  }

  /** The reference images' features and statistics: from the cache when it is valid. */
  private ReferenceCache.Entry referenceFeatures(FidInception net, Reference ref, Path refFile) {
    Path cache = ReferenceCache.fileFor(refFile);
    String key = ReferenceCache.key(refFile, weights, ref.folderSize());
    try {
      ReferenceCache.Entry hit = ReferenceCache.read(cache, key);
      if (hit != null) {
        listener.info("reference statistics: read from cache " + cache);
        return hit;
      }
    } catch (IllegalArgumentException e) {
      listener.info(
          "reference statistics: ignoring cache "
              + cache
              + ": "
              + e.getMessage()
              + "; recomputing");
    }
    HostTensor images =
        ref.images() != null ? ref.images() : EvalImages.folder(refFile, ref.folderSize());
    InceptionFeatures f = features(net, images, "reference");
    ReferenceCache.Entry e =
        new ReferenceCache.Entry(
            f.pool3(),
            f.count(),
            FrechetDistance.fit(f.pool3(), f.count(), InceptionFeatures.POOL3_DIM),
            FrechetDistance.fit(f.spatial(), f.count(), InceptionFeatures.SPATIAL_DIM));
    try {
      ReferenceCache.write(cache, key, e);
      listener.info("reference statistics: computed, cached in " + cache);
    } catch (RuntimeException ex) {
      listener.info("reference statistics: computed, not cached (" + ex.getMessage() + ")");
    }
    return e;
  }

  private InceptionFeatures features(FidInception net, HostTensor images, String what) {
    int total = (int) images.shape()[0];
    listener.progress(what, 0, total);
    return net.setProgress(done -> listener.progress(what, done, total)).features(images);
  }

  private static Map<String, HostTensor> readNpz(Path file, String what, Arena arena) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(what + " file not found: " + file);
    }
    try {
      return Npz.map(file, arena);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          file + ": not a readable .npz (" + e.getMessage() + ")", e);
    }
  }
}
