"""Generate the training-objective and optimizer fixtures for the Java trainer (deterministic, byte for byte).

Writes core/src/test/resources/reference/objectives.npz (relative to the repo root) from small seeded inputs and
the float64 formulas in objectives_reference.py, after checking those formulas against independent derivations
(finite differences, Gaussian conditioning, torch.optim.AdamW, ...). Exits non-zero if a check fails.

Usage:  /usr/bin/python3 benchmarks/reference/make_objective_cases.py [--out FILE] [--check]
--check also prints (a) how far a float32 evaluation of the same formulas lands from the stored float64 references
(the basis of the suggested tolerances) and (b) how much each output moves under typical porting mistakes.
"""

import argparse
import io
import math
import os
import sys
import zipfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import objectives_reference as ref  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "core", "src", "test", "resources", "reference", "objectives.npz")

SEED = 20241014
N, C, H, W = 4, 3, 8, 8
T = 1000
FLOW_LAMBDA = 1.0
ADAMW = dict(lr=1e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01)
ADAMW_STEPS = 4

FAILURES = []


def check(name, ok, detail=""):
    print("  [%s] %s %s" % ("ok" if ok else "FAIL", name, detail))
    if not ok:
        FAILURES.append(name)


def close(name, a, b, atol=1e-12, rtol=1e-10):
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    err = (a - b).abs().max().item() if a.numel() else 0.0
    check(name, bool(torch.allclose(a, b, atol=atol, rtol=rtol)), "(max abs diff %.3g)" % err)


def f32(t):
    return t.detach().numpy().astype(np.float32)


def as64(a):
    """float32 fixture input -> exact float64 tensor (the reference is computed from the stored values)."""
    return torch.from_numpy(np.asarray(a).astype(np.float64))


# ------------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------------

def make_inputs():
    rng = np.random.default_rng(SEED)
    inp = {}
    # flow: the "model output" is correlated with the targets so the cosine term varies between samples
    x = rng.standard_normal((N, C, H, W))
    eps = rng.standard_normal((N, C, H, W))
    inp["flow_x"] = x.astype(np.float32)
    inp["flow_eps"] = eps.astype(np.float32)
    inp["flow_t"] = np.sort(rng.uniform(0.03, 0.97, N)).astype(np.float32)
    inp["flow_pred"] = (0.6 * (x - eps) + 0.8 * rng.standard_normal((N, C, H, W))).astype(np.float32)
    # ddpm: image-like data on the 256-level grid of [-1, 1], with many exact -1 / +1 (edge bins)
    levels = np.clip(np.round((rng.standard_normal((N, C, H, W)) * 0.7 + 1.0) * 127.5), 0, 255)
    inp["ddpm_x"] = (levels / 127.5 - 1.0).astype(np.float32)
    deps = rng.standard_normal((N, C, H, W))
    inp["ddpm_eps"] = deps.astype(np.float32)
    mid = np.sort(rng.choice(np.arange(1, T - 1), size=N - 2, replace=False))
    inp["ddpm_t"] = np.concatenate([[0], mid, [T - 1]]).astype(np.int64)
    eps_pred = deps + 0.5 * rng.standard_normal((N, C, H, W))
    v = np.tanh(rng.standard_normal((N, C, H, W)))
    inp["ddpm_out"] = np.concatenate([eps_pred, v], axis=1).astype(np.float32)
    # discretized Gaussian log-likelihood, elementwise: 8 data levels (both edge bins, their neighbours, interior)
    # x 6 mean offsets (in units of the scale) x 3 scales = 144 points. Probabilities stay >= ~1e-3 (well
    # conditioned in float32) except the offset-300 points, where tanh saturates exactly and the 1e-12 clamp applies
    lv = np.array([0, 1, 2, 64, 128, 200, 254, 255], dtype=np.float64) / 127.5 - 1.0
    k = np.array([0.0, 0.7, -1.5, 2.5, -2.8, 300.0])
    sc = np.array([0.004, 0.05, 0.3])
    gx, gk, gs = np.meshgrid(lv, k, sc, indexing="ij")
    inp["dgll_x"] = gx.reshape(-1).astype(np.float32)
    inp["dgll_mean"] = (gx + gk * gs).reshape(-1).astype(np.float32)
    inp["dgll_log_scale"] = np.log(gs).reshape(-1).astype(np.float32)
    # adamw: varied gradient scales; element [0, 0] always gets a zero gradient (pure weight decay),
    # element [1, 1] tiny gradients (~1e-7, where eps = 1e-8 matters), element [2, 2] large ones
    inp["adamw_p0"] = rng.standard_normal((5, 3)).astype(np.float32)
    g = rng.standard_normal((ADAMW_STEPS, 5, 3)) * np.array([1.0, 0.1, 3.0, 0.01])[:, None, None]
    g[:, 0, 0] = 0.0
    g[:, 1, 1] *= 1e-7
    g[:, 2, 2] *= 1e3
    inp["adamw_grads"] = g.astype(np.float32)
    return inp


