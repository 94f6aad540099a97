package org.fasterdit.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fasterdit.dist.JvmCommand;
import org.fasterdit.dist.LocalLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fasterdit launch --nproc N [--nnodes M --node-rank R --master-addr A --master-port P] --
 * train ...}.
 */
@Command(
    name = "launch",
    mixinStandardHelpOptions = true,
    description = {
      "Run a fasterdit command as N data-parallel processes on this node (torchrun style).",
      "Example: fasterdit launch --nproc 2 -- train --preset=fasterdit --batch=64",
      "Multi-node: run the same command on every node with --nnodes, its own --node-rank, and the",
      "--master-addr/--master-port of node 0. If any rank fails, the others are stopped."
    })
public final class LaunchCommand implements Callable<Integer> {
  @Option(
      names = {"--nproc", "--nproc-per-node", "--nproc_per_node"},
      required = true,
      description = "processes on this node (torchrun's --nproc-per-node)")
  int nproc;

  @Option(
      names = "--nnodes",
      defaultValue = "1",
      description = "nodes in the job (default ${DEFAULT-VALUE})")
  int nnodes;

  @Option(
      names = "--node-rank",
      defaultValue = "0",
      description = "this node's index, 0 .. nnodes-1")
  int nodeRank;

  @Option(
      names = "--master-addr",
      defaultValue = "127.0.0.1",
      description = "address of node 0 (default ${DEFAULT-VALUE})")
  String masterAddr;

  @Option(
      names = "--master-port",
      description =
          "rendezvous port on node 0 (default: a free port on one node, 29500 on several)")
  Integer masterPort;

  @Option(
      names = "--threads-per-proc",
      defaultValue = "0",
      description = "CPU threads per process (default: cores / nproc)")
  int threadsPerProc;

  @Parameters(
      arity = "1..*",
      paramLabel = "COMMAND",
      description = "the fasterdit command each rank runs, after --")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    if (command.get(0).equals("launch"))
      throw new IllegalArgumentException("launch cannot launch itself");
    int port = masterPort != null ? masterPort : nnodes > 1 ? 29500 : 0;
    LocalLauncher.Spec spec =
        new LocalLauncher.Spec(nproc, nnodes, nodeRank, masterAddr, port, threadsPerProc);
    List<String> cmd = new ArrayList<>(JvmCommand.current(Main.class.getName()));
    cmd.addAll(command);
    return new LocalLauncher(spec, System.out, System.err).run(cmd);
  }
}
