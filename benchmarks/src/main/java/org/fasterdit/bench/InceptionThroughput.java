package org.fasterdit.bench;

import java.nio.file.Path;
import java.util.Random;
import org.fasterdit.inception.FidInception;
import org.fasterdit.inception.InceptionFeatures;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.Threads;

/**
 * FID Inception throughput on random uint8 images: images/s at the network's 299x299 input, in fp32
 * and bf16, and the bf16 features' error against fp32 on the same images.
 *
 * <pre>
 * benchmarks/inception-throughput.sh WEIGHTS.pth [images=64] [batch=32] [size=256]
 * </pre>
 */
public final class InceptionThroughput {
  private InceptionThroughput() {}

  public static void main(String[] args) {
    if (args.length < 1) {
      System.err.println("usage: InceptionThroughput WEIGHTS.pth [images] [batch] [size]");
      System.exit(2);
    }
    Path weights = Path.of(args[0]);
    int images = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int size = args.length > 3 ? Integer.parseInt(args[3]) : 256;
    Threads.applyFromEnvironment();
    byte[] pixels = new byte[images * size * size * 3];
    new Random(0).nextBytes(pixels);
    System.out.printf(
        "FID Inception: %d images of %dx%d (resized to 299), batch %d, ATen threads %s, OpenBLAS"
            + " threads %d%n",
        images,
        size,
        size,
        batch,
        System.getenv().getOrDefault("FASTERDIT_TORCH_THREADS", "default"),
        Threads.blasThreads());
    try (FidInception net = FidInception.load(weights, Devices.resolve("cpu"))) {
      net.setBatchSize(batch);
      InceptionFeatures fp32 = timed(net, Precision.FP32, pixels, images, size);
      InceptionFeatures bf16 = timed(net, Precision.BF16, pixels, images, size);
      System.out.printf(
          "bf16 vs fp32: pool3 max rel %.3e, logits max rel %.3e, spatial max rel %.3e%n",
          relErr(bf16.pool3(), fp32.pool3(), images, InceptionFeatures.POOL3_DIM),
          relErr(bf16.logits(), fp32.logits(), images, InceptionFeatures.LOGITS_DIM),
          relErr(bf16.spatial(), fp32.spatial(), images, InceptionFeatures.SPATIAL_DIM));
    }
  }

  private static InceptionFeatures timed(
      FidInception net, Precision p, byte[] pixels, int images, int size) {
    net.setPrecision(p);
    int warm = Math.min(images, 4);
    net.features(java.util.Arrays.copyOf(pixels, warm * size * size * 3), warm, size, size, 3);
    long start = System.nanoTime();
    InceptionFeatures f = net.features(pixels, images, size, size, 3);
    double s = (System.nanoTime() - start) / 1e9;
    System.out.printf("%s: %.2f images/s (%d images in %.1f s)%n", p, images / s, images, s);
    return f;
  }

  /** The worst image's max |a - b| / max |b|. */
  private static double relErr(float[] a, float[] b, int n, int dim) {
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double maxAbs = 0, maxRef = 0;
      for (int j = i * dim; j < (i + 1) * dim; j++) {
        maxAbs = Math.max(maxAbs, Math.abs(a[j] - b[j]));
        maxRef = Math.max(maxRef, Math.abs(b[j]));
      }
      worst = Math.max(worst, maxAbs / maxRef);
    }
    return worst;
  }
}
