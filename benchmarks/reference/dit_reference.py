"""Compact reference DiT (Diffusion Transformer) in PyTorch.

Written for the FasterDiT-for-the-JVM project as the ground truth the Java/LibTorch model is
checked against. It follows the architecture facts in docs/recipe.md and keeps
the public DiT state-dict names, so checkpoints in that layout load with ``load_state_dict``.

Works with torch 1.13 (no scaled_dot_product_attention: attention is written out explicitly).

Conventions worth knowing on the Java side:
  * ``t`` is a float tensor of shape (N,) and is fed to the sinusoidal embedding as is (no scaling).
  * Timestep embedding: 256 frequencies f_i = exp(-ln(10000) * i / 128), i = 0..127,
    embedding = [cos(t * f), sin(t * f)] (cos half first).
  * adaLN chunks of a block, in order: shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp.
    Final layer chunks, in order: shift, scale.
  * Label ``num_classes`` is the null (unconditional) label; the caller does class dropout.
"""

import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------

def modulate(x, shift, scale):
    """x: (N, T, D); shift, scale: (N, D)."""
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


def sincos_1d(dim, positions):
    """1D sin-cos table: (len(positions), dim) = [sin(p * w), cos(p * w)], w_k = 10000^(-k / (dim/2))."""
    assert dim % 2 == 0
    half = dim // 2
    omega = 1.0 / (10000.0 ** (np.arange(half, dtype=np.float64) / half))
    angles = np.asarray(positions, dtype=np.float64).reshape(-1)[:, None] * omega[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)


