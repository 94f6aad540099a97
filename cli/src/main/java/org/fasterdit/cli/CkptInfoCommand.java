package org.fasterdit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.fasterdit.io.HostTensor;
import org.fasterdit.model.DiTConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What a checkpoint holds: for our training checkpoints the step, data position, seed, model
 * config, data statistics and training config; for other files their metadata; then tensor counts
 * and sizes per group ({@code model}, {@code ema}, {@code opt}, ...) and a table of tensors, cut
 * after {@code --limit} rows so a DiT-XL stays readable.
 */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = "Describe a checkpoint: metadata, sizes and tensors.")
public final class CkptInfoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "FILE")
  Path file;

  @Option(
      names = "--limit",
      defaultValue = "40",
      description = "tensor rows to show (default ${DEFAULT-VALUE}; 0 = all)")
  int limit;

  @Override
  public Integer call() throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      TensorFile f = TensorFile.read(file, null, arena);
      System.out.println("file: " + file + " (" + f.kind() + ")");
      Map<String, String> md = new LinkedHashMap<>(f.metadata());
      if (f.kind().startsWith("fasterdit")) {
        for (String k :
            new String[] {"step", "optimizer_steps", "data_position", "seed", "loss_scale"}) {
          if (md.containsKey(k)) System.out.println(k + ": " + md.remove(k));
        }
        String mc = md.remove("model_config");
        if (mc != null)
          System.out.println(
              "model: " + JSON.readValue(mc, DiTConfig.class).describe() + "  " + mc);
        String ds = md.remove("data_stats");
        if (ds != null) System.out.println("data stats: " + ds);
        String cfg = md.remove("config");
        if (cfg != null) {
          Map<?, ?> c = JSON.readValue(cfg, TreeMap.class);
          StringBuilder line = new StringBuilder("config:");
          c.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
          System.out.println(wrap(line.toString(), 118));
        }
        md.remove("format");
        md.remove("rng");
      }
      md.forEach(
          (k, v) ->
              System.out.println(k + ": " + (v.length() > 200 ? v.substring(0, 200) + "..." : v)));

      Map<String, long[]> groups = new LinkedHashMap<>(); // group -> {tensors, elements, bytes}
      long totalBytes = 0, totalElems = 0;
      for (Map.Entry<String, HostTensor> e : f.tensors().entrySet()) {
        int dot = e.getKey().indexOf('.');
        String g = dot < 0 ? "(top level)" : e.getKey().substring(0, dot);
        long[] s = groups.computeIfAbsent(g, x -> new long[3]);
        s[0]++;
        s[1] += e.getValue().numel();
        s[2] += e.getValue().byteSize();
        totalBytes += e.getValue().byteSize();
        totalElems += e.getValue().numel();
      }
      System.out.printf(
          Locale.ROOT,
          "tensors: %d, %,d elements, %s%n",
          f.tensors().size(),
          totalElems,
          TensorFile.bytes(totalBytes));
      if (groups.size() > 1) {
        groups.forEach(
            (g, s) ->
                System.out.printf(
                    Locale.ROOT,
                    "  %-16s %5d tensors  %,14d elements  %s%n",
                    g,
                    s[0],
                    s[1],
                    TensorFile.bytes(s[2])));
      }
      int w = Math.max(4, f.tensors().keySet().stream().mapToInt(String::length).max().orElse(4));
      System.out.printf(Locale.ROOT, "%-" + w + "s  %-5s  %s%n", "name", "dtype", "shape");
      int shown = 0;
      for (Map.Entry<String, HostTensor> e : f.tensors().entrySet()) {
        if (limit > 0 && shown == limit) {
          System.out.printf(
              Locale.ROOT,
              "... %d more tensors (--limit 0 shows all)%n",
              f.tensors().size() - shown);
          break;
        }
        System.out.printf(
            Locale.ROOT,
            "%-" + w + "s  %-5s  %s%n",
            e.getKey(),
            e.getValue().dtype(),
            TensorFile.shape(e.getValue()));
        shown++;
      }
    }
    return 0;
  }

  private static String wrap(String text, int width) {
    StringBuilder out = new StringBuilder();
    int col = 0;
    for (String word : text.split(" ")) {
      if (col > 0 && col + 1 + word.length() > width) {
        out.append("\n   ");
        col = 3;
      } else if (col > 0) {
        out.append(' ');
        col++;
      }
      out.append(word);
      col += word.length();
    }
    return out.toString();
  }
}
