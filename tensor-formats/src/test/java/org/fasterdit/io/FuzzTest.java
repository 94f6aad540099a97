package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** 300 seeded mutations per reader: every failure must be a TensorFormatException. */
class FuzzTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"npy", "npz", "safetensors", "idx", "pt", "pkl", "legacy"})
  void mutatedInputsFailCleanly(String reader) {
    List<byte[]> seeds = FuzzSeeds.build(tmp).get(reader);
    for (byte[] seed : seeds) {
      FuzzHarness.Result r = FuzzHarness.run(reader, seed);
      assertEquals(FuzzHarness.Outcome.OK, r.outcome(), () -> "seed fails: " + r.error());
    }
    Random rnd = new Random(42 + reader.hashCode());
    int rejected = 0;
    for (int i = 0; i < 300; i++) {
      byte[] input = Mutator.mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
      FuzzHarness.Result r = FuzzHarness.run(reader, input);
      int n = i;
      if (r.outcome() == FuzzHarness.Outcome.BUG) {
        throw new AssertionError(reader + " mutation #" + n + " threw " + r.error(), r.error());
      }
      if (r.outcome() == FuzzHarness.Outcome.REJECTED) {
        rejected++;
        String msg = r.error().getMessage();
        assertTrue(msg != null && msg.startsWith("fuzz."), msg);
      }
    }
    assertTrue(rejected > 0, "mutations should be rejected sometimes");
  }
}
