package org.fasterdit.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Valid input files per reader, used as the starting points for mutation fuzzing. */
final class FuzzSeeds {
  /** "pkl" mutates only data.pkl and wraps it in a valid zip, so the pickle VM is reached. */
  static final List<String> READERS =
      List.of("npy", "npz", "safetensors", "idx", "pt", "pkl", "legacy");

  private FuzzSeeds() {}

  static Map<String, List<byte[]>> build(Path tmp) {
    try {
      Map<String, List<byte[]>> m = new LinkedHashMap<>();
      for (String r : READERS) {
        m.put(r, new ArrayList<>());
      }
      HostTensor f = HostTensor.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
      HostTensor l = HostTensor.ofLongs(new long[] {3}, new long[] {-1, 0, 1L << 40});
      HostTensor b = HostTensor.ofFloatsAs(DType.BF16, new long[] {2}, new float[] {1, -2});
      m.get("npy").add(Npy.toBytes(f));
      m.get("npy").add(Npy.toBytes(l));

      Path npz = tmp.resolve("seed.npz");
      Npz.write(npz, Map.of("f", f, "l", l));
      m.get("npz").add(Files.readAllBytes(npz));

      Path st = tmp.resolve("seed.safetensors");
      SafeTensors.write(
          st, new LinkedHashMap<>(Map.of("f", f, "l", l, "b", b)), Map.of("format", "pt"));
      m.get("safetensors").add(Files.readAllBytes(st));

      byte[] idx = idxBytes();
      m.get("idx").add(idx);
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
        g.write(idx);
      }
      m.get("idx").add(gz.toByteArray());

      m.get("pt").add(wrapPickle(CPythonPickles.ckpt(2)));
      m.get("pt").add(new TorchZipBuilder("p", CPythonPickles.plain(4)).toBytes());

      for (int proto = 2; proto <= 5; proto++) {
        m.get("pkl").add(CPythonPickles.ckpt(proto));
      }
      for (int proto = 0; proto <= 5; proto++) {
        m.get("pkl").add(CPythonPickles.plain(proto));
      }
      addResource(m, "npy", "f32.npy", "fortran.npy", "be.npy", "i64.npy");
      addResource(m, "npz", "arrays.npz", "arrays_compressed.npz");
      addResource(m, "pt", "dtypes.pt", "nested.pt");
      // torch.save's legacy stream: hand-built (with a storage view) and torch-written
      m.get("legacy").add(TorchLegacyBuilder.seed());
      addResource(m, "legacy", "dtypes_legacy.pt", "nested_legacy.pt");
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Wraps a (possibly mutated) pickle into a checkpoint with the storages CKPT uses. */
  static byte[] wrapPickle(byte[] pickle) {
    return new TorchZipBuilder("ckpt", pickle)
        .storage("0", TorchZipBuilder.floats(0, 1, 2, 3, 4, 5))
        .storage("1", TorchZipBuilder.longs(7, 8, 9))
        .toBytes();
  }

  /** A tiny Fashion-MNIST-like image file: magic 0x00000803, (2, 3, 3) uint8. */
  static byte[] idxBytes() {
    byte[] out = new byte[4 + 12 + 18];
    out[2] = 0x08;
    out[3] = 3;
    out[7] = 2;
    out[11] = 3;
    out[15] = 3;
    for (int i = 0; i < 18; i++) {
      out[16 + i] = (byte) (i * 13);
    }
    return out;
  }

  private static void addResource(Map<String, List<byte[]>> m, String reader, String... names)
      throws IOException {
    for (String n : names) {
      try (InputStream in = FuzzSeeds.class.getResourceAsStream("/io/" + n)) {
        if (in != null) {
          m.get(reader).add(in.readAllBytes());
        }
      }
    }
  }
}
