package org.fasterdit.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.fasterdit.data.Datasets;
import org.fasterdit.tracking.EventFileReader.Message;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.Trainer;
import org.fasterdit.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole run's logs: metrics.jsonl holds the mean loss over each log-every window (checked against
 * the per-step losses of the same run), the last step's loss, lr and wall time; the event file
 * holds the same scalars and the sample grids, which are also PNG files.
 */
class TrainingRunTrackingTest {
  static TrainConfig config(Path results) {
    return ConfigResolver.resolve(
        null,
        List.of(
            "preset=fasterdit",
            "dataset=synthetic",
            "model=custom",
            "depth=2",
            "hidden=32",
            "heads=2",
            "patch=8",
            "batch=8",
            "stats-samples=64",
            "lr=1e-3",
            "steps=6",
            "log-every=3",
            "sample-every=6",
            "results=" + results));
  }

  @Test
  void metricsAndEventsHoldWindowMeansAndSampleGrids(@TempDir Path dir) throws Exception {
    TrainConfig cfg = config(dir.resolve("results"));
    List<Double> perStep = new ArrayList<>();
    try (Trainer t =
        Trainer.create(cfg, Datasets.open("synthetic", 32, "train"), GradientSync.NONE)) {
      for (int i = 0; i < 6; i++) perStep.add(t.step().loss());
    }
    double before = System.currentTimeMillis() / 1000.0;
    TrainingRun.Result r =
        TrainingRun.run(
            cfg, null, GradientSync.NONE, new PrintStream(new ByteArrayOutputStream(), true));
    List<String> lines = Files.readAllLines(r.runDir().resolve("metrics.jsonl"));
    assertEquals(2, lines.size());
    ObjectMapper json = new ObjectMapper();
    for (int w = 0; w < 2; w++) {
      JsonNode row = json.readTree(lines.get(w));
      assertEquals(3 * (w + 1), row.get("step").asInt());
      double mean = (perStep.get(3 * w) + perStep.get(3 * w + 1) + perStep.get(3 * w + 2)) / 3;
      assertEquals(mean, row.get("loss").asDouble(), 1e-6, "window mean, row " + w);
      assertEquals(perStep.get(3 * w + 2), row.get("loss_last").asDouble(), 1e-6);
      assertEquals(1e-3, row.get("lr").asDouble());
      double wall = row.get("wall_time").asDouble();
      assertTrue(wall >= before - 1 && wall <= System.currentTimeMillis() / 1000.0 + 1, "" + wall);
      for (String k : List.of("mse", "direction", "grad_norm", "it_per_s", "img_per_s", "rss_mb"))
        assertTrue(row.has(k), k + " in " + row);
    }

    Path events;
    try (Stream<Path> s = Files.list(r.runDir())) {
      events =
          s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents."))
              .findFirst()
              .orElseThrow();
    }
    Map<String, Map<Long, Float>> scalars = new HashMap<>();
    List<Long> imageSteps = new ArrayList<>();
    for (Message e : EventFileReader.readEvents(events)) {
      if (!e.has(5)) continue;
      for (Message v : e.message(5).messages(1)) {
        if (v.has(2))
          scalars
              .computeIfAbsent(v.string(1), k -> new HashMap<>())
              .put(e.varint(2), v.fixedFloat(2));
        if (v.has(4)) {
          assertEquals("samples", v.string(1));
          imageSteps.add(e.varint(2));
        }
      }
    }
    JsonNode first = json.readTree(lines.get(0));
    for (String k :
        List.of(
            "loss", "loss_last", "mse", "direction", "grad_norm", "lr", "it_per_s", "img_per_s")) {
      assertEquals((float) first.get(k).asDouble(), scalars.get(k).get(3L), k);
    }
    assertEquals(false, scalars.containsKey("step"));
    assertEquals(List.of(6L), imageSteps);
    for (String png : List.of("samples/step-0000006.png")) {
      var img = ImageIO.read(r.runDir().resolve(png).toFile());
      assertEquals(4 * (64 + 2) + 2, img.getWidth(), png); // 4 columns of 32 px samples shown at 64
    }
  }
}
