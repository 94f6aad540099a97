package org.fasterdit.study;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.fasterdit.io.AtomicFiles;

/**
 * What a convergence study trains and measures, kept in its folder so every later invocation
 * continues the same study: {@code study.properties} (training keys shared by every arm, the
 * checkpoints to evaluate, samples, model evaluations per sample) and {@code arms.txt} (one arm per
 * line: {@code NAME SEEDS KEY=VALUE;KEY=VALUE...}). Written once with the defaults below when the
 * folder is new; arms may be appended later (the knob search) and are then trained and evaluated
 * the same way.
 */
public record StudyPlan(
    Path dir,
    List<String> common,
    List<Long> checkpoints,
    int samples,
    int nfe,
    long sampleSeed,
    int reference,
    int safetyEvery,
    List<Arm> arms) {

  /** One recipe, trained once per seed. */
  public record Arm(String name, List<Long> seeds, List<String> overrides) {
    public Arm {
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.+-]*"))
        throw new IllegalArgumentException(
            "arm name '" + name + "' must be letters, digits, . _ + -");
      if (seeds.isEmpty()) throw new IllegalArgumentException("arm " + name + " has no seeds");
      seeds = List.copyOf(seeds);
      overrides = List.copyOf(overrides);
    }

    /** The value this arm sets for {@code key}, or null. */
    public String get(String key) {
      for (String o : overrides) if (o.startsWith(key + "=")) return o.substring(key.length() + 1);
      return null;
    }
  }

  /** One training run of an arm. */
  public record Run(Arm arm, long seed) {
    public String id() {
      return arm.name() + "-s" + seed;
    }
  }

  public static final String SETTINGS = "study.properties", ARMS = "arms.txt";

  /**
   * The issue-14 study: the convergence-study model (DiT depth 4, width 128, patch 4, 1.28M
   * parameters) on Fashion-MNIST, batch 64, lr 5e-4, 4000 steps, evaluated at 6 checkpoints with
   * 2000 samples at 25 model evaluations each.
   */
  static Map<String, String> defaultSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put(
        "train",
        "dataset=fashion-mnist;model=custom;depth=4;hidden=128;heads=4;patch=4;batch=64;lr=5e-4;"
            + "ema-decay=0.9999;ema-warmup=true;log-every=50");
    s.put("checkpoints", "500,1000,1500,2000,3000,4000");
    s.put("samples", "2000");
    s.put("nfe", "25"); // odd, so Heun's 2k-1 evaluations can match it exactly
    s.put("sample-seed", "1"); // the same noise and labels for every arm: paired comparisons
    s.put("reference", "10000");
    s.put("safety-every", "250"); // checkpoints between stages so an interruption loses little
    return s;
  }

  static String defaultArms() {
    return """
        # NAME SEEDS KEY=VALUE;... (on top of study.properties' train keys); appended arms run too
        dit 0,1 preset=dit
        sit 0,1 preset=sit
        sit-lognorm 0 preset=sit;timesteps=lognorm:0,1
        sit-lognorm-std 0 preset=sit;timesteps=lognorm:0,1;std-mode=scale;target-std=1.0
        fasterdit 0,1 preset=fasterdit
        # the recipe's own knobs, searched as the paper did (issue 14): benchmarks/convergence/run.sh runs these
        # after the arms above have finished; compare each with fasterdit-s0 (same seed)
        fasterdit-std0.8 0 preset=fasterdit;target-std=0.8
        fasterdit-std1.3 0 preset=fasterdit;target-std=1.3
        fasterdit-ln1.5 0 preset=fasterdit;timesteps=lognorm:0,1.5
        fasterdit-dir0.5 0 preset=fasterdit;direction-weight=0.5
        fasterdit-lnoff2000 0 preset=fasterdit;lognorm-until=2000
        """;
  }

  /**
   * Loads the study in {@code dir}, creating it with the defaults and then {@code overrides}
   * (settings keys, only for a new study) when it does not exist yet.
   */
  public static StudyPlan loadOrCreate(Path dir, Map<String, String> overrides) {
    Path settings = dir.resolve(SETTINGS), arms = dir.resolve(ARMS);
    if (!Files.exists(settings)) {
      Map<String, String> s = defaultSettings();
      for (String k : overrides.keySet())
        if (!s.containsKey(k))
          throw new IllegalArgumentException(
              "unknown study setting '" + k + "' (known: " + s.keySet() + ")");
      s.putAll(overrides);
      String armText = Files.exists(arms) ? read(arms) : defaultArms();
      parse(dir, s, parseArms(armText, arms.toString())); // refused before anything is written
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot create study folder " + dir + ": " + e.getMessage());
      }
      StringBuilder b =
          new StringBuilder(
              "# convergence study settings (written once; see docs/convergence.md)\n");
      s.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
      if (!Files.exists(arms)) write(arms, armText);
      write(settings, b.toString());
    } else if (!overrides.isEmpty()) {
      Map<String, String> have = load(dir).settingsMap();
      overrides.forEach(
          (k, v) -> {
            if (!v.equals(have.get(k)))
              throw new IllegalArgumentException(
                  "study "
                      + dir
                      + " already has "
                      + k
                      + "="
                      + have.get(k)
                      + "; it cannot change to "
                      + v
                      + " (start a new study folder instead)");
          });
    }
    return load(dir);
  }

  public static StudyPlan load(Path dir) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(read(dir.resolve(SETTINGS))));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read " + dir.resolve(SETTINGS) + ": " + e.getMessage());
    }
    Map<String, String> s = new TreeMap<>();
    p.forEach((k, v) -> s.put(k.toString(), v.toString().trim()));
    Path arms = dir.resolve(ARMS);
    return parse(dir, s, parseArms(read(arms), arms.toString()));
  }

  private static StudyPlan parse(Path dir, Map<String, String> s, List<Arm> arms) {
    for (String k : defaultSettings().keySet())
      if (!s.containsKey(k))
        throw new IllegalArgumentException(
            dir.resolve(SETTINGS) + ": setting '" + k + "' is missing");
    List<Long> ck = longs(s.get("checkpoints"), "checkpoints");
    for (int i = 1; i < ck.size(); i++)
      if (ck.get(i) <= ck.get(i - 1))
        throw new IllegalArgumentException(
            "checkpoints must increase, got " + s.get("checkpoints"));
    int nfe = positive(s, "nfe");
    if (nfe % 2 == 0)
      throw new IllegalArgumentException(
          "nfe must be odd (Heun uses 2k-1 evaluations), got " + nfe);
    long seed;
    try {
      seed = Long.parseLong(s.get("sample-seed").trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "sample-seed must be an integer, got '" + s.get("sample-seed") + "'");
    }
    return new StudyPlan(
        dir,
        splitKv(s.get("train")),
        ck,
        positive(s, "samples"),
        nfe,
        seed,
        positive(s, "reference"),
        positive(s, "safety-every"),
        arms);
  }

  /** Every (arm, seed) in file order. */
  public List<Run> runs() {
    List<Run> r = new ArrayList<>();
    for (Arm a : arms) for (long s : a.seeds()) r.add(new Run(a, s));
    return r;
  }

  /**
   * The order runs are trained in, one run to the end before the next, so a session that ends loses
   * at most the run in progress: first the arms with several seeds, seed by seed (their first seeds
   * give a complete comparison of the main arms soonest, the later seeds its spread), then the
   * single-seed arms in file order (the ablation's steps, then the knob search).
   */
  public List<Run> trainingOrder() {
    List<Run> order = new ArrayList<>();
    int rounds = arms.stream().mapToInt(a -> a.seeds().size()).max().orElse(0);
    for (int k = 0; k < rounds; k++)
      for (Arm a : arms)
        if (a.seeds().size() > 1 && k < a.seeds().size()) order.add(new Run(a, a.seeds().get(k)));
    for (Arm a : arms) if (a.seeds().size() == 1) order.add(new Run(a, a.seeds().get(0)));
    return order;
  }

  public long finalStep() {
    return checkpoints.get(checkpoints.size() - 1);
  }

  Map<String, String> settingsMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("train", String.join(";", common));
    m.put("checkpoints", String.join(",", checkpoints.stream().map(String::valueOf).toList()));
    m.put("samples", Integer.toString(samples));
    m.put("nfe", Integer.toString(nfe));
    m.put("sample-seed", Long.toString(sampleSeed));
    m.put("reference", Integer.toString(reference));
    m.put("safety-every", Integer.toString(safetyEvery));
    return m;
  }

  static List<Arm> parseArms(String text, String file) {
    List<String> lines = text.lines().toList();
    List<Arm> arms = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String[] f = line.split("\\s+");
      if (f.length != 3)
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": expected NAME SEEDS KEY=VALUE;..., got '" + line + "'");
      Arm a = new Arm(f[0], longs(f[1], "seeds"), splitKv(f[2]));
      for (Arm b : arms)
        if (b.name().equals(a.name()))
          throw new IllegalArgumentException(
              file + " line " + (i + 1) + ": arm " + a.name() + " twice");
      arms.add(a);
    }
    if (arms.isEmpty()) throw new IllegalArgumentException(file + " defines no arms");
    return arms;
  }

  private static List<String> splitKv(String s) {
    List<String> out = new ArrayList<>();
    for (String kv : s.split(";")) {
      if (kv.isBlank()) continue;
      if (kv.indexOf('=') <= 0)
        throw new IllegalArgumentException("expected KEY=VALUE, got '" + kv + "'");
      out.add(kv.strip());
    }
    return out;
  }

  private static List<Long> longs(String s, String what) {
    try {
      return Arrays.stream(s.split(",")).map(String::strip).map(Long::parseLong).toList();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          what + " must be comma-separated integers, got '" + s + "'");
    }
  }

  private static int positive(Map<String, String> s, String k) {
    try {
      int v = Integer.parseInt(s.get(k));
      if (v < 1) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "study setting " + k + " must be an integer >= 1, got '" + s.get(k) + "'");
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static void write(Path file, String text) {
    AtomicFiles.writeStream(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }
}
