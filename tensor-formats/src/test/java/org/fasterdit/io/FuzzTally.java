package org.fasterdit.io;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Runs mutated inputs through a loader and counts, per format, how many loaded and how many were
 * refused cleanly. Clean means a {@link TensorFormatException} or an {@link
 * IllegalArgumentException} (ConfigException included) whose message names the input; anything else
 * (NullPointerException, an index out of bounds, a native exception, OutOfMemoryError,
 * StackOverflowError) fails the test with the mutation number, so it can be replayed. {@code
 * -Dfasterdit.fuzz.verbose=true} prints every refusal's message.
 */
public final class FuzzTally {
  private final String test;
  private final Map<String, int[]> counts = new TreeMap<>(); // format -> {tried, ok, refused}

  public FuzzTally(String test) {
    this.test = test;
  }

  /**
   * @param name what a clean refusal's message must contain (the file or folder)
   * @param load loads the input and checks the result is consistent (throws AssertionError if not)
   * @return true when it loaded, false when it was refused cleanly
   */
  public boolean run(String format, int mutation, String name, Callable<?> load) {
    int[] c = counts.computeIfAbsent(format, k -> new int[3]);
    c[0]++;
    try {
      load.call();
      c[1]++;
      return true;
    } catch (TensorFormatException | IllegalArgumentException e) {
      String m = e.getMessage();
      if (m == null || !m.contains(name)) {
        throw new AssertionError(
            format + " mutation #" + mutation + ": message does not name " + name + ": " + m, e);
      }
      c[2]++;
      if (Boolean.getBoolean("fasterdit.fuzz.verbose")) {
        System.out.println(test + " " + format + " #" + mutation + " refused: " + m);
      }
      return false;
    } catch (AssertionError e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(format + " mutation #" + mutation + " threw " + t, t);
    }
  }

  public int tried(String format) {
    return counts.getOrDefault(format, new int[3])[0];
  }

  public int loaded(String format) {
    return counts.getOrDefault(format, new int[3])[1];
  }

  public int refused(String format) {
    return counts.getOrDefault(format, new int[3])[2];
  }

  /** One line per format, for the test log (the counts docs/reliability.md quotes). */
  public String report() {
    StringBuilder sb = new StringBuilder();
    counts.forEach(
        (f, c) ->
            sb.append(
                String.format(
                    "%s %-22s tried=%d loaded=%d refused=%d%n", test, f, c[0], c[1], c[2])));
    return sb.toString();
  }
}
