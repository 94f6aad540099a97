package org.fasterdit.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The images the Inception metrics read: ADM's arr_0 checks and an image folder as NHWC uint8. */
class EvalImagesTest {
  @TempDir Path dir;

  @Test
  void folderImagesComeOutHeightWidthChannel() throws Exception {
    Path cls = Files.createDirectories(dir.resolve("refs/a"));
    Color[] colours = {new Color(200, 100, 50), new Color(10, 20, 30)};
    for (int i = 0; i < colours.length; i++) {
      BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
      var g = img.createGraphics();
      g.setColor(colours[i]);
      g.fillRect(0, 0, 40, 30);
      g.dispose();
      ImageIO.write(img, "png", cls.resolve(i + ".png").toFile());
    }
    HostTensor t = EvalImages.folder(dir.resolve("refs"), 16);
    assertArrayEquals(new long[] {2, 16, 16, 3}, t.shape());
    byte[] px = t.toByteArray();
    for (int i = 0; i < 2; i++) {
      int at = (i * 16 * 16 + 5 * 16 + 7) * 3; // image i, row 5, column 7
      assertEquals(colours[i].getRed(), px[at] & 0xFF);
      assertEquals(colours[i].getGreen(), px[at + 1] & 0xFF);
      assertEquals(colours[i].getBlue(), px[at + 2] & 0xFF);
    }
  }

  @Test
  void arr0MustBeUint8ImagesWithOneOrThreeChannels() {
    Path f = dir.resolve("s.npz");
    var floats = HostTensor.ofFloats(new long[] {1, 2, 2, 3}, new float[12]);
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> EvalImages.arr0(f, Map.of("arr_0", floats)));
    assertTrue(e.getMessage().contains("must be uint8"), e.getMessage());
    var four = HostTensor.ofBytes(DType.U8, new long[] {1, 2, 2, 4}, new byte[16]);
    assertThrows(IllegalArgumentException.class, () -> EvalImages.arr0(f, Map.of("arr_0", four)));
    var gray = HostTensor.ofBytes(DType.U8, new long[] {2, 2, 2}, new byte[8]);
    assertEquals(gray, EvalImages.arr0(f, Map.of("arr_0", gray)));
    e = assertThrows(IllegalArgumentException.class, () -> EvalImages.arr0(f, Map.of()));
    assertTrue(e.getMessage().contains(f + ": no arr_0"), e.getMessage());
  }
}
