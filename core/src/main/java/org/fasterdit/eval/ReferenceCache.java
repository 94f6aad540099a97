package org.fasterdit.eval;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fasterdit.inception.InceptionFeatures;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npz;

/**
 * What the Inception network computes from a reference's images (pool3 features for
 * precision/recall, pool3 and spatial statistics for FID/sFID), cached next to the reference as
 * {@code <ref>.inception-stats.npz}. The cache names its key inside: SHA-256 of the reference's
 * content and of the Inception weights (and the crop size for an image folder). A cache whose key
 * differs (reference or weights changed), that cannot be read, or whose arrays have the wrong shape
 * or non-finite values is recomputed and overwritten, never trusted.
 */
public final class ReferenceCache {
  static final String FORMAT = "fasterdit-inception-stats-v1";

  /** The reference images' Inception outputs. */
  public record Entry(
      float[] pool3,
      int count,
      FrechetDistance.Gaussian pool3Stats,
      FrechetDistance.Gaussian spatialStats) {}

  private ReferenceCache() {}

  public static Path fileFor(Path ref) {
    Path abs = ref.toAbsolutePath().normalize();
    return abs.resolveSibling(abs.getFileName() + ".inception-stats.npz");
  }

  /** The cache key: format, reference content hash, weights hash and (folders) the crop size. */
  public static String key(Path ref, Path weights, int folderSize) {
    String k = FORMAT + " ref=" + sha256(ref) + " weights=" + sha256(weights);
    return Files.isDirectory(ref) ? k + " size=" + folderSize : k;
  }

  /**
   * The cached entry, or null when there is no cache file; throws IllegalArgumentException naming
   * why a cache file present is not usable (the caller recomputes).
   */
  public static Entry read(Path cache, String key) {
    if (!Files.isRegularFile(cache)) return null;
    Map<String, HostTensor> m;
    try {
      m = Npz.read(cache);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("unreadable (" + e.getMessage() + ")", e);
    }
    HostTensor k = m.get("cache_key");
    if (k == null || !key.equals(new String(k.toByteArray(), StandardCharsets.UTF_8))) {
      throw new IllegalArgumentException("stale: made for another reference file or other weights");
    }
    HostTensor pool3 = array(m, "pool3", DType.F32);
    long[] s = pool3.shape();
    if (s.length != 2 || s[0] < 2 || s[1] != InceptionFeatures.POOL3_DIM) {
      throw new IllegalArgumentException("pool3 has the wrong shape");
    }
    float[] features = pool3.toFloatArray();
    for (float v : features) {
      if (!Float.isFinite(v)) throw new IllegalArgumentException("pool3 is not finite");
    }
    int n = (int) s[0];
    return new Entry(
        features,
        n,
        gaussian(m, "mu", "sigma", InceptionFeatures.POOL3_DIM, n),
        gaussian(m, "mu_s", "sigma_s", InceptionFeatures.SPATIAL_DIM, n));
  }

  public static void write(Path cache, String key, Entry e) {
    Map<String, HostTensor> m = new LinkedHashMap<>();
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    m.put("cache_key", HostTensor.ofBytes(DType.U8, new long[] {k.length}, k));
    m.put(
        "pool3",
        HostTensor.ofFloats(new long[] {e.count(), InceptionFeatures.POOL3_DIM}, e.pool3()));
    put(m, "mu", "sigma", e.pool3Stats());
    put(m, "mu_s", "sigma_s", e.spatialStats());
    Npz.write(cache, m);
  }

  private static void put(
      Map<String, HostTensor> m, String mu, String sigma, FrechetDistance.Gaussian g) {
    m.put(mu, HostTensor.ofDoubles(new long[] {g.dim()}, g.mean()));
    m.put(sigma, HostTensor.ofDoubles(new long[] {g.dim(), g.dim()}, g.cov()));
  }

  private static FrechetDistance.Gaussian gaussian(
      Map<String, HostTensor> m, String mu, String sigma, int dim, int count) {
    double[] mean = array(m, mu, DType.F64).toDoubleArray();
    double[] cov = array(m, sigma, DType.F64).toDoubleArray();
    if (mean.length != dim || cov.length != (long) dim * dim) {
      throw new IllegalArgumentException(mu + "/" + sigma + " have the wrong shape");
    }
    for (double v : cov) {
      if (!Double.isFinite(v)) throw new IllegalArgumentException(sigma + " is not finite");
    }
    for (double v : mean) {
      if (!Double.isFinite(v)) throw new IllegalArgumentException(mu + " is not finite");
    }
    return new FrechetDistance.Gaussian(mean, cov, count);
  }

  private static HostTensor array(Map<String, HostTensor> m, String name, DType dtype) {
    HostTensor t = m.get(name);
    if (t == null || t.dtype() != dtype) {
      throw new IllegalArgumentException("no " + dtype + " array '" + name + "'");
    }
    return t;
  }

  /** SHA-256 (hex) of a file, or of a folder's sorted relative paths and file contents. */
  static String sha256(Path p) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (Files.isDirectory(p)) {
        List<Path> files;
        try (Stream<Path> s = Files.walk(p)) {
          files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
          md.update(p.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
          md.update((byte) 0);
          digest(md, f);
        }
      } else {
        digest(md, p);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + " to hash it: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void digest(MessageDigest md, Path f) throws IOException {
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(f)) {
      for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
    }
  }
}
