package org.fasterdit.cli;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fasterdit.io.HostTensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Compares two checkpoints tensor by tensor: the largest absolute difference of each tensor present
 * in both (in float64, whatever the stored dtypes), the tensors present in only one, and on the
 * last line the overall maximum, for scripts. Shape mismatches and NaN-vs-number count as an
 * infinite difference.
 */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description =
        "Largest absolute difference per tensor between two checkpoints (last line: max_abs_diff=<value>).")
public final class CkptDiffCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "A")
  Path a;

  @Parameters(index = "1", paramLabel = "B")
  Path b;

  @Option(
      names = "--key",
      description =
          "compare only this state dict (model or ema) of each file, names without the prefix")
  String key;

  @Option(
      names = "--top",
      defaultValue = "0",
      description = "show only the N most different tensors (default: all, in file order)")
  int top;

  record Row(String name, String shape, double diff) {}

  @Override
  public Integer call() {
    try (Arena arena = Arena.ofConfined()) {
      TensorFile fa = TensorFile.read(a, key, arena), fb = TensorFile.read(b, key, arena);
      List<Row> rows = new ArrayList<>();
      List<String> onlyA = new ArrayList<>(), onlyB = new ArrayList<>();
      for (Map.Entry<String, HostTensor> e : fa.tensors().entrySet()) {
        HostTensor tb = fb.tensors().get(e.getKey());
        if (tb == null) {
          onlyA.add(e.getKey() + " " + TensorFile.shape(e.getValue()));
          continue;
        }
        HostTensor ta = e.getValue();
        String shape = TensorFile.shape(ta);
        if (!java.util.Arrays.equals(ta.shape(), tb.shape())) {
          rows.add(
              new Row(
                  e.getKey(),
                  shape + " vs " + TensorFile.shape(tb) + " (shape mismatch)",
                  Double.POSITIVE_INFINITY));
        } else {
          String dt = ta.dtype() == tb.dtype() ? "" : " (" + ta.dtype() + " vs " + tb.dtype() + ")";
          rows.add(new Row(e.getKey(), shape + dt, maxAbsDiff(ta, tb)));
        }
      }
      fb.tensors()
          .forEach(
              (k, t) -> {
                if (!fa.tensors().containsKey(k)) onlyB.add(k + " " + TensorFile.shape(t));
              });
      print(rows, onlyA, onlyB);
      if (rows.isEmpty()) {
        System.out.println(
            "no tensor names in common"
                + (key == null
                    ? " (to compare a training checkpoint with a plain "
                        + "state dict, pass --key model or --key ema)"
                    : ""));
        System.out.println("max_abs_diff=nan");
      } else {
        double max = rows.stream().mapToDouble(Row::diff).max().orElse(0);
        System.out.printf(Locale.ROOT, "max_abs_diff=%s%n", format(max));
      }
    }
    return 0;
  }

  private void print(List<Row> rows, List<String> onlyA, List<String> onlyB) {
    System.out.printf(Locale.ROOT, "A: %s%nB: %s%n", a, b);
    List<Row> shown = rows;
    if (top > 0) {
      shown = new ArrayList<>(rows);
      shown.sort(Comparator.comparingDouble(Row::diff).reversed());
      shown = shown.subList(0, Math.min(top, shown.size()));
    }
    int w = Math.max(4, shown.stream().mapToInt(r -> r.name().length()).max().orElse(4));
    System.out.printf(Locale.ROOT, "%-" + w + "s  %-24s  %s%n", "name", "shape", "max_abs_diff");
    for (Row r : shown)
      System.out.printf(
          Locale.ROOT, "%-" + w + "s  %-24s  %s%n", r.name(), r.shape(), format(r.diff()));
    if (shown.size() < rows.size())
      System.out.printf(Locale.ROOT, "... %d more tensors in common%n", rows.size() - shown.size());
    System.out.printf(
        Locale.ROOT,
        "%d tensors in both, %d only in A, %d only in B%n",
        rows.size(),
        onlyA.size(),
        onlyB.size());
    onlyA.forEach(n -> System.out.println("only in A: " + n));
    onlyB.forEach(n -> System.out.println("only in B: " + n));
  }

  static String format(double d) {
    return Double.isInfinite(d)
        ? "inf"
        : Double.isNaN(d) ? "nan" : String.format(Locale.ROOT, "%.6e", d);
  }

  /**
   * max |a - b| over elements; equal infinities and NaN-vs-NaN count as equal, NaN vs a number as
   * infinite.
   */
  static double maxAbsDiff(HostTensor a, HostTensor b) {
    double max = 0;
    long n = a.numel();
    for (long i = 0; i < n; i++) {
      double x = a.getDouble(i), y = b.getDouble(i);
      if (x == y || (Double.isNaN(x) && Double.isNaN(y))) continue;
      double d = Math.abs(x - y);
      if (Double.isNaN(d)) return Double.POSITIVE_INFINITY;
      if (d > max) max = d;
    }
    return max;
  }
}