# ------------------------------------------------------------------------------------------------
# Reference outputs
# ------------------------------------------------------------------------------------------------

def flow_outputs(inp, dtype=torch.float64):
    out = {}
    x, eps = as64(inp["flow_x"]).to(dtype), as64(inp["flow_eps"]).to(dtype)
    t, pred0 = as64(inp["flow_t"]).to(dtype), as64(inp["flow_pred"]).to(dtype)
    for p in ref.FLOW_PATHS:
        a, s, da, ds = ref.flow_coefficients(p, t)
        r = ref.flow_interpolate(p, x, eps, t)
        pred = pred0.clone().requires_grad_(True)
        total, mse, cos = ref.flow_loss(pred, r["velocity"], FLOW_LAMBDA)
        (grad,) = torch.autograd.grad(total, pred)
        out.update({
            "flow_%s_alpha" % p: a, "flow_%s_sigma" % p: s, "flow_%s_dalpha" % p: da, "flow_%s_dsigma" % p: ds,
            "flow_%s_xt" % p: r["xt"], "flow_%s_target_velocity" % p: r["velocity"],
            "flow_%s_target_noise" % p: r["noise"], "flow_%s_target_score" % p: r["score"],
            "flow_%s_mse" % p: mse.detach(), "flow_%s_cos" % p: cos.detach(), "flow_%s_loss" % p: total.detach(),
            "flow_%s_grad_pred" % p: grad,
        })
    return out


def ddpm_outputs(inp, dtype=torch.float64):
    out = {}
    x, eps = as64(inp["ddpm_x"]).to(dtype), as64(inp["ddpm_eps"]).to(dtype)
    t = torch.from_numpy(inp["ddpm_t"])
    for s in ("linear", "cosine"):
        S = ref.DDPMSchedule.make(s, T)
        model_out = as64(inp["ddpm_out"]).to(dtype).requires_grad_(True)
        L = S.training_losses(model_out, x, t, eps)
        (grad,) = torch.autograd.grad(L["loss"].mean(), model_out)
        xt = L["xt"].detach()
        with torch.no_grad():
            pm = S.p_mean_variance(model_out, xt, t)
            q_mean, _, _ = S.q_posterior(x, xt, t)
            prev = S.ddim_step(model_out, xt, t, eta=0.0)
        out.update({
            "ddpm_%s_betas" % s: S.betas, "ddpm_%s_abar" % s: S.abar,
            "ddpm_%s_post_logvar_clipped" % s: S.posterior_log_variance_clipped,
            "ddpm_%s_post_coef1" % s: S.posterior_mean_coef1, "ddpm_%s_post_coef2" % s: S.posterior_mean_coef2,
            "ddpm_%s_xt" % s: xt, "ddpm_%s_mse" % s: L["mse"].detach(), "ddpm_%s_vb" % s: L["vb"].detach(),
            "ddpm_%s_loss" % s: L["loss"].detach(), "ddpm_%s_grad_out" % s: grad,
            "ddpm_%s_p_mean" % s: pm["mean"], "ddpm_%s_p_logvar" % s: pm["log_variance"],
            "ddpm_%s_pred_x0" % s: pm["pred_x0"], "ddpm_%s_q_mean" % s: q_mean,
            "ddpm_%s_ddim_prev" % s: prev,
        })
    return out


