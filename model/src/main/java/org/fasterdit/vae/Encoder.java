package org.fasterdit.vae;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.model.Params;

/**
 * Image (N, in, H, W) -> posterior moments before quant_conv (N, 2 * latent, H/f, W/f), f =
 * 2^(levels - 1): conv_in; per level {@code layers_per_block} ResNet blocks (the first changes the
 * width) and, on every level but the last, a stride-2 downsample; the mid block; GroupNorm, SiLU,
 * conv_out.
 */
final class Encoder {
  private final List<UnaryOperator<Tensor>> stages = new ArrayList<>();

  Encoder(Params p, VaeConfig c) {
    List<Integer> widths = c.blockOutChannels();
    Conv2d convIn = Conv2d.same3x3(p.child("conv_in"), c.inChannels(), widths.get(0));
    stages.add(convIn::forward);
    Params levels = p.child("down_blocks");
    long prev = widths.get(0);
    for (int i = 0; i < widths.size(); i++) {
      Params level = levels.child(Integer.toString(i));
      Params resnets = level.child("resnets");
      long w = widths.get(i);
      for (int j = 0; j < c.layersPerBlock(); j++) {
        stages.add(
            new ResnetBlock(
                    resnets.child(Integer.toString(j)), j == 0 ? prev : w, w, c.normGroups())
                ::forward);
      }
      if (i < widths.size() - 1) {
        Conv2d down =
            new Conv2d(level.child("downsamplers").child("0").child("conv"), w, w, 3, 2, 0);
        // pad right and bottom only (left 0, right 1, top 0, bottom 1), then an unpadded stride-2
        // conv:
        // the LDM code's asymmetric downsampling, which the weights were trained with
        stages.add(h -> down.forward(torch.constant_pad_nd(h, 0, 1, 0, 1)));
      }
      prev = w;
    }
    stages.addAll(new MidBlock(p.child("mid_block"), prev, c.normGroups()).stages());
    GroupNorm normOut = new GroupNorm(p.child("conv_norm_out"), prev, c.normGroups());
    Conv2d convOut = Conv2d.same3x3(p.child("conv_out"), prev, 2L * c.latentChannels());
    stages.add(h -> convOut.forward(normOut.forwardSilu(h)));
  }

  List<UnaryOperator<Tensor>> stages() {
    return stages;
  }
}
