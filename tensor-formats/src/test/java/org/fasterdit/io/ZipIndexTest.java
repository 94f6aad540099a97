package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipIndexTest {
  @TempDir Path tmp;

  @Test
  void readsJdkZipWithDataDescriptorsAndStoredEntries() throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    byte[] stored = "stored-bytes".getBytes();
    byte[] text = "hello hello hello hello".repeat(50).getBytes();
    try (ZipOutputStream z = new ZipOutputStream(bos)) {
      z.putNextEntry(new ZipEntry("a/deflated.txt"));
      z.write(text);
      ZipEntry s = new ZipEntry("a/stored.bin");
      s.setMethod(ZipEntry.STORED);
      s.setSize(stored.length);
      CRC32 crc = new CRC32();
      crc.update(stored);
      s.setCrc(crc.getValue());
      z.putNextEntry(s);
      z.write(stored);
    }
    ZipIndex zip = ZipIndex.read("j.zip", MemorySegment.ofArray(bos.toByteArray()));
    assertEquals(List.of("a/deflated.txt", "a/stored.bin"), zip.names());
    ZipIndex.Entry d = zip.find("a/deflated.txt");
    assertArrayEquals(text, zip.read(d, 1 << 20).toArray(ValueLayout.JAVA_BYTE));
    assertArrayEquals(
        stored, zip.storedSlice(zip.find("a/stored.bin")).toArray(ValueLayout.JAVA_BYTE));
    assertThrows(TensorFormatException.class, () -> zip.read(d, 10));
  }

  @Test
  void readsZip64RecordsAndAlignsStoredData() throws IOException {
    Path p = tmp.resolve("z64.zip");
    byte[] payload = {1, 2, 3, 4, 5};
    try (FileChannel ch =
        FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ZipWriter zw = new ZipWriter(ch);
      zw.forceZip64 = true;
      zw.addStored("x/data/0", List.of(MemorySegment.ofArray(payload)), 64);
      zw.addDeflated("x/y.txt", "zzzzzzzz".getBytes());
      zw.finish();
    }
    try (Arena arena = Arena.ofConfined()) {
      ZipIndex zip = ZipIndex.read("z64.zip", AtomicFiles.mapReadOnly(p, arena));
      ZipIndex.Entry e = zip.find("x/data/0");
      assertEquals(0, e.dataOffset() % 64);
      assertArrayEquals(payload, zip.storedSlice(e).toArray(ValueLayout.JAVA_BYTE));
      assertArrayEquals(
          "zzzzzzzz".getBytes(), zip.read(zip.find("x/y.txt"), 100).toArray(ValueLayout.JAVA_BYTE));
    }
    // The JDK's own reader agrees with our ZIP64 output.
    try (var jdk = new java.util.zip.ZipFile(p.toFile())) {
      assertArrayEquals(payload, jdk.getInputStream(jdk.getEntry("x/data/0")).readAllBytes());
    }
  }

  @Test
  void rejectsCorruptDirectories() throws IOException {
    Path p = tmp.resolve("c.zip");
    Npz.write(p, java.util.Map.of("a", HostTensor.ofFloats(new long[] {1}, new float[] {1})));
    byte[] b = Files.readAllBytes(p);
    int eocd = NpzTest.lastIndexOf(b, new byte[] {0x50, 0x4b, 0x05, 0x06});
    byte[] badOffset = b.clone();
    NpzTest.putLe32(badOffset, eocd + 16, 0x7FFFFFFF);
    var e =
        assertThrows(
            TensorFormatException.class,
            () -> ZipIndex.read("c.zip", MemorySegment.ofArray(badOffset)));
    assertTrue(e.getMessage().startsWith("c.zip: central directory"), e.getMessage());
    byte[] manyEntries = b.clone();
    manyEntries[eocd + 10] = (byte) 0xFE;
    assertThrows(
        TensorFormatException.class,
        () -> ZipIndex.read("c.zip", MemorySegment.ofArray(manyEntries)));
    assertThrows(
        TensorFormatException.class,
        () -> ZipIndex.read("c.zip", MemorySegment.ofArray(new byte[10])));
  }
}
