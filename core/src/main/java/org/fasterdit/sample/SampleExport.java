package org.fasterdit.sample;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.fasterdit.io.AtomicFiles;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.Npy;

/**
 * Writes samples where evaluators expect them: {@code .npz} in the ADM evaluator layout ({@code
 * arr_0} uint8 (N, H, W, C), plus {@code labels} int64), a {@code .png} grid, or for latent-space
 * samples without a decoder, {@code .npy} float32 (N, C, H, W).
 */
public final class SampleExport {
  private SampleExport() {}

  /** True when the samples are images (1 or 3 channels); otherwise they are latents. */
  public static boolean isImage(SampleSet s) {
    return s.c() == 1 || s.c() == 3;
  }

  /** Writes {@code s} in the format the file name asks for and returns a one-line description. */
  public static String write(SampleSet s, Path out) {
    String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".npy") || !isImage(s)) {
      Path target =
          name.endsWith(".npy")
              ? out
              : out.resolveSibling(stripExtension(out.getFileName().toString()) + ".npy");
      Npy.write(target, HostTensor.ofFloats(new long[] {s.count(), s.c(), s.h(), s.w()}, s.x()));
      return isImage(s)
          ? "wrote " + s.count() + " samples as float32 (N, C, H, W) to " + target
          : "the model works in a "
              + s.c()
              + "-channel latent space and this tool has no decoder: wrote latents as float32 (N, C, H, W) to "
              + target;
    }
    if (name.endsWith(".png")) {
      writeGrid(s, out, (int) Math.ceil(Math.sqrt(s.count())));
      return "wrote a grid of " + s.count() + " samples to " + out;
    }
    if (name.endsWith(".npz")) {
      // the streaming writer, handed the whole set at once: the same bytes as a streamed run
      return SampleNpzWriter.write(out, s.count(), Map.of(), sink -> sink.accept(s));
    }
    throw new IllegalArgumentException(
        "unknown output format for " + out + ": use .npz, .png or .npy");
  }

  /** A grid with {@code cols} columns, each sample scaled up to at least 64 pixels for viewing. */
  public static void writeGrid(SampleSet s, Path out, int cols) {
    writePng(gridImage(s, cols), out);
  }

  /** Writes {@code img} as a PNG file, atomically. */
  public static void writePng(BufferedImage img, Path out) {
    AtomicFiles.writeStream(
        out,
        stream -> {
          if (!ImageIO.write(img, "png", stream)) throw new IOException("no PNG writer");
        });
  }

  /** The grid of {@link #writeGrid} as an image. */
  public static BufferedImage gridImage(SampleSet s, int cols) {
    byte[] px = s.toUint8Nhwc();
    int rows = (s.count() + cols - 1) / cols;
    int scale = Math.max(1, 64 / s.h()), cell = s.h() * scale + 2;
    BufferedImage img =
        new BufferedImage(cols * cell + 2, rows * cell + 2, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < s.count(); i++) {
      int ox = 2 + (i % cols) * cell, oy = 2 + (i / cols) * cell;
      for (int y = 0; y < s.h() * scale; y++) {
        for (int x = 0; x < s.w() * scale; x++) {
          int base = ((i * s.h() + y / scale) * s.w() + x / scale) * s.c();
          int r = px[base] & 0xFF,
              g = s.c() == 3 ? px[base + 1] & 0xFF : r,
              b = s.c() == 3 ? px[base + 2] & 0xFF : r;
          img.setRGB(ox + x, oy + y, (r << 16) | (g << 8) | b);
        }
      }
    }
    return img;
  }

  private static String stripExtension(String n) {
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }
}
