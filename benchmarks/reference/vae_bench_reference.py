"""Times the reference PyTorch SD VAE (vae_reference.py, random weights): encode and decode images per second.

Usage: /usr/bin/python3 benchmarks/reference/vae_bench_reference.py [--image-size 256] [--batch 1] [--steps 3]
       [--warmup 1] [--precision fp32|bf16-weights] [--threads N] [--width 128] [--channels-last]
Last line: encode_img_per_s=<v> decode_img_per_s=<v> (best step of each, so a noisy neighbour inflates no figure).
bf16-weights casts the model and the inputs to bfloat16. CPU autocast is not offered: in torch 1.13 it feeds GroupNorm
bf16 inputs with fp32 weights, which fails ("expected scalar type BFloat16 but found Float").
--channels-last converts the model and the inputs to torch.channels_last (NHWC strides), which the Java VAE uses
internally: the plain model is what a user of the reference code runs, this variant shows what the layout alone gives.
"""

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vae_reference import AutoencoderKL  # noqa: E402


def best_rate(fn, batch, steps, warmup):
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return batch / best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image-size", type=int, default=256)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--precision", choices=["fp32", "bf16-weights"], default="fp32")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: PyTorch's default)")
    ap.add_argument("--width", type=int, default=128, help="base width (SD: 128 -> 128, 256, 512, 512)")
    ap.add_argument("--channels-last", action="store_true", help="model and inputs in torch.channels_last")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    w = a.width
    vae = AutoencoderKL((w, 2 * w, 4 * w, 4 * w)).eval()
    x = torch.rand(a.batch, 3, a.image_size, a.image_size) * 2 - 1
    z = torch.randn(a.batch, 4, a.image_size // 8, a.image_size // 8)
    print("reference VAE: torch %s, %d threads, width %d, %dx%d, batch %d, %s%s" % (
        torch.__version__, torch.get_num_threads(), w, a.image_size, a.image_size, a.batch, a.precision,
        ", channels-last" if a.channels_last else ""))
    if a.precision == "bf16-weights":
        vae, x, z = vae.bfloat16(), x.bfloat16(), z.bfloat16()
    if a.channels_last:
        cl = torch.channels_last
        vae, x, z = vae.to(memory_format=cl), x.contiguous(memory_format=cl), z.contiguous(memory_format=cl)
    with torch.no_grad():
        enc = best_rate(lambda: vae.encode(x), a.batch, a.steps, a.warmup)
        dec = best_rate(lambda: vae.decode(z), a.batch, a.steps, a.warmup)
    print("encode_img_per_s=%.4f decode_img_per_s=%.4f" % (enc, dec))


if __name__ == "__main__":
    main()
