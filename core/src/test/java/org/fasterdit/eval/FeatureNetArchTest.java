package org.fasterdit.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.torch.Devices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code arch} metadata tag of saved classifiers: old files, new files, unknown tags. */
class FeatureNetArchTest {
  static final Path PINNED = Path.of("../benchmarks/convergence/study/classifier.safetensors");
  static final Device CPU = Devices.resolve("cpu");

  static float[] images(int n) {
    float[] x = new float[n * 32 * 32];
    for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37);
    return x;
  }

  static Classifier.Outputs apply(FeatureNet net, int n) {
    return Classifier.apply(net, images(n), n, 1, 32, 32, CPU);
  }

  @Test
  void aFileWithoutTheTagIsTheOldLayout() throws java.io.IOException {
    // the study's pinned classifier predates the tag
    try (Arena a = Arena.ofConfined()) {
      assertEquals(null, SafeTensors.read(PINNED, a).metadata().get("arch"));
    }
    try (FeatureNet net = Classifier.load(PINNED, CPU)) {
      assertEquals(FeatureNet.Arch.CONV3_GAP, net.arch());
      // the features our PyTorch reference computed from the same file
      // (benchmarks/reference/feature_net_reference.py)
      com.fasterxml.jackson.databind.JsonNode ref =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(Path.of("src/test/resources/reference/feature_net_gap.json").toFile());
      Classifier.Outputs got = apply(net, 3);
      double worst = 0;
      for (int i = 0; i < 3; i++) {
        assertEquals(128, got.features()[i].length);
        for (int j = 0; j < 128; j++) {
          double want = ref.get("features").get(i).get(j).asDouble();
          worst = Math.max(worst, Math.abs(got.features()[i][j] - want) / (1e-3 + Math.abs(want)));
        }
      }
      assertTrue(worst < 1e-4, "worst relative deviation from the reference " + worst);
    }
  }

  @Test
  void anUntaggedFileGivesTheOutputsOfTheNetThatWroteIt(@TempDir Path dir) {
    Path f = dir.resolve("old.safetensors");
    try (FeatureNet net = new FeatureNet(1, 10, CPU, 3)) {
      writeWithArch(net, f, null);
      Classifier.Outputs want = apply(net, 5);
      try (FeatureNet back = Classifier.load(f, CPU)) {
        assertEquals(FeatureNet.Arch.CONV3_GAP, back.arch());
        Classifier.Outputs got = apply(back, 5);
        for (int i = 0; i < 5; i++) assertArrayEquals(want.features()[i], got.features()[i]);
        assertArrayEquals(want.predictions(), got.predictions());
      }
    }
  }

  @Test
  void conv3FcRoundTripsWithItsTag(@TempDir Path dir) {
    Path f = dir.resolve("new.safetensors");
    try (FeatureNet net = new FeatureNet(FeatureNet.Arch.CONV3_FC, 1, 10, 32, 32, CPU, 5)) {
      Classifier.save(net, f, "fashion-mnist", 0.5);
      try (Arena a = Arena.ofConfined()) {
        assertEquals("conv3-fc", SafeTensors.read(f, a).metadata().get("arch"));
      }
      Classifier.Outputs want = apply(net, 4);
      try (FeatureNet back = Classifier.load(f, CPU)) {
        assertEquals(FeatureNet.Arch.CONV3_FC, back.arch());
        Classifier.Outputs got = apply(back, 4);
        for (int i = 0; i < 4; i++) assertArrayEquals(want.features()[i], got.features()[i]);
      }
      // the feature layer exists only in the new layout, so the old one cannot read these weights
      assertTrue(net.params().named().containsKey("fc.weight"));
    }
  }

  @Test
  void anUnknownTagIsRefusedNamingTagAndFile(@TempDir Path dir) {
    Path f = dir.resolve("future.safetensors");
    try (FeatureNet net = new FeatureNet(1, 10, CPU, 3)) {
      writeWithArch(net, f, "resnet9-fc");
    }
    var e = assertThrows(IllegalArgumentException.class, () -> Classifier.load(f, CPU));
    assertTrue(e.getMessage().contains("resnet9-fc"), e.getMessage());
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
  }

  /** Writes the net's weights with the old metadata and {@code arch} (null = no tag). */
  static void writeWithArch(FeatureNet net, Path f, String arch) {
    try (Arena arena = Arena.ofConfined()) {
      Map<String, HostTensor> host = new LinkedHashMap<>();
      net.params()
          .named()
          .forEach((k, t) -> host.put(k, org.fasterdit.torch.Tensors.toHost(t, arena)));
      Map<String, String> md = new LinkedHashMap<>();
      md.put("kind", "fasterdit-feature-net");
      if (arch != null) md.put("arch", arch);
      md.put("dataset", "fashion-mnist");
      md.put("channels", "1");
      md.put("classes", "10");
      md.put("test_accuracy", "0.8069");
      SafeTensors.write(f, host, md);
    }
  }
}
