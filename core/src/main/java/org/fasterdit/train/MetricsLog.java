package org.fasterdit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fasterdit.tracking.TensorBoardEvents;

/**
 * Metrics as JSON lines ({@code metrics.jsonl}), one object per logged step, appended and flushed
 * so a crash loses at most the last line. On resume, lines past the resumed step are dropped, so
 * the file reads as one clean run. With a {@link TensorBoardEvents} file, every numeric field of a
 * row (but {@code step}, {@code wall_time} and {@code elapsed_s}) is also written there as a scalar
 * under the same name, so TensorBoard and wandb show exactly what the JSONL holds.
 */
public final class MetricsLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> NOT_SCALARS = Set.of("step", "wall_time", "elapsed_s");
  private final BufferedWriter out;
  private final List<Map<String, Object>> rows = new ArrayList<>();
  private final TensorBoardEvents tensorBoard; // null: JSONL only

  public MetricsLog(Path file, long resumeStep) {
    this(file, resumeStep, null);
  }

  /**
   * @param tensorBoard also receives each row as scalars (and {@link #image}s); closed with this
   */
  public MetricsLog(Path file, long resumeStep, TensorBoardEvents tensorBoard) {
    this.tensorBoard = tensorBoard;
    try {
      if (Files.exists(file)) {
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (line.isBlank()) continue;
          try {
            @SuppressWarnings("unchecked")
            Map<String, Object> row = JSON.readValue(line, LinkedHashMap.class);
            if (((Number) row.getOrDefault("step", 0)).longValue() <= resumeStep) {
              keep.add(line);
              rows.add(row);
            }
          } catch (IOException e) {
            // a line cut short by a crash: drop it
          }
        }
        Files.write(file, keep, StandardCharsets.UTF_8);
      }
      out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write metrics to " + file + ": " + e.getMessage());
    }
  }

  public void log(Map<String, Object> row) {
    try {
      out.write(JSON.writeValueAsString(row));
      out.newLine();
      out.flush();
      rows.add(row);
    } catch (IOException e) {
      throw new IllegalStateException("cannot append to metrics log: " + e.getMessage(), e);
    }
    if (tensorBoard != null && row.get("step") instanceof Number step) {
      Map<String, Number> scalars = new LinkedHashMap<>();
      row.forEach(
          (k, v) -> {
            if (v instanceof Number n && !NOT_SCALARS.contains(k)) scalars.put(k, n);
          });
      tensorBoard.scalars(step.longValue(), scalars);
    }
  }

  /**
   * Tells TensorBoard the run restarted at {@code step}, so it drops the older file's later events.
   */
  public void restartedAt(long step) {
    if (tensorBoard != null) tensorBoard.sessionStart(step);
  }

  /** An image for TensorBoard (sample grids); nothing without an event file. */
  public void image(long step, String tag, BufferedImage image) {
    if (tensorBoard != null) tensorBoard.image(step, tag, image);
  }

  public List<Map<String, Object>> rows() {
    return rows;
  }

  @Override
  public void close() {
    if (tensorBoard != null) tensorBoard.close();
    try {
      out.close();
    } catch (IOException ignored) {
      // nothing left to save
    }
  }
}