def sincos_2d(dim, grid_size):
    """MAE-style 2D sin-cos position table of shape (grid_size**2, dim).

    Token k = row * grid_size + col (row-major over the patch grid, like flatten(2) of the conv
    output). The grid is built with the column (w) coordinate first, so the first dim/2 values of
    a token encode its column index and the last dim/2 encode its row index; each half is [sin, cos].
    """
    assert dim % 2 == 0
    rows, cols = np.meshgrid(np.arange(grid_size), np.arange(grid_size), indexing="ij")
    first = sincos_1d(dim // 2, cols)   # grid[0] = w / column coordinate
    second = sincos_1d(dim // 2, rows)  # grid[1] = h / row coordinate
    return np.concatenate([first, second], axis=1)


# ----------------------------------------------------------------------------------------------
# Embedders
# ----------------------------------------------------------------------------------------------

class TimestepEmbedder(nn.Module):
    def __init__(self, hidden, freq_dim=256, max_period=10000.0):
        super().__init__()
        self.freq_dim = freq_dim
        self.max_period = max_period
        self.mlp = nn.Sequential(nn.Linear(freq_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    def sinusoid(self, t):
        half = self.freq_dim // 2
        k = torch.arange(half, dtype=t.dtype, device=t.device)
        freqs = torch.exp(-math.log(self.max_period) * k / half)
        args = t.to(freqs.dtype)[:, None] * freqs[None, :]
        emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
        if self.freq_dim % 2:
            emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
        return emb

    def forward(self, t):
        return self.mlp(self.sinusoid(t))


class LabelEmbedder(nn.Module):
    """Table of (num_classes + 1) rows; row num_classes is the null label. No dropout here."""

    def __init__(self, num_classes, hidden):
        super().__init__()
        self.num_classes = num_classes
        self.embedding_table = nn.Embedding(num_classes + 1, hidden)

    def forward(self, y):
        return self.embedding_table(y)


class PatchEmbed(nn.Module):
    def __init__(self, in_ch, hidden, patch):
        super().__init__()
        self.proj = nn.Conv2d(in_ch, hidden, kernel_size=patch, stride=patch, bias=True)

    def forward(self, x):
        x = self.proj(x)                     # (N, D, H/p, W/p)
        return x.flatten(2).transpose(1, 2)  # (N, T, D), T row-major over the grid


# ----------------------------------------------------------------------------------------------
# Transformer parts
# ----------------------------------------------------------------------------------------------

class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        assert hidden % heads == 0
        self.heads = heads
        self.head_dim = hidden // heads
        self.qkv = nn.Linear(hidden, 3 * hidden, bias=True)
        self.proj = nn.Linear(hidden, hidden)

    def forward(self, x):
        n, tok, d = x.shape
        qkv = self.qkv(x).reshape(n, tok, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]     # each (N, heads, T, head_dim)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        out = scores.softmax(dim=-1) @ v     # (N, heads, T, head_dim)
        return self.proj(out.transpose(1, 2).reshape(n, tok, d))


class Mlp(nn.Module):
    def __init__(self, hidden, ratio=4.0):
        super().__init__()
        inner = int(hidden * ratio)
        self.fc1 = nn.Linear(hidden, inner)
        self.fc2 = nn.Linear(inner, hidden)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class DiTBlock(nn.Module):
    def __init__(self, hidden, heads, mlp_ratio=4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(hidden, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(hidden, heads)
        self.norm2 = nn.LayerNorm(hidden, elementwise_affine=False, eps=1e-6)
        self.mlp = Mlp(hidden, mlp_ratio)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 6 * hidden))

    def forward(self, x, c):
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = \
            self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gate_msa.unsqueeze(1) * self.attn(modulate(self.norm1(x), shift_msa, scale_msa))
        x = x + gate_mlp.unsqueeze(1) * self.mlp(modulate(self.norm2(x), shift_mlp, scale_mlp))
        return x


class FinalLayer(nn.Module):
    def __init__(self, hidden, patch, out_ch):
        super().__init__()
        self.norm_final = nn.LayerNorm(hidden, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(hidden, patch * patch * out_ch)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 2 * hidden))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return self.linear(modulate(self.norm_final(x), shift, scale))


# ----------------------------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------------------------

class DiT(nn.Module):
    def __init__(self, input_size=32, patch_size=2, in_channels=4, hidden_size=1152, depth=28,
                 num_heads=16, mlp_ratio=4.0, num_classes=1000, learn_sigma=True):
        super().__init__()
        assert input_size % patch_size == 0
        self.input_size = input_size
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.out_channels = in_channels * 2 if learn_sigma else in_channels
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.num_classes = num_classes
        self.learn_sigma = learn_sigma

        self.x_embedder = PatchEmbed(in_channels, hidden_size, patch_size)
        self.t_embedder = TimestepEmbedder(hidden_size)
        self.y_embedder = LabelEmbedder(num_classes, hidden_size)
        grid = input_size // patch_size
        self.num_tokens = grid * grid
        # Fixed, not trained; a Parameter (requires_grad=False) so it is part of the state dict.
        self.pos_embed = nn.Parameter(torch.zeros(1, self.num_tokens, hidden_size), requires_grad=False)
        self.blocks = nn.ModuleList([DiTBlock(hidden_size, num_heads, mlp_ratio) for _ in range(depth)])
        self.final_layer = FinalLayer(hidden_size, patch_size, self.out_channels)
        self.initialize_weights()

    # --- init (recipe: xavier linears, zeroed adaLN / final linear) ---
    def initialize_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        pe = sincos_2d(self.hidden_size, int(round(self.num_tokens ** 0.5)))
        self.pos_embed.data.copy_(torch.from_numpy(pe).float().unsqueeze(0))
        w = self.x_embedder.proj.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.zeros_(self.x_embedder.proj.bias)
        nn.init.normal_(self.y_embedder.embedding_table.weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[0].weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[2].weight, std=0.02)
        for blk in self.blocks:
            nn.init.zeros_(blk.adaLN_modulation[1].weight)
            nn.init.zeros_(blk.adaLN_modulation[1].bias)
        nn.init.zeros_(self.final_layer.adaLN_modulation[1].weight)
        nn.init.zeros_(self.final_layer.adaLN_modulation[1].bias)
        nn.init.zeros_(self.final_layer.linear.weight)
        nn.init.zeros_(self.final_layer.linear.bias)

    def unpatchify(self, x):
        """(N, T, p*p*C) -> (N, C, H, W)."""
        p, c = self.patch_size, self.out_channels
        h = w = int(round(x.shape[1] ** 0.5))
        assert h * w == x.shape[1]
        x = x.reshape(x.shape[0], h, w, p, p, c)
        x = torch.einsum("nhwpqc->nchpwq", x)
        return x.reshape(x.shape[0], c, h * p, w * p)

    def forward(self, x, t, y):
        """x: (N, C, H, W), t: (N,) float used as is, y: (N,) int64 labels (num_classes = null)."""
        x = self.x_embedder(x) + self.pos_embed
        c = self.t_embedder(t) + self.y_embedder(y)
        for blk in self.blocks:
            x = blk(x, c)
        return self.unpatchify(self.final_layer(x, c))

    def forward_with_cfg(self, x, t, y, scale, guided_channels=None):
        """Classifier-free guidance on M inputs; returns (M, out_channels, H, W).

        Runs the 2M batch [x; x], [t; t], [y; null]. Channels [0, guided_channels) get
        uncond + scale * (cond - uncond); the remaining channels are the conditional output.
        guided_channels=None means all input channels (in_channels); the public DiT quirk is 3.
        """
        if guided_channels is None:
            guided_channels = self.in_channels
        m = x.shape[0]
        null = torch.full_like(y, self.num_classes)
        out = self.forward(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, null]))
        cond, uncond = out[:m], out[m:]
        g = guided_channels
        guided = uncond[:, :g] + scale * (cond[:, :g] - uncond[:, :g])
        return torch.cat([guided, cond[:, g:]], dim=1)


# ----------------------------------------------------------------------------------------------
# Presets
# ----------------------------------------------------------------------------------------------

_SIZES = OrderedDict([
    ("S", dict(depth=12, hidden_size=384, num_heads=6)),
    ("B", dict(depth=12, hidden_size=768, num_heads=12)),
    ("L", dict(depth=24, hidden_size=1024, num_heads=16)),
    ("XL", dict(depth=28, hidden_size=1152, num_heads=16)),
])

PRESETS = OrderedDict(
    ("DiT-%s/%d" % (name, p), dict(size, patch_size=p))
    for name, size in _SIZES.items() for p in (2, 4, 8)
)


def make_model(name, **kwargs):
    """make_model("DiT-S/2", input_size=32, in_channels=4, num_classes=1000, learn_sigma=True)."""
    cfg = dict(PRESETS[name])
    cfg.update(kwargs)
    return DiT(**cfg)


def forward_macs(depth, hidden, tokens):
    """Per-image multiply-accumulates of the transformer blocks (DiT convention, embeds excluded)."""
    return depth * (12 * hidden * hidden * tokens + 2 * tokens * tokens * hidden + 6 * hidden * hidden)


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(1)
    m = make_model("DiT-S/8", input_size=32, num_classes=10)
    n_params = sum(p.numel() for p in m.parameters() if p.requires_grad)
    x = torch.randn(2, 4, 32, 32)
    out = m(x, torch.tensor([1.0, 500.0]), torch.tensor([3, 10]))
    print("DiT-S/8 params=%d out=%s max|out|=%g (0 at init)" % (n_params, tuple(out.shape), out.abs().max()))
