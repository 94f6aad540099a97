package org.fasterdit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.fasterdit.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image folders decode lazily and in parallel, read CMYK and YCCK JPEGs, and skip unreadable files.
 */
class ImageFolderTest {
  static final Path IMAGES = Path.of("src/test/resources/images");

  static void png(Path f, int w, int h, int seed) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        img.setRGB(x, y, ((x * 7 + y * 13 + seed * 31) & 0xFF) * 0x010203);
    Files.createDirectories(f.getParent());
    ImageIO.write(img, "png", f.toFile());
  }

  /** The CMYK JPEG from benchmarks/reference/make_image_fixtures.py decodes to Pillow's colours. */
  @Test
  void cmykJpegDecodesLikePillow(@TempDir Path dir) throws Exception {
    int maxErr = maxDifferenceFromPillow(dir, "cmyk", 40, 30, -100);
    System.out.println("CMYK JPEG vs Pillow: max channel difference " + maxErr + " / 255");
    assertTrue(maxErr <= 40, "CMYK colours differ from Pillow's by " + maxErr);
  }

  /**
   * The Adobe YCCK JPEG (APP14 transform 2) of make_image_fixtures.py: the JDK's reader refuses it,
   * TwelveMonkeys must undo the YCC transform and the Adobe inversion. A reader that took the
   * components for CMYK inks would be off by ~100-255 in every quadrant.
   */
  @Test
  void ycckJpegDecodesLikePillow(@TempDir Path dir) throws Exception {
    byte[] file = Files.readAllBytes(IMAGES.resolve("ycck.jpg"));
    int adobe =
        indexOf(file, new byte[] {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e'});
    assertTrue(adobe >= 0, "ycck.jpg has no Adobe APP14 marker");
    assertEquals(2, file[adobe + 4 + 11], "ycck.jpg's APP14 transform must be 2 (YCCK)");
    int maxErr = maxDifferenceFromPillow(dir, "ycck", 40, 32, 16);
    System.out.println("YCCK JPEG vs Pillow: max channel difference " + maxErr + " / 255");
    assertTrue(maxErr <= 8, "YCCK colours differ from Pillow's by " + maxErr);
  }

  /**
   * Decodes {@code name}.jpg ({@code w} x {@code h}, landscape) through an image folder at the
   * short side and returns the largest channel difference from Pillow's RGB ({@code name}_rgb.npy),
   * skipping 3 pixels either side of the colour edges at x = w / 2 and {@code edgeY} (-100: none),
   * where the JPEG's ringing depends on the decoder's IDCT.
   */
  private static int maxDifferenceFromPillow(Path dir, String name, int w, int h, int edgeY)
      throws Exception {
    Path f = Files.createDirectories(dir.resolve("d/a")).resolve(name + ".jpg");
    Files.copy(IMAGES.resolve(name + ".jpg"), f);
    ImageFolder folder = new ImageFolder(dir.resolve("d"), h);
    byte[] px = folder.decode(0); // short side h kept, centre crop x in [x0, x0 + h)
    byte[] ref = Npy.read(IMAGES.resolve(name + "_rgb.npy")).toByteArray(); // (h, w, 3)
    int x0 = (w - h) / 2, plane = h * h, maxErr = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < h; x++) {
        if (Math.abs(x + x0 - w / 2) < 3 || Math.abs(y - edgeY) < 3) continue;
        for (int c = 0; c < 3; c++) {
          int ours = px[c * plane + y * h + x] & 0xFF;
          int pil = ref[(y * w + x + x0) * 3 + c] & 0xFF;
          maxErr = Math.max(maxErr, Math.abs(ours - pil));
        }
      }
    }
    return maxErr;
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    for (int i = 0; i + pattern.length <= data.length; i++) {
      if (java.util.Arrays.equals(data, i, i + pattern.length, pattern, 0, pattern.length))
        return i;
    }
    return -1;
  }

  @Test
  void unreadableFilesAreSkippedAndReported(@TempDir Path dir) throws Exception {
    Path root = dir.resolve("d");
    png(root.resolve("a/1.png"), 20, 16, 1);
    Files.write(root.resolve("a/2.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    png(root.resolve("b/3.png"), 16, 24, 3);
    png(root.resolve("b/4.jpg"), 30, 30, 4);
    List<String> warnings = new ArrayList<>();
    ImageFolder f = new ImageFolder(root, 16, warnings::add); // opening decodes nothing
    assertEquals(4, f.size());
    assertEquals(List.of("a", "b"), f.classes());
    var e = assertThrows(IllegalArgumentException.class, () -> f.decode(1));
    assertTrue(e.getMessage().contains("2.png"), e.getMessage());
    int per = f.sampleFloats();
    float[] x = new float[4 * per];
    long[] y = new long[4];
    for (int round = 0; round < 2; round++)
      f.readBatch(new int[] {0, 1, 2, 3}, new boolean[4], x, y);
    // the bad file's slot holds the next readable image (3.png, class b)
    assertArrayEquals(new long[] {0, 1, 1, 1}, y);
    assertArrayEquals(
        java.util.Arrays.copyOfRange(x, 2 * per, 3 * per),
        java.util.Arrays.copyOfRange(x, per, 2 * per));
    assertEquals(1, warnings.size(), "reported once: " + warnings);
    assertTrue(warnings.get(0).contains("2.png"), warnings.get(0));
    assertEquals(1, f.unreadable().size());
    assertTrue(f.unreadable().keySet().iterator().next().endsWith("a/2.png"));
  }

  @Test
  void parallelDecodingEqualsOneByOne(@TempDir Path dir) throws Exception {
    Path root = dir.resolve("d");
    for (int i = 0; i < 24; i++)
      png(root.resolve("c" + (i % 3) + "/" + i + ".png"), 20 + i, 40 - i, i);
    ImageFolder f = new ImageFolder(root, 16);
    int[] all = java.util.stream.IntStream.range(0, f.size()).toArray();
    byte[][] par = f.decodeAll(all);
    for (int i : all) assertArrayEquals(f.decode(i), par[i], "image " + i);
    float[] flipped = new float[f.sampleFloats()], plain = new float[f.sampleFloats()];
    f.read(5, true, flipped, 0);
    f.read(5, false, plain, 0);
    assertEquals(plain[0], flipped[15]); // first row, mirrored
  }
}
