package org.fasterdit.snr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.NoiseSchedule;
import org.fasterdit.diffusion.TimestepDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnrPdfReportTest {
  @TempDir Path dir;

  static List<Curve> curves() {
    SnrGrid grid = new SnrGrid(-10, 10, 21);
    TimestepDistribution d = new TimestepDistribution.LogitNormal(0, 1);
    return List.of(
        SnrPdf.analytic(FlowPath.LINEAR, d, 0.5, grid),
        SnrPdf.analytic(FlowPath.LINEAR, d, 2, grid));
  }

  @Test
  void csvHasHeaderAndOneRowPerPointPerStd() throws IOException {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY); // decimal comma must not leak into the CSV
    try {
      Path csv = dir.resolve("sub/pdf.csv");
      SnrPdfReport.writeCsv(csv, curves());
      List<String> lines = Files.readAllLines(csv);
      assertEquals("std,log_snr,density", lines.get(0));
      assertEquals(1 + 2 * 21, lines.size());
      String[] first = lines.get(1).split(",");
      assertEquals(3, first.length, lines.get(1));
      assertEquals("0.5", first[0]);
      assertEquals(-10.0, Double.parseDouble(first[1]), 1e-12);
      String[] mid = lines.get(1 + 21 + 10).split(","); // std=2, l=0
      assertEquals("2", mid[0]);
      double z = (0 - 2 * Math.log(2)) / 2;
      assertEquals(
          Math.exp(-0.5 * z * z) / (2 * Math.sqrt(2 * Math.PI)), Double.parseDouble(mid[2]), 1e-8);
      try (var files = Files.list(csv.getParent())) {
        assertEquals(1, files.count(), "no temp file left behind");
      }
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void unwritableFolderIsNamedInTheError() throws IOException {
    Path notAFolder = Files.writeString(dir.resolve("file"), "x");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SnrPdfReport.writeCsv(notAFolder.resolve("pdf.csv"), curves()));
    assertTrue(e.getMessage().contains(notAFolder.toString()), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> SnrPdfReport.writeCsv(dir.resolve("x.csv"), List.of()));
  }

  @Test
  void titleNamesScheduleAndSampler() {
    assertEquals(
        "SNR PDF: path ddpm-cosine, sampler uniform",
        SnrPdfReport.title(NoiseSchedule.parse("ddpm-cosine"), new TimestepDistribution.Uniform()));
    assertEquals("std=0.5", curves().get(0).label());
    assertEquals("std=2", curves().get(1).label());
  }
}
