package org.fasterdit.dist;

import java.time.Duration;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.data.SyntheticShapes;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.Trainer;

/**
 * The child JVM of {@link C10dLifetimeTest}: trains twice over Gloo (a job of one rank) on the same
 * port, closing the sync in between, with collections forced after each close so that anything the
 * collector could still free is freed while the next job runs. Prints "ok" and exits 0 when all
 * went well.
 */
public final class C10dTwiceInOneJvm {
  private C10dTwiceInOneJvm() {}

  public static void main(String[] args) throws Exception {
    int port0 = Integer.parseInt(args[0]);
    TrainConfig cfg =
        ConfigResolver.resolve(
            null,
            List.of(
                "preset=fasterdit",
                "model=custom",
                "depth=1",
                "hidden=32",
                "heads=2",
                "patch=8",
                "batch=4",
                "stats-samples=32",
                "workers=1"));
    for (int round = 1; round <= 2; round++) {
      int port = port0 + round;
      DistEnv env = new DistEnv(0, 1, 0, "127.0.0.1", port, Duration.ofSeconds(20));
      try (C10dGradientSync sync =
              C10dGradientSync.connect(env, new Device(torch.DeviceType.CPU), "gloo", System.err);
          Trainer t = Trainer.create(cfg, new SyntheticShapes(32, 32, 1, round), sync)) {
        for (int i = 0; i < 2; i++) t.step();
        sync.barrier();
      }
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(100);
      }
      System.out.println("round " + round + ": trained, closed");
    }
    System.out.println("ok");
  }
}
