package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SnrPdfCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = SnrPdfCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @AfterEach
  void clearHook() {
    SnrPdfCommand.dataStdResolver = null;
  }

  @Test
  void writesPlotAndCsvAndPrintsStats() throws Exception {
    Path png = dir.resolve("snr.png");
    Path csv = dir.resolve("snr.csv");
    int code =
        run(
            "--path",
            "linear",
            "--sampler",
            "lognorm:0,1",
            "--data-std",
            "0.5,1,2",
            "--out",
            png.toString(),
            "--csv",
            csv.toString(),
            "--window",
            "-2,2");
    assertEquals(0, code, err.toString());
    String text = out.toString();
    assertTrue(
        text.contains("std=0.5") && text.contains("mean  -1.386") && text.contains("std  2.000"),
        text);
    assertTrue(text.contains("mass in [-2, 2]"), text);
    assertTrue(text.contains("wrote plot") && text.contains("wrote csv"), text);
    assertTrue(Files.size(png) > 5_000);
    assertEquals(1 + 3 * 801, Files.readAllLines(csv).size());
  }

  @Test
  void windowMassOfTheWorkedCaseIsTheNormalMass() {
    // N(0, 2): P(-2 <= l <= 2) = P(|z| <= 1) = 0.6827
    assertEquals(0, run("--data-std", "1", "--window", "-2,2"), err.toString());
    assertTrue(out.toString().contains("mass in [-2, 2] 0.6827"), out.toString());
  }

  @Test
  void badPathIsReportedByName() {
    assertEquals(2, run("--path", "ddim", "--data-std", "1"));
    assertTrue(err.toString().contains("unknown noise schedule 'ddim'"), err.toString());
  }

  @Test
  void badSamplerIsReportedByName() {
    assertEquals(2, run("--sampler", "lognorm:x", "--data-std", "1"));
    assertTrue(err.toString().contains("lognorm:x"), err.toString());
  }

  @Test
  void needsAStd() {
    assertEquals(1, run());
    assertTrue(err.toString().contains("--data-std"), err.toString());
    assertEquals(1, run("--data-std", "-1"));
    assertTrue(err.toString().contains("got -1"), err.toString());
  }

  @Test
  void dataNeedsTheTrainerHook() {
    assertEquals(1, run("--data", "imagenet"));
    assertTrue(
        err.toString().contains("--data needs the trainer's dataset support"), err.toString());
    SnrPdfCommand.dataStdResolver = name -> 0.25;
    assertEquals(0, run("--data", "imagenet"), err.toString());
    assertTrue(out.toString().contains("std=0.25"), out.toString());
  }

  @Test
  void ddpmPathRuns() {
    assertEquals(
        0, run("--path", "ddpm-cosine", "--sampler", "uniform", "--data-std", "1"), err.toString());
    assertTrue(out.toString().contains("path ddpm-cosine, sampler uniform"), out.toString());
  }
}
