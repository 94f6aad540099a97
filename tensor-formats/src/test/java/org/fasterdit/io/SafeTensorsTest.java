package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path tmp;

  private static Map<String, HostTensor> sample() {
    Map<String, HostTensor> m = new LinkedHashMap<>();
    m.put("u8", HostTensor.ofBytes(DType.U8, new long[] {3}, new byte[] {1, 2, 3}));
    m.put("w", HostTensor.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    m.put("bf", HostTensor.ofFloatsAs(DType.BF16, new long[] {2}, new float[] {1, -0.5f}));
    m.put("i64", HostTensor.ofLongs(new long[] {}, new long[] {1L << 50}));
    m.put("flag", HostTensor.ofBytes(DType.BOOL, new long[] {2}, new byte[] {1, 0}));
    m.put("empty", HostTensor.ofFloats(new long[] {0}, new float[0]));
    m.put("h", HostTensor.ofFloatsAs(DType.F16, new long[] {1}, new float[] {0.25f}));
    return m;
  }

  @Test
  void roundTripsZeroCopyWithMetadata() throws IOException {
    Path p = tmp.resolve("m.safetensors");
    SafeTensors.write(p, sample(), Map.of("format", "pt", "note", "a \"quoted\" é"));
    byte[] raw = Files.readAllBytes(p);
    long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, n % 8, "header padded to a multiple of 8");
    try (Arena arena = Arena.ofConfined()) {
      SafeTensorsFile f = SafeTensors.read(p, arena);
      assertEquals(sample(), f.tensors());
      assertEquals(List.copyOf(sample().keySet()).size(), f.tensors().size());
      assertEquals("a \"quoted\" é", f.metadata().get("note"));
      HostTensor w = f.tensors().get("w");
      assertTrue(w.data().isMapped(), "tensor data is a slice of the mapping");
      assertTrue(w.data().isReadOnly());
      // Every tensor stays aligned to its element size (data section starts at 8 + n).
      Map<?, ?> header =
          (Map<?, ?>) MiniJson.parse("h", new String(raw, 8, (int) n, StandardCharsets.UTF_8));
      for (Map.Entry<String, HostTensor> e : f.tensors().entrySet()) {
        long begin =
            (Long) ((List<?>) ((Map<?, ?>) header.get(e.getKey())).get("data_offsets")).get(0);
        assertEquals(0, (8 + n + begin) % e.getValue().dtype().byteSize(), e.getKey());
      }
      assertArrayEquals(new float[] {1, -0.5f}, f.tensors().get("bf").toFloatArray());
    }
  }

  @Test
  void tensorsDieWithTheArena() {
    Path p = tmp.resolve("a.safetensors");
    SafeTensors.write(p, sample(), Map.of());
    HostTensor w;
    HostTensor kept;
    try (Arena arena = Arena.ofConfined()) {
      w = SafeTensors.read(p, arena).tensors().get("w");
      kept = w.copyToHeap();
    }
    assertThrows(IllegalStateException.class, w::toFloatArray);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, kept.toFloatArray());
  }

  @Test
  void readsForeignLayoutWithUnsortedOffsets() {
    String json =
        "{\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[4,8]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    HostTensor b = load(json, new byte[] {0, 0, (byte) 0x80, 0x3f, 7, 0, 0, 0}).get("b");
    assertArrayEquals(new long[] {7}, b.toLongArray());
  }

  @Test
  void rejectsInvalidHeaders() {
    byte[] data = new byte[16];
    String[] bad = {
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
          + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}}",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
      "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}",
      "{\"a\":1,\"a\":2}",
      "{\"__metadata__\":{\"k\":1}}",
      "[1,2]",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296]," + "\"data_offsets\":[0,4]}}",
    };
    for (String json : bad) {
      var e = assertThrows(TensorFormatException.class, () -> load(json, data), json);
      assertTrue(e.getMessage().startsWith("t.safetensors: "), e.getMessage());
    }
    byte[] lies = new byte[16];
    lies[0] = (byte) 0xFF;
    lies[7] = 0x7F;
    assertThrows(
        TensorFormatException.class,
        () -> SafeTensors.read("t.safetensors", MemorySegment.ofArray(lies)));
  }

  private static Map<String, HostTensor> load(String json, byte[] data) {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return SafeTensors.read("t.safetensors", MemorySegment.ofArray(b.array())).tensors();
  }
}
