package org.fasterdit.dist;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;

/**
 * Joins a job: a c10d TCP store hosted by rank 0 at MASTER_ADDR:MASTER_PORT (every rank publishes
 * its address there), then a backend connecting all ranks with each other: Gloo for CPU tensors,
 * NCCL for CUDA ones. Both steps wait at most the job's timeout for the others, then fail with a
 * message naming what was missing.
 *
 * <p>Only {@code ProcessGroupGloo}/{@code ProcessGroupNCCL} are created, never the {@code
 * ProcessGroup} wrapper: {@code new ProcessGroup(store, rank, world)} terminates the JVM natively
 * (see docs/libtorch-from-java.md).
 */
final class Rendezvous {
  private Rendezvous() {}

  static JoinedGroup join(
      DistEnv env, boolean cuda, String forcedBackend, CollectiveWatchdog watchdog) {
    String name =
        forcedBackend != null && !forcedBackend.isBlank()
            ? forcedBackend.trim().toLowerCase(Locale.ROOT)
            : cuda ? "nccl" : "gloo";
    if (!name.equals("gloo") && !name.equals("nccl")) {
      throw new IllegalArgumentException(
          "unknown distributed backend '" + forcedBackend + "': expected gloo or nccl");
    }
    if (name.equals("gloo") && cuda) {
      throw new IllegalArgumentException(
          "the Gloo backend here handles CPU tensors only; use nccl for --device=cuda");
    }
    long ms = env.timeout().toMillis();
    if (env.rank() != 0) awaitStore(env);
    TCPStore store;
    try (var a =
        watchdog.arm(
            "connecting to the rendezvous store at " + env.masterAddr() + ":" + env.masterPort())) {
      TCPStoreOptions opts = new TCPStoreOptions();
      opts.port(
          (short)
              env.masterPort()); // uint16 natively: the cast keeps the bits of ports above 32767
      opts.isServer(env.rank() == 0);
      opts.timeout(new Milliseconds(ms));
      store = new TCPStore(env.masterAddr(), opts);
    } catch (RuntimeException e) {
      String why =
          env.rank() == 0
              ? "cannot host the rendezvous store on port "
                  + env.masterPort()
                  + " (is the port in use by another job?)"
              : "cannot reach the rendezvous store at "
                  + env.masterAddr()
                  + ":"
                  + env.masterPort()
                  + " within "
                  + seconds(env)
                  + " (is rank 0 running, and are MASTER_ADDR/MASTER_PORT the same on every rank?)";
      throw new IllegalStateException(
          "rank "
              + env.rank()
              + " of "
              + env.worldSize()
              + ": "
              + why
              + ": "
              + C10dErrors.firstLine(e),
          e);
    }
    JoinedGroup group = new JoinedGroup(store);
    try (var a = watchdog.arm("waiting for all " + env.worldSize() + " ranks to join")) {
      Backend backend =
          name.equals("nccl")
              ? NcclBackend.create(group, env.rank(), env.worldSize(), env.timeout())
              : gloo(group, env, ms);
      group.joined(backend, name);
      return group;
    } catch (IllegalStateException e) {
      group.close(); // frees the store: the port is free for a retry in this JVM
      throw e;
    } catch (RuntimeException e) {
      group.close();
      throw new IllegalStateException(
          "rank "
              + env.rank()
              + " of "
              + env.worldSize()
              + ": not all "
              + env.worldSize()
              + " ranks joined within "
              + seconds(env)
              + " (a rank did not start, crashed, or was given a different "
              + "WORLD_SIZE or MASTER_PORT): "
              + C10dErrors.firstLine(e),
          e);
    }
  }

  /**
   * Waits, up to the timeout, until rank 0's store accepts connections. The native client would
   * also wait, but it retries past its timeout (observed: 10 s timeout, still retrying at 20 s), so
   * a rank whose master never starts would only be stopped by the watchdog; probing from Java keeps
   * the promised bound and gives a precise message.
   */
  private static void awaitStore(DistEnv env) {
    long deadline = System.nanoTime() + env.timeout().toNanos();
    IOException last = null;
    while (System.nanoTime() - deadline < 0) {
      try (Socket s = new Socket()) {
        int left = (int) Math.max(1, Math.min(2000, (deadline - System.nanoTime()) / 1_000_000));
        s.connect(new InetSocketAddress(env.masterAddr(), env.masterPort()), left);
        return;
      } catch (IOException e) {
        last = e;
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw new IllegalStateException(
        "rank "
            + env.rank()
            + " of "
            + env.worldSize()
            + ": cannot reach the rendezvous store at "
            + env.masterAddr()
            + ":"
            + env.masterPort()
            + " within "
            + seconds(env)
            + " (is rank 0 running, and are "
            + "MASTER_ADDR/MASTER_PORT the same on every rank?)"
            + (last == null ? "" : ": " + last.getMessage()));
  }

  private static Backend gloo(JoinedGroup group, DistEnv env, long ms) {
    ProcessGroupGloo.Options opts = group.part(new ProcessGroupGloo.Options(new Milliseconds(ms)));
    String iface = System.getenv("GLOO_SOCKET_IFNAME");
    var device =
        group.part(
            iface != null && !iface.isBlank()
                ? ProcessGroupGloo.createDeviceForInterface(iface.trim())
                : ProcessGroupGloo.createDeviceForHostname(
                    localAddressToward(env.masterAddr(), env.masterPort())));
    opts.devices(group.part(new GlooDeviceVector(device)));
    return new ProcessGroupGloo(group.store(), env.rank(), env.worldSize(), opts);
  }

  /**
   * This host's address on the route to the master: the one the other ranks can reach us at
   * (127.0.0.1 for a single-node job). Resolving our own host name instead often yields Debian's
   * 127.0.1.1, unreachable from another node. A connected UDP socket picks the route without
   * sending anything.
   */
  static String localAddressToward(String masterAddr, int port) {
    try (DatagramSocket s = new DatagramSocket()) {
      s.connect(new InetSocketAddress(InetAddress.getByName(masterAddr), port));
      InetAddress local = s.getLocalAddress();
      if (local != null && !local.isAnyLocalAddress()) return local.getHostAddress();
    } catch (IOException e) {
      // fall through: no route information, use the loopback-safe default below
    }
    return "127.0.0.1";
  }

  private static String seconds(DistEnv env) {
    return String.format(Locale.ROOT, "%.0f s", env.timeout().toMillis() / 1000.0);
  }
}
