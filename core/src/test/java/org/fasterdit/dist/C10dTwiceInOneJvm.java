package org.fasterdit.dist;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.data.SyntheticShapes;
import org.fasterdit.train.ConfigResolver;
import org.fasterdit.train.TrainConfig;
import org.fasterdit.train.Trainer;

/**
 * The child JVM of {@link C10dLifetimeTest}: trains three times over Gloo (a job of one rank) on
 * the same port, closing the sync in between, with a failed rendezvous (a job of two ranks whose
 * peer never comes) before the last round. After each close the port must be free and the process
 * must hold no more TCP sockets than before the first job (the store's server and client, Gloo's
 * listener and connections are all gone), and collections are forced so that anything the collector
 * could still free is freed while the next job runs. Prints "ok" and exits 0 when all went well;
 * throws (exit 1) naming what was left behind.
 */
public final class C10dTwiceInOneJvm {
  private C10dTwiceInOneJvm() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
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
    Device cpu = new Device(torch.DeviceType.CPU);
    long sockets = sockets();
    for (int round = 1; round <= 3; round++) {
      if (round == 3) {
        DistEnv lonely = new DistEnv(0, 2, 0, "127.0.0.1", port, Duration.ofSeconds(2));
        try (C10dGradientSync sync = C10dGradientSync.connect(lonely, cpu, "gloo", System.err)) {
          throw new IllegalStateException("a job of 2 ranks started with one: " + sync);
        } catch (IllegalStateException e) {
          if (!e.getMessage().contains("not all 2 ranks joined")) throw e;
          System.out.println("failed join: " + e.getMessage().lines().findFirst().orElseThrow());
        }
        requireReleased(port, sockets, "a failed rendezvous");
      }
      DistEnv env = new DistEnv(0, 1, 0, "127.0.0.1", port, Duration.ofSeconds(20));
      try (C10dGradientSync sync = C10dGradientSync.connect(env, cpu, "gloo", System.err);
          Trainer t = Trainer.create(cfg, new SyntheticShapes(32, 32, 1, round), sync)) {
        for (int i = 0; i < 2; i++) t.step();
        sync.barrier();
      }
      requireReleased(port, sockets, "round " + round);
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(100);
      }
      System.out.println("round " + round + ": trained, closed, port " + port + " free");
    }
    System.out.println("ok");
  }

  private static void requireReleased(int port, long before, String after) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port));
    } catch (IOException e) {
      throw new IllegalStateException("port " + port + " still bound after " + after, e);
    }
    long now = sockets();
    if (now != before)
      throw new IllegalStateException(
          after + " left " + (now - before) + " socket(s) open (" + before + " before the jobs)");
  }

  /**
   * Open TCP sockets of this process (Linux: its file descriptors whose socket inode is in the TCP
   * tables). Other sockets (a name-service connection glibc keeps) are not the job's.
   */
  private static long sockets() throws IOException {
    Set<String> tcp = new HashSet<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      if (!Files.exists(Path.of(table))) continue;
      for (String line : Files.readAllLines(Path.of(table))) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && !f[0].equals("sl")) tcp.add(f[9]);
      }
    }
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.map(C10dTwiceInOneJvm::target)
          .filter(t -> t.startsWith("socket:[") && tcp.contains(t.substring(8, t.length() - 1)))
          .count();
    }
  }

  private static String target(Path fd) {
    try {
      return Files.readSymbolicLink(fd).toString();
    } catch (IOException e) {
      return ""; // closed while listing (the listing's own descriptor)
    }
  }
}
