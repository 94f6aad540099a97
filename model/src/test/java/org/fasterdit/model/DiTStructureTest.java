package org.fasterdit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.fasterdit.torch.NativeScope;
import org.fasterdit.torch.Tensors;
import org.junit.jupiter.api.Test;

class DiTStructureTest {
  static final Device CPU = new Device(DeviceType.CPU);

  @Test
  void namesFollowTheReferenceStateDict() {
    try (DiT m = new DiT(new DiTConfig(2, 64, 4, 2, 8, 4, 10, true), CPU, 0)) {
      var names = List.copyOf(m.stateDict().keySet());
      assertEquals("pos_embed", names.get(0));
      for (String k :
          List.of(
              "x_embedder.proj.weight",
              "x_embedder.proj.bias",
              "t_embedder.mlp.0.weight",
              "t_embedder.mlp.2.bias",
              "y_embedder.embedding_table.weight",
              "blocks.1.attn.qkv.weight",
              "blocks.1.attn.proj.bias",
              "blocks.0.mlp.fc1.weight",
              "blocks.0.mlp.fc2.bias",
              "blocks.0.adaLN_modulation.1.weight",
              "final_layer.linear.weight",
              "final_layer.adaLN_modulation.1.bias")) {
        assertTrue(names.contains(k), "missing " + k);
      }
      assertArrayEquals(
          new long[] {11, 64},
          Tensors.shape(m.stateDict().get("y_embedder.embedding_table.weight")));
      assertArrayEquals(
          new long[] {2 * 2 * 8, 64},
          Tensors.shape(m.stateDict().get("final_layer.linear.weight")));
      assertTrue(!m.params().isTrainable("pos_embed"));
    }
  }

  @Test
  void adaLnZeroMakesTheInitialOutputZero() {
    try (DiT m = new DiT(new DiTConfig(2, 64, 4, 4, 16, 3, 5, false), CPU, 7);
        var s = NativeScope.open()) {
      Tensor x = Tensors.ofFloats(new float[2 * 3 * 16 * 16], 2, 3, 16, 16).normal_();
      Tensor out =
          m.forward(
              x,
              Tensors.ofFloats(new float[] {3f, 500f}, 2),
              Tensors.ofLongs(new long[] {1, 5}, 2));
      assertArrayEquals(new long[] {2, 3, 16, 16}, Tensors.shape(out));
      for (float v : Tensors.toFloats(out)) assertEquals(0f, v);
    }
  }

  @Test
  void sameSeedSameWeights() {
    var cfg = new DiTConfig(1, 32, 2, 2, 8, 1, 3, false);
    try (DiT a = new DiT(cfg, CPU, 42);
        DiT b = new DiT(cfg, CPU, 42);
        DiT c = new DiT(cfg, CPU, 43)) {
      assertArrayEquals(a.get("blocks.0.attn.qkv.weight"), b.get("blocks.0.attn.qkv.weight"));
      assertTrue(a.get("blocks.0.attn.qkv.weight")[0] != c.get("blocks.0.attn.qkv.weight")[0]);
    }
  }

  @Test
  void impossibleConfigsAreRefusedByName() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new DiTConfig(2, 64, 5, 2, 8, 4, 10, true));
    assertTrue(
        e.getMessage().contains("heads (5) must divide the hidden size (64)"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> new DiTConfig(2, 64, 4, 3, 8, 4, 10, true));
    assertTrue(
        e.getMessage().contains("patch size 3 must divide the input size 8"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> DiTConfig.preset("DiT-M/2", 32, 4, 10, true));
    assertTrue(e.getMessage().contains("unknown model 'DiT-M/2'"), e.getMessage());
  }

  @Test
  void presetsHaveThePaperSizes() {
    var xl = DiTConfig.preset("DiT-XL/2", 32, 4, 1000, true);
    assertEquals(28, xl.depth());
    assertEquals(1152, xl.hidden());
    assertEquals(16, xl.heads());
    // The paper's Table 1 gives 118.6 GFLOPs (MACs) for DiT-XL/2 at 256 px and 6.06 for S/2.
    assertEquals(118.6, xl.forwardMacs() / 1e9, 0.6);
    assertEquals(6.06, DiTConfig.preset("DiT-S/2", 32, 4, 1000, true).forwardMacs() / 1e9, 0.1);
  }
}
