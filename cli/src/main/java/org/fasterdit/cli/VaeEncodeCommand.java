package org.fasterdit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.data.ImageFolder;
import org.fasterdit.dist.DistEnv;
import org.fasterdit.latents.LatentExtraction;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.Precision;
import org.fasterdit.torch.PrecisionProbe;
import org.fasterdit.vae.AutoencoderKL;
import org.fasterdit.vae.Posterior;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fasterdit vae encode --vae PATH --data folder:DIR --image-size 256 --out DIR}: an image
 * folder to latent shards for {@code train --dataset=shards:DIR}.
 */
@Command(
    name = "encode",
    mixinStandardHelpOptions = true,
    description = {
      "Encode an image folder (class subfolders) into latent shards for --dataset=shards:DIR: ADM"
          + " centre crop, latents of each image and of its mirror image times the VAE's scaling"
          + " factor, per-channel statistics in the metadata and in latents_stats.json.",
      "Resumable: rerun the same command after a kill. Under 'fasterdit launch' the ranks split"
          + " the shards."
    })
public final class VaeEncodeCommand implements Callable<Integer> {
  @Option(
      names = "--vae",
      required = true,
      description = "diffusers folder, or an original .ckpt / .safetensors file")
  Path vae;

  @Option(
      names = "--data",
      required = true,
      description = "folder:DIR (class subfolders of images)")
  String data;

  @Option(names = "--image-size", defaultValue = "256", description = "default ${DEFAULT-VALUE}")
  int imageSize;

  @Option(names = "--out", required = true, description = "folder for the shards")
  Path out;

  @Option(
      names = "--batch",
      defaultValue = "8",
      description =
          "images per encoder call (default ${DEFAULT-VALUE}; each is encoded with its mirror image)")
  int batch;

  @Option(
      names = "--latent",
      defaultValue = "sample",
      description =
          "sample (a posterior sample, as DiT and fast-DiT store) or mean (default ${DEFAULT-VALUE})")
  String latent;

  @Option(
      names = "--shard-size",
      defaultValue = "1024",
      description = "images per shard (default ${DEFAULT-VALUE})")
  int shardSize;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "noise of the posterior samples (default ${DEFAULT-VALUE})")
  long seed;

  @Option(
      names = "--precision",
      defaultValue = "fp32",
      description =
          "fp32, bf16 (autocast) or auto (bf16 where a probe finds it faster) (default ${DEFAULT-VALUE})")
  String precision;

  @Option(names = "--device", defaultValue = "auto")
  String device;

  @Override
  public Integer call() {
    String d = data.trim();
    Path dir = Path.of(d.toLowerCase(Locale.ROOT).startsWith("folder:") ? d.substring(7) : d);
    Map<String, String> env = System.getenv();
    int rank = 0, world = 1;
    if (DistEnv.requested(env)) {
      DistEnv de = DistEnv.from(env, null);
      rank = de.rank();
      world = de.worldSize();
    }
    Device dev = Devices.resolve(device);
    try (AutoencoderKL model = AutoencoderKL.load(vae, dev)) {
      int f = model.config().downFactor();
      if (imageSize % f != 0)
        throw new IllegalArgumentException(
            "--image-size "
                + imageSize
                + " is not a multiple of the VAE's downsampling factor "
                + f);
      Precision p = chosen(precision, dev);
      ImageFolder folder = new ImageFolder(dir, imageSize, System.err::println);
      System.out.printf(
          Locale.ROOT,
          "vae %s (%s), scaling factor %s, %s; %d images in %d classes from %s%n",
          vae,
          model.config().describe(),
          model.scalingFactor(),
          p.name().toLowerCase(Locale.ROOT),
          folder.size(),
          folder.numClasses(),
          dir);
      LatentExtraction.Encoder enc =
          x -> {
            try (var a = p.autocast(dev)) {
              Posterior post = model.encode(x);
              return new Tensor[] {post.mean(), post.std()};
            }
          };
      var settings =
          new LatentExtraction.Settings(
              out,
              imageSize,
              batch,
              shardSize,
              latent,
              model.scalingFactor(),
              seed,
              rank,
              world,
              "folder:" + dir.toAbsolutePath() + " vae:" + vae.toAbsolutePath());
      var r = LatentExtraction.run(folder, enc, dev, settings, ProgressBarSink.FACTORY, System.out);
      System.out.printf(
          Locale.ROOT,
          "rank %d: wrote %d shards (%d already complete), %d images in %.1f s (%.1f img/s), %d unreadable skipped%n",
          rank,
          r.written(),
          r.kept(),
          r.images(),
          r.seconds(),
          r.images() / Math.max(r.seconds(), 1e-9),
          r.skipped());
      System.out.println(
          r.summary() != null
              ? "all shards complete; statistics in " + r.summary()
              : "other ranks' shards are still missing; the last rank to finish writes latents_stats.json");
    }
    return 0;
  }

  static Precision chosen(String name, Device dev) {
    Precision requested = Precision.parse(name);
    PrecisionProbe.Result r = PrecisionProbe.convolution(requested, dev);
    if (requested == Precision.AUTO) System.out.println("precision " + r.describe());
    return r.chosen();
  }
}
