package org.fasterdit.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.io.FuzzTally;
import org.fasterdit.io.Mutator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of every VAE weight layout {@code --vae} accepts: each must load a model whose
 * weights match the file, or be refused with an IllegalArgumentException / TensorFormatException
 * naming the file or folder; never another exception, a native error or a huge allocation. The
 * seeds are the parity fixtures (random narrow weights, README there) plus the legacy pre-1.6
 * torch.save of the same state dict ({@code fuzz/legacy_fp16}, benchmarks/reference/
 * make_fuzz_fixtures.py). {@code -Dfasterdit.fuzz=N} sets the mutations per format.
 */
class VaeWeightsFuzzTest {
  static final Path DIR = VaeParityTest.DIR;
  static final Device CPU = new Device(DeviceType.CPU);
  static final int N = Integer.getInteger("fasterdit.fuzz", 200);

  @TempDir Path tmp;

  /**
   * @param seed a diffusers folder, or a single file
   * @param target the file in it that is mutated (the seed itself for a single file)
   */
  record Format(String name, Path seed, String target) {}

  static final List<Format> FORMATS =
      List.of(
          new Format(
              "safetensors",
              DIR.resolve("diffusers_new_fp16"),
              "diffusion_pytorch_model.safetensors"),
          new Format("pt-zip", DIR.resolve("diffusers_old_fp16"), "diffusion_pytorch_model.bin"),
          new Format("pt-legacy", DIR.resolve("fuzz/legacy_fp16"), "diffusion_pytorch_model.bin"),
          new Format("ckpt-zip-ldm", DIR.resolve("ldm_vae_only_fp16.ckpt"), null));

  /** Mutates the whole file, or a window where the structure lives (pickle/header, zip trailer). */
  static byte[] mutate(byte[] seed, Random r) {
    if (r.nextBoolean()) return Mutator.mutate(seed, r);
    int w = Math.min(seed.length, 256);
    int start =
        r.nextBoolean()
            ? r.nextInt(Math.max(1, Math.min(seed.length, 32 << 10) - w + 1))
            : Math.max(0, seed.length - w - r.nextInt(Math.min(seed.length, 24 << 10)));
    return Mutator.mutateWindow(seed, start, w, r);
  }

  /** Loads; a model that loads must hold exactly the file's shapes (checked by load) and work. */
  static Object loadAndCheck(Path p) {
    try (AutoencoderKL vae = AutoencoderKL.load(p, CPU)) {
      assertTrue(vae.parameterCount() > 0);
      assertEquals(vae.config().levels(), vae.config().blockOutChannels().size());
    }
    return null;
  }

  private static Path copySeed(Format f, Path dir) throws Exception {
    if (f.target() == null) {
      Path file = dir.resolve(f.seed().getFileName());
      Files.copy(f.seed(), file);
      return file;
    }
    Path folder = Files.createDirectories(dir.resolve(f.name()));
    try (Stream<Path> s = Files.list(f.seed())) {
      for (Path p : s.toList()) Files.copy(p, folder.resolve(p.getFileName()));
    }
    return folder;
  }

  @Test
  void mutatedWeightFilesLoadOrFailCleanly() throws Exception {
    FuzzTally tally = new FuzzTally("VaeWeightsFuzzTest");
    for (Format f : FORMATS) {
      Path input = copySeed(f, tmp);
      Path target = f.target() == null ? input : input.resolve(f.target());
      byte[] seed = Files.readAllBytes(target);
      assertTrue(tally.run(f.name() + "/seed", 0, input.toString(), () -> loadAndCheck(input)));
      Random r = new Random(17 + f.name().hashCode());
      for (int i = 0; i < N; i++) {
        Files.write(target, mutate(seed, r));
        tally.run(f.name(), i, input.toString(), () -> loadAndCheck(input));
      }
      assertTrue(tally.refused(f.name()) > 0, f.name() + ": no mutation was refused");
    }
    System.out.print(tally.report());
  }

