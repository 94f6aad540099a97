package org.fasterdit.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.fasterdit.data.SyntheticShapes;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.io.TorchCheckpoint;
import org.fasterdit.model.CheckpointLoader;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.Trainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ckpt export}: the .pt loads in Debian's PyTorch with {@code torch.load(weights_only=True)}
 * and into the reference DiT with {@code load_state_dict(strict=True)}, with the checkpoint's EMA
 * values; the safetensors export holds the same tensors. The PyTorch part skips without
 * /usr/bin/python3 and torch.
 */
class CkptExportTest {
  static final Path PYTHON = Path.of("/usr/bin/python3");

  @Test
  void exportLoadsInPyTorchAndTheReferenceDiT(@TempDir Path dir) throws Exception {
    var cfg =
        ConfigResolver.resolve(
            null,
            List.of(
                "preset=dit",
                "dataset=synthetic",
                "model=custom",
                "depth=2",
                "hidden=32",
                "heads=2",
                "patch=8",
                "batch=4",
                "stats-samples=32",
                "ema-decay=0.5",
                "steps=2"));
    Path ckpt = dir.resolve("step-0000002.safetensors");
    try (Trainer t = Trainer.create(cfg, new SyntheticShapes(64, 32, 1, 0), GradientSync.NONE)) {
      t.step();
      t.step(); // EMA and raw weights now differ
      t.save(ckpt);
    }
    Path pt = dir.resolve("ema.pt"), st = dir.resolve("ema.safetensors");
    var r = CheckpointToolsTest.cli("ckpt", "export", "--to", "pt", ckpt.toString(), pt.toString());
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("ema weights"), r.out());
    r =
        CheckpointToolsTest.cli(
            "ckpt", "export", "--to=safetensors", ckpt.toString(), st.toString());
    assertEquals(0, r.code(), r.out());
    var bad = CheckpointToolsTest.cli("ckpt", "export", "--to", "onnx", ckpt.toString(), "x");
    assertTrue(bad.code() != 0, bad.out());

    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> ema = CheckpointLoader.readStateDict(ckpt, "ema", arena);
      Map<String, HostTensor> model = CheckpointLoader.readStateDict(ckpt, "model", arena);
      // our own restricted reader reads the .pt back exactly, and the safetensors too
      assertEquals(ema, TorchCheckpoint.tensors(TorchCheckpoint.read(pt, arena)));
      assertEquals(ema, SafeTensors.read(st, arena).tensors());
      assertTrue(!ema.equals(model), "EMA and raw weights should differ after 2 steps");

      Assumptions.assumeTrue(torchAvailable(), "no /usr/bin/python3 with torch; skipped");
      JsonNode loaded = loadInPython(pt);
      assertEquals("OrderedDict", loaded.get("type").asText());
      assertTrue(loaded.get("strict_load").asBoolean());
      JsonNode keys = loaded.get("keys");
      List<String> names = new ArrayList<>();
      keys.fieldNames().forEachRemaining(names::add);
      assertEquals(new ArrayList<>(ema.keySet()), names, "names and order");
      for (var e : ema.entrySet()) {
        JsonNode k = keys.get(e.getKey());
        assertEquals("torch.float32", k.get(0).asText(), e.getKey());
        long[] shape = new long[k.get(1).size()];
        for (int i = 0; i < shape.length; i++) shape[i] = k.get(1).get(i).asLong();
        assertTrue(Arrays.equals(e.getValue().shape(), shape), e.getKey());
        double sum = Arrays.stream(e.getValue().toDoubleArray()).sum();
        assertEquals(sum, k.get(2).asDouble(), 1e-9 * Math.max(1, Math.abs(sum)), e.getKey());
      }
    }
  }

  static boolean torchAvailable() {
    if (!Files.isExecutable(PYTHON)) return false;
    try {
      Process p =
          new ProcessBuilder(PYTHON.toString(), "-c", "import torch")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  static JsonNode loadInPython(Path pt) throws Exception {
    Path script = Path.of("../benchmarks/reference/load_export.py").toAbsolutePath();
    Process p =
        new ProcessBuilder(
                PYTHON.toString(),
                script.toString(),
                pt.toString(),
                "2",
                "32",
                "2",
                "8",
                "32",
                "1",
                "10",
                "true")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(180, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "load_export.py failed: " + out);
    return new ObjectMapper().readTree(out);
  }
}
