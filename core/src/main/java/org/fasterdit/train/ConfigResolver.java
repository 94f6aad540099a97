package org.fasterdit.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.diffusion.TimestepSampler;
import org.fasterdit.torch.Precision;

/**
 * Layered configuration: built-in defaults, then the preset's values ({@code fasterdit}, {@code
 * sit}, {@code dit}), then an optional file (JSON object or {@code key=value} lines), then {@code
 * --key=value} overrides. Unknown keys and values that do not parse are rejected, naming them,
 * before any work starts.
 */
public final class ConfigResolver {
  private ConfigResolver() {}

  /** Every key with its default and why. */
  static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("preset", "fasterdit");
    d.put("model", "custom"); // small enough for a CPU demo; DiT-S/2 ... DiT-XL/8 by name
    d.put("depth", "6");
    d.put("hidden", "256");
    d.put("heads", "4");
    d.put("patch", "4");
    d.put("learn-sigma", "false");
    d.put("dataset", "fashion-mnist");
    d.put("image-size", "32"); // for image folders
    d.put("stats-samples", "10000"); // LightningDiT measures latent stats on ~10k samples
    d.put("objective", "flow");
    d.put("path", "linear");
    d.put("prediction", "velocity");
    d.put("timesteps", "lognorm:0,1");
    d.put("lognorm-until", "-1"); // step after which t is uniform again; -1 = never
    d.put(
        "direction-weight",
        "1.0"); // FasterDiT's lambda; the paper text does not confirm it, so it is a key
    d.put("beta-schedule", "linear");
    d.put("diffusion-steps", "1000");
    d.put("std-mode", "scale");
    d.put("target-std", "1.0"); // chosen for Fashion-MNIST with the SNR-PDF tool and a sweep:
    // docs/std-modulation.md
    d.put("steps", "2000");
    d.put("batch", "64");
    d.put("grad-accum", "1");
    d.put(
        "lr",
        "1e-4"); // the DiT/SiT/FasterDiT recipe; small models on small data tolerate more (see
    // demo)
    d.put("beta1", "0.9");
    d.put("beta2", "0.999");
    d.put("adam-eps", "1e-8");
    d.put("weight-decay", "0"); // the DiT recipe uses none
    d.put("grad-clip", "1.0"); // guards long bf16 runs against the NaNs the authors reported
    d.put("ema-decay", "0.9999");
    d.put(
        "ema-warmup",
        "true"); // decay min(ema-decay, (1+n)/(10+n)): EMA weights good at any run length
    d.put("class-dropout", "0.1"); // enables classifier-free guidance
    d.put("flip", "true");
    d.put("precision", "fp32");
    d.put("tf32", "false");
    d.put("device", "auto");
    d.put("seed", "0");
    d.put("log-every", "10");
    d.put("ckpt-every", "1000");
    d.put("nan-patience", "20");
    d.put("prefetch", "4");
    d.put(
        "workers",
        "auto"); // threads a micro-batch is split over; auto = the BLAS threads on CPU, 1 on CUDA
    d.put("sample-every", "0"); // a fixed-seed, fixed-label EMA sample grid every N steps; 0 = off
    d.put("results", "results");
    d.put("run-name", "");
    d.put(
        "dist-timeout",
        "120"); // seconds a rank waits for its peers (rendezvous, each collective) before failing
    d.put("init-from", ""); // fine-tune: start model and EMA from these weights (.pt/.safetensors)
    d.put("reset-classes", "false"); // with init-from: new label table when the class count differs
    return d;
  }

  /** What each preset changes on top of the defaults. */
  static Map<String, String> preset(String name) {
    Map<String, String> p = new LinkedHashMap<>();
    switch (name.toLowerCase(Locale.ROOT)) {
      case "fasterdit" -> {
        p.put("objective", "flow");
        p.put("path", "linear");
        p.put("prediction", "velocity");
        p.put("timesteps", "lognorm:0,1");
        p.put("direction-weight", "1.0");
        p.put("std-mode", "scale");
        p.put("learn-sigma", "false");
      }
      case "sit" -> {
        p.put("objective", "flow");
        p.put("path", "linear");
        p.put("prediction", "velocity");
        p.put("timesteps", "uniform");
        p.put("direction-weight", "0");
        p.put("std-mode", "none");
        p.put("learn-sigma", "false");
      }
      case "dit" -> {
        p.put("objective", "ddpm");
        p.put("beta-schedule", "linear");
        p.put("diffusion-steps", "1000");
        p.put("std-mode", "none");
        p.put("learn-sigma", "true");
        p.put("direction-weight", "0");
        p.put("timesteps", "uniform");
      }
      default ->
          throw new IllegalArgumentException(
              "unknown preset '" + name + "': expected fasterdit, sit or dit");
    }
    return p;
  }

  /**
   * @param file optional config file
   * @param overrides {@code key=value} strings (from {@code --key=value})
   */
  public static TrainConfig resolve(Path file, List<String> overrides) {
    Map<String, String> defaults = defaults();
    Map<String, String> user = new LinkedHashMap<>();
    if (file != null) user.putAll(readFile(file));
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("expected --key=value, got '" + o + "'");
      user.put(canonical(o.substring(0, eq)), o.substring(eq + 1));
    }
    for (String k : user.keySet()) {
      if (!defaults.containsKey(k)) {
        throw new IllegalArgumentException(
            "unknown config key '"
                + k
                + "' (known keys: "
                + String.join(", ", defaults.keySet())
                + ")");
      }
    }
    Map<String, String> m = new LinkedHashMap<>(defaults);
    m.putAll(preset(user.getOrDefault("preset", defaults.get("preset"))));
    m.putAll(user);
    return build(m);
  }

  static String canonical(String key) {
    String k = key.trim();
    while (k.startsWith("-")) k = k.substring(1);
    return k.replace('_', '-').toLowerCase(Locale.ROOT);
  }

  private static Map<String, String> readFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (text.stripLeading().startsWith("{")) {
      try {
        JsonNode root = new ObjectMapper().readTree(text);
        root.fields()
            .forEachRemaining(
                e ->
                    out.put(
                        canonical(e.getKey()),
                        e.getValue().isTextual()
                            ? e.getValue().asText()
                            : e.getValue().toString()));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "config file " + file + " is not valid JSON: " + e.getMessage());
      }
    } else {
      Properties p = new Properties();
      try {
        p.load(new java.io.StringReader(text));
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "config file " + file + " is not key=value lines: " + e.getMessage());
      }
      p.forEach((k, v) -> out.put(canonical(k.toString()), v.toString().trim()));
    }
    return out;
  }

  static TrainConfig build(Map<String, String> m) {
    V v = new V(m);
    long lognormUntil = v.l("lognorm-until");
    return new TrainConfig(
        v.s("preset"),
        v.s("model"),
        v.i("depth"),
        v.i("hidden"),
        v.i("heads"),
        v.i("patch"),
        v.b("learn-sigma"),
        v.s("dataset"),
        v.i("image-size"),
        v.i("stats-samples"),
        v.s("objective").toLowerCase(Locale.ROOT),
        v.parse("path", FlowPath::parse),
        v.parse("prediction", Prediction::parse),
        v.parse("timesteps", s -> TimestepSampler.parse(s, lognormUntil)),
        v.d("direction-weight"),
        v.parse("beta-schedule", DdpmSchedule::parseKind),
        v.i("diffusion-steps"),
        v.parse("std-mode", StdModulation::parseMode),
        v.d("target-std"),
        v.l("steps"),
        v.i("batch"),
        v.i("grad-accum"),
        v.d("lr"),
        v.d("beta1"),
        v.d("beta2"),
        v.d("adam-eps"),
        v.d("weight-decay"),
        v.d("grad-clip"),
        v.d("ema-decay"),
        v.d("class-dropout"),
        v.b("flip"),
        v.parse("precision", Precision::parse),
        v.b("tf32"),
        v.s("device"),
        v.l("seed"),
        v.i("log-every"),
        v.i("ckpt-every"),
        v.i("nan-patience"),
        v.i("prefetch"),
        v.s("results"),
        v.s("run-name"),
        m);
  }

  /** Typed reads that name the key and the value on failure. */
  private record V(Map<String, String> m) {
    String s(String k) {
      return m.get(k);
    }

    <T> T parse(String k, java.util.function.Function<String, T> f) {
      try {
        return f.apply(m.get(k));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("config key '" + k + "': " + e.getMessage());
      }
    }

    int i(String k) {
      try {
        return Integer.parseInt(m.get(k).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "config key '" + k + "' must be an integer, got '" + m.get(k) + "'");
      }
    }

    long l(String k) {
      try {
        return Long.parseLong(m.get(k).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "config key '" + k + "' must be an integer, got '" + m.get(k) + "'");
      }
    }

    double d(String k) {
      try {
        double x = Double.parseDouble(m.get(k).trim());
        if (!Double.isFinite(x)) throw new NumberFormatException();
        return x;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "config key '" + k + "' must be a finite number, got '" + m.get(k) + "'");
      }
    }

    boolean b(String k) {
      String x = m.get(k).trim().toLowerCase(Locale.ROOT);
      if (x.equals("true") || x.equals("1") || x.equals("yes")) return true;
      if (x.equals("false") || x.equals("0") || x.equals("no")) return false;
      throw new IllegalArgumentException(
          "config key '" + k + "' must be true or false, got '" + m.get(k) + "'");
    }
  }
}
