package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fasterdit.cli.Main;
import org.fasterdit.data.SyntheticShapes;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.Trainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fasterdit ckpt diff} and {@code ckpt info} on small files of each kind. */
class CheckpointToolsTest {
  record Run(int code, String out) {}

  static Run cli(String... args) {
    PrintStream saved = System.out;
    var buf = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      int code = Main.run(args);
      return new Run(code, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }

  static String lastLine(String s) {
    String[] lines = s.strip().split("\n");
    return lines[lines.length - 1];
  }

  @Test
  void diffReportsPerTensorDifferencesAndOneSidedTensors(@TempDir Path dir) {
    Map<String, HostTensor> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
    a.put("w", HostTensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
    b.put("w", HostTensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4.5f}));
    a.put("same", HostTensor.ofFloats(new long[] {3}, new float[] {7, 8, 9}));
    b.put(
        "same",
        HostTensor.ofFloatsAs(org.fasterdit.io.DType.BF16, new long[] {3}, new float[] {7, 8, 9}));
    a.put("only_a", HostTensor.ofFloats(new long[] {1}, new float[] {0}));
    b.put("only_b", HostTensor.ofLongs(new long[] {2}, new long[] {1, 2}));
    SafeTensors.write(dir.resolve("a.safetensors"), a, Map.of());
    SafeTensors.write(dir.resolve("b.safetensors"), b, Map.of());

    Run r =
        cli(
            "ckpt",
            "diff",
            dir.resolve("a.safetensors").toString(),
            dir.resolve("b.safetensors").toString());
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().matches("(?s).*\\nw +\\[2, 2] +5\\.000000e-01\\n.*"), r.out());
    assertTrue(
        r.out().matches("(?s).*\\nsame +\\[3] \\(F32 vs BF16\\) +0\\.000000e\\+00\\n.*"), r.out());
    assertTrue(r.out().contains("only in A: only_a [1]"), r.out());
    assertTrue(r.out().contains("only in B: only_b [2]"), r.out());
    assertEquals("max_abs_diff=5.000000e-01", lastLine(r.out()));

    Run self =
        cli(
            "ckpt",
            "diff",
            dir.resolve("a.safetensors").toString(),
            dir.resolve("a.safetensors").toString());
    assertEquals("max_abs_diff=0.000000e+00", lastLine(self.out()));
  }

  @Test
  void infoDescribesATrainingCheckpoint(@TempDir Path dir) {
    var cfg =
        ConfigResolver.resolve(
            null,
            List.of(
                "dataset=synthetic",
                "model=custom",
                "depth=2",
                "hidden=32",
                "heads=2",
                "patch=8",
                "batch=4",
                "stats-samples=32",
                "steps=1"));
    Path ckpt = dir.resolve("step-0000001.safetensors");
    try (Trainer t = Trainer.create(cfg, new SyntheticShapes(64, 32, 1, 0), GradientSync.NONE)) {
      t.step();
      t.save(ckpt);
    }
    Run r = cli("ckpt", "info", "--limit", "3", ckpt.toString());
    assertEquals(0, r.code(), r.out());
    String o = r.out();
    assertTrue(o.contains("(fasterdit training checkpoint)"), o);
    assertTrue(o.contains("step: 1\n"), o);
    assertTrue(o.contains("model: DiT(depth=2, hidden=32, heads=2, patch=8"), o);
    assertTrue(o.contains("data stats: {\"mean\""), o);
    assertTrue(o.contains("config: ") && o.contains("batch=4"), o);
    assertTrue(o.matches("(?s).*tensors: \\d+, [\\d,]+ elements, .*"), o);
    assertTrue(o.contains("model.pos_embed") && o.contains("F32"), o);
    assertTrue(o.matches("(?s).*\\.\\.\\. \\d+ more tensors \\(--limit 0 shows all\\).*"), o);
    for (String g : List.of("model", "ema", "opt"))
      assertTrue(o.matches("(?s).*\\n  " + g + " +\\d+ tensors.*"), o);

    // the EMA of a training checkpoint against itself, selected with --key, names without the
    // prefix
    Run d = cli("ckpt", "diff", "--key", "ema", ckpt.toString(), ckpt.toString());
    assertTrue(d.out().contains("\nfinal_layer.linear.weight "), d.out());
    assertEquals("max_abs_diff=0.000000e+00", lastLine(d.out()));
  }

  @Test
  void infoAndDiffReadPyTorchFiles() {
    Path pt = Path.of("../model/src/test/resources/parity/p8_nosigma.pt");
    Assumptions.assumeTrue(
        Files.isRegularFile(pt), "parity data not found at " + pt.toAbsolutePath());
    Run info = cli("ckpt", "info", pt.toString());
    assertEquals(0, info.code(), info.out());
    assertTrue(
        info.out().contains("PyTorch checkpoint") && info.out().contains("x_embedder.proj.weight"),
        info.out());
    Run diff = cli("ckpt", "diff", pt.toString(), pt.toString());
    assertEquals("max_abs_diff=0.000000e+00", lastLine(diff.out()));
  }
}
