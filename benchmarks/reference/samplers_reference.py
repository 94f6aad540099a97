"""Reference samplers for the FasterDiT-for-the-JVM Java samplers (float64, PyTorch), and the fixture generator.

Written from the published descriptions of DiT (ancestral sampling with learned-range variance over respaced steps,
DDIM with eta = 0) and SiT (ODE: Euler, Heun, adaptive Dormand-Prince 5(4); SDE: Euler-Maruyama with diffusion
coefficient sigma_t and a final noise-free mean step of size 0.04); no code was copied from either project. Every
random draw is an input: the start noise and each step's noise are generated here, stored, and fed unchanged to the
Java samplers, so both sides follow the same trajectory and every intermediate state can be compared.

Conventions the Java side shares (org.fasterdit.sample):
  DDPM: T = 1000 linear betas; respacing keeps round(i (T - 1) / (n - 1)) and recomputes betas from the kept
        cumulative products; the model sees the original timestep (as a float). Ancestral: x <- mean + exp(logvar/2) z
        except at the last step; DDIM: x <- sqrt(abar_prev) x0 + sqrt(1 - abar_prev) eps.
  Flow: t = 0 noise, t = 1 data, dx/dt = v; the model sees raw t. Time shift s: 1 - t' = s(1 - t)/(1 + (s - 1)(1 - t)).
        Heun takes no corrector on the last step. dopri5: the standard tableau, first step (t1 - t0) / 20, error =
        RMS of err / (atol + rtol max(|x|, |x5|)), accept if <= 1, h *= clamp(0.9 err^-1/5, 0.2, 10), the last
        stage reused as the next step's first (FSAL). SDE on [t0, 1 - 0.04]: dx = (v + sigma/2 score) dt +
        sqrt(sigma) dW, then one mean step to 1.
  Guidance: forward_with_cfg on the 2M batch, all input channels guided, the sigma half conditional.

Usage (from the repo root):  /usr/bin/python3 benchmarks/reference/samplers_reference.py
writes core/src/test/resources/reference/samplers.npz and samplers_dit.safetensors (deterministic).
"""

import math
import os
import sys
from collections import OrderedDict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from dit_reference import DiT  # noqa: E402
from make_parity_cases import perturb, write_safetensors  # noqa: E402
from objectives_reference import DDPMSchedule, ddpm_betas, flow_coefficients  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(REPO, "core", "src", "test", "resources", "reference")

MODEL = dict(input_size=8, patch_size=2, in_channels=2, hidden_size=32, depth=2, num_heads=2, num_classes=4,
             learn_sigma=True)
N = 3


# ---------------------------------------------------------------------------------------------- DDPM
def respaced(T, count):
    """DDPMSchedule over `count` evenly spaced original steps and the map to the original timestep."""
    full = DDPMSchedule(ddpm_betas("linear", T))
    frac = 0.0 if count == 1 else (T - 1) / (count - 1)
    keep = [int(math.floor(i * frac + 0.5)) for i in range(count)]
    last, betas = 1.0, []
    for k in keep:
        betas.append(1.0 - full.abar[k] / last)
        last = full.abar[k]
    return DDPMSchedule(np.array(betas)), keep


def ddpm_sample(net, x, T, steps, ddim, noises):
    """net(x, t_model) -> output with 2C channels. Returns the list of states after each step and the timesteps."""
    sched, keep = respaced(T, steps)
    states, times, z = [], [], iter(noises)
    for i in reversed(range(steps)):
        t = torch.full((x.shape[0],), i, dtype=torch.int64)
        out = net(x, torch.full((x.shape[0],), float(keep[i]), dtype=x.dtype))
        if ddim:
            x = sched.ddim_step(out, x, t)
        else:
            x = sched.p_sample(out, x, t, next(z) if i > 0 else torch.zeros_like(x))
        states.append(x)
        times.append(keep[i])
    return states, times


