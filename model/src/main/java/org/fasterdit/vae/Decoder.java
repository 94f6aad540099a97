package org.fasterdit.vae;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.fasterdit.model.Params;

/**
 * Latent (N, latent, h, w) after post_quant_conv -> image (N, in, h*f, w*f): conv_in to the widest
 * level; the mid block; the levels in reverse width order ({@code up_blocks.0} is the widest, the
 * LDM layout numbers it {@code up.<levels-1>}), each {@code layers_per_block + 1} ResNet blocks
 * and, on every level but the last, a nearest x2 upsample and a 3x3 conv; GroupNorm, SiLU,
 * conv_out.
 */
final class Decoder {
  private final List<UnaryOperator<Tensor>> stages = new ArrayList<>();

  Decoder(Params p, VaeConfig c) {
    List<Integer> widths = c.blockOutChannels().reversed();
    long prev = widths.get(0);
    Conv2d convIn = Conv2d.same3x3(p.child("conv_in"), c.latentChannels(), prev);
    stages.add(convIn::forward);
    stages.addAll(new MidBlock(p.child("mid_block"), prev, c.normGroups()).stages());
    Params levels = p.child("up_blocks");
    for (int i = 0; i < widths.size(); i++) {
      Params level = levels.child(Integer.toString(i));
      Params resnets = level.child("resnets");
      long w = widths.get(i);
      for (int j = 0; j <= c.layersPerBlock(); j++) {
        stages.add(
            new ResnetBlock(
                    resnets.child(Integer.toString(j)), j == 0 ? prev : w, w, c.normGroups())
                ::forward);
      }
      if (i < widths.size() - 1) {
        Conv2d up = Conv2d.same3x3(level.child("upsamplers").child("0").child("conv"), w, w);
        stages.add(h -> up.forward(torch.upsample_nearest2d(h, 2 * h.size(2), 2 * h.size(3))));
      }
      prev = w;
    }
    GroupNorm normOut = new GroupNorm(p.child("conv_norm_out"), prev, c.normGroups());
    Conv2d convOut = Conv2d.same3x3(p.child("conv_out"), prev, c.inChannels());
    stages.add(h -> convOut.forward(normOut.forwardSilu(h)));
  }

  List<UnaryOperator<Tensor>> stages() {
    return stages;
  }
}
