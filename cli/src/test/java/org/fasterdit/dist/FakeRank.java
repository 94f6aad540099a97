package org.fasterdit.dist;

/**
 * A stand-in for a training rank in launcher tests, cheap to start (no LibTorch): "env" prints the
 * launcher's variables and exits 0; "fail-rank1" makes rank 1 exit with code 7 while the others
 * wait a minute.
 */
public final class FakeRank {
  public static void main(String[] args) throws InterruptedException {
    String rank = System.getenv("RANK");
    switch (args[0]) {
      case "env" ->
          System.out.println(
              "RANK="
                  + rank
                  + " WORLD_SIZE="
                  + System.getenv("WORLD_SIZE")
                  + " LOCAL_RANK="
                  + System.getenv("LOCAL_RANK")
                  + " MASTER_ADDR="
                  + System.getenv("MASTER_ADDR")
                  + " MASTER_PORT="
                  + System.getenv("MASTER_PORT")
                  + " OPENBLAS_NUM_THREADS="
                  + System.getenv("OPENBLAS_NUM_THREADS"));
      case "fail-rank1" -> {
        if ("1".equals(rank)) {
          Thread.sleep(300);
          System.err.println("rank 1 failing on purpose");
          System.exit(7);
        }
        Thread.sleep(60_000);
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
