package org.fasterdit.tracking;

import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A TensorBoard event file ({@code events.out.tfevents.*}) in a run folder: scalars and PNG images,
 * readable by TensorBoard and by tools that import its logs (wandb's {@code sync_tensorboard}). The
 * messages are TensorFlow's {@code Event}, {@code Summary}, {@code Summary.Value}, {@code
 * Summary.Image} and {@code SessionLog}, encoded by hand (field numbers below) inside TFRecord
 * framing; see docs/tracking.md. Each event is flushed as it is written.
 */
public final class TensorBoardEvents implements AutoCloseable {
  // Event
  private static final int EVENT_WALL_TIME = 1, EVENT_STEP = 2, EVENT_FILE_VERSION = 3;
  private static final int EVENT_SUMMARY = 5, EVENT_SESSION_LOG = 6;
  // Summary, Summary.Value, Summary.Image, SessionLog
  private static final int SUMMARY_VALUE = 1;
  private static final int VALUE_TAG = 1, VALUE_SIMPLE_VALUE = 2, VALUE_IMAGE = 4;
  private static final int IMAGE_HEIGHT = 1, IMAGE_WIDTH = 2, IMAGE_COLORSPACE = 3;
  private static final int IMAGE_ENCODED = 4;
  private static final int SESSION_LOG_STATUS = 1, SESSION_LOG_START = 1;
  private static final int COLORSPACE_RGB = 3;

  private final Path file;
  private final OutputStream stream;
  private final TfRecordWriter records;

  private TensorBoardEvents(Path file) throws IOException {
    this.file = file;
    this.stream =
        new BufferedOutputStream(
            Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    this.records = new TfRecordWriter(stream);
    // Readers identify the format by this first event.
    write(event(0).string(EVENT_FILE_VERSION, "brain.Event:2"));
  }

  /**
   * A new event file in {@code dir}, named as TensorFlow names them (time, host, process) so files
   * of a resumed run sort after the earlier ones.
   */
  public static TensorBoardEvents create(Path dir) {
    long second = System.currentTimeMillis() / 1000;
    try {
      Files.createDirectories(dir);
      // the last field counts up when one process resumes a run twice within a second (a study)
      for (int n = 0; ; n++) {
        Path f =
            dir.resolve(
                String.format(
                    Locale.ROOT,
                    "events.out.tfevents.%010d.%s.%d.%d",
                    second,
                    hostName(),
                    ProcessHandle.current().pid(),
                    n));
        if (!Files.exists(f)) return new TensorBoardEvents(f);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot write TensorBoard events in " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  /**
   * One scalar per entry, all at {@code step}; tags such as {@code loss/mse} group in TensorBoard.
   */
  public void scalars(long step, Map<String, ? extends Number> values) {
    ProtoWriter summary = new ProtoWriter();
    values.forEach(
        (tag, v) ->
            summary.message(
                SUMMARY_VALUE,
                new ProtoWriter()
                    .string(VALUE_TAG, tag)
                    .fixedFloat(VALUE_SIMPLE_VALUE, v.floatValue())));
    write(event(step).message(EVENT_SUMMARY, summary));
  }

  /** An image, stored as PNG. */
  public void image(long step, String tag, BufferedImage image) {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(toRgb(image), "png", png)) throw new IOException("no PNG writer");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode image " + tag + " as PNG", e);
    }
    ProtoWriter img =
        new ProtoWriter()
            .varint(IMAGE_HEIGHT, image.getHeight())
            .varint(IMAGE_WIDTH, image.getWidth())
            .varint(IMAGE_COLORSPACE, COLORSPACE_RGB)
            .bytes(IMAGE_ENCODED, png.toByteArray());
    ProtoWriter value = new ProtoWriter().string(VALUE_TAG, tag).message(VALUE_IMAGE, img);
    write(event(step).message(EVENT_SUMMARY, new ProtoWriter().message(SUMMARY_VALUE, value)));
  }

  /**
   * Marks a (re)start at {@code step}: TensorBoard then drops events of earlier files at or after
   * this step, so a resumed run's curves do not double back.
   */
  public void sessionStart(long step) {
    write(
        event(step)
            .message(
                EVENT_SESSION_LOG,
                new ProtoWriter().varint(SESSION_LOG_STATUS, SESSION_LOG_START)));
  }

  private static ProtoWriter event(long step) {
    return new ProtoWriter()
        .fixedDouble(EVENT_WALL_TIME, System.currentTimeMillis() / 1000.0)
        .varint(EVENT_STEP, step);
  }

  private void write(ProtoWriter event) {
    try {
      records.write(event.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot append to TensorBoard event file " + file + ": " + e.getMessage(), e);
    }
  }

  private static BufferedImage toRgb(BufferedImage image) {
    if (image.getType() == BufferedImage.TYPE_INT_RGB) return image;
    BufferedImage rgb =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    rgb.getGraphics().drawImage(image, 0, 0, null);
    return rgb;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
    } catch (IOException e) {
      return "localhost";
    }
  }

  @Override
  public void close() {
    try {
      stream.close();
    } catch (IOException ignored) {
      // every event was flushed when written
    }
  }
}
