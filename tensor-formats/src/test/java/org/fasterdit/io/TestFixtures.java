package org.fasterdit.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the Python-written fixtures under the test-resources folder {@code io/}. */
final class TestFixtures {
  private TestFixtures() {}

  /** The fixture's path; the calling test is skipped (not failed) if it is absent. */
  static Path path(String name) {
    URL url = TestFixtures.class.getResource("/io/" + name);
    Assumptions.assumeTrue(url != null, "fixture io/" + name + " not present");
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fixture's bytes; the calling test is skipped if it is absent. */
  static byte[] bytes(String name) {
    try {
      return java.nio.file.Files.readAllBytes(path(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
