package org.fasterdit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.torch.CpuFlags;
import org.fasterdit.torch.Devices;
import org.fasterdit.torch.GeluTanh;

/**
 * What a bug report needs to know about this installation: our version, LibTorch and JavaCPP, the
 * native platform, CUDA, and the CPU features that decide the fast precision (bf16 is fast only
 * with avx512_bf16 or AMX; see benchmarks/RESULTS.md). Shown by {@code --version}; {@code fasterdit
 * env} adds the JVM, the OS and the thread settings.
 */
final class EnvironmentReport {
  /** The /proc/cpuinfo flags worth reporting, in this order. */
  private static final List<String> CPU_FLAGS =
      List.of("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16", "amx_fp16");

  private EnvironmentReport() {}

  static String fasterditVersion() {
    return resourceProperty(
        EnvironmentReport.class, "/org/fasterdit/cli/fasterdit.properties", "version");
  }

  /** {@code 2.10.0-1.5.13}: LibTorch 2.10.0 in JavaCPP presets 1.5.13. */
  static String presetsVersion() {
    return resourceProperty(
        torch.class, "/META-INF/maven/org.bytedeco/pytorch/pom.properties", "version");
  }

  static List<String> versionLines() {
    List<String> lines = new ArrayList<>();
    String presets = presetsVersion();
    lines.add("fasterdit " + fasterditVersion());
    lines.add("LibTorch " + presets.replaceFirst("-.*", "") + " (JavaCPP presets " + presets + ")");
    lines.add("JavaCPP " + javacppVersion());
    lines.add("native platform " + Loader.getPlatform());
    lines.add("CUDA " + cuda());
    lines.add("CPU " + cpuModel() + "; features: " + cpuFeatures());
    lines.add("LibTorch CPU capability " + nativeCpuCapability());
    lines.add("GELU " + GeluTanh.describe());
    return lines;
  }

  static List<String> envLines() {
    List<String> lines = new ArrayList<>(versionLines());
    Runtime rt = Runtime.getRuntime();
    lines.add(
        "Java "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vendor")
            + ") at "
            + System.getProperty("java.home"));
    lines.add(
        "OS "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    lines.add(
        String.format(
            Locale.ROOT,
            "cores %d, JVM max heap %.1f GiB, machine memory %s",
            rt.availableProcessors(),
            rt.maxMemory() / (double) (1L << 30),
            memTotal()));
    for (String v :
        List.of(
            "OPENBLAS_NUM_THREADS",
            "FASTERDIT_TORCH_THREADS",
            "OMP_NUM_THREADS",
            "GLIBC_TUNABLES",
            "CUDA_VISIBLE_DEVICES")) {
      lines.add(v + "=" + (System.getenv(v) == null ? "(unset)" : System.getenv(v)));
    }
    return lines;
  }

  private static String javacppVersion() {
    try {
      return Loader.getVersion();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String cuda() {
    try {
      return Devices.cudaAvailable()
          ? "available, " + torch.cuda_device_count() + " device(s)"
          : "not available";
    } catch (Throwable t) { // natives without CUDA support, or no driver
      return "not available (" + t.getClass().getSimpleName() + ")";
    }
  }

  private static String nativeCpuCapability() {
    try {
      return torch.get_cpu_capability().getString();
    } catch (Throwable t) {
      return "unknown (" + t.getMessage() + ")";
    }
  }

  static String cpuFeatures() {
    Set<String> flags = CpuFlags.current();
    if (flags.isEmpty()) return "unknown (no /proc/cpuinfo)";
    StringBuilder b = new StringBuilder();
    for (String f : CPU_FLAGS)
      b.append(b.isEmpty() ? "" : " ").append(f).append(flags.contains(f) ? "+" : "-");
    return b.toString();
  }

  static String cpuModel() {
    for (String line : cpuinfo())
      if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
    return System.getProperty("os.arch");
  }

  private static String memTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
        if (line.startsWith("MemTotal:"))
          return String.format(
              Locale.ROOT, "%.1f GiB", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1048576.0);
    } catch (IOException | NumberFormatException e) {
      // not Linux
    }
    return "unknown";
  }

  private static List<String> cpuinfo() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo"));
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String resourceProperty(Class<?> anchor, String resource, String key) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) return "unknown";
      Properties p = new Properties();
      p.load(in);
      return p.getProperty(key, "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
