package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed .npz archives: the bytes of Npz.write, ZIP64 readable by us and numpy, misuse refused.
 */
class NpzStreamWriterTest {
  @TempDir Path tmp;

  /** An image-like uint8 array, float32 and int64 members, as the sample export writes. */
  static Map<String, HostTensor> arrays() {
    byte[] px = new byte[5 * 3 * 4 * 3];
    for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 37 + 11);
    float[] f = {1.5f, -2f, 3.25f};
    Map<String, HostTensor> m = new LinkedHashMap<>();
    m.put("arr_0", HostTensor.ofBytes(DType.U8, new long[] {5, 3, 4, 3}, px));
    m.put("f", HostTensor.ofFloats(new long[] {3}, f));
    m.put("empty", HostTensor.ofFloats(new long[] {0, 2}, new float[0]));
    m.put("labels", HostTensor.ofLongs(new long[] {5}, new long[] {3, 1, 4, 1, 5}));
    return m;
  }

  /** Each member in pieces of 7 bytes (not aligned to anything), as batches would arrive. */
  static void stream(NpzStreamWriter w, Map<String, HostTensor> m) throws java.io.IOException {
    for (var en : m.entrySet()) {
      HostTensor t = en.getValue();
      w.begin(en.getKey(), t.dtype(), t.shape());
      for (long off = 0; off < t.byteSize(); off += 7)
        w.append(t.data().asSlice(off, Math.min(7, t.byteSize() - off)));
    }
  }

  @Test
  void streamedArchiveIsByteForByteNpzWrite() throws Exception {
    Path whole = tmp.resolve("whole.npz"), streamed = tmp.resolve("streamed.npz");
    Npz.write(whole, arrays());
    NpzStreamWriter.write(streamed, w -> stream(w, arrays()));
    assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(streamed));
    assertEquals(arrays(), Npz.read(streamed));
  }

  @Test
  void zip64RecordsAreReadByUsAndByNumpy() throws Exception {
    Path p = tmp.resolve("z64.npz");
    NpzStreamWriter.write(p, w -> stream(w, arrays()), true);
    assertEquals(arrays(), Npz.read(p));
    // the records really are ZIP64 (the end-of-central-directory locator is there)
    byte[] b = Files.readAllBytes(p);
    assertEquals(0x07064b50, MemorySegment.ofArray(b).get(Segments.LE_INT, b.length - 22 - 20));
    try (Arena a = Arena.ofConfined()) {
      assertEquals(arrays(), Npz.map(p, a));
    }
    Assumptions.assumeTrue(
        Files.isExecutable(ReferenceScript.PYTHON), ReferenceScript.PYTHON + " not found");
    String script =
        "import numpy as np, sys\n"
            + "z = np.load(sys.argv[1])\n"
            + "print(list(z.keys()), z['arr_0'].dtype, z['arr_0'].shape, int(z['arr_0'].astype(np.int64).sum()),"
            + " z['f'].tolist(), z['empty'].shape, z['labels'].dtype, z['labels'].tolist())\n";
    Process pr =
        new ProcessBuilder(ReferenceScript.PYTHON.toString(), "-c", script, p.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
    Assumptions.assumeFalse(out.contains("No module named"), out);
    long sum = 0;
    for (byte x : arrays().get("arr_0").data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
      sum += x & 0xFF;
    assertEquals(
        "['arr_0', 'f', 'empty', 'labels'] uint8 (5, 3, 4, 3) "
            + sum
            + " [1.5, -2.0, 3.25] (0, 2) int64 [3, 1, 4, 1, 5]",
        out);
  }

  @Test
  void aMemberLeftShortOrOverfilledIsRefusedAndNoFileAppears() {
    Path p = tmp.resolve("bad.npz");
    var shortBy =
        assertThrows(
            IllegalStateException.class,
            () ->
                NpzStreamWriter.write(
                    p,
                    w -> {
                      w.begin("arr_0", DType.U8, new long[] {2, 3});
                      w.append(new byte[4]);
                    }));
    assertTrue(shortBy.getMessage().contains("'arr_0' is missing 2 bytes"), shortBy.getMessage());
    var over =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                NpzStreamWriter.write(
                    p,
                    w -> {
                      w.begin("arr_0", DType.U8, new long[] {2});
                      w.append(new byte[3]);
                    }));
    assertTrue(over.getMessage().contains("2 bytes left but 3"), over.getMessage());
    assertFalse(Files.exists(p));
    try (var files = Files.list(tmp)) {
      assertEquals(0, files.count(), "no temp file is left behind");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