def dgll_outputs(inp, dtype=torch.float64):
    x, m, ls = (as64(inp[k]).to(dtype) for k in ("dgll_x", "dgll_mean", "dgll_log_scale"))
    return {"dgll_logp": ref.discretized_gaussian_log_likelihood(x, m, ls)}


def adamw_outputs(inp):
    p0, grads = as64(inp["adamw_p0"]), as64(inp["adamw_grads"])
    hp = ADAMW
    results = {}
    for foreach in (False, True):
        param = torch.nn.Parameter(p0.clone())
        opt = torch.optim.AdamW([param], lr=hp["lr"], betas=hp["betas"], eps=hp["eps"],
                                weight_decay=hp["weight_decay"], foreach=foreach)
        ps, ms, vs = [], [], []
        for k in range(ADAMW_STEPS):
            param.grad = grads[k].clone()
            opt.step()
            st = opt.state[param]
            ps.append(param.detach().clone())
            ms.append(st["exp_avg"].clone())
            vs.append(st["exp_avg_sq"].clone())
        results[foreach] = (torch.stack(ps), torch.stack(ms), torch.stack(vs))
    mine = ref.adamw_trajectory(p0, grads, hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"])
    tp, tm, tv = results[False]
    close("adamw: formula == torch.optim.AdamW (params)", mine[0], tp, atol=1e-15, rtol=1e-13)
    close("adamw: formula == torch.optim.AdamW (exp_avg)", mine[1], tm, atol=1e-15, rtol=1e-13)
    close("adamw: formula == torch.optim.AdamW (exp_avg_sq)", mine[2], tv, atol=1e-15, rtol=1e-13)
    close("adamw: foreach == single-tensor", results[True][0], tp, atol=1e-15, rtol=1e-13)
    close("adamw: zero-grad element only decays", tp[:, 0, 0], p0[0, 0] * (1 - hp["lr"] * hp["weight_decay"])
          ** torch.arange(1, ADAMW_STEPS + 1, dtype=torch.float64))
    return {"adamw_p": tp, "adamw_p64": tp, "adamw_exp_avg": tm, "adamw_exp_avg_sq": tv,
            "adamw_hparams": np.array([hp["lr"], hp["betas"][0], hp["betas"][1], hp["eps"], hp["weight_decay"]],
                                      dtype=np.float64)}


# ------------------------------------------------------------------------------------------------
# Independent checks of the formulas
# ------------------------------------------------------------------------------------------------

def verify_formulas(inp, flow, ddpm):
    print("formula checks:")
    x, eps, t = as64(inp["flow_x"]), as64(inp["flow_eps"]), as64(inp["flow_t"])
    close("flow linear: velocity == x - eps", flow["flow_linear_target_velocity"], x - eps)
    close("flow linear: x_t == t x + (1-t) eps", flow["flow_linear_xt"], t[:, None, None, None] * x
          + (1 - t[:, None, None, None]) * eps)
    for p in ref.FLOW_PATHS:
        h = 1e-6
        fd = (ref.flow_interpolate(p, x, eps, t + h)["xt"] - ref.flow_interpolate(p, x, eps, t - h)["xt"]) / (2 * h)
        close("flow %s: velocity == d x_t / dt (central difference)" % p, flow["flow_%s_target_velocity" % p], fd,
              atol=1e-7, rtol=1e-7)
        a, s = flow["flow_%s_alpha" % p], flow["flow_%s_sigma" % p]
        if p != "linear":
            close("flow %s: alpha^2 + sigma^2 == 1" % p, a ** 2 + s ** 2, torch.ones_like(a))
        ends = ref.flow_coefficients(p, torch.tensor([0.0, 1.0], dtype=torch.float64))
        check("flow %s: t=1 is data (alpha=1, sigma=0)" % p, abs(ends[0][1].item() - 1) < 1e-12
              and abs(ends[1][1].item()) < 1e-12)
        check("flow %s: t=0 is (nearly) noise" % p, ends[0][0].item() < 0.01 and ends[1][0].item() > 0.99,
              "(alpha_0 = %.3g)" % ends[0][0].item())
        pred = as64(inp["flow_pred"])
        close("flow %s: cosine == torch F.cosine_similarity" % p, 1 - ref.cosine_similarity(pred, flow[
            "flow_%s_target_velocity" % p]), 1 - F.cosine_similarity(pred, flow["flow_%s_target_velocity" % p], 1,
                                                                        1e-8))
        tv = flow["flow_%s_target_velocity" % p]
        close("flow %s: mse == F.mse_loss per sample" % p, flow["flow_%s_mse" % p],
              torch.stack([F.mse_loss(pred[i], tv[i]) for i in range(N)]))
        tot, _, _ = ref.flow_loss(tv.clone(), tv)
        check("flow %s: perfect prediction has zero loss" % p, abs(tot.item()) < 1e-12)
    c = ref.cosine_similarity(torch.zeros(2, 3, 1, 1, dtype=torch.float64), torch.ones(2, 3, 1, 1, dtype=torch.float64))
    check("cosine of a zero vector is 0 (eps clamp)", bool((c == 0).all()))

    ta = inp["ddpm_t"]
    xd, ed = as64(inp["ddpm_x"]), as64(inp["ddpm_eps"])
    td = torch.from_numpy(ta)
    out = as64(inp["ddpm_out"])
    for s in ("linear", "cosine"):
        S = ref.DDPMSchedule.make(s, T)
        b = S.betas
        if s == "linear":
            check("ddpm linear: betas 1e-4 .. 0.02", b[0] == 1e-4 and abs(b[-1] - 0.02) < 1e-17)
        else:
            check("ddpm cosine: last beta capped at 0.999", b[-1] == 0.999 and b.max() == 0.999)
            sq = np.array([math.cos(((i + 1) / T + 0.008) / 1.008 * math.pi / 2) ** 2 for i in range(T)])
            sq /= math.cos(0.008 / 1.008 * math.pi / 2) ** 2
            close("ddpm cosine: abar == abar(t+1)/abar(0) below the cap", S.abar[:-1], sq[:-1], atol=1e-13)
        close("ddpm %s: abar == cumprod(1 - beta)" % s, S.abar, np.cumprod(1 - b))
        # posterior by Gaussian conditioning (t >= 1)
        k = np.arange(1, T)
        var = 1.0 / ((1 - b[k]) / b[k] + 1.0 / (1 - S.abar_prev[k]))
        c1 = var * np.sqrt(S.abar_prev[k]) / (1 - S.abar_prev[k])
        c2 = var * np.sqrt(1 - b[k]) / b[k]
        close("ddpm %s: posterior variance == Gaussian conditioning" % s, S.posterior_variance[k], var, rtol=1e-9)
        close("ddpm %s: posterior coef1 == Gaussian conditioning" % s, S.posterior_mean_coef1[k], c1, rtol=1e-9)
        close("ddpm %s: posterior coef2 == Gaussian conditioning" % s, S.posterior_mean_coef2[k], c2, rtol=1e-9)
        check("ddpm %s: clipped posterior log variance: entry 0 == entry 1" % s,
              S.posterior_log_variance_clipped[0] == S.posterior_log_variance_clipped[1] == math.log(
                  S.posterior_variance[1]))
        check("ddpm %s: t=0 posterior mean == x0 (coef1=1, coef2=0)" % s,
              abs(S.posterior_mean_coef1[0] - 1) < 1e-12 and S.posterior_mean_coef2[0] == 0)
        # KL vs torch.distributions
        m1, l1, m2, l2 = (torch.randn(50, dtype=torch.float64, generator=torch.Generator().manual_seed(i))
                          for i in range(4))
        kl_t = torch.distributions.kl_divergence(torch.distributions.Normal(m1, torch.exp(0.5 * l1)),
                                                 torch.distributions.Normal(m2, torch.exp(0.5 * l2)))
        close("normal_kl == torch.distributions KL", ref.normal_kl(m1, l1, m2, l2), kl_t)
        # discretized likelihood: the 256 bins telescope to a total probability of 1
        grid = torch.arange(256, dtype=torch.float64) / 127.5 - 1
        for mu, ls in ((0.3, math.log(0.2)), (-0.95, math.log(0.05)), (0.999, math.log(0.004))):
            tot = torch.exp(ref.discretized_gaussian_log_likelihood(grid, torch.full_like(grid, mu),
                                                                    torch.full_like(grid, ls))).sum().item()
            check("discretized Gaussian sums to 1 over 256 bins (mu=%g)" % mu, abs(tot - 1) < 1e-9, "(%.12f)" % tot)
        z = torch.linspace(-6, 6, 1001, dtype=torch.float64)
        err = (ref.approx_standard_normal_cdf(z) - 0.5 * (1 + torch.erf(z / math.sqrt(2)))).abs().max().item()
        check("tanh CDF approximation within 2e-4 of the exact CDF", err < 2e-4, "(max err %.3g)" % err)
        # losses
        vb, mse, loss = ddpm["ddpm_%s_vb" % s], ddpm["ddpm_%s_mse" % s], ddpm["ddpm_%s_loss" % s]
        close("ddpm %s: loss == mse + vb" % s, loss, mse + vb)
        check("ddpm %s: vb > 0 everywhere" % s, bool((vb > 0).all()), str(vb.numpy()))
        # closed form for t > 0: the model mean misses the posterior mean by beta / sqrt(alpha (1 - abar)) (eps - eps_pred)
        tt = ta[1:]
        err = (b[tt] / np.sqrt((1 - b[tt]) * (1 - S.abar[tt])))[:, None, None, None] * (ed - out[:, :C])[1:].numpy()
        lv1 = S.posterior_log_variance_clipped[tt][:, None, None, None]
        vv = (out[1:, C:].numpy() + 1) / 2
        lv2 = vv * np.log(b[tt])[:, None, None, None] + (1 - vv) * lv1
        kl = 0.5 * (-1 + lv2 - lv1 + np.exp(lv1 - lv2) + err ** 2 * np.exp(-lv2))
        close("ddpm %s: vb[t>0] == closed-form KL of the mean error" % s, vb[1:], kl.reshape(N - 1, -1).mean(1)
              / math.log(2), rtol=1e-9)
        if s == "linear":
            check("ddpm linear: vb at t=999 is small positive", 0 < vb[-1].item() < 0.05, "(%.3g bits)" % vb[-1])
        else:  # beta_999 = 0.999 (cap): mean error = 31.6 x eps error / sqrt(1 - abar), so vb is large there
            check("ddpm cosine: vb at t=999 is large (beta capped at 0.999)", vb[-1].item() > 10,
                  "(%.4g bits)" % vb[-1])
        perfect = torch.cat([ed, out[:, C:]], 1)
        Lp = S.training_losses(perfect, xd, td, ed)
        close("ddpm %s: perfect eps -> loss == vb" % s, Lp["loss"], Lp["vb"])
        check("ddpm %s: perfect eps -> mse == 0" % s, Lp["mse"].abs().max().item() == 0)
        exact = torch.cat([ed, -torch.ones_like(ed)], 1)  # v = -1 -> posterior log variance
        Le = S.training_losses(exact, xd, td, ed)
        check("ddpm %s: perfect eps and posterior variance -> KL == 0 for t > 0" % s,
              Le["vb"][1:].abs().max().item() < 1e-10, "(max %.3g)" % Le["vb"][1:].abs().max().item())
        g = ddpm["ddpm_%s_grad_out" % s]
        close("ddpm %s: grad wrt eps half == d mse only (mean detached in vb)" % s, g[:, :C],
              2 * (out[:, :C] - ed) / (C * H * W) / N)
        check("ddpm %s: grad wrt v half is nonzero (vb trains the variance)" % s, g[:, C:].abs().max().item() > 0)
        # vb at t=0 is the decoder NLL, elsewhere the KL (computed here directly, without training_losses)
        xt = S.q_sample(xd, td, ed)
        frozen = out.clone()
        pm = S.p_mean_variance(frozen, xt, td)
        nll0 = -ref.discretized_gaussian_log_likelihood(xd[0], pm["mean"][0], 0.5 * pm["log_variance"][0]).mean() \
            / math.log(2)
        close("ddpm %s: vb[t=0] == decoder NLL in bits" % s, vb[0], nll0)
        qm, _, ql = S.q_posterior(xd, xt, td)
        kl1 = ref.normal_kl(qm[1], ql[1], pm["mean"][1], pm["log_variance"][1]).mean() / math.log(2)
        close("ddpm %s: vb[t>0] == KL in bits" % s, vb[1], kl1)
        # DDIM eta=0 from x_t with the true eps recovers the deterministic DDIM path: x0 exact at t=0
        prev = S.ddim_step(torch.cat([ed, out[:, C:]], 1), xt, td)
        close("ddpm %s: DDIM with the true eps at t=0 returns x0" % s, prev[0], xd[0], atol=1e-12)
        close("ddpm %s: DDIM with the true eps == q_sample(x0, t-1, eps) for t>0" % s, prev[1:],
              S.q_sample(xd[1:], td[1:] - 1, ed[1:]), atol=1e-9)
        close("ddpm %s: stored DDIM == formula" % s, ddpm["ddpm_%s_ddim_prev" % s],
              torch.sqrt(torch.from_numpy(S.abar_prev[ta]))[:, None, None, None] * ddpm["ddpm_%s_pred_x0" % s]
              + torch.sqrt(1 - torch.from_numpy(S.abar_prev[ta]))[:, None, None, None] * out[:, :C], atol=1e-9)


# ------------------------------------------------------------------------------------------------
# Optional report: float32 evaluation and porting-bug sensitivity
# ------------------------------------------------------------------------------------------------

def report(inp, arrays):
    print("\nfloat32 evaluation of the same formulas vs the stored float64 references:")
    f = dict(flow_outputs(inp, torch.float32))
    f.update(ddpm_outputs(inp, torch.float32))
    f.update(dgll_outputs(inp, torch.float32))
    for k in sorted(f):
        if k not in arrays or arrays[k].dtype == np.float64 or k.endswith(("_betas", "_abar")):
            continue
        a = torch.as_tensor(np.asarray(arrays[k]), dtype=torch.float64)
        b = f[k].detach().to(torch.float64)
        d = (a - b).abs()
        print("  %-34s max|ref| %9.3g  max abs diff %9.3g  max rel diff %9.3g" % (
            k, a.abs().max().item(), d.max().item(), (d / a.abs().clamp_min(1e-3)).max().item()))

    p32 = ref.adamw_trajectory(torch.from_numpy(inp["adamw_p0"]), torch.from_numpy(inp["adamw_grads"]), ADAMW["lr"],
                               ADAMW["betas"], ADAMW["eps"], ADAMW["weight_decay"])[0].double()
    d = (p32 - torch.from_numpy(arrays["adamw_p64"])).abs()
    print("  %-34s max|ref| %9.3g  max abs diff %9.3g  (float32 AdamW, 4 steps)" % (
        "adamw_p", np.abs(arrays["adamw_p64"]).max(), d.max().item()))
    ratios = {k: ((torch.as_tensor(np.asarray(arrays[k]), dtype=torch.float64) - f[k].detach().double()).abs()
                  / (1e-5 + 1e-4 * torch.as_tensor(np.asarray(arrays[k]), dtype=torch.float64).abs())).max().item()
              for k in f if k in arrays and arrays[k].dtype == np.float32}
    for k in sorted(ratios, key=ratios.get)[-3:]:
        print("  -> ratio |diff| / (1e-5 + 1e-4 |ref|) for %-26s %.3g" % (k, ratios[k]))

    print("\nsensitivity (max abs change of an output under a typical porting mistake):")
    x, eps, t, pred = (as64(inp[k]) for k in ("flow_x", "flow_eps", "flow_t", "flow_pred"))
    tv = arrays["flow_linear_target_velocity"].astype(np.float64)
    tvt = torch.from_numpy(tv)
    good = ref.direction_term(pred, tvt)
    flat = 1 - F.cosine_similarity(pred.flatten(1), tvt.flatten(1), 1, 1e-8)
    spatial = (1 - F.cosine_similarity(pred.flatten(2), tvt.flatten(2), 2, 1e-8)).mean(1)
    print("  flow cos over C*H*W instead of C            %.3g" % (flat - good).abs().max())
    print("  flow cos over H*W instead of C              %.3g" % (spatial - good).abs().max())
    rev = ref.flow_interpolate("linear", x, eps, 1 - t)["xt"]
    print("  flow DiT time direction (t -> 1-t)          %.3g" % (rev - torch.from_numpy(
        arrays["flow_linear_xt"].astype(np.float64))).abs().max())
    out, xd, ed = as64(inp["ddpm_out"]), as64(inp["ddpm_x"]), as64(inp["ddpm_eps"])
    td = torch.from_numpy(inp["ddpm_t"])
    S = ref.DDPMSchedule.make("linear", T)
    base = S.training_losses(out, xd, td, ed)
    o = out.clone().requires_grad_(True)
    xt = S.q_sample(xd, td, ed)
    c = C
    vb = S.vb_terms_bits(o, xd, xt, td)  # mean NOT detached
    loss = (ref.per_sample_mse(o[:, :c], ed) + vb).mean()
    (g,) = torch.autograd.grad(loss, o)
    print("  ddpm mean not detached: loss change          %.3g (none: only the gradient shows it)"
          % (vb - base["vb"]).abs().max())
    print("  ddpm mean not detached: grad_out change      %.3g (max |grad_out| %.3g)"
          % ((g - torch.from_numpy(arrays["ddpm_linear_grad_out"].astype(np.float64))).abs().max(),
             np.abs(arrays["ddpm_linear_grad_out"]).max()))
    pm = S.p_mean_variance(out, xt, td)
    saved_cdf = ref.approx_standard_normal_cdf
    ref.approx_standard_normal_cdf = lambda z: 0.5 * (1 + torch.erf(z / math.sqrt(2)))
    vb_exact = S.vb_terms_bits(out, xd, xt, td)
    ref.approx_standard_normal_cdf = saved_cdf
    print("  ddpm exact erf CDF instead of tanh approx    %.3g (vb[t=0] = %.4g)" % (
        (vb_exact - base["vb"]).abs().max(), base["vb"][0]))
    lp = dgll_outputs(inp)["dgll_logp"]
    ref.approx_standard_normal_cdf = lambda z: 0.5 * (1 + torch.erf(z / math.sqrt(2)))
    lp_exact = dgll_outputs(inp)["dgll_logp"]
    ref.approx_standard_normal_cdf = saved_cdf
    print("  dgll_logp with the exact erf CDF             %.3g" % (lp_exact - lp).abs().max())
    print("  ddpm vb in nats instead of bits              %.3g" % (base["vb"] * (math.log(2) - 1)).abs().max())
    unclipped = math.log(S.betas[1] * (1 - S.abar_prev[1]) / (1 - S.abar[1]))
    v = out[0, c:]
    lv_bad = (v + 1) / 2 * math.log(S.betas[0]) + (1 - (v + 1) / 2) * math.log(max(S.posterior_variance[0], 1e-20))
    print("  ddpm posterior logvar not clipped at t=0     p_logvar[0] change %.3g (clipped entry %.4g)"
          % ((lv_bad - pm["log_variance"][0]).abs().max(), unclipped))
    swapped = (1 - (v + 1) / 2) * math.log(S.betas[0]) + (v + 1) / 2 * S.posterior_log_variance_clipped[0]
    print("  ddpm frac applied to the wrong end (t=0)     %.3g" % (swapped - pm["log_variance"][0]).abs().max())
    t_off = (td + 1).clamp(max=T - 1)
    print("  ddpm coefficient off by one (t+1)            xt change %.3g" % (
        S.q_sample(xd, t_off, ed) - xt)[:-1].abs().max())
    p0, grads = as64(inp["adamw_p0"]), as64(inp["adamw_grads"])
    hp = ADAMW
    good = ref.adamw_trajectory(p0, grads, hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"])[0]
    l2 = torch.optim.Adam([torch.nn.Parameter(p0.clone())], lr=hp["lr"], betas=hp["betas"], eps=hp["eps"],
                          weight_decay=hp["weight_decay"])
    prm = l2.param_groups[0]["params"][0]
    for k in range(ADAMW_STEPS):
        prm.grad = grads[k].clone()
        l2.step()
    print("  adamw as Adam with L2 weight decay           %.3g" % (prm.detach() - good[-1]).abs().max())
    m = torch.zeros_like(p0)
    vv = torch.zeros_like(p0)
    p = p0.clone()
    for k in range(ADAMW_STEPS):
        g_ = grads[k]
        p = p * (1 - hp["lr"] * hp["weight_decay"])
        m = hp["betas"][0] * m + (1 - hp["betas"][0]) * g_
        vv = hp["betas"][1] * vv + (1 - hp["betas"][1]) * g_ * g_
        mh = m / (1 - hp["betas"][0] ** (k + 1))
        vh = vv / (1 - hp["betas"][1] ** (k + 1))
        p = p - hp["lr"] * mh / torch.sqrt(vh + hp["eps"])
    print("  adamw eps inside the sqrt                    %.3g" % (p - good[-1]).abs().max())
    nb = ref.adamw_trajectory(p0, grads, hp["lr"], (hp["betas"][0], hp["betas"][1]), hp["eps"], hp["weight_decay"])
    m = torch.zeros_like(p0)
    vv = torch.zeros_like(p0)
    p = p0.clone()
    for k in range(ADAMW_STEPS):
        g_ = grads[k]
        p = p * (1 - hp["lr"] * hp["weight_decay"])
        m = hp["betas"][0] * m + (1 - hp["betas"][0]) * g_
        vv = hp["betas"][1] * vv + (1 - hp["betas"][1]) * g_ * g_
        p = p - hp["lr"] * m / (torch.sqrt(vv) + hp["eps"])
    print("  adamw without bias correction                %.3g" % (p - nb[0][-1]).abs().max())
    pw = p0.clone()
    m = torch.zeros_like(p0)
    vv = torch.zeros_like(p0)
    for k in range(ADAMW_STEPS):
        pw, m, vv = ref.adamw_step(pw, grads[k], m, vv, k + 1, hp["lr"], hp["betas"], hp["eps"], 0.0)
        pw = pw * (1 - hp["lr"] * hp["weight_decay"])  # decay after the update instead of before
    print("  adamw weight decay after the update          %.3g (float32 ulp of |p|~1: 6e-8)"
          % (pw - good[-1]).abs().max())


# ------------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------------

def write_npz(path, arrays):
    """np.savez layout (one stored .npy per array, ZIP_STORED) with fixed timestamps, so the file is reproducible."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.array(arrays[name], order="C"), allow_pickle=False)  # keeps 0-dim arrays 0-dim
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            z.writestr(info, buf.getvalue())
    os.replace(tmp, path)


FLOAT64_KEYS = ("_betas", "_abar", "_post_logvar_clipped", "_post_coef1", "_post_coef2", "_alpha", "_sigma",
                "_dalpha", "_dsigma", "adamw_hparams", "adamw_p64", "flow_lambda")


def finalize(arrays):
    res = {}
    for k, v in arrays.items():
        a = v.detach().numpy() if torch.is_tensor(v) else np.asarray(v)
        if k.endswith(FLOAT64_KEYS) or k in FLOAT64_KEYS:
            a = a.astype(np.float64)
        elif a.dtype.kind == "f":
            a = a.astype(np.float32)
        elif a.dtype.kind in "iu":
            a = a.astype(np.int64)
        res[k] = a
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(1)

    inp = make_inputs()
    flow = flow_outputs(inp)
    ddpm = ddpm_outputs(inp)
    verify_formulas(inp, flow, ddpm)
    adam = adamw_outputs(inp)
    arrays = dict(inp)
    arrays.update(flow)
    arrays.update(ddpm)
    arrays.update(adam)
    arrays.update(dgll_outputs(inp))
    arrays["flow_lambda"] = np.array(FLOW_LAMBDA, dtype=np.float64)
    arrays = finalize(arrays)
    write_npz(a.out, arrays)

    back = np.load(a.out)
    same = set(back.files) == set(arrays) and all(
        back[k].dtype == arrays[k].dtype and back[k].shape == arrays[k].shape and np.array_equal(back[k], arrays[k])
        for k in arrays)
    check("npz reloads identically", same)
    size = os.path.getsize(a.out)
    check("npz smaller than 300 KB", size < 300 * 1024, "(%d bytes, %d arrays)" % (size, len(arrays)))
    if a.check:
        report(inp, arrays)
    if FAILURES:
        print("\n%d check(s) FAILED: %s" % (len(FAILURES), ", ".join(FAILURES)))
        sys.exit(1)
    print("\nwrote %s" % os.path.relpath(a.out, REPO))


if __name__ == "__main__":
    main()
