package org.fasterdit.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.io.DType;
import org.fasterdit.io.HostTensor;
import org.fasterdit.io.SafeTensors;
import org.fasterdit.io.TensorFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad VAE input gets an error that names the file, the key and, for missing weights, where to get
 * them.
 */
class VaeLoadErrorsTest {
  static final Path GOOD = VaeParityTest.DIR.resolve("diffusers_new_fp32");
  static final Device CPU = new Device(DeviceType.CPU);

  @TempDir Path tmp;

  private String loadError(Path p) {
    RuntimeException e =
        assertThrows(RuntimeException.class, () -> AutoencoderKL.load(p, CPU).close());
    return e.getMessage();
  }

  /** A copy of the good diffusers folder whose weights were edited by {@code edit}. */
  private Path editedWeights(Consumer<Map<String, HostTensor>> edit) throws Exception {
    Path folder = Files.createDirectories(tmp.resolve("vae"));
    Files.copy(GOOD.resolve("config.json"), folder.resolve("config.json"));
    Map<String, HostTensor> sd = new LinkedHashMap<>();
    try (Arena arena = Arena.ofConfined()) {
      SafeTensors.read(GOOD.resolve("diffusion_pytorch_model.safetensors"), arena)
          .tensors()
          .forEach((k, v) -> sd.put(k, v.copyToHeap()));
    }
    edit.accept(sd);
    SafeTensors.write(folder.resolve("diffusion_pytorch_model.safetensors"), sd, Map.of());
    return folder;
  }

  private Path withConfig(String json) throws Exception {
    Path folder = Files.createDirectories(tmp.resolve("cfg"));
    Files.copy(
        GOOD.resolve("diffusion_pytorch_model.safetensors"),
        folder.resolve("diffusion_pytorch_model.safetensors"));
    Files.writeString(folder.resolve("config.json"), json);
    return folder;
  }

  @Test
  void aMissingPathSaysWhichPublicWeightsFit() {
    String m = loadError(tmp.resolve("nowhere"));
    assertTrue(
        m.contains("nowhere")
            && m.contains("stabilityai/sd-vae-ft-ema")
            && m.contains("sd-vae-ft-mse")
            && m.contains("vae-ft-mse-840000-ema-pruned.ckpt")
            && m.contains("never downloads"),
        m);
  }

  @Test
  void aFolderWithoutConfigOrWeightsIsNamed() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertTrue(loadError(empty).contains("without config.json"), loadError(empty));
    Files.copy(GOOD.resolve("config.json"), empty.resolve("config.json"));
    String m = loadError(empty);
    assertTrue(
        m.contains("but no weights") && m.contains("diffusion_pytorch_model.safetensors"), m);
  }

  @Test
  void missingUnexpectedAndMisShapedKeysAreNamed() throws Exception {
    Path p =
        editedWeights(
            sd -> {
              sd.remove("decoder.conv_out.bias");
              sd.put(
                  "encoder.conv_in.weight",
                  HostTensor.ofFloats(new long[] {8, 3, 1, 1}, new float[24]));
              sd.put("encoder.extra.weight", HostTensor.ofFloats(new long[] {1}, new float[1]));
            });
    String m = loadError(p);
    assertTrue(m.contains("missing keys: decoder.conv_out.bias"), m);
    assertTrue(m.contains("unexpected keys: encoder.extra.weight"), m);
    assertTrue(
        m.contains(
            "mis-shaped keys: encoder.conv_in.weight (checkpoint [8, 3, 1, 1], model [8, 3, 3, 3])"),
        m);
    assertTrue(m.contains(p.toString()), m);
  }

  @Test
  void brokenConfigsNameTheFileAndTheKey() throws Exception {
    Path p = withConfig("{\"block_out_channels\": [8, 16, 16, 16], \"layers_per_block\": 2,");
    String m = loadError(p);
    assertTrue(m.contains("config.json") && m.contains("bad JSON"), m);

    Files.writeString(
        p.resolve("config.json"), "{\"block_out_channels\": \"wide\", \"layers_per_block\": 2}");
    m = loadError(p);
    assertTrue(m.contains("config.json: key 'block_out_channels' must be a non-empty list"), m);

    Files.writeString(p.resolve("config.json"), "{\"block_out_channels\": [8, 16, 16, 16]}");
    m = loadError(p);
    assertTrue(m.contains("config.json: key 'layers_per_block' is required"), m);

    Files.writeString(
        p.resolve("config.json"),
        "{\"block_out_channels\": [8, 16, 16, 16], \"layers_per_block\": 2, \"norm_num_groups\": 3}");
    m = loadError(p);
    assertTrue(m.contains("config.json") && m.contains("multiple of norm_num_groups = 3"), m);

    Files.writeString(
        p.resolve("config.json"),
        "{\"block_out_channels\": [8, 16, 16, 16], \"layers_per_block\": 2, \"use_quant_conv\": false}");
    m = loadError(p);
    assertTrue(m.contains("config.json: key 'use_quant_conv' is false"), m);
  }

  @Test
  void aCorruptWeightsFileIsNamed() throws Exception {
    Path p = withConfig(Files.readString(GOOD.resolve("config.json")));
    Files.write(p.resolve("diffusion_pytorch_model.safetensors"), new byte[] {1, 2, 3});
    RuntimeException e =
        assertThrows(TensorFormatException.class, () -> AutoencoderKL.load(p, CPU));
    assertTrue(e.getMessage().contains("diffusion_pytorch_model.safetensors"), e.getMessage());
  }

  @Test
  void anImageOfTheWrongShapeIsRefused() {
    try (AutoencoderKL vae = AutoencoderKL.load(GOOD, CPU);
        var s = org.fasterdit.torch.NativeScope.open()) {
      var x = org.bytedeco.pytorch.global.torch.zeros(1, 3, 12, 16);
      var e = assertThrows(IllegalArgumentException.class, () -> vae.encode(x));
      assertTrue(
          e.getMessage().contains("multiples of 8") && e.getMessage().contains("[1, 3, 12, 16]"),
          e.getMessage());
      assertEquals(0.18215, vae.scalingFactor(), 0);
    }
  }

  @Test
  void theSdConfigHasTheSdParameterCount() {
    // the published SD VAE has 83,653,863 parameters (also what vae_reference.py counts)
    try (AutoencoderKL vae = new AutoencoderKL(VaeConfig.sd(), CPU)) {
      assertEquals(83_653_863L, vae.parameterCount());
      assertEquals(
          DType.F32,
          org.fasterdit.torch.Tensors.dtype(
              vae.stateDict().get("encoder.conv_in.weight").scalar_type()));
    }
  }
}