# ---------------------------------------------------------------------------------------------- flow
def shifted(t, s):
    if s == 1:
        return t
    u = 1 - t
    return 1 - s * u / (1 + (s - 1) * u)


def velocity(net, path, prediction, x, t):
    out = net(x, torch.full((x.shape[0],), t, dtype=x.dtype))[:, : x.shape[1]]
    if prediction == "velocity":
        return out
    a, s, da, ds = (float(v) for v in flow_coefficients(path, torch.tensor(t, dtype=torch.float64)))
    eps = out if prediction == "noise" else -s * out
    return (x - s * eps) * (da / a) + ds * eps


def fixed_step(net, path, prediction, x, lo, hi, steps, heun, shift):
    states, times = [], []
    for i in range(steps):
        t0 = shifted(lo + (hi - lo) * i / steps, shift)
        t1 = shifted(lo + (hi - lo) * (i + 1) / steps, shift)
        h = t1 - t0
        v0 = velocity(net, path, prediction, x, t0)
        nxt = x + h * v0
        if heun and i < steps - 1:
            nxt = x + h / 2 * (v0 + velocity(net, path, prediction, nxt, t1))
        x = nxt
        states.append(x)
        times.append(t1)
    return states, times


C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1]
A = [[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
     [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
     [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
     [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
B5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0]
B4 = [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40]


def dopri5(f, x, t0, t1, atol, rtol):
    """Returns accepted states, their times and the number of evaluations of f."""
    t, h = t0, (t1 - t0) / 20
    k0, evals = f(x, t), 1
    states, times = [], []
    while t < t1 - 1e-12:
        h = min(h, t1 - t)
        k = [k0]
        for i in range(1, 7):
            xi = x + h * sum(A[i][j] * k[j] for j in range(i))
            k.append(f(xi, t + C[i] * h))
            evals += 1
        x5 = x + h * sum(B5[i] * k[i] for i in range(7))
        err = h * sum((B5[i] - B4[i]) * k[i] for i in range(7))
        tol = atol + rtol * torch.maximum(x.abs(), x5.abs())
        e = float(((err / tol) ** 2).mean().sqrt())
        if e <= 1 or h < 1e-6:
            t += h
            x, k0 = x5, k[6]
            states.append(x)
            times.append(t)
        factor = 10.0 if e == 0 else 0.9 * e ** -0.2
        h *= min(10.0, max(0.2, factor))
    return states, times, evals


def sde(net, path, prediction, x, lo, hi1, steps, shift, noises):
    last = 0.04
    hi = min(hi1, 1 - last)
    states, times, z = [], [], iter(noises)
    for i in range(steps):
        t = shifted(lo + (hi - lo) * i / steps, shift)
        tn = shifted(lo + (hi - lo) * (i + 1) / steps, shift)
        h = tn - t
        v = velocity(net, path, prediction, x, t)
        a, s, da, ds = (float(c) for c in flow_coefficients(path, torch.tensor(t, dtype=torch.float64)))
        eps = (a * v - da * x) / (a * ds - da * s)
        score = -eps / s
        drift = v + s / 2 * score
        x = x + h * drift + math.sqrt(s) * math.sqrt(abs(h)) * next(z)
        states.append(x)
        times.append(tn)
    x = x + (hi1 - hi) * velocity(net, path, prediction, x, hi)
    states.append(x)
    times.append(hi1)
    return states, times


# ---------------------------------------------------------------------------------------------- fixtures
def interval(path, prediction):
    e = 1e-3 if (path == "vp" or prediction != "velocity") else 0.0
    return e, 1 - e


def main():
    gen = torch.Generator().manual_seed(20261201)
    torch.manual_seed(20261201)
    model = DiT(**MODEL)
    perturb(model, gen)
    state = OrderedDict((k, v.detach().float().contiguous()) for k, v in model.state_dict().items())
    m64 = DiT(**MODEL).double()
    m64.load_state_dict(OrderedDict((k, v.double()) for k, v in state.items()))
    m64.eval()

    c, s = MODEL["in_channels"], MODEL["input_size"]
    y = torch.tensor([0, 3, 1], dtype=torch.int64)
    x0 = torch.randn(N, c, s, s, generator=gen).double()
    arrays = OrderedDict(x0=x0, y=y)

    def net(scale):
        if scale == 1:
            return lambda x, t: m64(x, t, y)
        return lambda x, t: m64.forward_with_cfg(x, t, y, scale, c)

    def noises(k):
        return [torch.randn(N, c, s, s, generator=gen).double() for _ in range(k)]

    cases = []
    torch.set_grad_enabled(False)
    # name, sampler, steps, cfg, extra
    for name, ddim, steps, scale in [("ddpm", False, 10, 1.0), ("ddpm_cfg", False, 6, 2.5), ("ddim", True, 10, 1.0)]:
        z = noises(steps - 1) if not ddim else []
        st, tm = ddpm_sample(net(scale), x0, 1000, steps, ddim, z)
        cases.append((name, st, tm, z, dict(steps=steps, cfg=scale)))
    flow = [("euler", "linear", "velocity", 8, 1.0, 1.0), ("euler_cfg", "linear", "velocity", 6, 1.0, 3.0),
            ("heun_shift", "linear", "velocity", 6, 3.0, 1.0), ("euler_cosine_noise", "cosine", "noise", 8, 1.0, 1.0),
            ("heun_vp_score", "vp", "score", 6, 1.0, 1.0)]
    for name, path, pred, steps, shift, scale in flow:
        lo, hi = interval(path, pred)
        st, tm = fixed_step(net(scale), path, pred, x0, lo, hi, steps, name.startswith("heun"), shift)
        cases.append((name, st, tm, [], dict(steps=steps, cfg=scale, shift=shift)))
    lo, hi = interval("linear", "velocity")
    # Tolerances chosen so no step-size decision sits near a threshold: the first step's float64 error estimate is
    # 1.5e-8, far below float32 rounding in a float32 network's evaluations, so the side that runs in float32 sees
    # an error of rounding size (~6e-6 at atol 1e-5, rtol 1e-4, where its growth factor 0.9 e^-0.2 lands on the
    # clamp of 10 by chance and flipped with the CPU). At 10x those tolerances both sides clamp with a wide margin.
    atol, rtol = 1e-4, 1e-3
    st, tm, evals = dopri5(lambda x, t: velocity(net(1.0), "linear", "velocity", x, t), x0, lo, hi, atol, rtol)
    cases.append(("dopri5", st, tm, [], dict(atol=atol, rtol=rtol, evals=evals)))
    for name, path, pred, steps in [("sde", "linear", "velocity", 8), ("sde_cosine_noise", "cosine", "noise", 6)]:
        lo, hi = interval(path, pred)
        z = noises(steps)
        st, tm = sde(net(1.0), path, pred, x0, lo, hi, steps, 1.0, z)
        cases.append((name, st, tm, z, dict(steps=steps)))

    for name, st, tm, z, meta in cases:
        arrays[name + "_states"] = torch.stack(st)
        arrays[name + "_times"] = torch.tensor(tm, dtype=torch.float64)
        if z:
            arrays[name + "_noise"] = torch.stack(z)
        for k, v in meta.items():
            arrays[name + "_" + k] = np.array(v)
        print("%-20s %2d states, |x_end| max %.3f %s" % (name, len(st), float(st[-1].abs().max()), meta))

    os.makedirs(OUT, exist_ok=True)
    write_safetensors(state, os.path.join(OUT, "samplers_dit.safetensors"), {"format": "pt", "case": "samplers"})
    out = OrderedDict()
    for k, v in arrays.items():
        if isinstance(v, torch.Tensor):
            v = v.numpy()
            if v.dtype == np.float64 and not k.endswith("_times"):
                v = v.astype(np.float32)
        out[k] = v
    np.savez(os.path.join(OUT, "samplers.npz"), **out)


if __name__ == "__main__":
    main()
