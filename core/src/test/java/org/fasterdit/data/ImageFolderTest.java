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

/** Image folders decode lazily and in parallel, read CMYK JPEGs, and skip unreadable files. */
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
    Path f = Files.createDirectories(dir.resolve("d/a")).resolve("cmyk.jpg");
    Files.copy(IMAGES.resolve("cmyk.jpg"), f);
    ImageFolder folder = new ImageFolder(dir.resolve("d"), 30);
    // 40x30 -> short side 30 kept, centre crop x in [5, 35)
    byte[] px = folder.decode(0);
    byte[] ref = Npy.read(IMAGES.resolve("cmyk_rgb.npy")).toByteArray(); // (30, 40, 3)
    int maxErr = 0;
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 30; x++) {
        if (Math.abs(x + 5 - 20) < 3) continue; // the JPEG's chroma blur at the cyan/magenta edge
        for (int c = 0; c < 3; c++) {
          int ours = px[c * 900 + y * 30 + x] & 0xFF;
          int pil = ref[(y * 40 + x + 5) * 3 + c] & 0xFF;
          maxErr = Math.max(maxErr, Math.abs(ours - pil));
        }
      }
    }
    System.out.println("CMYK JPEG vs Pillow: max channel difference " + maxErr + " / 255");
    assertTrue(maxErr <= 40, "CMYK colours differ from Pillow's by " + maxErr);
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