  /** Hostile values for config.json keys: wrong types, absurd sizes, negatives, empties. */
  static final List<Object> HOSTILE =
      Arrays.asList(
          null,
          0L,
          -1L,
          -8L,
          1.5,
          1e9,
          1_000_000_000L,
          2_147_483_648L,
          Long.MAX_VALUE,
          "x",
          true,
          false,
          List.of(),
          Map.of(),
          List.of(1_000_000_000L),
          List.of(8L, 1_000_000_000L, 16L, 16L),
          List.of(-8L, 16L, 16L, 16L),
          List.of(0L, 16L, 16L, 16L),
          List.of(8L, 16L),
          List.of(8L, 16L, 16L, 16L, 16L),
          List.of(16L, 16L, 16L, 16L),
          Collections.nCopies(40, 16L),
          List.of("DownEncoderBlock2D"),
          List.of(8.5, 16L, 16L, 16L),
          List.of(List.of(8L), 16L, 16L, 16L));

  static final List<String> KEYS =
      List.of(
          "block_out_channels",
          "layers_per_block",
          "latent_channels",
          "norm_num_groups",
          "in_channels",
          "out_channels",
          "scaling_factor",
          "_class_name",
          "act_fn",
          "down_block_types",
          "up_block_types",
          "use_quant_conv",
          "use_post_quant_conv",
          "mid_block_add_attention");

  /** Texts no JSON reader should choke on. */
  static final List<String> HOSTILE_TEXT =
      List.of(
          "",
          "null",
          "[]",
          "\"AutoencoderKL\"",
          "\uFEFF{}",
          "{\"block_out_channels\": [8, 16, 16, 16], \"layers_per_block\": 1e400}",
          "{\"block_out_channels\": [99999999999999999999999999], \"layers_per_block\": 2}",
          "{\"block_out_channels\": [8, 16, 16, 16], \"layers_per_block\": 2, \"a\": \"\\ud800",
          "[".repeat(100_000),
          "{\"a\":".repeat(50_000),
          "{\"block_out_channels\": [8, 16, 16, 16]} trailing");

