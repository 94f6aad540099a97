package org.fasterdit.robust;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.fasterdit.cli.ChildJvm;
import org.fasterdit.data.LatentShards;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae encode} killed with SIGKILL mid-run resumes: complete shards are kept, the rest
 * written, and the half-written temp files of the killed run are removed; every shard is then the
 * same bytes as an uninterrupted run's, and training refuses the folder until it is complete.
 */
class EncodeKillResumeTest {
  static final String VAE = "../model/src/test/resources/vae/diffusers_new_fp32";

  /** Temp files of interrupted atomic writes: hidden, ending in .tmp. */
  static List<Path> temps(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.filter(
              f -> {
                String name = f.getFileName().toString();
                return name.startsWith(".") && name.endsWith(".tmp");
              })
          .toList();
    }
  }

  static String log(Path log) {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  @Test
  void killedEncodeResumes(@TempDir Path dir) throws Exception {
    int n = 24;
    for (int i = 0; i < n; i++) {
      BufferedImage img = new BufferedImage(34, 32, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 32; y++)
        for (int x = 0; x < 34; x++) img.setRGB(x, y, (x * 7 + y * 3 + i * 11) * 0x010101);
      Path f = dir.resolve("img/c" + (i % 3) + "/" + i + ".png");
      Files.createDirectories(f.getParent());
      ImageIO.write(img, "png", f.toFile());
    }
    Path out = dir.resolve("shards"), log = dir.resolve("child.log");
    String[] args = {
      "vae",
      "encode",
      "--vae",
      VAE,
      "--data",
      "folder:" + dir.resolve("img"),
      "--image-size",
      "32",
      "--out",
      out.toString(),
      "--batch",
      "1",
      "--shard-size",
      "2",
      "--device",
      "cpu"
    };
    Process p = ChildJvm.startCli(log, args);
    Path first = out.resolve("shard-00000.safetensors");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (!Files.exists(first) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
    assertTrue(Files.exists(first), "no shard before the deadline:\n" + Files.readString(log));
    p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, a shard may be half written
    byte[] kept = Files.readAllBytes(first);
    long before;
    try (var s = Files.list(out)) {
      before =
          s.filter(f -> f.getFileName().toString().matches("shard-\\d+\\.safetensors")).count();
    }
    assertTrue(before < 12, "the child finished before the kill; nothing to resume");
    // The kill may have hit a shard write (its temp file is left); plant one as such a kill leaves
    // it, half a shard under the temp name of the next shard, so the clean-up is always exercised.
    long leftByKill = temps(out).size();
    Path planted =
        out.resolve(String.format(".shard-%05d.safetensors.4242424242.tmp", (int) before));
    Files.write(planted, java.util.Arrays.copyOf(kept, kept.length / 2));
    // training cannot start on the unfinished folder: it is refused, naming the missing shard
    var partial = assertThrows(IllegalArgumentException.class, () -> new LatentShards(out));
    assertTrue(
        partial.getMessage().contains("the extraction did not finish")
            && partial.getMessage().contains(String.format("shard-%05d", (int) before)),
        partial.getMessage());
    // resume and an uninterrupted run to compare with, in child JVMs like the killed run (the
    // same thread settings, so the same bytes)
    assertEquals(0, ChildJvm.startCli(log, args).waitFor(), () -> log(log));
    String[] whole = args.clone();
    Path ref = dir.resolve("uninterrupted");
    whole[java.util.Arrays.asList(args).indexOf("--out") + 1] = ref.toString();
    assertEquals(0, ChildJvm.startCli(log, whole).waitFor(), () -> log(log));
    assertEquals(List.of(), temps(out), "resume removes what the killed run left half written");
    assertArrayEquals(kept, Files.readAllBytes(first), "a complete shard is kept as it was");
    assertEquals(n, new LatentShards(out).size());
    for (int k = 0; k < 12; k++) {
      String name = String.format("shard-%05d.safetensors", k);
      assertArrayEquals(
          Files.readAllBytes(ref.resolve(name)),
          Files.readAllBytes(out.resolve(name)),
          name + " differs from the uninterrupted run's");
    }
    System.out.println(
        "EncodeKillResumeTest: killed with "
            + before
            + " of 12 shards on disk and "
            + leftByKill
            + " temp file(s) left by the kill; resumed to all "
            + n
            + " images, no temp file left, all 12 shards byte-equal to an uninterrupted run's");
  }
}
