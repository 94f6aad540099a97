package org.fasterdit.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Long-running mutation fuzzer for all readers (the unit test runs a few hundred cases; this runs
 * many more). Usage, after {@code mvn test-compile}:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -Xmx512m \
 *     -cp target/classes:target/test-classes org.fasterdit.io.FuzzMain [perReader=10000] [seed=1]
 * </pre>
 *
 * Prints, per reader, how many inputs parsed, were rejected with TensorFormatException, or hit a
 * bug (any other throwable); exits with status 1 if there was any bug.
 */
public final class FuzzMain {
  private FuzzMain() {}

  public static void main(String[] args) throws Exception {
    int perReader = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1L;
    Path tmp = Files.createTempDirectory("fasterdit-fuzz");
    Map<String, List<byte[]>> seeds = FuzzSeeds.build(tmp);
    int bugs = 0;
    for (String reader : FuzzSeeds.READERS) {
      Map<FuzzHarness.Outcome, Integer> counts = new EnumMap<>(FuzzHarness.Outcome.class);
      Random r = new Random(seed * 31 + reader.hashCode());
      List<byte[]> s = seeds.get(reader);
      long start = System.nanoTime();
      for (int i = 0; i < perReader; i++) {
        byte[] input = Mutator.mutate(s.get(r.nextInt(s.size())), r);
        FuzzHarness.Result res = FuzzHarness.run(reader, input);
        counts.merge(res.outcome(), 1, Integer::sum);
        if (res.outcome() == FuzzHarness.Outcome.BUG) {
          bugs++;
          if (bugs <= 20) {
            Path dump = tmp.resolve(reader + "-bug-" + i + ".bin");
            Files.write(dump, input);
            System.out.println("BUG " + reader + " #" + i + " (" + dump + "): " + res.error());
            res.error().printStackTrace(System.out);
          }
        }
      }
      System.out.printf(
          "%-12s ok=%d rejected=%d bug=%d (%.1f s)%n",
          reader,
          counts.getOrDefault(FuzzHarness.Outcome.OK, 0),
          counts.getOrDefault(FuzzHarness.Outcome.REJECTED, 0),
          counts.getOrDefault(FuzzHarness.Outcome.BUG, 0),
          (System.nanoTime() - start) / 1e9);
    }
    System.out.println(bugs == 0 ? "no bugs" : bugs + " bugs");
    System.exit(bugs == 0 ? 0 : 1);
  }
}
