package org.fasterdit.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.TimestepDistribution;
import org.fasterdit.snr.Curve;
import org.fasterdit.snr.SnrGrid;
import org.fasterdit.snr.SnrPdf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnrPdfPlotTest {
  static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  @TempDir Path dir;

  private static List<Curve> curves() {
    SnrGrid grid = new SnrGrid(-10, 10, 21);
    TimestepDistribution d = new TimestepDistribution.LogitNormal(0, 1);
    return List.of(
        SnrPdf.analytic(FlowPath.LINEAR, d, 0.5, grid),
        SnrPdf.analytic(FlowPath.LINEAR, d, 2, grid));
  }

  @Test
  void pngIsWritten() throws IOException {
    Path png = dir.resolve("pdf.png");
    SnrPdfPlot.writePng(png, FlowPath.LINEAR, new TimestepDistribution.LogitNormal(0, 1), curves());
    byte[] bytes = Files.readAllBytes(png);
    assertTrue(bytes.length > 5_000, "PNG too small: " + bytes.length);
    byte[] head = new byte[8];
    System.arraycopy(bytes, 0, head, 0, 8);
    assertArrayEquals(PNG_SIGNATURE, head);
  }
}
