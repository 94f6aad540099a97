package org.fasterdit.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process from /proc (Linux), in MiB; NaN where /proc is absent. */
public final class ProcessMemory {
  private ProcessMemory() {}

  public static double rssMb() {
    return field("VmRSS:");
  }

  public static double peakRssMb() {
    return field("VmHWM:");
  }

  private static double field(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(name)) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
