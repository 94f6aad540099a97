package org.fasterdit.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;

/**
 * One image file to (3, S, S) RGB bytes with the ADM/DiT centre crop: halve with a box filter while
 * the short side is at least twice the target, then bicubic so the short side equals the target,
 * then crop the centre. Every ImageIO reader that claims the file is tried in turn, so JPEGs the
 * JDK's reader refuses (CMYK, YCCK, Adobe) decode through the TwelveMonkeys plug-in on the class
 * path.
 */
final class ImageDecoding {
  /**
   * Largest image accepted, in pixels: ImageNet originals are far below it, a forged header far
   * above.
   */
  static final long MAX_PIXELS = 64L << 20;

  private ImageDecoding() {}

  /** Decodes and crops {@code f}; any failure is an IllegalArgumentException naming the file. */
  static byte[] load(Path f, int size) {
    BufferedImage img = read(f);
    BufferedImage c = centerCrop(img, size);
    byte[] out = new byte[3 * size * size];
    int[] rgb = c.getRGB(0, 0, size, size, null, 0, size);
    for (int i = 0; i < rgb.length; i++) {
      out[i] = (byte) (rgb[i] >> 16);
      out[size * size + i] = (byte) (rgb[i] >> 8);
      out[2 * size * size + i] = (byte) rgb[i];
    }
    return out;
  }

  static BufferedImage read(Path f) {
    List<String> failures = new ArrayList<>();
    try (var in = ImageIO.createImageInputStream(f.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext())
        throw new IllegalArgumentException(f + ": not a readable PNG/JPEG image");
      while (readers.hasNext()) {
        ImageReader reader = readers.next();
        try {
          in.seek(0);
          reader.setInput(in, true, true);
          // the header's dimensions are checked before any pixel memory is allocated
          long w = reader.getWidth(0), h = reader.getHeight(0);
          if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
            throw new IllegalArgumentException(
                f + ": image declares " + w + "x" + h + " pixels (limit " + MAX_PIXELS + ")");
          }
          BufferedImage img = reader.read(0);
          if (img != null) return img;
          failures.add(reader.getClass().getSimpleName() + ": no image");
        } catch (IllegalArgumentException e) {
          if (e.getMessage() != null && e.getMessage().startsWith(f.toString())) throw e;
          failures.add(e.getMessage());
        } catch (IOException | RuntimeException e) {
          failures.add(String.valueOf(e.getMessage()));
        } finally {
          reader.dispose();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(f + ": cannot read image: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(f + ": cannot decode image: " + e.getMessage());
    }
    throw new IllegalArgumentException(f + ": cannot decode image: " + String.join("; ", failures));
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
}
