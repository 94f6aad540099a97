"""The team's own PyTorch AutoencoderKL (the Stable Diffusion "kl-f8" first stage), ground truth for the Java port.

Written from the public description of the LDM / diffusers autoencoder (no code copied). Parameter names follow the
current diffusers layout (``encoder.down_blocks.0.resnets.0.norm1.weight``, attention ``to_q/to_k/to_v/to_out.0`` as
2-D Linear weights); ``ldm_names`` / ``diffusers_old_names`` below map a state dict to the other two layouts.

Architecture (every detail is checked by the Java parity tests):
  Encoder: conv_in 3x3 -> per level ``layers_per_block`` ResNet blocks (the first changes the width), then on every
           level but the last a downsample: zero-pad (left 0, right 1, top 0, bottom 1), 3x3 conv, stride 2, no padding
           -> mid block (ResNet, single-head self-attention, ResNet) -> GroupNorm, SiLU, conv_out 3x3 to 2*latent.
  quant_conv 1x1 (2*latent -> 2*latent); posterior mean, logvar = chunk(2, dim=1); logvar clamped to [-30, 20].
  post_quant_conv 1x1 (latent -> latent).
  Decoder: conv_in 3x3 (latent -> widest) -> mid block -> levels in reverse width order, each ``layers_per_block + 1``
           ResNet blocks, then on every level but the last nearest x2 upsample + 3x3 conv -> GroupNorm, SiLU, conv_out.
  ResNet block: h = conv2(SiLU(GN2(conv1(SiLU(GN1(x)))))); out = shortcut(x) + h, shortcut a 1x1 conv when the
           width changes. Every GroupNorm has eps 1e-6 and ``norm_num_groups`` groups.
  Attention: GN, q/k/v projections over the C channels of each of the H*W positions, softmax(q k^T / sqrt(C)) v,
           output projection, plus the residual.

Usage as a script: a smoke test of the SD shape on a random image.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

GN_EPS = 1e-6
LOGVAR_MIN, LOGVAR_MAX = -30.0, 20.0
SD_SCALING_FACTOR = 0.18215


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=GN_EPS)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, cout, eps=GN_EPS)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))  # dropout is 0 in the SD VAE
        skip = self.conv_shortcut(x) if self.conv_shortcut is not None else x
        return skip + h


class Attention(nn.Module):
    """Single-head self-attention over all H*W positions (the mid block's only attention)."""

    def __init__(self, c, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, c, eps=GN_EPS)
        self.to_q = nn.Linear(c, c)
        self.to_k = nn.Linear(c, c)
        self.to_v = nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c)])

    def forward(self, x):
        n, c, h, w = x.shape
        t = self.group_norm(x).reshape(n, c, h * w).transpose(1, 2)  # (N, HW, C)
        q, k, v = self.to_q(t), self.to_k(t), self.to_v(t)
        # softmax in float64/32 as given; written out so it does not depend on torch 2's SDPA
        weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1)  # (N, HW, HW)
        o = self.to_out[0](weights @ v)  # (N, HW, C)
        return x + o.transpose(1, 2).reshape(n, c, h, w)


class MidBlock(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock(c, c, groups), ResnetBlock(c, c, groups)])
        self.attentions = nn.ModuleList([Attention(c, groups)])

    def forward(self, x):
        x = self.resnets[0](x)
        x = self.attentions[0](x)
        return self.resnets[1](x)


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))  # (left, right, top, bottom): asymmetric, as the LDM code


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    def __init__(self, cin, cout, layers, groups, downsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock(cin if j == 0 else cout, cout, groups) for j in range(layers)])
        self.downsamplers = nn.ModuleList([Downsample(cout)]) if downsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.downsamplers[0](x) if self.downsamplers is not None else x


class UpBlock(nn.Module):
    def __init__(self, cin, cout, layers, groups, upsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock(cin if j == 0 else cout, cout, groups) for j in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample(cout)]) if upsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x


