package org.fasterdit.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The split of N samples between ranks for sharded sampling. */
class SampleShardsTest {
  @Test
  void everySampleBelongsToExactlyOneRankInWholeUnits() {
    for (int count : new int[] {1, 7, 13, 16, 50_000, 50_001}) {
      for (int unit : new int[] {1, 4, 64}) {
        for (int world = 1; world <= 9; world++) {
          int[] owner = new int[count];
          java.util.Arrays.fill(owner, -1);
          int units = 0, next = 0, most = 0, fewest = Integer.MAX_VALUE;
          for (int r = 0; r < world; r++) {
            SampleShards.Range g = SampleShards.of(count, unit, r, world);
            String what = count + " samples, unit " + unit + ", rank " + r + " of " + world;
            // contiguous and in rank order, so rank 0 joins the parts by concatenation
            assertEquals(next, g.from(), what);
            assertTrue(g.from() % unit == 0 || g.count() == 0, what);
            assertTrue(g.to() == count || g.to() % unit == 0, what);
            for (int i = g.from(); i < g.to(); i++) {
              assertEquals(-1, owner[i], "sample " + i + " twice: " + what);
              owner[i] = r;
            }
            next = g.to();
            units += g.units();
            most = Math.max(most, g.units());
            fewest = Math.min(fewest, g.units());
          }
          assertEquals(count, next, "samples left over");
          for (int i = 0; i < count; i++) assertTrue(owner[i] >= 0, "sample " + i + " unowned");
          assertEquals((count + unit - 1) / unit, units);
          assertTrue(most - fewest <= 1, "unbalanced: " + most + " vs " + fewest);
        }
      }
    }
  }

  @Test
  void unitIsTheLeastCommonMultipleOfTheBatches() {
    assertEquals(64, SampleShards.unit(64, 8));
    assertEquals(12, SampleShards.unit(4, 3));
    assertEquals(5, SampleShards.unit(5, 5));
  }

  @Test
  void refusesBadArguments() {
    var e = assertThrows(IllegalArgumentException.class, () -> SampleShards.of(10, 4, 2, 2));
    assertTrue(e.getMessage().contains("rank must be in [0, 2)"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SampleShards.of(0, 4, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> SampleShards.unit(0, 8));
  }
}
