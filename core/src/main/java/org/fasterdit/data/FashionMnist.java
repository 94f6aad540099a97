package org.fasterdit.data;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Idx;

/**
 * Fashion-MNIST from the IDX files of Debian's {@code dataset-fashion-mnist} package: 28x28 grey
 * images padded to 32x32 (so patch sizes 2, 4 and 8 divide it) with the background value, scaled to
 * [-1, 1]; 10 classes.
 */
public final class FashionMnist implements Dataset {
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  private static final int SRC = 28, PAD = 2, SIZE = 32;
  private final MemorySegment images; // (N, 28, 28) uint8
  private final long[] labels;
  private final String name;

  private FashionMnist(String name, HostTensor images, HostTensor labels) {
    if (images.shape().length != 3 || images.shape()[1] != SRC || images.shape()[2] != SRC) {
      throw new IllegalArgumentException(
          name
              + ": expected images of shape (N, 28, 28), got "
              + java.util.Arrays.toString(images.shape()));
    }
    if (labels.shape().length != 1 || labels.shape()[0] != images.shape()[0]) {
      throw new IllegalArgumentException(
          name
              + ": "
              + images.shape()[0]
              + " images but labels of shape "
              + java.util.Arrays.toString(labels.shape()));
    }
    this.name = name;
    this.images = images.data();
    long[] l = labels.toLongArray();
    for (int i = 0; i < l.length; i++) {
      if (l[i] < 0 || l[i] > 9)
        throw new IllegalArgumentException(name + ": label " + l[i] + " at " + i + " is not 0..9");
    }
    this.labels = l;
  }

  /** {@code split} is "train" or "test" (t10k). */
  public static FashionMnist load(Path dir, String split) {
    String prefix = split.equals("test") ? "t10k" : "train";
    Path img = find(dir, prefix + "-images-idx3-ubyte");
    Path lab = find(dir, prefix + "-labels-idx1-ubyte");
    return new FashionMnist("fashion-mnist/" + split, Idx.read(img), Idx.read(lab));
  }

  public static boolean available(Path dir) {
    return findOrNull(dir, "train-images-idx3-ubyte") != null
        && findOrNull(dir, "t10k-images-idx3-ubyte") != null;
  }

  private static Path find(Path dir, String stem) {
    Path p = findOrNull(dir, stem);
    if (p == null) {
      throw new IllegalArgumentException(
          "Fashion-MNIST file "
              + stem
              + "[.gz] not found in "
              + dir
              + " (install it with: apt-get install dataset-fashion-mnist)");
    }
    return p;
  }

  private static Path findOrNull(Path dir, String stem) {
    for (String s : new String[] {stem, stem + ".gz"})
      if (Files.isRegularFile(dir.resolve(s))) return dir.resolve(s);
    return null;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public int channels() {
    return 1;
  }

  @Override
  public int height() {
    return SIZE;
  }

  @Override
  public int width() {
    return SIZE;
  }

  @Override
  public int numClasses() {
    return 10;
  }

  @Override
  public boolean supportsFlip() {
    return true;
  }

  @Override
  public int label(int index) {
    return (int) labels[index];
  }

  @Override
  public void read(int index, boolean flip, float[] dst, int offset) {
    java.util.Arrays.fill(dst, offset, offset + SIZE * SIZE, -1f);
    long base = (long) index * SRC * SRC;
    for (int y = 0; y < SRC; y++) {
      for (int x = 0; x < SRC; x++) {
        int v = images.get(ValueLayout.JAVA_BYTE, base + (long) y * SRC + x) & 0xFF;
        int xx = flip ? SRC - 1 - x : x;
        dst[offset + (y + PAD) * SIZE + xx + PAD] = v / 127.5f - 1f;
      }
    }
  }
}
