package org.fasterdit.vae;

import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.fasterdit.model.Params;

/**
 * ResNet, attention, ResNet at the lowest resolution ({@code resnets.0}, {@code attentions.0},
 * {@code resnets.1}).
 */
final class MidBlock {
  private final ResnetBlock first;
  private final MidAttention attention;
  private final ResnetBlock second;

  MidBlock(Params p, long channels, long groups) {
    Params resnets = p.child("resnets");
    this.first = new ResnetBlock(resnets.child("0"), channels, channels, groups);
    this.attention = new MidAttention(p.child("attentions").child("0"), channels, groups);
    this.second = new ResnetBlock(resnets.child("1"), channels, channels, groups);
  }

  List<UnaryOperator<Tensor>> stages() {
    return List.of(first::forward, attention::forward, second::forward);
  }
}
