package org.fasterdit.cli;

import org.fasterdit.train.GradientSync;
import org.fasterdit.train.TrainConfig;

/** Chooses single-process or data-parallel training from the launcher's environment (RANK, WORLD_SIZE, ...). */
final class DistributedSetup {
  private DistributedSetup() {}

  static GradientSync fromEnvironment(TrainConfig cfg) {
    String world = System.getenv("WORLD_SIZE");
    if (world == null || world.equals("1")) return GradientSync.NONE;
    throw new IllegalArgumentException("WORLD_SIZE=" + world + " is set, but distributed training is not available in this build");
  }
}
