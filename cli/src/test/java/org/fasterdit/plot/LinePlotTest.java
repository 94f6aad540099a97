package org.fasterdit.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {
  @TempDir Path dir;

  @Test
  void writesAPngOfTheRequestedSize() throws IOException {
    double[] steps = {1, 10, 100, 1000, 10000};
    Path png = dir.resolve("loss.png");
    LinePlot.create("loss")
        .xLabel("step")
        .yLabel("loss")
        .logX()
        .series("mse", steps, new double[] {1.0, 0.8, 0.5, 0.3, 0.25})
        .series(
            "cos", List.of(1, 10, 100, 1000, 10000), Arrays.asList(0.9, 0.7, Double.NaN, 0.2, null))
        .write(png);
    byte[] bytes = Files.readAllBytes(png);
    assertTrue(bytes.length > 5_000, "PNG too small: " + bytes.length);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(bytes, 4));
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(LinePlot.DEFAULT_WIDTH, img.getWidth());
    assertEquals(LinePlot.DEFAULT_HEIGHT, img.getHeight());
    assertEquals("true", System.getProperty("java.awt.headless"));

    LinePlot.create("fd")
        .size(400, 300)
        .logY()
        .series("fd", new double[] {1, 2}, new double[] {50, 20})
        .write(png);
    assertEquals(400, ImageIO.read(png.toFile()).getWidth()); // replaced in place
  }

  @Test
  void rejectsBadInputNamingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                LinePlot.create("t")
                    .logX()
                    .series("a", new double[] {0, 1}, new double[] {1, 2})
                    .build());
    assertTrue(
        e.getMessage().contains("'a'") && e.getMessage().contains("x = 0.0"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> LinePlot.create("t").series("a", new double[] {1}, new double[] {1, 2}));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            LinePlot.create("t")
                .series("a", new double[] {1}, new double[] {1})
                .series("a", new double[] {1}, new double[] {1}));
    assertThrows(IllegalArgumentException.class, () -> LinePlot.create("t").build());
    assertThrows(IllegalArgumentException.class, () -> LinePlot.create("t").size(10, 10));
  }
}
