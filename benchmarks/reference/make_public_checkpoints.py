"""Small checkpoints in the layouts the public DiT and SiT training code writes, with reference samples.

Writes into core/src/test/resources/public/ (relative to the repo root):
  DiT-tiny.pt      {"model", "ema", "opt", "args"} as DiT's train.py saves it (args: an argparse.Namespace
                   without SiT's transport keys), learn_sigma, 4-channel 8x8 "latents", 10 classes
  SiT-tiny.pt      the same dict as SiT's train.py saves it: args carries path_type="Linear",
                   prediction="velocity" (SiT's defaults); SiT keeps learn_sigma and uses the first half
  DiT-tiny-ema.pt  a plain EMA state dict, as the released DiT-XL-2-256x256.pt is
  samples.npz      noise, labels and float64 reference trajectories:
                     ddim_<K>        DDIM (eta 0) with the DiT schedule (linear betas, T=1000) respaced to K
                                     steps (DiT's space_timesteps), model fed the original timestep, no clipping
                     ddim_<K>_cfg    the same with classifier-free guidance on all channels
                     euler_<K>_sit   SiT's ODE with Euler on the linear path, velocity, t from 0 (noise) to 1
                                     (data) in K equal steps (SiT's linspace(0, 1, K + 1))

Usage:  /usr/bin/python3 benchmarks/reference/make_public_checkpoints.py [--out DIR]
"""

import argparse
import copy
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dit_reference import DiT  # noqa: E402
from objectives_reference import DDPMSchedule, ddpm_betas  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "core", "src", "test", "resources", "public")

ARCH = dict(input_size=8, patch_size=2, in_channels=4, hidden_size=32, depth=2, num_heads=2, num_classes=10,
            learn_sigma=True)
N = 3
DDIM_STEPS = 10
EULER_STEPS = 8
CFG = 3.0


def random_model(seed):
    torch.manual_seed(seed)
    m = DiT(**ARCH)
    g = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():  # move the zero-initialised layers so every part of the network shows in the output
        for name, p in m.named_parameters():
            if "adaLN_modulation.1." in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
            elif name.startswith("final_layer.linear."):
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
            elif name == "y_embedder.embedding_table.weight":
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return m


def as64(model):
    m = copy.deepcopy(model).double()
    m.eval()
    return m


def respaced(count, T=1000):
    """DiT's space_timesteps(T, str(count)) for one section, then SpacedDiffusion's betas."""
    frac = (T - 1) / (count - 1) if count > 1 else 0
    keep = [round(i * frac) for i in range(count)]
    abar = np.cumprod(1.0 - ddpm_betas("linear", T))
    betas, last = [], 1.0
    for k in keep:
        betas.append(1 - abar[k] / last)
        last = abar[k]
    return DDPMSchedule(np.array(betas)), keep


def ddim(model, noise, y, steps, cfg):
    sched, tmap = respaced(steps)
    x = noise.clone()
    with torch.no_grad():
        for i in reversed(range(steps)):
            t = torch.full((x.shape[0],), float(tmap[i]), dtype=torch.float64)
            if cfg > 1:
                out = model.forward_with_cfg(x, t, y, cfg, ARCH["in_channels"])
            else:
                out = model(x, t, y)
            x = sched.ddim_step(out, x, [i] * x.shape[0])
    return x


def euler_sit(model, noise, y, steps):
    x = noise.clone()
    c = ARCH["in_channels"]
    with torch.no_grad():
        for i in range(steps):
            t0, t1 = i / steps, (i + 1) / steps
            v = model(x, torch.full((x.shape[0],), t0, dtype=torch.float64), y)[:, :c]
            x = x + (t1 - t0) * v
    return x


def namespace(**kw):
    return argparse.Namespace(results_dir="results", image_size=64, num_classes=ARCH["num_classes"], epochs=1400,
                              global_batch_size=256, global_seed=0, vae="ema", num_workers=4, log_every=100,
                              ckpt_every=50000, **kw)


def training_dict(model, ema, args):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0)
    return {"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "args": args}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)

    dit, dit_ema = random_model(11), random_model(12)
    sit, sit_ema = random_model(21), random_model(22)
    torch.save(training_dict(dit, dit_ema, namespace(model="DiT-XL/2")), os.path.join(a.out, "DiT-tiny.pt"))
    torch.save(training_dict(sit, sit_ema, namespace(model="SiT-XL/2", path_type="Linear", prediction="velocity",
                                                     loss_weight=None, sample_eps=None, train_eps=None)),
               os.path.join(a.out, "SiT-tiny.pt"))
    torch.save(dit_ema.state_dict(), os.path.join(a.out, "DiT-tiny-ema.pt"))

    g = torch.Generator().manual_seed(5)
    s, c = ARCH["input_size"], ARCH["in_channels"]
    noise = torch.randn(N, c, s, s, generator=g, dtype=torch.float64)
    y = torch.randint(0, ARCH["num_classes"], (N,), generator=g)
    out = {
        "noise": noise.float().numpy(), "y": y.numpy().astype(np.int64),
        "cfg_scale": np.array(CFG, dtype=np.float32),
        "ddim_%d" % DDIM_STEPS: ddim(as64(dit_ema), noise, y, DDIM_STEPS, 1.0).float().numpy(),
        "ddim_%d_model" % DDIM_STEPS: ddim(as64(dit), noise, y, DDIM_STEPS, 1.0).float().numpy(),
        "ddim_%d_cfg" % DDIM_STEPS: ddim(as64(dit_ema), noise, y, DDIM_STEPS, CFG).float().numpy(),
        "euler_%d_sit" % EULER_STEPS: euler_sit(as64(sit_ema), noise, y, EULER_STEPS).float().numpy(),
    }
    np.savez(os.path.join(a.out, "samples.npz"), **out)
    for k, v in out.items():
        if v.ndim == 4:
            print("%-14s shape %s max|x| %.3f" % (k, v.shape, np.abs(v).max()))
    total = sum(os.path.getsize(os.path.join(a.out, n)) for n in os.listdir(a.out))
    print("wrote %d files, %.2f MB in %s" % (len(os.listdir(a.out)), total / 1e6, a.out))


if __name__ == "__main__":
    main()