class Encoder(nn.Module):
    def __init__(self, in_channels, widths, layers, latent, groups):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, widths[0], 3, padding=1)
        blocks, prev = [], widths[0]
        for i, w in enumerate(widths):
            blocks.append(DownBlock(prev, w, layers, groups, downsample=i < len(widths) - 1))
            prev = w
        self.down_blocks = nn.ModuleList(blocks)
        self.mid_block = MidBlock(widths[-1], groups)
        self.conv_norm_out = nn.GroupNorm(groups, widths[-1], eps=GN_EPS)
        self.conv_out = nn.Conv2d(widths[-1], 2 * latent, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for b in self.down_blocks:
            h = b(h)
        h = self.mid_block(h)
        return self.conv_out(F.silu(self.conv_norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, out_channels, widths, layers, latent, groups):
        super().__init__()
        rev = list(reversed(widths))
        self.conv_in = nn.Conv2d(latent, rev[0], 3, padding=1)
        self.mid_block = MidBlock(rev[0], groups)
        blocks, prev = [], rev[0]
        for i, w in enumerate(rev):
            blocks.append(UpBlock(prev, w, layers + 1, groups, upsample=i < len(rev) - 1))
            prev = w
        self.up_blocks = nn.ModuleList(blocks)
        self.conv_norm_out = nn.GroupNorm(groups, widths[0], eps=GN_EPS)
        self.conv_out = nn.Conv2d(widths[0], out_channels, 3, padding=1)

    def forward(self, z):
        h = self.mid_block(self.conv_in(z))
        for b in self.up_blocks:
            h = b(h)
        return self.conv_out(F.silu(self.conv_norm_out(h)))


class AutoencoderKL(nn.Module):
    def __init__(self, block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                 norm_num_groups=32, in_channels=3):
        super().__init__()
        self.config = dict(block_out_channels=list(block_out_channels), layers_per_block=layers_per_block,
                           latent_channels=latent_channels, norm_num_groups=norm_num_groups,
                           in_channels=in_channels, out_channels=in_channels)
        widths = list(block_out_channels)
        self.encoder = Encoder(in_channels, widths, layers_per_block, latent_channels, norm_num_groups)
        self.decoder = Decoder(in_channels, widths, layers_per_block, latent_channels, norm_num_groups)
        self.quant_conv = nn.Conv2d(2 * latent_channels, 2 * latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(latent_channels, latent_channels, 1)

    def encode(self, x):
        """x (N, C, H, W) in [-1, 1] -> (mean, logvar), each (N, latent, H/f, W/f), f = 2^(levels-1)."""
        mean, logvar = torch.chunk(self.quant_conv(self.encoder(x)), 2, dim=1)
        return mean, torch.clamp(logvar, LOGVAR_MIN, LOGVAR_MAX)

    @staticmethod
    def sample(mean, logvar, noise):
        return mean + torch.exp(0.5 * logvar) * noise

    def decode(self, z):
        """Unscaled latents (divide DiT latents by the scaling factor first) -> images, ~[-1, 1] for trained weights."""
        return self.decoder(self.post_quant_conv(z))


def diffusers_old_names(state):
    """Current diffusers names -> the names diffusers wrote before 0.15 (attention query/key/value/proj_attn)."""
    out = {}
    for k, v in state.items():
        for new, old in ((".to_q.", ".query."), (".to_k.", ".key."), (".to_v.", ".value."),
                         (".to_out.0.", ".proj_attn.")):
            k = k.replace(new, old)
        out[k] = v
    return out


ATTN_LDM = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v"}


def ldm_names(state, levels):
    """Current diffusers names -> the original LDM names; attention weights become 1x1 conv kernels (C, C, 1, 1)."""
    out = {}
    for k, v in state.items():
        p = k.split(".")
        if p[0] in ("encoder", "decoder") and p[1] == "down_blocks":
            # encoder.down_blocks.i.resnets.j.X -> encoder.down.i.block.j.X; downsamplers.0.conv -> downsample.conv
            rest = p[3:]
            rest = ["block"] + rest[1:] if rest[0] == "resnets" else ["downsample"] + rest[2:]
            p = [p[0], "down", p[2]] + rest
        elif p[0] == "decoder" and p[1] == "up_blocks":
            rest = p[3:]
            rest = ["block"] + rest[1:] if rest[0] == "resnets" else ["upsample"] + rest[2:]
            p = [p[0], "up", str(levels - 1 - int(p[2]))] + rest  # LDM numbers decoder levels from the top
        elif len(p) > 1 and p[1] == "mid_block":
            if p[2] == "resnets":
                p = [p[0], "mid", "block_" + str(int(p[3]) + 1)] + p[4:]
            else:  # mid_block.attentions.0.X
                rest = p[4:]
                rest = ["proj_out"] + rest[2:] if rest[0] == "to_out" else [ATTN_LDM[rest[0]]] + rest[1:]
                p = [p[0], "mid", "attn_1"] + rest
                if v.dim() == 2:  # Linear (C, C) -> 1x1 conv (C, C, 1, 1)
                    v = v.reshape(v.shape[0], v.shape[1], 1, 1)
        elif len(p) > 1 and p[1] == "conv_norm_out":
            p = [p[0], "norm_out"] + p[2:]
        name = ".".join(p).replace("conv_shortcut", "nin_shortcut")
        out[name] = v
    return out


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


if __name__ == "__main__":
    torch.manual_seed(0)
    vae = AutoencoderKL().eval()
    print("SD VAE parameters:", parameter_count(vae))  # 83.65M
    with torch.no_grad():
        x = torch.rand(1, 3, 64, 64) * 2 - 1
        mean, logvar = vae.encode(x)
        print("latent", tuple(mean.shape), "decoded", tuple(vae.decode(mean).shape))
    names = ldm_names(vae.state_dict(), 4)
    assert "decoder.up.3.block.0.conv1.weight" in names and "encoder.mid.attn_1.q.weight" in names
    assert names["encoder.mid.attn_1.q.weight"].dim() == 4
