package org.fasterdit.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.fasterdit.tracking.EventFileReader.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardEventsTest {
  @Test
  void readerCrcMatchesTheStandardCheckValue() {
    // CRC-32C of "123456789" is 0xE3069283 (RFC 3720, B.4); the writer must agree with the reader
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertEquals(0xE3069283, EventFileReader.crc32c(check));
    assertEquals(
        EventFileReader.masked(check), TfRecordWriter.maskedCrc32c(check, 0, check.length));
  }

  @Test
  void scalarsImagesAndRestartsDecode(@TempDir Path dir) throws Exception {
    BufferedImage grid = new BufferedImage(6, 4, BufferedImage.TYPE_INT_RGB);
    grid.setRGB(5, 3, 0x00FF8040);
    Path file;
    try (TensorBoardEvents tb = TensorBoardEvents.create(dir.resolve("run"))) {
      file = tb.file();
      Map<String, Double> s = new LinkedHashMap<>();
      s.put("loss", 0.25);
      s.put("loss/mse", 0.125);
      s.put("lr", 1e-4);
      tb.scalars(10, s);
      tb.image(20, "samples", grid);
      tb.sessionStart(20);
    }
    assertTrue(
        file.getFileName().toString().matches("events\\.out\\.tfevents\\.\\d{10}\\..+\\.\\d+\\.0"));
    List<Message> events = EventFileReader.readEvents(file);
    assertEquals(4, events.size());
    assertEquals("brain.Event:2", events.get(0).string(3));
    double wall = events.get(0).fixedDouble(1);
    assertTrue(Math.abs(wall - System.currentTimeMillis() / 1000.0) < 3600, "wall time " + wall);

    Message scalars = events.get(1);
    assertEquals(10, scalars.varint(2));
    List<Message> values = scalars.message(5).messages(1);
    assertEquals(3, values.size());
    assertEquals("loss", values.get(0).string(1));
    assertEquals(0.25f, values.get(0).fixedFloat(2));
    assertEquals("loss/mse", values.get(1).string(1));
    assertEquals(0.125f, values.get(1).fixedFloat(2));
    assertEquals(1e-4f, values.get(2).fixedFloat(2));

    Message image = events.get(2);
    assertEquals(20, image.varint(2));
    Message value = image.message(5).messages(1).get(0);
    assertEquals("samples", value.string(1));
    Message img = value.message(4);
    assertEquals(4, img.varint(1));
    assertEquals(6, img.varint(2));
    assertEquals(3, img.varint(3));
    BufferedImage png = ImageIO.read(new ByteArrayInputStream((byte[]) img.one(4)));
    assertEquals(6, png.getWidth());
    assertEquals(0xFF8040, png.getRGB(5, 3) & 0xFFFFFF);

    Message restart = events.get(3);
    assertEquals(20, restart.varint(2));
    assertEquals(1, restart.message(6).varint(1));
  }

  @Test
  void corruptionIsDetectedByTheReader(@TempDir Path dir) throws Exception {
    Path file;
    try (TensorBoardEvents tb = TensorBoardEvents.create(dir)) {
      file = tb.file();
      tb.scalars(1, Map.of("loss", 1.0));
    }
    byte[] b = Files.readAllBytes(file);
    b[b.length - 6] ^= 1; // inside the last record's data
    Files.write(file, b);
    assertThrows(AssertionError.class, () -> EventFileReader.readEvents(file));
  }

  @Test
  void unwritableFolderIsAClearError(@TempDir Path dir) throws Exception {
    Path blocker = Files.writeString(dir.resolve("file"), "x");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TensorBoardEvents.create(blocker));
    assertTrue(
        e.getMessage().contains("cannot write TensorBoard events in " + blocker), e.getMessage());
  }
}
