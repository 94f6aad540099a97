package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fasterdit.data.Datasets;
import org.fasterdit.eval.Classifier;
import org.fasterdit.eval.FeatureNet;
import org.fasterdit.eval.ImageArrays;
import org.fasterdit.sample.SampleExport;
import org.fasterdit.sample.SampleSet;
import org.fasterdit.torch.Devices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval --dataset fashion-mnist} on a fresh results folder trains its classifier first (at a
 * test size: hidden options cap epochs and images), and {@code train --eval-every} logs FD rows at
 * the evaluation steps and draws eval.png.
 */
class EvalDuringTrainingCliTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void evalOnAFreshMachineTrainsTheClassifierOnce(@TempDir Path dir) throws Exception {
    // 40 real test images as "samples", with their true labels
    ImageArrays t = ImageArrays.of(Datasets.open("fashion-mnist", 32, "test"), 40);
    Path npz = dir.resolve("s.npz");
    SampleExport.write(new SampleSet(t.x(), t.labels(), t.c(), t.h(), t.w()), npz);
    Path cls = dir.resolve("results/classifiers/fashion-mnist.safetensors");
    String[] args = {
      "eval",
      "--samples",
      npz.toString(),
      "--dataset",
      "fashion-mnist",
      "--classifier",
      cls.toString(),
      "--reference-images",
      "300",
      "--classifier-epochs",
      "1",
      "--classifier-max-images",
      "1500",
      "--device",
      "cpu"
    };
    CliRun r = CliRun.of(args);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("no classifier at " + cls), r.err());
    assertTrue(r.err().contains("test_accuracy="), r.err());
    assertTrue(r.err().contains("step 11/11"), r.err()); // 1500 images / 128 = 11 steps, one epoch
    assertTrue(Files.exists(cls));
    try (Stream<Path> s = Files.list(cls.getParent())) {
      assertEquals(List.of(cls), s.toList()); // written atomically: no temp file beside it
    }
    assertTrue(r.out().contains("FD-fashion-mnist="), r.out());
    double acc =
        Double.parseDouble(r.out().replaceAll("(?s).*conditional_accuracy=([0-9.]+).*", "$1"));
    assertTrue(acc > 0.3, "real images, a briefly trained classifier: accuracy " + acc);
    try (FeatureNet net = Classifier.load(cls, Devices.resolve("cpu"))) {
      assertEquals(FeatureNet.Arch.CONV3_FC, net.arch());
    }
    // second run: the file is there, nothing is trained
    long modified = Files.getLastModifiedTime(cls).toMillis();
    r = CliRun.of(args);
    assertEquals(0, r.code(), r.err());
    assertTrue(!r.err().contains("no classifier"), r.err());
    assertEquals(modified, Files.getLastModifiedTime(cls).toMillis());
  }

  @Test
  void trainWithEvalEveryLogsFdAtTheEvaluationSteps(@TempDir Path dir) throws Exception {
    Path cls = dir.resolve("cls.safetensors"), results = dir.resolve("results");
    try (FeatureNet net =
        new FeatureNet(FeatureNet.Arch.CONV3_FC, 1, 10, 32, 32, Devices.resolve("cpu"), 1)) {
      Classifier.save(
          net, cls, "fashion-mnist", 0); // random features: enough to measure a distance
    }
    CliRun r =
        CliRun.of(
            "train",
            "--dataset=fashion-mnist",
            "--model=custom",
            "--depth=1",
            "--hidden=32",
            "--heads=2",
            "--patch=4",
            "--steps=4",
            "--batch=4",
            "--log-every=1",
            "--stats-samples=10",
            "--ckpt-every=0",
            "--eval-every=2",
            "--eval-samples=6",
            "--eval-reference=50",
            "--eval-classifier=" + cls,
            "--device=cpu",
            "--results=" + results,
            "--run-name=ev");
    assertEquals(0, r.code(), r.err());
    Path run;
    try (Stream<Path> s = Files.list(results)) {
      run = s.filter(p -> p.getFileName().toString().endsWith("-ev")).findFirst().orElseThrow();
    }
    List<Long> fdSteps = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      Map<?, ?> row = JSON.readValue(line, Map.class);
      if (row.containsKey("FD-fashion-mnist")) {
        fdSteps.add(((Number) row.get("step")).longValue());
        double fd = ((Number) row.get("FD-fashion-mnist")).doubleValue();
        assertTrue(Double.isFinite(fd) && fd >= 0, "FD " + fd);
        double acc = ((Number) row.get("conditional_accuracy")).doubleValue();
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        assertEquals(6, ((Number) row.get("eval_samples")).intValue());
      }
    }
    assertEquals(List.of(2L, 4L), fdSteps);
    assertTrue(Files.size(run.resolve("eval.png")) > 0);
    assertTrue(Files.size(run.resolve("loss.png")) > 0); // evaluation rows do not break it
    // TensorBoard got the scalar too
    try (Stream<Path> s = Files.walk(run)) {
      Path events =
          s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents"))
              .findFirst()
              .orElseThrow();
      String bytes =
          new String(Files.readAllBytes(events), java.nio.charset.StandardCharsets.ISO_8859_1);
      assertTrue(bytes.contains("FD-fashion-mnist"));
    }
  }

  @Test
  void evalEveryIsRefusedWithoutAClassifierForTheDataset(@TempDir Path dir) {
    CliRun r =
        CliRun.of(
            "train",
            "--dataset=synthetic",
            "--model=custom",
            "--depth=1",
            "--hidden=32",
            "--heads=2",
            "--patch=4",
            "--steps=2",
            "--batch=4",
            "--eval-every=1",
            "--device=cpu",
            "--results=" + dir.resolve("results"));
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("eval-every=1") && r.err().contains("synthetic"), r.err());
    assertTrue(
        !Files.exists(dir.resolve("results"))
            || dir.resolve("results").toFile().list().length == 0);
  }
}
