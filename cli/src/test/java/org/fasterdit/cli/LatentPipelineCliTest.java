package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.fasterdit.data.LatentShards;
import org.fasterdit.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latent path end to end from the CLI at tiny size: image folder -> {@code vae encode} shards
 * -> {@code train --dataset=shards:} -> {@code sample --vae} -> .npz/.png; and a checkpoint in the
 * public DiT layout sampled through the VAE. The VAE is the random-weight SD-shaped fixture of the
 * VAE parity tests (32 px images, 4x4x4 latents).
 */
class LatentPipelineCliTest {
  static final String VAE = "../model/src/test/resources/vae/diffusers_new_fp32";

  static Path folder(Path dir, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      BufferedImage img = new BufferedImage(40, 36, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 36; y++)
        for (int x = 0; x < 40; x++)
          img.setRGB(
              x, y, ((x * 6 + i * 20) & 0xFF) << 16 | ((y * 7) & 0xFF) << 8 | (i * 30 & 0xFF));
      Path f = dir.resolve("images/class" + (i % 2) + "/" + i + ".png");
      Files.createDirectories(f.getParent());
      ImageIO.write(img, "png", f.toFile());
    }
    return dir.resolve("images");
  }

  @Test
  void folderToShardsToTrainingToDecodedSamples(@TempDir Path dir) throws Exception {
    Path images = folder(dir, 10), shards = dir.resolve("shards");
    String log =
        PublicCheckpointCliTest.run(
            "vae",
            "encode",
            "--vae",
            VAE,
            "--data",
            "folder:" + images,
            "--image-size",
            "32",
            "--out",
            shards.toString(),
            "--batch",
            "3",
            "--shard-size",
            "4",
            "--device",
            "cpu");
    assertTrue(log.contains("wrote 3 shards") && log.contains("img/s"), log);
    assertTrue(Files.exists(shards.resolve("latents_stats.json")));
    LatentShards ls = new LatentShards(shards);
    assertEquals(10, ls.size());
    assertEquals(0.18215, ls.latentScalingFactor());
    // rerun: everything is already there
    log =
        PublicCheckpointCliTest.run(
            "vae",
            "encode",
            "--vae",
            VAE,
            "--data",
            "folder:" + images,
            "--image-size",
            "32",
            "--out",
            shards.toString(),
            "--batch",
            "3",
            "--shard-size",
            "4",
            "--device",
            "cpu");
    assertTrue(log.contains("wrote 0 shards (3 already complete)"), log);

    Path results = dir.resolve("results");
    PublicCheckpointCliTest.run(
        "train",
        "--dataset=shards:" + shards,
        "--model=custom",
        "--depth=1",
        "--hidden=32",
        "--heads=2",
        "--patch=2",
        "--steps=3",
        "--batch=4",
        "--stats-samples=10",
        "--ckpt-every=0",
        "--device=cpu",
        "--results=" + results,
        "--run-name=e2e");
    Path run;
    try (Stream<Path> s = Files.list(results)) {
      run = s.findFirst().orElseThrow();
    }
    Path npz = dir.resolve("s.npz"), png = dir.resolve("s.png");
    log =
        PublicCheckpointCliTest.run(
            "sample",
            "--checkpoint",
            run.toString(),
            "--vae",
            VAE,
            "--num",
            "4",
            "--steps",
            "3",
            "--batch",
            "4",
            "--vae-batch",
            "3",
            "--device",
            "cpu",
            "--out",
            npz.toString());
    assertTrue(log.contains("latents / 0.18215 (recorded by the training data)"), log);
    var arr = Npz.read(npz).get("arr_0");
    assertArrayEquals(new long[] {4, 32, 32, 3}, arr.shape());
    PublicCheckpointCliTest.run(
        "sample",
        "--checkpoint",
        run.toString(),
        "--vae",
        VAE,
        "--num",
        "4",
        "--steps",
        "3",
        "--device",
        "cpu",
        "--out",
        png.toString());
    // a 2x2 grid of 32 px images shown at 2x with 2 px borders: 2 * (64 + 2) + 2
    assertEquals(134, ImageIO.read(png.toFile()).getWidth());
  }

  @Test
  void publicDitCheckpointSamplesThroughTheVae(@TempDir Path dir) throws Exception {
    Path npz = dir.resolve("pub.npz");
    String log =
        PublicCheckpointCliTest.run(
            "sample",
            "--checkpoint",
            PublicCheckpointCliTest.PUBLIC.resolve("DiT-tiny-ema.pt").toString(),
            "--heads",
            "2",
            "--vae",
            VAE,
            "--sampler",
            "ddim",
            "--steps",
            "3",
            "--num",
            "2",
            "--device",
            "cpu",
            "--vae-precision",
            "fp32",
            "--out",
            npz.toString());
    assertTrue(log.contains("objective ddpm") && log.contains("latents / 0.18215 (the VAE's"), log);
    // 8x8 latents, f = 8: 64 px images in the ADM layout
    assertArrayEquals(new long[] {2, 64, 64, 3}, Npz.read(npz).get("arr_0").shape());
  }
}
