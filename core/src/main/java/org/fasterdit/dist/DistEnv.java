package org.fasterdit.dist;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where this process sits in a data-parallel job, read from the variables every torchrun-style
 * launcher sets ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code MASTER_ADDR}, {@code
 * MASTER_PORT}), plus the timeout that bounds rendezvous and every collective, so a peer that never
 * arrives or dies ends the job instead of hanging it.
 */
public record DistEnv(
    int rank, int worldSize, int localRank, String masterAddr, int masterPort, Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
  public static final String TIMEOUT_VARIABLE = "FASTERDIT_DIST_TIMEOUT_S";

  public DistEnv {
    if (worldSize < 1)
      throw new IllegalArgumentException("WORLD_SIZE must be >= 1, got " + worldSize);
    if (rank < 0 || rank >= worldSize)
      throw new IllegalArgumentException("RANK must be in [0, " + worldSize + "), got " + rank);
    if (localRank < 0)
      throw new IllegalArgumentException("LOCAL_RANK must be >= 0, got " + localRank);
    if (masterAddr == null || masterAddr.isBlank())
      throw new IllegalArgumentException("MASTER_ADDR is empty");
    if (masterPort < 1 || masterPort > 65535)
      throw new IllegalArgumentException("MASTER_PORT must be in 1..65535, got " + masterPort);
    if (timeout.isNegative() || timeout.isZero())
      throw new IllegalArgumentException("distributed timeout must be > 0, got " + timeout);
  }

  /** True when the environment asks for more than one process. */
  public static boolean requested(Map<String, String> env) {
    String w = env.get("WORLD_SIZE");
    return w != null && !w.isBlank() && !w.trim().equals("1");
  }

  /**
   * Reads the launcher's variables. {@code configTimeoutS} is the {@code dist-timeout} config value
   * (seconds, null when unset); the environment variable wins over it because the launcher of a job
   * knows its cluster best.
   */
  public static DistEnv from(Map<String, String> env, String configTimeoutS) {
    int world = intVar(env, "WORLD_SIZE", null);
    int rank = intVar(env, "RANK", null);
    // LOCAL_RANK only picks the GPU; a launcher that runs one process per node may leave it out.
    int local = intVar(env, "LOCAL_RANK", "0");
    String addr = env.getOrDefault("MASTER_ADDR", "").trim();
    if (addr.isEmpty()) throw missing("MASTER_ADDR");
    int port = intVar(env, "MASTER_PORT", null);
    String t = env.get(TIMEOUT_VARIABLE);
    Duration timeout =
        t != null && !t.isBlank()
            ? seconds(TIMEOUT_VARIABLE, t)
            : configTimeoutS != null && !configTimeoutS.isBlank()
                ? seconds("config key 'dist-timeout'", configTimeoutS)
                : DEFAULT_TIMEOUT;
    return new DistEnv(rank, world, local, addr, port, timeout);
  }

  private static int intVar(Map<String, String> env, String name, String fallback) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      if (fallback == null) throw missing(name);
      v = fallback;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "environment variable " + name + " must be an integer, got '" + v + "'");
    }
  }

  private static IllegalArgumentException missing(String name) {
    return new IllegalArgumentException(
        "WORLD_SIZE > 1 asks for distributed training, but "
            + name
            + " is not set "
            + "(a torchrun-style launcher sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; or use 'fasterdit launch')");
  }

  static Duration seconds(String what, String value) {
    double s;
    try {
      s = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          what + " must be a number of seconds, got '" + value + "'");
    }
    if (!(s > 0) || !Double.isFinite(s))
      throw new IllegalArgumentException(what + " must be > 0 seconds, got '" + value + "'");
    return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
  }

  public String describe() {
    return String.format(
        Locale.ROOT,
        "rank %d of %d (local rank %d), rendezvous %s:%d, timeout %.0f s",
        rank,
        worldSize,
        localRank,
        masterAddr,
        masterPort,
        timeout.toMillis() / 1000.0);
  }
}
