package org.fasterdit.vae;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.fasterdit.io.HostTensor;

/**
 * Renames an autoencoder state dict from the original LDM / CompVis layout, or from the attention
 * names diffusers wrote before 0.15, to the current diffusers names the model registers. Names it
 * does not know pass through unchanged, so the model's key check reports them as unexpected.
 *
 * <pre>
 *   LDM                                      diffusers
 *   encoder.down.I.block.J.nin_shortcut      encoder.down_blocks.I.resnets.J.conv_shortcut
 *   encoder.down.I.downsample.conv           encoder.down_blocks.I.downsamplers.0.conv
 *   decoder.up.I.block.J / .upsample.conv    decoder.up_blocks.(L-1-I).resnets.J / .upsamplers.0.conv
 *   *.mid.block_1, *.mid.block_2             *.mid_block.resnets.0, .1
 *   *.mid.attn_1.{norm,q,k,v,proj_out}       *.mid_block.attentions.0.{group_norm,to_q,to_k,to_v,to_out.0}
 *   *.norm_out                               *.conv_norm_out
 *   diffusers before 0.15: attentions.0.{query,key,value,proj_attn} = {to_q,to_k,to_v,to_out.0}
 * </pre>
 *
 * LDM stores the attention projections as 1x1 convolutions (C, C, 1, 1); they become the (C, C)
 * Linear weights by a reshape of the same bytes.
 */
final class LdmNames {
  private LdmNames() {}

  /** True when the names are the original LDM layout (as opposed to diffusers, old or new). */
  static boolean isLdm(Map<String, HostTensor> sd) {
    return sd.keySet().stream()
        .anyMatch(
            k ->
                k.startsWith("encoder.down.")
                    || k.startsWith("decoder.up.")
                    || k.contains(".mid.attn_1."));
  }

  static Map<String, HostTensor> toDiffusers(Map<String, HostTensor> sd) {
    boolean ldm = isLdm(sd);
    int levels = ldm ? decoderLevels(sd) : 0;
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (var e : sd.entrySet()) {
      String name = ldm ? fromLdm(e.getKey(), levels) : fromOldDiffusers(e.getKey());
      HostTensor t = e.getValue();
      if (name.contains(".mid_block.attentions.0.")
          && name.endsWith(".weight")
          && t.rank() == 4
          && !name.contains(".group_norm.")) {
        long[] s = t.shape(); // 1x1 conv kernel (C_out, C_in, 1, 1) -> Linear (C_out, C_in)
        if (s[2] == 1 && s[3] == 1)
          t = new HostTensor(t.dtype(), new long[] {s[0], s[1]}, t.data());
      }
      if (out.put(name, t) != null) {
        throw new IllegalArgumentException(
            "the checkpoint holds '" + name + "' twice (under two naming schemes)");
      }
    }
    return out;
  }

  private static int decoderLevels(Map<String, HostTensor> sd) {
    TreeSet<Integer> up = new TreeSet<>();
    for (String k : sd.keySet()) {
      if (k.startsWith("decoder.up.")) {
        String rest = k.substring("decoder.up.".length());
        try {
          up.add(Integer.parseInt(rest.substring(0, Math.max(rest.indexOf('.'), 0))));
        } catch (NumberFormatException e) {
          // left for the key check to report
        }
      }
    }
    return up.isEmpty() ? 0 : up.last() + 1;
  }

  private static String fromOldDiffusers(String k) {
    return k.replace(".attentions.0.query.", ".attentions.0.to_q.")
        .replace(".attentions.0.key.", ".attentions.0.to_k.")
        .replace(".attentions.0.value.", ".attentions.0.to_v.")
        .replace(".attentions.0.proj_attn.", ".attentions.0.to_out.0.");
  }

  private static String fromLdm(String k, int levels) {
    String[] p = k.split("\\.");
    if (p.length < 3 || !(p[0].equals("encoder") || p[0].equals("decoder"))) return k;
    String part = p[0];
    String rest = tail(p, 2);
    switch (p[1]) {
      case "down", "up" -> {
        if (p.length < 5 || !isIndex(p[2])) return k;
        boolean down = p[1].equals("down");
        int level = down ? Integer.parseInt(p[2]) : levels - 1 - Integer.parseInt(p[2]);
        String block = (down ? "down_blocks." : "up_blocks.") + level;
        String inner = tail(p, 4);
        if (p[3].equals("block") && isIndex(p[4])) {
          return part + "." + block + ".resnets." + p[4] + "." + resnet(tail(p, 5));
        }
        if (p[3].equals("downsample") || p[3].equals("upsample")) {
          return part + "." + block + (down ? ".downsamplers.0." : ".upsamplers.0.") + inner;
        }
        return k;
      }
      case "mid" -> {
        String inner = tail(p, 3);
        return switch (p[2]) {
          case "block_1" -> part + ".mid_block.resnets.0." + resnet(inner);
          case "block_2" -> part + ".mid_block.resnets.1." + resnet(inner);
          case "attn_1" -> part + ".mid_block.attentions.0." + attention(inner);
          default -> k;
        };
      }
      case "norm_out" -> {
        return part + ".conv_norm_out." + rest;
      }
      default -> {
        return k; // conv_in, conv_out keep their names
      }
    }
  }

  private static String resnet(String inner) {
    return inner.startsWith("nin_shortcut.")
        ? "conv_shortcut." + inner.substring("nin_shortcut.".length())
        : inner;
  }

  private static String attention(String inner) {
    int dot = inner.indexOf('.');
    String head = dot < 0 ? inner : inner.substring(0, dot);
    String param = dot < 0 ? "" : inner.substring(dot);
    return switch (head) {
      case "norm" -> "group_norm" + param;
      case "q" -> "to_q" + param;
      case "k" -> "to_k" + param;
      case "v" -> "to_v" + param;
      case "proj_out" -> "to_out.0" + param;
      default -> inner;
    };
  }

  private static String tail(String[] p, int from) {
    return from >= p.length
        ? ""
        : String.join(".", java.util.Arrays.copyOfRange(p, from, p.length));
  }

  private static boolean isIndex(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
  }
}
