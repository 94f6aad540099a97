"""Time the reference DiT's training step on CPU (PyTorch baseline for the Java trainer).

One step = flow-matching loss (SiT convention: t ~ U[0,1], t=0 noise, x_t = t x + (1-t) eps,
velocity target x - eps, the model sees t in [0,1] as is, MSE over the first `channels` output
channels), backward, AdamW(lr 1e-4, weight decay 0) step. With --precision bf16 the forward and the loss run
under CPU autocast to bfloat16 (torch.autocast("cpu"), what the public code's mixed precision does on a CPU). Labels are uniform with 10 % replaced by
the null label (class dropout). Inputs are random tensors created once, outside the timed loop.

Usage:
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/reference/train_step_reference.py \
      --model DiT-S/2 --input-size 32 --channels 4 --batch 8 --steps 20 --warmup 3 --threads 2
The last line is machine-readable (img/s from the mean and from the median step, as `fasterdit bench` reports):
  img_per_s_mean=<v> img_per_s_median=<v> mean_ms=<v> median_ms=<v>
"""

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dit_reference import PRESETS, forward_macs, make_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="DiT-S/2", choices=list(PRESETS))
    ap.add_argument("--input-size", type=int, default=32)
    ap.add_argument("--channels", type=int, default=4)
    ap.add_argument("--num-classes", type=int, default=1000)
    ap.add_argument("--learn-sigma", action="store_true", help="double the output channels (DiT style)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=20, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = make_model(a.model, input_size=a.input_size, in_channels=a.channels,
                       num_classes=a.num_classes, learn_sigma=a.learn_sigma)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0)
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)

    x = torch.randn(a.batch, a.channels, a.input_size, a.input_size)
    y = torch.randint(0, a.num_classes, (a.batch,))
    y = torch.where(torch.rand(a.batch) < 0.1, torch.full_like(y, a.num_classes), y)

    def step():
        eps = torch.randn_like(x)
        t = torch.rand(a.batch)
        tb = t.view(-1, 1, 1, 1)
        xt = tb * x + (1 - tb) * eps
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            pred = model(xt, t, y)[:, :a.channels]
            loss = ((pred.float() - (x - eps)) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return float(loss)

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)

    tokens = (a.input_size // PRESETS[a.model]["patch_size"]) ** 2
    gmac = forward_macs(PRESETS[a.model]["depth"], PRESETS[a.model]["hidden_size"], tokens) / 1e9
    ms = 1000.0 * sum(times) / len(times)
    med = 1000.0 * statistics.median(times)
    print("torch %s threads=%d precision=%s model=%s params=%.2fM tokens=%d block GMAC/img=%.2f batch=%d "
          "steps=%d warmup=%d last_loss=%.4f min_ms=%.1f" % (
              torch.__version__, torch.get_num_threads(), a.precision, a.model, n_params / 1e6, tokens, gmac,
              a.batch, a.steps, a.warmup, loss, 1000.0 * min(times)))
    print("img_per_s_mean=%.3f img_per_s_median=%.3f mean_ms=%.1f median_ms=%.1f" % (
        a.batch * 1000.0 / ms, a.batch * 1000.0 / med, ms, med))


if __name__ == "__main__":
    main()
