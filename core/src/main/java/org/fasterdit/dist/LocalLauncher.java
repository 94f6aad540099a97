package org.fasterdit.dist;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fasterdit.train.Preemption;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Starts the processes of one node of a data-parallel job, torchrun style: each gets RANK =
 * node_rank * nproc + local_rank, WORLD_SIZE = nnodes * nproc, LOCAL_RANK, LOCAL_WORLD_SIZE,
 * MASTER_ADDR and MASTER_PORT, and a share of the cores. Their output is forwarded line by line
 * with a {@code [rank k]} prefix. If any exits non-zero the others are stopped (the job cannot
 * continue without it, and they would otherwise wait for the timeout), and the failure is reported
 * with the rank and exit code.
 */
public final class LocalLauncher {
  /** How the job is laid out. {@code masterPort} 0 picks a free port (single-node jobs only). */
  public record Spec(
      int nproc, int nnodes, int nodeRank, String masterAddr, int masterPort, int threadsPerProc) {
    public Spec {
      if (nproc < 1) throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
      if (nnodes < 1) throw new IllegalArgumentException("--nnodes must be >= 1, got " + nnodes);
      if (nodeRank < 0 || nodeRank >= nnodes) {
        throw new IllegalArgumentException(
            "--node-rank must be in [0, " + nnodes + "), got " + nodeRank);
      }
      if (masterPort < 0 || masterPort > 65535)
        throw new IllegalArgumentException("--master-port must be in 1..65535, got " + masterPort);
      if (masterPort == 0 && nnodes > 1) {
        throw new IllegalArgumentException(
            "a multi-node job needs an explicit --master-port that every node agrees on");
      }
    }
  }

  private static final long STOP_GRACE_S = 10;
  private static final Signal TERM = new Signal("TERM");

  private final Spec spec;
  private final PrintStream out, err;

  public LocalLauncher(Spec spec, PrintStream out, PrintStream err) {
    this.spec = spec;
    this.out = out;
    this.err = err;
  }

