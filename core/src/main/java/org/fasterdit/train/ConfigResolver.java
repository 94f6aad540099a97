package org.fasterdit.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.fasterdit.data.StdModulation;
import org.fasterdit.diffusion.DdpmSchedule;
import org.fasterdit.diffusion.FlowPath;
import org.fasterdit.diffusion.ObjectiveKind;
import org.fasterdit.diffusion.ObjectiveSpec;
import org.fasterdit.diffusion.Prediction;
import org.fasterdit.diffusion.TimestepSampler;
import org.fasterdit.torch.Precision;

/**
 * Layered configuration: the key table's defaults ({@link ConfigKeys}), then the preset's values
 * ({@code fasterdit}, {@code sit}, {@code dit}), then an optional file (JSON object or {@code
 * key=value} lines), then {@code --key=value} overrides. Keys may be given under their aliases
 * (DiT/SiT flag names). Unknown keys and values that do not parse are rejected, naming them, before
 * any work starts.
 */
public final class ConfigResolver {
  private ConfigResolver() {}

  /**
   * @param file optional config file
   * @param overrides {@code key=value} strings (from {@code --key=value})
   */
  public static TrainConfig resolve(Path file, List<String> overrides) {
    Map<String, String> user = new LinkedHashMap<>();
    Map<String, String> typedAs = new LinkedHashMap<>(); // key -> the alias the user wrote
    if (file != null) readFile(file).forEach((k, v) -> put(user, typedAs, k, v));
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) throw new ConfigException("expected --key=value, got '" + o + "'");
      put(user, typedAs, o.substring(0, eq), o.substring(eq + 1).trim());
    }
    try {
      return layered(user);
    } catch (ConfigException e) {
      for (var a : typedAs.entrySet()) { // name the flag as the user typed it, too
        if (e.getMessage().contains("'" + a.getKey() + "'")) {
          throw new ConfigException(e.getMessage() + " (given as --" + a.getValue() + ")", e);
        }
      }
      throw e;
    }
  }

  private static void put(
      Map<String, String> user, Map<String, String> typedAs, String key, String value) {
    String k = name(key);
    if (!ConfigKeys.canonical(key).equals(k)) typedAs.put(k, ConfigKeys.canonical(key));
    user.put(k, value);
  }

  /** {@code cfg} with one key changed; the preset's keys are re-applied only if it changes. */
  static TrainConfig change(TrainConfig cfg, String key, String value) {
    String k = name(key);
    if (k.equals("preset")) {
      return layered(Map.of("preset", value));
    }
    Map<String, String> m = new LinkedHashMap<>(cfg.values());
    m.put(k, value.trim());
    return build(m);
  }

  private static TrainConfig layered(Map<String, String> user) {
    Map<String, String> m = ConfigKeys.defaults();
    String preset = user.getOrDefault("preset", m.get("preset"));
    m.putAll(ConfigKeys.presetValues(preset));
    m.putAll(user);
    return build(m);
  }

  /** The key's name for a name or alias, or an error listing the known keys. */
  private static String name(String nameOrAlias) {
    ConfigKey k = ConfigKeys.find(nameOrAlias);
    if (k == null) {
      throw new ConfigException(
          "unknown config key '"
              + ConfigKeys.canonical(nameOrAlias)
              + "' (known keys: "
              + String.join(", ", ConfigKeys.defaults().keySet())
              + "; see train --help)");
    }
    return k.name();
  }

  private static Map<String, String> readFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (text.stripLeading().startsWith("{")) {
      try {
        JsonNode root = new ObjectMapper().readTree(text);
        root.fields()
            .forEachRemaining(
                e ->
                    out.put(
                        e.getKey(),
                        e.getValue().isTextual()
                            ? e.getValue().asText()
                            : e.getValue().toString()));
      } catch (IOException e) {
        throw new ConfigException("config file " + file + " is not valid JSON: " + e.getMessage());
      }
    } else {
      Properties p = new Properties();
      try {
        p.load(new java.io.StringReader(text));
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException(
            "config file " + file + " is not key=value lines: " + e.getMessage());
      }
      p.forEach((k, v) -> out.put(k.toString(), v.toString().trim()));
    }
    return out;
  }

  /** Parses every key (the error names the key) and assembles the typed config. */
  static TrainConfig build(Map<String, String> text) {
    Map<String, Object> v = new LinkedHashMap<>();
    for (ConfigKey k : ConfigKeys.all()) v.put(k.name(), k.parse(text.get(k.name())));
    long lognormUntil = (Long) v.get("lognorm-until");
    var model =
        new TrainConfig.ModelSpec(
            (String) v.get("model"),
            (Integer) v.get("depth"),
            (Integer) v.get("hidden"),
            (Integer) v.get("heads"),
            (Integer) v.get("patch"),
            (Boolean) v.get("learn-sigma"),
            (Integer) v.get("num-classes"));
    var objective =
        new ObjectiveSpec(
            (ObjectiveKind) v.get("objective"),
            (FlowPath) v.get("path"),
            (Prediction) v.get("prediction"),
            TimestepSampler.parse((String) v.get("timesteps"), lognormUntil),
            (Double) v.get("direction-weight"),
            (DdpmSchedule.Kind) v.get("beta-schedule"),
            (Integer) v.get("diffusion-steps"));
    var data =
        new TrainConfig.DataSpec(
            (String) v.get("dataset"),
            (Integer) v.get("image-size"),
            (Integer) v.get("stats-samples"),
            (StdModulation.Mode) v.get("std-mode"),
            (Double) v.get("target-std"),
            (Boolean) v.get("flip"),
            (Integer) v.get("prefetch"));
    var optim =
        new TrainConfig.OptimSpec(
            (Long) v.get("steps"),
            (Double) v.get("epochs"),
            (Integer) v.get("batch"),
            (Integer) v.get("grad-accum"),
            (Double) v.get("lr"),
            (Double) v.get("beta1"),
            (Double) v.get("beta2"),
            (Double) v.get("adam-eps"),
            (Double) v.get("weight-decay"),
            (Double) v.get("grad-clip"),
            (Double) v.get("ema-decay"),
            (Boolean) v.get("ema-warmup"),
            (Double) v.get("class-dropout"));
    var run =
        new TrainConfig.RunSpec(
            (Precision) v.get("precision"),
            (Boolean) v.get("tf32"),
            (String) v.get("device"),
            (Long) v.get("seed"),
            (Integer) v.get("log-every"),
            (Integer) v.get("ckpt-every"),
            (Double) v.get("time-limit"),
            (Integer) v.get("nan-patience"),
            (Integer) v.get("step-threads"),
            (String) v.get("results"),
            (String) v.get("run-name"),
            (Integer) v.get("dist-timeout"),
            ((String) v.get("init-from")).isEmpty() ? null : Path.of((String) v.get("init-from")),
            (Boolean) v.get("reset-classes"),
            (Long) v.get("sample-every"),
            (Long) v.get("eval-every"),
            (Integer) v.get("eval-samples"),
            (Integer) v.get("eval-reference"),
            ((String) v.get("eval-classifier")).trim());
    Map<String, String> resolved = new LinkedHashMap<>();
    for (ConfigKey k : ConfigKeys.all()) resolved.put(k.name(), text.get(k.name()).trim());
    return new TrainConfig((String) v.get("preset"), model, objective, data, optim, run, resolved);
  }
}
