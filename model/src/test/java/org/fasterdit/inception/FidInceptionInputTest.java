package org.fasterdit.inception;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What needs no weights: the missing-file message, the default path, image batch checks. */
class FidInceptionInputTest {
  @TempDir Path tmp;

  @Test
  void aMissingWeightsFileSaysWhereToGetItAndWhereItGoes() {
    Path missing = tmp.resolve(FidInception.WEIGHTS_FILE);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FidInception.load(missing, new Device(DeviceType.CPU)));
    String m = e.getMessage();
    assertTrue(m.contains(missing.toString()), m);
    assertTrue(m.contains("pytorch-fid") && m.contains(FidInception.WEIGHTS_URL), m);
    assertTrue(m.contains(FidInception.defaultWeightsPath().toString()), m);
  }

  @Test
  void defaultPathIsInTheUsersCache() {
    Path p = FidInception.defaultWeightsPath();
    assertEquals(FidInception.WEIGHTS_FILE, p.getFileName().toString());
    assertEquals("fasterdit", p.getParent().getFileName().toString());
    assertTrue(p.isAbsolute(), p.toString());
  }

  @Test
  void badImageBatchesAreRefusedWithTheShape() {
    MemorySegment twelve = MemorySegment.ofArray(new byte[12]);
    ImageBatch.check(twelve, 1, 2, 2, 3); // fits exactly
    var channels =
        assertThrows(
            IllegalArgumentException.class, () -> ImageBatch.check(twelve, 3, 2, 2, 1 + 1));
    assertTrue(channels.getMessage().contains("3 (RGB) or 1 (grayscale)"), channels.getMessage());
    var size =
        assertThrows(IllegalArgumentException.class, () -> ImageBatch.check(twelve, 2, 2, 2, 3));
    assertTrue(size.getMessage().contains("holds 12 bytes"), size.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ImageBatch.check(twelve, -1, 2, 2, 3));
  }
}
