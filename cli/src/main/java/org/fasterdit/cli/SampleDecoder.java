package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.fasterdit.latents.LatentDecoding;
import org.fasterdit.sample.SampleSet;
import org.fasterdit.sample.TrainedModel;
import org.fasterdit.torch.Precision;
import org.fasterdit.vae.AutoencoderKL;

/**
 * The VAE decoder of {@code sample --vae}, loaded once and applied to block after block of sampled
 * latents (the scaling factor undone), so a streamed run need not hold all latents at once. Blocks
 * must start at multiples of the decoder batch for the images to be those one decode of all the
 * latents makes (the decoder's batches then line up).
 */
final class SampleDecoder implements AutoCloseable {
  private final AutoencoderKL vae;
  private final TrainedModel m;
  private final double scale;
  private final Precision precision;
  private final int batch;
  private double seconds;
  private long decoded;

  /** Loads {@code path} and prints how the {@code count} latents will be decoded. */
  SampleDecoder(
      Path path, TrainedModel m, int latentChannels, int batch, String precision, int count) {
    var dev = m.model().device();
    this.m = m;
    this.batch = batch;
    this.vae = AutoencoderKL.load(path, dev);
    try {
      if (vae.config().latentChannels() != latentChannels)
        throw new IllegalArgumentException(
            "the model samples "
                + latentChannels
                + "-channel latents but the VAE "
                + path
                + " has "
                + vae.config().latentChannels());
      double s = m.latentScale();
      String from = "recorded by the training data";
      if (!(s > 0)) {
        s = vae.scalingFactor();
        from = "the VAE's (the checkpoint records none)";
      }
      this.scale = s;
      this.precision = VaeEncodeCommand.chosen(precision, dev);
      System.out.printf(
          Locale.ROOT,
          "decoding %d latents with %s: latents / %s (%s), %s, batches of %d%n",
          count,
          path,
          scale,
          from,
          this.precision.name().toLowerCase(Locale.ROOT),
          batch);
    } catch (RuntimeException e) {
      vae.close();
      throw e;
    }
  }

  /** The images of {@code latents}. */
  SampleSet decode(SampleSet latents) {
    long t0 = System.nanoTime();
    SampleSet images =
        LatentDecoding.decode(
            latents, scale, vae::decode, m.model().device(), batch, precision, k -> {});
    seconds += (System.nanoTime() - t0) / 1e9;
    decoded += latents.count();
    return images;
  }

  /** Prints the decoder's time over all blocks. */
  void printSpeed() {
    System.out.printf(
        Locale.ROOT,
        "decoded in %.1f s (%.2f img/s)%n",
        seconds,
        decoded / Math.max(seconds, 1e-9));
  }

  @Override
  public void close() {
    vae.close();
  }
}
