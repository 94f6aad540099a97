package org.fasterdit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fast-DiT feature folders open under their real names and read lazily. */
class LatentFolderTest {
  static float[] latent(int i) {
    float[] v = new float[4 * 2 * 2];
    for (int k = 0; k < v.length; k++) v[k] = i * 100 + k;
    return v;
  }

  static void write(Path features, Path labels, int n) throws Exception {
    Files.createDirectories(features);
    Files.createDirectories(labels);
    for (int i = 0; i < n; i++) {
      Npy.write(
          features.resolve(i + ".npy"), HostTensor.ofFloats(new long[] {1, 4, 2, 2}, latent(i)));
      Npy.write(labels.resolve(i + ".npy"), HostTensor.ofLongs(new long[] {1}, new long[] {i % 3}));
    }
  }

  @Test
  void fastDitNamesAndPlainNamesBothOpen(@TempDir Path dir) throws Exception {
    for (String prefix : new String[] {"imagenet256_", ""}) {
      Path root = dir.resolve(prefix.isEmpty() ? "plain" : "fast");
      write(root.resolve(prefix + "features"), root.resolve(prefix + "labels"), 12);
      LatentFolder f = new LatentFolder(root);
      assertEquals(12, f.size());
      assertEquals(4, f.channels());
      assertEquals(3, f.numClasses());
      assertEquals(0.18215, f.latentScalingFactor());
      float[] dst = new float[16];
      for (int i = 0; i < 12; i++) {
        // files sort as text (0, 1, 10, 11, 2, ...): label and features still pair by name
        f.read(i, false, dst, 0);
        int id = (int) (dst[0] / 100);
        assertArrayEquals(latent(id), dst);
        assertEquals(id % 3, f.label(i));
      }
    }
    // the features folder itself also works
    assertEquals(12, new LatentFolder(dir.resolve("fast/imagenet256_features")).size());
  }

  @Test
  void missingFoldersAreNamed(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("x/features"));
    var e = assertThrows(IllegalArgumentException.class, () -> new LatentFolder(dir.resolve("x")));
    assertTrue(e.getMessage().contains("imagenet256_features"), e.getMessage());
  }
}
