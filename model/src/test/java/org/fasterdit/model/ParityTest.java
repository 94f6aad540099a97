package org.fasterdit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fasterdit.torch.Precision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java DiT against outputs of the team's reference PyTorch DiT
 * (benchmarks/reference/make_parity_cases.py), on checkpoints that Python wrote in both layouts
 * (state_dict OrderedDict; {"model","ema","opt","args"}), in fp32, bf16 and fp16 storage, patch 2,
 * 4 and 8, with and without learn_sigma, and as safetensors.
 */
class ParityTest {
  static final Path DIR = Path.of("src/test/resources/parity");

  static List<JsonNode> cases() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile()).forEach(out::add);
    return out;
  }

  private static Parity.Result run(JsonNode c, Precision p) {
    String key = c.get("key").isNull() ? null : c.get("key").asText();
    return Parity.run(
        DIR.resolve(c.get("checkpoint").asText()),
        key,
        c.get("heads").asInt(),
        DIR.resolve(c.get("npz").asText()),
        p);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void fp32MatchesTheReference(JsonNode c) {
    Parity.Result r = run(c, Precision.FP32);
    assertEquals(c.get("depth").asInt(), r.config().depth());
    assertEquals(c.get("hidden").asInt(), r.config().hidden());
    assertEquals(c.get("patch").asInt(), r.config().patch());
    assertEquals(c.get("input_size").asInt(), r.config().inputSize());
    assertEquals(c.get("in_channels").asInt(), r.config().inChannels());
    assertEquals(c.get("num_classes").asInt(), r.config().numClasses());
    assertEquals(c.get("learn_sigma").asBoolean(), r.config().learnSigma());
    assertTrue(r.maxAbsErr() <= 1e-5, c.get("name") + ": max abs err " + r.maxAbsErr());
    assertTrue(r.cfgMaxAbsErr() <= 1e-5, c.get("name") + ": cfg max abs err " + r.cfgMaxAbsErr());
  }

  /**
   * bf16 autocast (fp32 master weights, attention in fp32 on CPU): bf16 keeps 8 mantissa bits, so
   * through a few blocks we allow 3% of the reference output's range.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void bf16AutocastStaysClose(JsonNode c) throws Exception {
    Parity.Result r = run(c, Precision.BF16);
    var ref =
        org.fasterdit.io.Npz.read(DIR.resolve(c.get("npz").asText())).get("out").toFloatArray();
    double range = 0;
    for (float v : ref) range = Math.max(range, Math.abs(v));
    assertTrue(r.maxAbsErr() > 0, "bf16 should differ from fp32 at all");
    assertTrue(
        r.maxAbsErr() <= 0.03 * range,
        c.get("name") + ": bf16 max abs err " + r.maxAbsErr() + " vs range " + range);
  }
}
