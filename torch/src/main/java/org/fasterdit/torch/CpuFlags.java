package org.fasterdit.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU feature flags of /proc/cpuinfo (empty where there is none). They decide whether timing
 * bf16 is worth it at all: without avx512_bf16 or amx_bf16, LibTorch's CPU bf16 matmul is a scalar
 * fallback hundreds of times slower than fp32 (benchmarks/RESULTS.md).
 */
public final class CpuFlags {
  private static volatile Set<String> cached;

  private CpuFlags() {}

  public static Set<String> current() {
    Set<String> f = cached;
    if (f == null) cached = f = read(Path.of("/proc/cpuinfo"));
    return f;
  }

  /** The flags of the first processor listed in a cpuinfo file. */
  static Set<String> read(Path cpuinfo) {
    Set<String> flags = new TreeSet<>();
    try {
      for (String line : Files.readAllLines(cpuinfo)) {
        if (line.startsWith("flags")) {
          for (String s : line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
            if (!s.isEmpty()) flags.add(s);
          break;
        }
      }
    } catch (IOException e) {
      // not Linux: no flags known, so bf16 is not tried on the CPU
    }
    return java.util.Collections.unmodifiableSet(flags);
  }

  /** Hardware bf16 dot products: AVX-512 BF16 (Zen 4, Cooper Lake and later) or AMX. */
  public static boolean hasBf16Matmul(Set<String> flags) {
    return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
  }
}
