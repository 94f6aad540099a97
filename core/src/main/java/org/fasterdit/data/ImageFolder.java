package org.fasterdit.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * ImageNet-style folders: one subfolder per class (sorted names give label indices), PNG or JPEG
 * files inside. Images are centre-cropped and resized as ADM/DiT do (halve with a box filter while
 * the short side is at least twice the target, then bicubic so the short side equals the target,
 * then centre crop), decoded once and kept as RGB bytes.
 */
public final class ImageFolder implements Dataset {
  private final byte[][] pixels; // (3, S, S) per image
  private final int[] labels;
  private final List<String> classes;
  private final int size;
  private final Path dir;

  public ImageFolder(Path dir, int size) {
    if (size < 8) throw new IllegalArgumentException("image size must be >= 8, got " + size);
    this.dir = dir;
    this.size = size;
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(dir)) {
      classDirs = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list image folder " + dir + ": " + e.getMessage());
    }
    if (classDirs.isEmpty()) throw new IllegalArgumentException(dir + ": no class subfolders");
    classes = classDirs.stream().map(p -> p.getFileName().toString()).toList();
    List<byte[]> px = new ArrayList<>();
    List<Integer> lab = new ArrayList<>();
    for (int c = 0; c < classDirs.size(); c++) {
      List<Path> files;
      try (Stream<Path> s = Files.list(classDirs.get(c))) {
        files = s.filter(ImageFolder::isImage).sorted().toList();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot list " + classDirs.get(c) + ": " + e.getMessage());
      }
      for (Path f : files) {
        px.add(load(f, size));
        lab.add(c);
      }
    }
    if (px.isEmpty())
      throw new IllegalArgumentException(dir + ": no .png/.jpg/.jpeg images in the class folders");
    pixels = px.toArray(new byte[0][]);
    labels = lab.stream().mapToInt(Integer::intValue).toArray();
  }

  private static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  /**
   * Largest image accepted, in pixels: ImageNet originals are far below it, a forged header far
   * above.
   */
  static final long MAX_PIXELS = 64L << 20;

  static byte[] load(Path f, int size) {
    BufferedImage img;
    try (var in = ImageIO.createImageInputStream(f.toFile())) {
      var readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext())
        throw new IllegalArgumentException(f + ": not a readable PNG/JPEG image");
      var reader = readers.next();
      try {
        reader.setInput(in, true, true);
        // the header's dimensions are checked before any pixel memory is allocated
        long w = reader.getWidth(0), h = reader.getHeight(0);
        if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
          throw new IllegalArgumentException(
              f + ": image declares " + w + "x" + h + " pixels (limit " + MAX_PIXELS + ")");
        }
        img = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IllegalArgumentException e) {
      throw e.getMessage() != null && e.getMessage().startsWith(f.toString())
          ? e
          : new IllegalArgumentException(f + ": cannot decode image: " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(f + ": cannot decode image: " + e.getMessage());
    }
    if (img == null) throw new IllegalArgumentException(f + ": not a readable PNG/JPEG image");
    BufferedImage c = centerCrop(img, size);
    byte[] out = new byte[3 * size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int rgb = c.getRGB(x, y);
        out[y * size + x] = (byte) (rgb >> 16);
        out[size * size + y * size + x] = (byte) (rgb >> 8);
        out[2 * size * size + y * size + x] = (byte) rgb;
      }
    }
    return out;
  }

  static BufferedImage centerCrop(BufferedImage img, int size) {
    while (Math.min(img.getWidth(), img.getHeight()) >= 2 * size) {
      img =
          resize(
              img,
              img.getWidth() / 2,
              img.getHeight() / 2,
              RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    }
    double scale = size / (double) Math.min(img.getWidth(), img.getHeight());
    img =
        resize(
            img,
            (int) Math.round(img.getWidth() * scale),
            (int) Math.round(img.getHeight() * scale),
            RenderingHints.VALUE_INTERPOLATION_BICUBIC);
    int x0 = (img.getWidth() - size) / 2, y0 = (img.getHeight() - size) / 2;
    return img.getSubimage(x0, y0, size, size);
  }

  private static BufferedImage resize(BufferedImage src, int w, int h, Object interpolation) {
    BufferedImage dst =
        new BufferedImage(Math.max(w, 1), Math.max(h, 1), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = dst.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
    g.drawImage(src, 0, 0, dst.getWidth(), dst.getHeight(), null);
    g.dispose();
    return dst;
  }

  public List<String> classes() {
    return classes;
  }

  @Override
  public String name() {
    return "folder:" + dir;
  }

  @Override
  public int size() {
    return pixels.length;
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

  @Override
  public void read(int index, boolean flip, float[] dst, int offset) {
    byte[] p = pixels[index];
    for (int row = 0; row < 3 * size; row++) {
      for (int x = 0; x < size; x++) {
        int xx = flip ? size - 1 - x : x;
        dst[offset + row * size + xx] = (p[row * size + x] & 0xFF) / 127.5f - 1f;
      }
    }
  }
}
