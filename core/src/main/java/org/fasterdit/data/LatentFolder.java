package org.fasterdit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npy;

/**
 * Latents in the fast-DiT layout: a features folder of {@code <i>.npy} holding (1, C, H, W) or (C,
 * H, W) (or (2, C, H, W) with the flipped image's latent second) and a labels folder of {@code
 * <i>.npy} holding the label, matched by file name. The folders are found under their fast-DiT
 * names ({@code imagenet256_features/}, {@code imagenet256_labels/}, any {@code <x>_features/} and
 * {@code <x>_labels/} pair) or as {@code features/}, {@code labels/}; {@code DIR} may also be the
 * features folder itself with its labels folder beside it.
 *
 * <p>At ImageNet scale the features are ~20 GB, so they are read when asked for (one small file
 * each); the labels (a few bytes each) are read once, in parallel, at open. fast-DiT stores the
 * latents multiplied by 0.18215 (the DiT convention), which {@link #latentScalingFactor()} reports.
 */
public final class LatentFolder implements Dataset {
  /** fast-DiT's extract_features.py multiplies the VAE sample by this before saving. */
  static final double FAST_DIT_SCALE = 0.18215;

  private final Path dir, features;
  private final String[] files;
  private final int[] labels;
  private final long[] shape; // as stored in the first file
  private final int c, h, w, numClasses;
  private final boolean hasFlips;

  public LatentFolder(Path dir) {
    this.dir = dir;
    Path[] pair = folders(dir);
    features = pair[0];
    Path ldir = pair[1];
    try (Stream<Path> s = Files.list(features)) {
      files =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".npy"))
              .sorted()
              .toArray(String[]::new);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + features + ": " + e.getMessage());
    }
    if (files.length == 0) throw new IllegalArgumentException(features + ": no .npy files");
    HostTensor first = Npy.read(features.resolve(files[0]));
    shape = first.shape();
    long[] chw = chw(shape, features.resolve(files[0]));
    c = (int) chw[0];
    h = (int) chw[1];
    w = (int) chw[2];
    hasFlips = shape.length == 4 && shape[0] == 2;
    labels = new int[files.length];
    IntStream.range(0, files.length)
        .parallel()
        .forEach(
            i -> {
              Path lf = ldir.resolve(files[i]);
              if (!Files.isRegularFile(lf))
                throw new IllegalArgumentException(lf + ": missing label file for " + files[i]);
              long[] l = Npy.read(lf).toLongArray();
              if (l.length != 1 || l[0] < 0 || l[0] > Integer.MAX_VALUE)
                throw new IllegalArgumentException(lf + ": expected one non-negative label");
              labels[i] = (int) l[0];
            });
    numClasses = Arrays.stream(labels).max().orElse(0) + 1;
  }

  /** The (features, labels) folders for {@code dir}, by the names above. */
  static Path[] folders(Path dir) {
    List<String[]> names =
        List.of(
            new String[] {"features", "labels"},
            new String[] {"imagenet256_features", "imagenet256_labels"},
            new String[] {"imagenet512_features", "imagenet512_labels"});
    for (String[] n : names) {
      if (Files.isDirectory(dir.resolve(n[0])) && Files.isDirectory(dir.resolve(n[1])))
        return new Path[] {dir.resolve(n[0]), dir.resolve(n[1])};
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        String n = p.getFileName().toString();
        if (n.endsWith("_features") && Files.isDirectory(p)) {
          Path l = dir.resolve(n.substring(0, n.length() - "_features".length()) + "_labels");
          if (Files.isDirectory(l)) return new Path[] {p, l};
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage());
    }
    // DIR is the features folder itself
    String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
    if (n.toLowerCase(Locale.ROOT).endsWith("features") && dir.getParent() != null) {
      Path l = dir.resolveSibling(n.substring(0, n.length() - "features".length()) + "labels");
      if (Files.isDirectory(l)) return new Path[] {dir, l};
    }
    throw new IllegalArgumentException(
        dir
            + ": expected fast-DiT latent folders: features/ and labels/, or imagenet256_features/"
            + " and imagenet256_labels/ (any <name>_features/ with <name>_labels/)");
  }

  private static long[] chw(long[] s, Path f) {
    long[] chw =
        s.length == 3
            ? s
            : s.length == 4 && (s[0] == 1 || s[0] == 2) ? Arrays.copyOfRange(s, 1, 4) : null;
    if (chw == null)
      throw new IllegalArgumentException(
          f + ": expected (C, H, W), (1, C, H, W) or (2, C, H, W), got " + Arrays.toString(s));
    return chw;
  }

  @Override
  public String name() {
    return "latent-folder:" + dir;
  }

  @Override
  public int size() {
    return files.length;
  }

  @Override
  public int channels() {
    return c;
  }

  @Override
  public int height() {
    return h;
  }

  @Override
  public int width() {
    return w;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public boolean supportsFlip() {
    return hasFlips;
  }

  @Override
  public double latentScalingFactor() {
    return FAST_DIT_SCALE;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public void read(int index, boolean flip, float[] dst, int offset) {
    Path f = features.resolve(files[index]);
    HostTensor t = Npy.read(f);
    if (!Arrays.equals(t.shape(), shape))
      throw new IllegalArgumentException(
          f
              + ": shape "
              + Arrays.toString(t.shape())
              + " differs from the first file's "
              + Arrays.toString(shape));
    float[] all = t.toFloatArray();
    int n = c * h * w;
    System.arraycopy(all, flip && hasFlips ? n : 0, dst, offset, n);
  }
}
