package org.fasterdit.latents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.data.ImageFolder;
import org.fasterdit.data.LatentShards;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.Scalars;
import org.fasterdit.train.ProgressSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folder to shards with a stand-in encoder (4x4 average pooling, std 0.5), so sharding, flips,
 * resumption, ranks and statistics are checked without a VAE.
 */
class LatentExtractionTest {
  static final double SCALE = 0.5;
  static final LatentExtraction.Encoder POOL =
      x -> {
        Tensor mean = torch.avg_pool2d(x, new long[] {4, 4});
        return new Tensor[] {mean, torch.ones_like(mean).mul(Scalars.of(0.5))};
      };

  static Path folder(Path dir, int n) throws Exception {
    Path root = dir.resolve("images");
    for (int i = 0; i < n; i++) {
      BufferedImage img = new BufferedImage(20 + i, 16 + 2 * i, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < img.getHeight(); y++)
        for (int x = 0; x < img.getWidth(); x++)
          img.setRGB(
              x, y, ((x * (i + 3)) & 0xFF) << 16 | ((y * 5 + i) & 0xFF) << 8 | (x * y & 0xFF));
      Path f = root.resolve("c" + (i % 2) + "/" + i + ".png");
      Files.createDirectories(f.getParent());
      ImageIO.write(img, "png", f.toFile());
    }
    return root;
  }

  static LatentExtraction.Result extract(
      Path images, Path out, String latent, int rank, int world) {
    var s = new LatentExtraction.Settings(out, 16, 3, 4, latent, SCALE, 7, rank, world, "test");
    return LatentExtraction.run(
        new ImageFolder(images, 16, w -> {}),
        POOL,
        Devices.resolve("cpu"),
        s,
        ProgressSink.LINES,
        new PrintStream(new ByteArrayOutputStream()));
  }

  @Test
  void shardsHoldScaledLatentsOfImagesAndMirrors(@TempDir Path dir) throws Exception {
    Path images = folder(dir, 10), out = dir.resolve("out");
    var r = extract(images, out, "mean", 0, 1);
    assertEquals(3, r.written());
    assertEquals(10, r.images());
    LatentShards shards = new LatentShards(out);
    assertEquals(10, shards.size());
    assertEquals(3, shards.channels());
    assertEquals(4, shards.height());
    assertTrue(shards.supportsFlip());
    assertEquals(SCALE, shards.latentScalingFactor());
    ImageFolder f = new ImageFolder(images, 16);
    float[] img = new float[3 * 16 * 16], lat = new float[3 * 4 * 4], flip = new float[lat.length];
    for (int i = 0; i < 10; i++) {
      assertEquals(f.label(i), shards.label(i));
      f.read(i, false, img, 0);
      shards.read(i, false, lat, 0);
      shards.read(i, true, flip, 0);
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 4; y++) {
          for (int x = 0; x < 4; x++) {
            double sum = 0;
            for (int dy = 0; dy < 4; dy++)
              for (int dx = 0; dx < 4; dx++) sum += img[(c * 16 + y * 4 + dy) * 16 + x * 4 + dx];
            int at = (c * 4 + y) * 4 + x;
            assertEquals(sum / 16 * SCALE, lat[at], 1e-5);
            assertEquals(
                lat[at], flip[(c * 4 + y) * 4 + 3 - x], 1e-5, "pooling commutes with mirroring");
          }
        }
      }
    }
    // the summary: per-channel statistics over images and mirrors
    var summary = new ObjectMapper().readTree(out.resolve("latents_stats.json").toFile());
    assertEquals(10, summary.get("images").asInt());
    assertEquals(SCALE, summary.get("scaling_factor").asDouble());
    double m0 = 0;
    for (int i = 0; i < 10; i++) {
      shards.read(i, false, lat, 0);
      for (int k = 0; k < 16; k++) m0 += lat[k];
      shards.read(i, true, lat, 0);
      for (int k = 0; k < 16; k++) m0 += lat[k];
    }
    assertEquals(m0 / 320, summary.get("channel_mean").get(0).asDouble(), 1e-6);
  }

  @Test
  void resumesShardByShardAndSplitsAcrossRanksToTheSameBytes(@TempDir Path dir) throws Exception {
    Path images = folder(dir, 10), one = dir.resolve("one"), two = dir.resolve("two");
    extract(images, one, "sample", 0, 1);
    byte[] shard1 = Files.readAllBytes(ShardPlan.file(one, 1));
    byte[] shard0 = Files.readAllBytes(ShardPlan.file(one, 0));
    Files.delete(ShardPlan.file(one, 1)); // as if killed while encoding shard 1
    var r = extract(images, one, "sample", 0, 1);
    assertEquals(1, r.written());
    assertEquals(2, r.kept());
    assertArrayEquals(shard1, Files.readAllBytes(ShardPlan.file(one, 1)), "same noise on resume");
    assertArrayEquals(shard0, Files.readAllBytes(ShardPlan.file(one, 0)));
    var r0 = extract(images, two, "sample", 0, 2);
    assertNull(r0.summary(), "rank 1's shard is still missing");
    var r1 = extract(images, two, "sample", 1, 2);
    assertEquals(1, r1.written());
    assertTrue(Files.exists(r1.summary()));
    for (int k = 0; k < 3; k++)
      assertArrayEquals(
          Files.readAllBytes(ShardPlan.file(one, k)), Files.readAllBytes(ShardPlan.file(two, k)));
    // a different setting is refused instead of mixing shards
    var e = assertThrows(IllegalArgumentException.class, () -> extract(images, one, "mean", 0, 1));
    assertTrue(e.getMessage().contains("latent=sample"), e.getMessage());
  }

  @Test
  void unreadableImagesAreSkippedAndRecorded(@TempDir Path dir) throws Exception {
    Path images = folder(dir, 6), out = dir.resolve("out");
    Files.write(images.resolve("c1/3.png"), new byte[] {1, 2, 3});
    var r = extract(images, out, "mean", 0, 1);
    assertEquals(5, r.images());
    assertEquals(1, r.skipped());
    assertEquals(5, new LatentShards(out).size());
    // folder order: c0/0, c0/2, c0/4, c1/1, c1/3, c1/5: c1/3.png is image 4, in shard 1
    assertTrue(ShardMeta.read(ShardPlan.file(out, 1)).get("skipped").contains("3.png"));
  }
}
