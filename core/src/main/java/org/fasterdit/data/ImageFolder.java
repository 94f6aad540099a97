package org.fasterdit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * ImageNet-style folders: one subfolder per class (sorted names give label indices), PNG or JPEG
 * files inside (CMYK/YCCK JPEGs included), centre-cropped as ADM/DiT do ({@link ImageDecoding}).
 *
 * <p>At real scale: opening lists file names only; images are decoded when read, a batch at a time
 * on a pool of threads (one per core), so memory holds a batch, never the folder. A file that
 * cannot be decoded is reported once (file and reason) and skipped: a batch takes the next readable
 * image instead, with that image's label.
 */
public final class ImageFolder implements Dataset {
  private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
  private static volatile ExecutorService pool;

  private final Path dir;
  private final int size;
  private final List<String> classes;
  private final List<Path> classDirs;
  private final String[] names; // file name of sample i inside its class folder
  private final int[] labels;
  private final Map<Integer, String> unreadable = new ConcurrentHashMap<>();
  private final Consumer<String> warn;

  /** Reports unreadable files on stderr. */
  public ImageFolder(Path dir, int size) {
    this(dir, size, System.err::println);
  }

  /**
   * @param warn receives one line per unreadable file, when it is first met
   */
  public ImageFolder(Path dir, int size, Consumer<String> warn) {
    if (size < 8) throw new IllegalArgumentException("image size must be >= 8, got " + size);
    this.dir = dir;
    this.size = size;
    this.warn = warn;
    try (Stream<Path> s = Files.list(dir)) {
      classDirs = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list image folder " + dir + ": " + e.getMessage());
    }
    if (classDirs.isEmpty()) throw new IllegalArgumentException(dir + ": no class subfolders");
    classes = classDirs.stream().map(p -> p.getFileName().toString()).toList();
    List<String> n = new ArrayList<>();
    List<Integer> lab = new ArrayList<>();
    for (int c = 0; c < classDirs.size(); c++) {
      try (Stream<Path> s = Files.list(classDirs.get(c))) {
        for (String f :
            s.filter(ImageFolder::isImage).map(p -> p.getFileName().toString()).sorted().toList()) {
          n.add(f);
          lab.add(c);
        }
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot list " + classDirs.get(c) + ": " + e.getMessage());
      }
    }
    if (n.isEmpty())
      throw new IllegalArgumentException(dir + ": no .png/.jpg/.jpeg images in the class folders");
    names = n.toArray(new String[0]);
    labels = lab.stream().mapToInt(Integer::intValue).toArray();
  }

  private static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  public Path file(int index) {
    return classDirs.get(labels[index]).resolve(names[index]);
  }

  public List<String> classes() {
    return classes;
  }

  /** Sample {@code index} as (3, S, S) RGB bytes; an IllegalArgumentException names a bad file. */
  public byte[] decode(int index) {
    return ImageDecoding.load(file(index), size);
  }

  /**
   * Decodes {@code indices} in parallel; an unreadable file gives null and is reported once.
   * Results come back in the order asked.
   */
  public byte[][] decodeAll(int[] indices) {
    byte[][] out = new byte[indices.length][];
    if (indices.length == 1) {
      out[0] = tryDecode(indices[0]);
      return out;
    }
    List<Future<byte[]>> jobs = new ArrayList<>(indices.length);
    for (int idx : indices) jobs.add(pool().submit(() -> tryDecode(idx)));
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = jobs.get(i).get();
      } catch (InterruptedException e) {
        jobs.forEach(j -> j.cancel(true));
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while decoding images", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("image decoding failed: " + e.getCause(), e.getCause());
      }
    }
    return out;
  }

  private byte[] tryDecode(int index) {
    if (unreadable.containsKey(index)) return null;
    try {
      return decode(index);
    } catch (IllegalArgumentException e) {
      if (unreadable.putIfAbsent(index, e.getMessage()) == null) {
        warn.accept(
            "skipping unreadable image (" + unreadable.size() + " so far): " + e.getMessage());
      }
      return null;
    }
  }

  /** Files skipped so far, with the reason. */
  public Map<Path, String> unreadable() {
    Map<Path, String> m = new TreeMap<>();
    unreadable.forEach((i, why) -> m.put(file(i), why));
    return m;
  }

  private static ExecutorService pool() {
    if (pool == null) {
      synchronized (ImageFolder.class) {
        if (pool == null) {
          pool =
              Executors.newFixedThreadPool(
                  THREADS, Thread.ofPlatform().daemon().name("fasterdit-decode-", 0).factory());
        }
      }
    }
    return pool;
  }

  @Override
  public void readBatch(int[] indices, boolean[] flips, float[] dst, long[] labelsOut) {
    int per = sampleFloats();
    byte[][] px = decodeAll(indices);
    for (int i = 0; i < indices.length; i++) {
      int idx = indices[i];
      byte[] p = px[i];
      // an unreadable file: the next readable image in folder order, deterministically
      for (int k = 1; p == null; k++) {
        if (k > names.length) throw new IllegalStateException(dir + ": no image is readable");
        idx = (indices[i] + k) % names.length;
        p = tryDecode(idx);
      }
      toFloats(p, flips[i], dst, i * per);
      labelsOut[i] = labels[idx];
    }
  }

  @Override
  public void read(int index, boolean flip, float[] dst, int offset) {
    long[] label = new long[1];
    float[] one = new float[sampleFloats()];
    readBatch(new int[] {index}, new boolean[] {flip}, one, label);
    System.arraycopy(one, 0, dst, offset, one.length);
  }

  private void toFloats(byte[] p, boolean flip, float[] dst, int offset) {
    for (int row = 0; row < 3 * size; row++) {
      for (int x = 0; x < size; x++) {
        int xx = flip ? size - 1 - x : x;
        dst[offset + row * size + xx] = (p[row * size + x] & 0xFF) / 127.5f - 1f;
      }
    }
  }

  @Override
  public String name() {
    return "folder:" + dir;
  }

  @Override
  public int size() {
    return names.length;
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public int height() {
    return size;
  }

  @Override
  public int width() {
    return size;
  }

  @Override
  public int numClasses() {
    return classes.size();
  }

  @Override
  public boolean supportsFlip() {
    return true;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }
}
