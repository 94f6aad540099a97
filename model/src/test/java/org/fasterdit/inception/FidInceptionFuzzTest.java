package org.fasterdit.inception;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.io.FuzzTally;
import org.fasterdit.io.Mutator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of FID Inception weight files in both torch.save formats (random weights of the
 * real architecture, written by benchmarks/reference/inception_reference.py, ~91 MB each, see
 * {@link InceptionReference}), through {@link FidInception#load}: each must build a network or be
 * refused with an IllegalArgumentException / TensorFormatException naming the file. The structure
 * of a 91 MB file is in a few places (the pickle at the start, the zip directory or the legacy
 * storage list at the end), so most mutations go there; the rest anywhere, or truncate. Loads are
 * the slow part, hence fewer mutations than for the small readers: {@code -Dfasterdit.fuzz=N} sets
 * the total (split between the two formats).
 */
class FidInceptionFuzzTest {
  static final Device CPU = new Device(DeviceType.CPU);
  static final int N = Integer.getInteger("fasterdit.fuzz", 30);

  @TempDir Path tmp;

  /** A window at the start (pickle) or the end (zip directory, legacy storages), or anywhere. */
  static byte[] mutate(byte[] seed, Random r) {
    int len = seed.length;
    int start =
        switch (r.nextInt(4)) {
          case 0 -> r.nextInt(64 << 10);
          case 1 -> len - 1 - r.nextInt(48 << 10);
          case 2 -> r.nextInt(len);
          default -> -1; // truncate
        };
    if (start < 0) return Arrays.copyOf(seed, r.nextInt(len));
    int w = Math.min(256, len - start);
    byte[] win = Mutator.mutate(Arrays.copyOfRange(seed, start, start + w), r);
    byte[] out = new byte[len - w + win.length];
    System.arraycopy(seed, 0, out, 0, start);
    System.arraycopy(win, 0, out, start, win.length);
    System.arraycopy(seed, start + w, out, start + win.length, len - start - w);
    return out;
  }

  static Object load(Path p) {
    try (FidInception net = FidInception.load(p, CPU)) {
      assertEquals(InceptionFeatures.LOGITS_DIM, net.fcBias().length);
    }
    return null;
  }

  @Test
  void mutatedWeightFilesLoadOrFailCleanly() throws Exception {
    Path dir = InceptionReference.folder();
    FuzzTally tally = new FuzzTally("FidInceptionFuzzTest");
    for (String format : new String[] {"legacy", "zip"}) {
      byte[] seed = Files.readAllBytes(dir.resolve("fid_inception_" + format + ".pth"));
      Path file = tmp.resolve(format + ".pth");
      Random r = new Random(31 + format.hashCode());
      for (int i = 0; i < N / 2; i++) {
        Files.write(file, mutate(seed, r));
        tally.run("pth-" + format, i, file.toString(), () -> load(file));
      }
      assertTrue(tally.refused("pth-" + format) > 0, format + ": nothing refused");
    }
    System.out.print(tally.report());
  }
}