  /**
   * Runs {@code command} (a full command line) once per local rank and returns the job's exit code.
   */
  public int run(List<String> command) throws InterruptedException {
    int port = spec.masterPort() > 0 ? spec.masterPort() : freePort();
    int world = spec.nnodes() * spec.nproc();
    List<Process> procs = new CopyOnWriteArrayList<>(); // the signal handler reads it too
    List<Thread> pumps = new ArrayList<>();
    Thread hook =
        Thread.ofPlatform()
            .unstarted(() -> procs.forEach(Process::destroy)); // Ctrl-C stops the ranks too
    Runtime.getRuntime().addShutdownHook(hook);
    // SIGTERM (a preempting scheduler) goes to every rank and the launcher keeps waiting: the ranks
    // agree on a step, rank 0 checkpoints, and all exit with Preemption.EXIT_CODE.
    AtomicBoolean terminating = new AtomicBoolean();
    SignalHandler previous =
        Signal.handle(
            TERM,
            s -> {
              terminating.set(true);
              procs.forEach(LocalLauncher::signalTerm);
            });
    try {
      for (int local = 0; local < spec.nproc(); local++) {
        int rank = spec.nodeRank() * spec.nproc() + local;
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment(rank, local, world, port));
        Process p;
        try {
          p = pb.start();
        } catch (IOException e) {
          stopAll(procs);
          err.println(
              "fasterdit launch: cannot start rank "
                  + rank
                  + " ("
                  + command.get(0)
                  + "): "
                  + e.getMessage());
          return 1;
        }
        procs.add(p);
        if (terminating.get()) signalTerm(p); // the signal came while the ranks were starting
        pumps.add(pump(p.getInputStream(), out, rank));
        pumps.add(pump(p.getErrorStream(), err, rank));
      }
      int code = waitForAll(procs);
      for (Thread t : pumps) t.join(5000);
      return code;
    } finally {
      Signal.handle(TERM, previous);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running
      }
    }
  }

  /** The variables a rank sees, on top of this process's environment. */
  Map<String, String> environment(int rank, int local, int world, int port) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("RANK", Integer.toString(rank));
    env.put("WORLD_SIZE", Integer.toString(world));
    env.put("LOCAL_RANK", Integer.toString(local));
    env.put("LOCAL_WORLD_SIZE", Integer.toString(spec.nproc()));
    env.put("GROUP_RANK", Integer.toString(spec.nodeRank()));
    env.put("MASTER_ADDR", spec.masterAddr());
    env.put("MASTER_PORT", Integer.toString(port));
    // N processes each using every core would fight over them: give each its share, keeping smaller
    // explicit values
    int threads =
        spec.threadsPerProc() > 0
            ? spec.threadsPerProc()
            : Math.max(1, Runtime.getRuntime().availableProcessors() / spec.nproc());
    for (String v : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "FASTERDIT_TORCH_THREADS")) {
      env.put(v, Integer.toString(Math.min(threads, positive(System.getenv(v), threads))));
    }
    return env;
  }

  private static int positive(String v, int fallback) {
    try {
      int n = v == null ? fallback : Integer.parseInt(v.trim());
      return n > 0 ? n : fallback;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /**
   * Waits until all exit 0 (returns 0) or one fails (stops the rest, returns its code). A rank that
   * was preempted ({@link Preemption#EXIT_CODE}) is no failure: its peers are stopping at the same
   * step and rank 0 may still be writing the checkpoint, so they are left to finish; the job then
   * returns that code.
   */
  private int waitForAll(List<Process> procs) throws InterruptedException {
    int base = spec.nodeRank() * spec.nproc();
    while (true) {
      boolean allDone = true;
      int preempted = 0;
      for (int i = 0; i < procs.size(); i++) {
        Process p = procs.get(i);
        if (p.isAlive()) {
          allDone = false;
          continue;
        }
        int code = p.exitValue();
        if (code == Preemption.EXIT_CODE) {
          preempted++;
        } else if (code != 0) {
          int running = (int) procs.stream().filter(Process::isAlive).count();
          err.printf(
              Locale.ROOT,
              "fasterdit launch: rank %d exited with code %d%s; stopping the other %d running rank(s)%n",
              base + i,
              code,
              describe(code),
              running);
          stopAll(procs);
          return code > 0 && code < 256 ? code : 1;
        }
      }
      if (allDone && preempted > 0) {
        err.printf(
            Locale.ROOT,
            "fasterdit launch: preempted: %d of %d rank(s) exited with code %d; continue"
                + " with the same launch command and train --resume RUN_DIR%n",
            preempted,
            procs.size(),
            Preemption.EXIT_CODE);
        return Preemption.EXIT_CODE;
      }
      if (allDone) return 0;
      Thread.sleep(100);
    }
  }

  private static String describe(int code) {
    if (code == CollectiveWatchdog.EXIT_CODE) return " (distributed timeout)";
    if (code > 128 && code < 160) return " (killed by signal " + (code - 128) + ")";
    return "";
  }

  /**
   * Sends SIGTERM and keeps reading the rank's output. {@link Process#destroy} would also close our
   * ends of its pipes, so whatever the rank prints while it stops (the preemption message, why it
   * failed) would be lost; the process handle only sends the signal.
   */
  private static void signalTerm(Process p) {
    p.toHandle().destroy();
  }

  private static void stopAll(List<Process> procs) throws InterruptedException {
    procs.forEach(LocalLauncher::signalTerm); // SIGTERM first: lets a rank print why it stops
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_GRACE_S);
    for (Process p : procs) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) p.destroyForcibly();
    }
  }

  private static Thread pump(InputStream in, PrintStream to, int rank) {
    String prefix = "[rank " + rank + "] ";
    return Thread.ofPlatform()
        .daemon()
        .name("fasterdit-launch-rank" + rank)
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (to) {
                    to.println(prefix + line);
                  }
                }
              } catch (IOException e) {
                // the child went away; its exit code tells the story
              }
            });
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot find a free TCP port for the rendezvous: " + e.getMessage(), e);
    }
  }
}
