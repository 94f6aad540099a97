package org.fasterdit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * Metrics as JSON lines ({@code metrics.jsonl}), one object per logged step, appended and flushed
 * so a crash loses at most the last line. On resume, lines past the resumed step are dropped, so
 * the file reads as one clean run.
 */
public final class MetricsLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final BufferedWriter out;
  private final List<Map<String, Object>> rows = new ArrayList<>();

  public MetricsLog(Path file, long resumeStep) {
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
  }

  public List<Map<String, Object>> rows() {
    return rows;
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException ignored) {
      // nothing left to save
    }
  }
}
