package org.fasterdit.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.fasterdit.data.ImageFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken and hostile images in an image folder give a clear error naming the file (and are skipped
 * in batches), never a crash or a huge allocation.
 */
class ImageFolderFuzzTest {
  static byte[] png(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 7 + y * 13) * 0x010101);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void mutatedImagesFailCleanly(@TempDir Path dir) throws Exception {
    byte[] good = png(40, 30);
    Path cls = Files.createDirectories(dir.resolve("data/cat"));
    Files.write(cls.resolve("ok.png"), good);
    assertEquals(1, new ImageFolder(dir.resolve("data"), 16).size());
    Path bad = cls.resolve("z.png");
    SplittableRandom r = new SplittableRandom(3);
    int n = Integer.getInteger("fasterdit.fuzz", 300), refused = 0;
    for (int i = 0; i < n; i++) {
      byte[] b = good.clone();
      if (r.nextBoolean()) b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
      for (int k = 0; k < 1 + r.nextInt(6) && b.length > 0; k++)
        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
      Files.write(bad, b);
      ImageFolder f = new ImageFolder(dir.resolve("data"), 16, w -> {});
      int zi = f.file(0).endsWith("z.png") ? 0 : 1;
      try {
        f.decode(zi);
        // a batch never fails on it: an unreadable file is skipped and reported instead
        f.readBatch(new int[] {0, 1}, new boolean[2], new float[2 * f.sampleFloats()], new long[2]);
      } catch (IllegalArgumentException e) {
        f.readBatch(new int[] {0, 1}, new boolean[2], new float[2 * f.sampleFloats()], new long[2]);
        assertEquals(1, f.unreadable().size());
        refused++;
        assertTrue(e.getMessage().contains("z.png"), e.getMessage());
      } catch (RuntimeException | Error e) {
        fail("mutation " + i + " raised " + e);
      }
    }
    System.out.println(
        "ImageFolderFuzzTest: " + n + " mutated PNGs, " + refused + " refused with a clear error");
  }

  /**
   * A PNG whose header claims 100000 x 100000 pixels is refused before any pixel memory is
   * allocated.
   */
  @Test
  void forgedHugeDimensionsAreRefused(@TempDir Path dir) throws Exception {
    byte[] b = png(8, 8);
    ByteBuffer.wrap(b, 16, 8).putInt(100_000).putInt(100_000); // IHDR width, height
    CRC32 crc = new CRC32();
    crc.update(b, 12, 17); // "IHDR" + 13 data bytes
    ByteBuffer.wrap(b, 29, 4).putInt((int) crc.getValue());
    Path cls = Files.createDirectories(dir.resolve("data/dog"));
    Files.write(cls.resolve("huge.png"), b);
    ImageFolder f = new ImageFolder(dir.resolve("data"), 16);
    var e = assertThrows(IllegalArgumentException.class, () -> f.decode(0));
    assertTrue(
        e.getMessage().contains("huge.png") && e.getMessage().contains("100000x100000"),
        e.getMessage());
  }
}
