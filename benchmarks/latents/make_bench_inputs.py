"""Inputs for the latent-extraction benchmark (benchmarks/latents/encode-rss.sh), deterministic.

  --images DIR   N JPEGs (quality 90) of ImageNet-like sizes (short side 256..500, aspect 0.75..1.33) in 10 class
                 folders: smooth colour gradients plus random rectangles, so they decode like photos (not like
                 constant colours)
  --vae DIR      a diffusers-layout AutoencoderKL with random weights (PyTorch's default init) from the team's
                 reference vae_reference.py: the SD shape (4 levels, 2 ResNet blocks, mid attention, 4 latent
                 channels, 32 groups) at block_out_channels WIDTHS (default 32,64,128,128: a quarter of SD's width,
                 so a few thousand 256 px images encode in minutes on 2 cores)

Usage: /usr/bin/python3 benchmarks/latents/make_bench_inputs.py --images DIR --count 3000 --vae DIR [--widths 32,64,128,128]
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))


def images(out, count, seed=0):
    rng = np.random.default_rng(seed)
    for i in range(count):
        short = int(rng.integers(256, 501))
        aspect = float(rng.uniform(0.75, 1.33))
        w, h = (int(short * aspect), short) if aspect >= 1 else (short, int(short / aspect))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        t = (xx / w + yy / h)[..., None] / 2
        img = (c0 * (1 - t) + c1 * t).astype(np.uint8)
        for _ in range(6):
            x0, y0 = int(rng.integers(0, w - 16)), int(rng.integers(0, h - 16))
            img[y0:y0 + int(rng.integers(8, h // 3)), x0:x0 + int(rng.integers(8, w // 3))] = rng.integers(0, 256, 3)
        d = os.path.join(out, "class%02d" % (i % 10))
        os.makedirs(d, exist_ok=True)
        Image.fromarray(img).save(os.path.join(d, "%06d.jpg" % i), quality=90)


def vae(out, widths):
    from vae_reference import AutoencoderKL  # the team's reference (benchmarks/reference)
    torch.manual_seed(0)
    m = AutoencoderKL(widths, 2, 4, 32)
    os.makedirs(out, exist_ok=True)
    cfg = {"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": widths,
           "down_block_types": ["DownEncoderBlock2D"] * len(widths), "in_channels": 3, "latent_channels": 4,
           "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3, "sample_size": 256,
           "up_block_types": ["UpDecoderBlock2D"] * len(widths), "scaling_factor": 0.18215}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    torch.save(m.state_dict(), os.path.join(out, "diffusion_pytorch_model.bin"))
    print("vae: %d parameters, widths %s -> %s" % (sum(p.numel() for p in m.parameters()), widths, out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images")
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--vae")
    ap.add_argument("--widths", default="32,64,128,128")
    a = ap.parse_args()
    if a.images:
        images(a.images, a.count)
        print("images: %d in %s" % (a.count, a.images))
    if a.vae:
        vae(a.vae, [int(v) for v in a.widths.split(",")])


if __name__ == "__main__":
    main()