  @Test
  void brokenConfigsFailCleanly() throws Exception {
    FuzzTally tally = new FuzzTally("VaeWeightsFuzzTest");
    Format f = FORMATS.get(0);
    Path folder = copySeed(f, tmp);
    Path config = folder.resolve("config.json");
    byte[] seed = Files.readAllBytes(config);
    ObjectMapper json = new ObjectMapper();
    @SuppressWarnings("unchecked")
    Map<String, Object> good = json.readValue(seed, LinkedHashMap.class);
    Random r = new Random(5);
    for (int i = 0; i < N; i++) {
      String kind;
      if (i % 3 == 0) {
        kind = "config.json/bytes";
        Files.write(config, Mutator.mutate(seed, r));
      } else {
        kind = "config.json/fields";
        Map<String, Object> c = new LinkedHashMap<>(good);
        for (int k = 0, n = 1 + r.nextInt(2); k < n; k++) {
          String key = KEYS.get(r.nextInt(KEYS.size()));
          if (r.nextInt(6) == 0) c.remove(key);
          else c.put(key, HOSTILE.get(r.nextInt(HOSTILE.size())));
        }
        Files.write(config, json.writeValueAsBytes(c));
      }
      tally.run(kind, i, folder.toString(), () -> loadAndCheck(folder));
    }
    for (int i = 0; i < HOSTILE_TEXT.size(); i++) {
      Files.writeString(config, HOSTILE_TEXT.get(i), StandardCharsets.UTF_8);
      assertEquals(
          false,
          tally.run("config.json/texts", i, folder.toString(), () -> loadAndCheck(folder)),
          HOSTILE_TEXT.get(i));
    }
    // weights missing, or from another architecture, under a good config
    Files.write(config, seed);
    List<Path> weights = new ArrayList<>();
    weights.add(DIR.resolve("small3_ldm_fp16.safetensors"));
    weights.add(DIR.resolve("ldm_fp16.safetensors"));
    Path w = folder.resolve(f.target());
    for (int i = 0; i < weights.size(); i++) {
      Files.copy(weights.get(i), w, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertEquals(
          false,
          tally.run("config.json/other-weights", i, folder.toString(), () -> loadAndCheck(folder)));
    }
    Files.delete(w);
    assertEquals(
        false,
        tally.run("config.json/no-weights", 0, folder.toString(), () -> loadAndCheck(folder)));
    assertTrue(tally.refused("config.json/fields") > 0);
    System.out.print(tally.report());
  }

  /**
   * Sizes that the checks of each field let through but that describe a model far larger than the
   * file: refused by name before any weight memory is allocated (the old loader tried to allocate
   * 10^9-wide convolutions and died in the native allocator).
   */
  @Test
  void absurdSizesAreRefusedBeforeAllocating() throws Exception {
    Path folder = copySeed(FORMATS.get(0), tmp);
    Path config = folder.resolve("config.json");
    ObjectMapper json = new ObjectMapper();
    @SuppressWarnings("unchecked")
    Map<String, Object> good = json.readValue(config.toFile(), LinkedHashMap.class);
    List<Map<String, Object>> bad =
        List.of(
            Map.of("block_out_channels", List.of(8L, 1_000_000_000L, 16L, 16L)),
            Map.of("block_out_channels", List.of(2_147_483_644L, 16L, 16L, 16L)),
            Map.of("layers_per_block", 2_147_483_647L),
            Map.of("latent_channels", 1_000_000_000L),
            Map.of("in_channels", 1_000_000_000L, "out_channels", 1_000_000_000L));
    for (Map<String, Object> edit : bad) {
      Map<String, Object> c = new LinkedHashMap<>(good);
      c.putAll(edit);
      Files.write(config, json.writeValueAsBytes(c));
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalArgumentException.class, () -> loadAndCheck(folder), edit.toString());
      assertTrue(
          e.getMessage().contains(folder.toString())
              && e.getMessage().contains("parameters but the file holds only"),
          e.getMessage());
    }
    Map<String, Object> deep = new LinkedHashMap<>(good);
    deep.put("block_out_channels", Collections.nCopies(17, 16L));
    Files.write(config, json.writeValueAsBytes(deep));
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> loadAndCheck(folder));
    assertTrue(e.getMessage().contains("17 levels, at most 16"), e.getMessage());
  }

  /** A single-file checkpoint's shape is inferred from tensors: crafted shapes are refused. */
  @Test
  void craftedShapesInAnLdmFileAreRefused() throws Exception {
    Path src = DIR.resolve("small3_ldm_fp16.safetensors");
    String[][] edits = {
      {"encoder.conv_in.weight", "scalar", "not a convolution kernel"},
      {"post_quant_conv.weight", "wide-empty", "parameters but the file holds only"},
      {"encoder.down.0.block.0.conv1.weight", "wide-empty", "parameters but the file holds only"}
    };
    for (String[] edit : edits) {
      Map<String, org.fasterdit.io.HostTensor> sd = new LinkedHashMap<>();
      try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
        org.fasterdit.io.SafeTensors.read(src, arena)
            .tensors()
            .forEach((k, v) -> sd.put(k, v.copyToHeap()));
      }
      assertTrue(sd.containsKey(edit[0]), edit[0]);
      sd.put(
          edit[0],
          edit[1].equals("scalar")
              ? org.fasterdit.io.HostTensor.ofFloats(new long[0], new float[1])
              : org.fasterdit.io.HostTensor.ofFloats(
                  new long[] {1_000_000, 0, 1, 1}, new float[0]));
      Path file = tmp.resolve("crafted.safetensors");
      org.fasterdit.io.SafeTensors.write(file, sd, Map.of());
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalArgumentException.class, () -> loadAndCheck(file), edit[0]);
      assertTrue(
          e.getMessage().contains(file.toString()) && e.getMessage().contains(edit[2]),
          e.getMessage());
    }
  }
}
