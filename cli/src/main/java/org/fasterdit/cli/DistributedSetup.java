package org.fasterdit.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.fasterdit.dist.C10dGradientSync;
import org.fasterdit.dist.DistEnv;
import org.fasterdit.torch.Devices;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.GradientSync;
import org.fasterdit.train.TrainConfig;

/**
 * Chooses single-process or data-parallel training from the launcher's environment (RANK,
 * WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT: {@code fasterdit launch}, torchrun, or a
 * cluster scheduler's wrapper). With WORLD_SIZE > 1 it joins the job over c10d: Gloo on CPU, NCCL
 * on CUDA ({@code FASTERDIT_DIST_BACKEND=gloo|nccl} forces one).
 */
final class DistributedSetup {
  private DistributedSetup() {}

  static GradientSync fromEnvironment(TrainConfig cfg) {
    return fromEnvironment(cfg, System.getenv());
  }

  static GradientSync fromEnvironment(TrainConfig cfg, Map<String, String> vars) {
    if (!DistEnv.requested(vars)) return GradientSync.NONE;
    DistEnv env = DistEnv.from(vars, String.valueOf(cfg.run().distTimeoutS()));
    int per = env.worldSize() * cfg.optim().gradAccum();
    if (cfg.optim().batch() % per != 0) {
      throw new IllegalArgumentException(
          "global batch "
              + cfg.optim().batch()
              + " must be divisible by WORLD_SIZE "
              + env.worldSize()
              + " x grad-accum "
              + cfg.optim().gradAccum()
              + " = "
              + per
              + " so every rank gets whole micro-batches");
    }
    C10dGradientSync sync =
        C10dGradientSync.connect(
            env,
            Devices.resolve(cfg.run().device()),
            vars.get("FASTERDIT_DIST_BACKEND"),
            System.err);
    try {
      if (env.rank() == 0)
        System.out.println(
            "distributed: "
                + env.worldSize()
                + " ranks over "
                + sync.backendName()
                + ", "
                + env.describe());
      // the same global batch, model, seed and data on every rank, or the averaged gradients mean
      // nothing
      sync.requireSame("training configs", fingerprint(cfg));
    } catch (RuntimeException e) {
      sync.close();
      throw e;
    }
    return sync;
  }

  /**
   * The config for this rank: with several processes on CUDA each takes the GPU of its LOCAL_RANK.
   * CPU runs are unchanged.
   */
  static TrainConfig forThisRank(TrainConfig cfg, Map<String, String> vars) {
    if (!DistEnv.requested(vars)) return cfg;
    String dev = cfg.run().device().trim().toLowerCase(java.util.Locale.ROOT);
    boolean cuda = dev.startsWith("cuda") || (dev.equals("auto") && Devices.cudaAvailable());
    if (!cuda) return cfg;
    String local = vars.getOrDefault("LOCAL_RANK", "0").trim();
    List<String> kv = new ArrayList<>();
    cfg.asMap().forEach((k, v) -> kv.add(k + "=" + v));
    kv.add("device=cuda:" + local);
    return ConfigResolver.resolve(null, kv);
  }

  /**
   * A hash of everything that must agree across ranks (the device may differ: each rank has its own
   * GPU).
   */
  static long fingerprint(TrainConfig cfg) {
    Map<String, String> m = cfg.asMap();
    m.remove("device");
    return UUID.nameUUIDFromBytes(m.toString().getBytes(StandardCharsets.UTF_8))
        .getMostSignificantBits();
  }
}
