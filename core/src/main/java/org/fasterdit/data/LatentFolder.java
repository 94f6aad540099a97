package org.fasterdit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npy;

/**
 * Latents in the fast-DiT layout: {@code features/<i>.npy} holding (1, C, H, W) or (C, H, W) (or
 * (2, C, H, W) with the flipped image's latent second) and {@code labels/<i>.npy} holding the
 * label; files are matched by name. Loaded once into memory (each file is a few KB, so one read
 * each is cheaper than thousands of mappings).
 */
public final class LatentFolder implements Dataset {
  private final float[][] samples;
  private final float[][] flipped;
  private final int[] labels;
  private final int c, h, w, numClasses;
  private final Path dir;

  public LatentFolder(Path dir) {
    this.dir = dir;
    Path fdir = dir.resolve("features"), ldir = dir.resolve("labels");
    if (!Files.isDirectory(fdir) || !Files.isDirectory(ldir)) {
      throw new IllegalArgumentException(
          dir + ": expected subfolders features/ and labels/ (fast-DiT layout)");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(fdir)) {
      files = new ArrayList<>(s.filter(p -> p.toString().endsWith(".npy")).sorted().toList());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + fdir + ": " + e.getMessage());
    }
    if (files.isEmpty()) throw new IllegalArgumentException(fdir + ": no .npy files");
    samples = new float[files.size()][];
    flipped = new float[files.size()][];
    labels = new int[files.size()];
    long[] shape0 = null;
    int maxLabel = 0;
    for (int i = 0; i < files.size(); i++) {
      Path f = files.get(i);
      HostTensor t = Npy.read(f);
      long[] s = t.shape();
      long[] chw =
          s.length == 3
              ? s
              : s.length == 4 && (s[0] == 1 || s[0] == 2) ? Arrays.copyOfRange(s, 1, 4) : null;
      if (chw == null)
        throw new IllegalArgumentException(
            f + ": expected (C, H, W), (1, C, H, W) or (2, C, H, W), got " + Arrays.toString(s));
      if (shape0 == null) shape0 = chw;
      if (!Arrays.equals(chw, shape0))
        throw new IllegalArgumentException(f + ": shape differs from the first file's");
      float[] all = t.toFloatArray();
      int n = (int) (chw[0] * chw[1] * chw[2]);
      samples[i] = Arrays.copyOfRange(all, 0, n);
      flipped[i] = s.length == 4 && s[0] == 2 ? Arrays.copyOfRange(all, n, 2 * n) : null;
      Path lf = ldir.resolve(f.getFileName());
      if (!Files.isRegularFile(lf))
        throw new IllegalArgumentException(lf + ": missing label file for " + f.getFileName());
      long[] l = Npy.read(lf).toLongArray();
      if (l.length != 1 || l[0] < 0)
        throw new IllegalArgumentException(lf + ": expected one non-negative label");
      labels[i] = (int) l[0];
      maxLabel = Math.max(maxLabel, labels[i]);
    }
    c = (int) shape0[0];
    h = (int) shape0[1];
    w = (int) shape0[2];
    numClasses = maxLabel + 1;
  }

  @Override
  public String name() {
    return "latent-folder:" + dir;
  }

  @Override
  public int size() {
    return samples.length;
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
    return Arrays.stream(flipped).allMatch(f -> f != null);
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public void read(int index, boolean flip, float[] dst, int offset) {
    float[] s = flip && flipped[index] != null ? flipped[index] : samples[index];
    System.arraycopy(s, 0, dst, offset, s.length);
  }
}
