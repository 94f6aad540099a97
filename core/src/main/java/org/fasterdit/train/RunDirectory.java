package org.fasterdit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.fasterdit.io.AtomicFiles;

/**
 * A numbered run folder such as {@code results/003-DiT-S-2-fasterdit/} holding the resolved config,
 * metrics, plots and {@code checkpoints/}. The number is one more than the highest existing one, so
 * runs never overwrite each other. {@code interruptedWritesRemoved}: the temp files of writes a
 * kill interrupted that {@link #existing} removed from a resumed folder.
 */
public record RunDirectory(Path root, int interruptedWritesRemoved) {
  public static RunDirectory create(Path results, String name) {
    try {
      Files.createDirectories(results);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot create results folder " + results + ": " + e.getMessage());
    }
    if (!Files.isWritable(results))
      throw new IllegalArgumentException("results folder " + results + " is not writable");
    int next = 0;
    try (Stream<Path> s = Files.list(results)) {
      next =
          s.map(p -> p.getFileName().toString())
                  .filter(n -> n.matches("\\d{3,}-.*"))
                  .mapToInt(n -> Integer.parseInt(n.substring(0, n.indexOf('-'))))
                  .max()
                  .orElse(-1)
              + 1;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + results + ": " + e.getMessage());
    }
    Path root = results.resolve(String.format(java.util.Locale.ROOT, "%03d-%s", next, name));
    try {
      Files.createDirectories(root.resolve("checkpoints"));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot create run folder " + root + ": " + e.getMessage());
    }
    return new RunDirectory(root, 0);
  }

  /** An existing run folder (for resume), checked to be writable before any training happens. */
  public static RunDirectory existing(Path root) {
    if (!Files.isDirectory(root))
      throw new IllegalArgumentException("run folder " + root + " does not exist");
    try {
      Files.createDirectories(root.resolve("checkpoints"));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot use run folder " + root + ": " + e.getMessage());
    }
    if (!Files.isWritable(root) || !Files.isWritable(root.resolve("checkpoints"))) {
      throw new IllegalArgumentException("run folder " + root + " is not writable");
    }
    // a write interrupted by a crash (SIGKILL, power loss) leaves only its hidden temp file, the
    // outputs themselves are whole; rank 0, the only writer here, removes them before it writes
    int removed = 0;
    for (Path dir : List.of(root, root.resolve("checkpoints"), root.resolve("samples")))
      removed += AtomicFiles.deleteInterruptedWrites(dir, null).size();
    return new RunDirectory(root, removed);
  }

  public Path checkpoints() {
    return root.resolve("checkpoints");
  }

  public Path metrics() {
    return root.resolve("metrics.jsonl");
  }

  /** {@code config.json}: every key with its typed value (numbers and booleans as JSON ones). */
  public void writeConfig(TrainConfig config) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    AtomicFiles.writeStream(
        root.resolve("config.json"),
        out -> out.write(json.writeValueAsBytes(config.typedValues())));
  }
}
