"""Reference training objectives and optimizer for the FasterDiT-for-the-JVM trainer (float64, PyTorch).

Written from the formulas in docs/recipe.md (and the standard DDPM / improved-DDPM / flow-matching
mathematics); no code was copied from other projects. Everything works on torch tensors of any floating dtype: the
fixtures are computed in float64; passing float32 tensors runs the same formulas in float32 (schedule tables are
float64 and are cast to the input dtype when gathered, as a float32 trainer does), which is how the tolerances in
the fixture README were measured.

Contents
  Flow matching (SiT / LightningDiT time convention: t = 0 is noise, t = 1 is data)
    flow_coefficients(path, t)            alpha_t, sigma_t, d alpha_t/dt, d sigma_t/dt  for path in FLOW_PATHS
    flow_interpolate(path, x, eps, t)     x_t, velocity target, noise target, score target
    per_sample_mse(pred, target)          mean over C, H, W  -> (N,)
    cosine_similarity(a, b, dim, eps)     as torch.nn.functional.cosine_similarity (torch >= 2.0 formula)
    direction_term(pred, target)          mean over positions of 1 - cos over channels -> (N,)
    flow_loss(pred, target, lam)          total = mean(mse) + lam * mean(cos); also returns both per-sample terms
  DDPM (DiT recipe: T = 1000, epsilon prediction, learned range sigma, loss = MSE + VB)
    ddpm_betas(schedule, T), DDPMSchedule(betas)
    DDPMSchedule.q_sample, q_posterior, p_mean_variance, vb_terms_bits, training_losses, ddim_step, p_sample
    normal_kl, approx_standard_normal_cdf, discretized_gaussian_log_likelihood
  AdamW exactly as torch.optim.AdamW (amsgrad off, maximize off)
    adamw_step(p, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay), adamw_trajectory(...)
  Timestep samplers (for completeness; the fixtures do not use random streams)
    sample_flow_t(n, mode, generator), sample_ddpm_t(n, T, generator)
"""

import math

import numpy as np
import torch

# ================================================================================================
# Flow matching
# ================================================================================================

FLOW_PATHS = ("linear", "cosine", "vp")
VP_BETA_MIN = 0.1
VP_BETA_MAX = 20.0


def _col(v, like):
    """(N,) -> (N, 1, 1, ...) matching the rank of `like`, in like's dtype."""
    v = torch.as_tensor(v).to(like.dtype)
    return v.reshape(v.shape + (1,) * (like.dim() - v.dim()))


def flow_coefficients(path, t):
    """alpha_t, sigma_t and their time derivatives for a tensor of times t in [0, 1] (t = 1 is data).

    linear: alpha = t, sigma = 1 - t                                 (dalpha = 1, dsigma = -1)
    cosine: alpha = sin(pi t / 2), sigma = cos(pi t / 2)              ("GVP")
    vp:     log alpha = -1/4 (1-t)^2 (bmax - bmin) - 1/2 (1-t) bmin,  sigma = sqrt(1 - alpha^2)
            d log alpha / dt = 1/2 (1-t) (bmax - bmin) + 1/2 bmin,     dsigma = -alpha dalpha / sigma
    """
    t = torch.as_tensor(t)
    if path == "linear":
        alpha, sigma = t.clone(), 1 - t
        dalpha, dsigma = torch.ones_like(t), -torch.ones_like(t)
    elif path == "cosine":
        h = math.pi / 2
        alpha, sigma = torch.sin(h * t), torch.cos(h * t)
        dalpha, dsigma = h * torch.cos(h * t), -h * torch.sin(h * t)
    elif path == "vp":
        s = 1 - t
        log_alpha = -0.25 * s ** 2 * (VP_BETA_MAX - VP_BETA_MIN) - 0.5 * s * VP_BETA_MIN
        alpha = torch.exp(log_alpha)
        dalpha = alpha * (0.5 * s * (VP_BETA_MAX - VP_BETA_MIN) + 0.5 * VP_BETA_MIN)
        sigma = torch.sqrt(1 - alpha ** 2)
        dsigma = -alpha * dalpha / sigma
    else:
        raise ValueError("unknown flow path %r (expected one of %s)" % (path, FLOW_PATHS))
    return alpha, sigma, dalpha, dsigma


def flow_interpolate(path, x, eps, t):
    """x_t = alpha x + sigma eps; velocity u = dalpha x + dsigma eps; noise target eps; score target -eps / sigma."""
    alpha, sigma, dalpha, dsigma = (_col(c, x) for c in flow_coefficients(path, t.to(x.dtype)))
    xt = alpha * x + sigma * eps
    velocity = dalpha * x + dsigma * eps
    return dict(xt=xt, velocity=velocity, noise=eps.clone(), score=-eps / sigma)


def per_sample_mse(pred, target):
    """mean over every non-batch dimension of (pred - target)^2 -> (N,)."""
    return ((pred - target) ** 2).flatten(1).mean(1)


def cosine_similarity(a, b, dim=1, eps=1e-8):
    """a . b / (max(|a|, eps) * max(|b|, eps)) along `dim` (the formula of torch >= 2.0; torch 1.x used
    a . b / max(|a| |b|, eps); the two agree whenever both norms are >= eps)."""
    dot = (a * b).sum(dim)
    na = torch.sqrt((a * a).sum(dim)).clamp_min(eps)
    nb = torch.sqrt((b * b).sum(dim)).clamp_min(eps)
    return dot / (na * nb)


def direction_term(pred, target, eps=1e-8):
    """FasterDiT direction loss per sample: mean over spatial positions of 1 - cos(pred, target), the cosine taken
    over the channel dimension (dim 1). (N, C, H, W) -> (N,)."""
    return (1 - cosine_similarity(pred, target, dim=1, eps=eps)).flatten(1).mean(1)


def flow_loss(pred, target, lam=1.0):
    """Returns (total, mse_i, cos_i): total = mean_batch(mse_i) + lam * mean_batch(cos_i)."""
    mse = per_sample_mse(pred, target)
    cos = direction_term(pred, target)
    return mse.mean() + lam * cos.mean(), mse, cos


# ================================================================================================
# DDPM (discrete time, DiT convention: integer t in 0..T-1, t = T-1 is (almost) pure noise)
# ================================================================================================

def ddpm_betas(schedule, T=1000):
    """float64 numpy betas. linear: linspace(1e-4 * 1000/T, 0.02 * 1000/T, T).
    cosine: beta_i = min(1 - abar((i+1)/T) / abar(i/T), 0.999), abar(s) = cos^2((s + 0.008) / 1.008 * pi / 2)."""
    if schedule == "linear":
        scale = 1000.0 / T
        return np.linspace(scale * 1e-4, scale * 0.02, T, dtype=np.float64)
    if schedule == "cosine":
        def abar(s):
            return math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
        return np.array([min(1.0 - abar((i + 1) / T) / abar(i / T), 0.999) for i in range(T)], dtype=np.float64)
    raise ValueError("unknown beta schedule %r (expected linear or cosine)" % schedule)


def normal_kl(mean1, logvar1, mean2, logvar2):
    """KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)), elementwise, in nats."""
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def approx_standard_normal_cdf(x):
    """The tanh approximation of the standard normal CDF used by the public ADM code (a documented fact of it):
    0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))."""
    return 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def discretized_gaussian_log_likelihood(x, means, log_scales):
    """log P(bin of x) under N(means, exp(log_scales)^2) for data in [-1, 1] quantised to 256 levels.

    A bin is [x - 1/255, x + 1/255]; the lowest bin (x < -0.999) extends to -inf, the highest (x > 0.999) to +inf.
    Probabilities are clamped at 1e-12 before the log. Elementwise, natural log."""
    centered = x - means
    inv_std = torch.exp(-log_scales)
    cdf_plus = approx_standard_normal_cdf(inv_std * (centered + 1.0 / 255.0))
    cdf_min = approx_standard_normal_cdf(inv_std * (centered - 1.0 / 255.0))
    log_cdf_plus = torch.log(cdf_plus.clamp(min=1e-12))
    log_one_minus_cdf_min = torch.log((1.0 - cdf_min).clamp(min=1e-12))
    log_delta = torch.log((cdf_plus - cdf_min).clamp(min=1e-12))
    return torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, log_one_minus_cdf_min, log_delta))


def _mean_flat(v):
    return v.flatten(1).mean(1)


class DDPMSchedule:
    """All coefficient tables of a discrete DDPM, float64 numpy arrays of length T indexed by integer t."""

    def __init__(self, betas):
        b = np.asarray(betas, dtype=np.float64)
        assert b.ndim == 1 and np.all(b > 0) and np.all(b <= 1)
        self.T = len(b)
        self.betas = b
        self.alphas = 1.0 - b
        self.abar = np.cumprod(self.alphas)
        self.abar_prev = np.append(1.0, self.abar[:-1])
        self.sqrt_abar = np.sqrt(self.abar)
        self.sqrt_one_minus_abar = np.sqrt(1.0 - self.abar)
        self.sqrt_recip_abar = np.sqrt(1.0 / self.abar)
        self.sqrt_recipm1_abar = np.sqrt(1.0 / self.abar - 1.0)
        # q(x_{t-1} | x_t, x_0) = N(coef1 x_0 + coef2 x_t, posterior_variance)
        self.posterior_variance = b * (1.0 - self.abar_prev) / (1.0 - self.abar)
        # posterior_variance[0] == 0: its log is replaced by the log of posterior_variance[1]
        self.posterior_log_variance_clipped = np.log(np.append(self.posterior_variance[1], self.posterior_variance[1:]))
        self.posterior_mean_coef1 = b * np.sqrt(self.abar_prev) / (1.0 - self.abar)
        self.posterior_mean_coef2 = (1.0 - self.abar_prev) * np.sqrt(self.alphas) / (1.0 - self.abar)
        self.log_betas = np.log(b)

    @classmethod
    def make(cls, schedule="linear", T=1000):
        return cls(ddpm_betas(schedule, T))

    @staticmethod
    def _g(table, t, like):
        """table[t] as (N, 1, 1, 1) in like's dtype (gathered in float64, then cast)."""
        idx = torch.as_tensor(t, dtype=torch.int64)
        return _col(torch.from_numpy(table)[idx], like)

    # ---------------------------------------------------------------- forward process and posterior
    def q_sample(self, x0, t, eps):
        return self._g(self.sqrt_abar, t, x0) * x0 + self._g(self.sqrt_one_minus_abar, t, x0) * eps

    def q_posterior(self, x0, xt, t):
        """mean, variance, clipped log variance of q(x_{t-1} | x_t, x_0)."""
        mean = self._g(self.posterior_mean_coef1, t, xt) * x0 + self._g(self.posterior_mean_coef2, t, xt) * xt
        var = self._g(self.posterior_variance, t, xt).expand_as(xt)
        logvar = self._g(self.posterior_log_variance_clipped, t, xt).expand_as(xt)
        return mean, var, logvar

    def predict_x0_from_eps(self, xt, t, eps):
        return self._g(self.sqrt_recip_abar, t, xt) * xt - self._g(self.sqrt_recipm1_abar, t, xt) * eps

    def eps_from_x0(self, xt, t, x0):
        return (self._g(self.sqrt_recip_abar, t, xt) * xt - x0) / self._g(self.sqrt_recipm1_abar, t, xt)

    # ---------------------------------------------------------------- reverse process
    def p_mean_variance(self, out, xt, t, clip_denoised=False):
        """Model output `out` (N, 2C, ...) = [eps prediction, v] with v in [-1, 1] ("learned range"):
        log variance = frac * log(beta_t) + (1 - frac) * posterior_log_variance_clipped_t, frac = (v + 1) / 2;
        x0 = sqrt(1/abar) x_t - sqrt(1/abar - 1) eps (clipped to [-1, 1] if clip_denoised);
        mean = coef1 x0 + coef2 x_t."""
        c = xt.shape[1]
        assert out.shape[1] == 2 * c, "learned-sigma output must have 2C channels"
        eps, v = out[:, :c], out[:, c:]
        min_log = self._g(self.posterior_log_variance_clipped, t, xt)
        max_log = self._g(self.log_betas, t, xt)
        frac = (v + 1) / 2
        log_variance = frac * max_log + (1 - frac) * min_log
        x0 = self.predict_x0_from_eps(xt, t, eps)
        if clip_denoised:
            x0 = x0.clamp(-1, 1)
        mean, _, _ = self.q_posterior(x0, xt, t)
        return dict(mean=mean, variance=torch.exp(log_variance), log_variance=log_variance, pred_x0=x0, eps=eps)

    def p_sample(self, out, xt, t, noise, clip_denoised=False):
        """x_{t-1} = mean + [t > 0] exp(log_variance / 2) noise."""
        pm = self.p_mean_variance(out, xt, t, clip_denoised)
        nonzero = _col((torch.as_tensor(t) != 0).to(xt.dtype), xt)
        return pm["mean"] + nonzero * torch.exp(0.5 * pm["log_variance"]) * noise

    def ddim_step(self, out, xt, t, eta=0.0, noise=None, clip_denoised=False):
        """DDIM x_{t-1} (previous timestep t-1 of this schedule). Only the eps half of `out` is used (a C-channel
        output is accepted too). x0 = sqrt(1/abar) x_t - sqrt(1/abar - 1) eps; eps is re-derived from x0 (identical
        unless clip_denoised); sigma = eta sqrt((1 - abar_prev) / (1 - abar)) sqrt(1 - abar / abar_prev);
        x_{t-1} = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma^2) eps + [t > 0] sigma noise.
        At t = 0, abar_prev = 1 and x_{t-1} = x0."""
        c = xt.shape[1]
        eps = out[:, :c]
        x0 = self.predict_x0_from_eps(xt, t, eps)
        if clip_denoised:
            x0 = x0.clamp(-1, 1)
            eps = self.eps_from_x0(xt, t, x0)
        abar = self._g(self.abar, t, xt)
        abar_prev = self._g(self.abar_prev, t, xt)
        sigma = eta * torch.sqrt((1 - abar_prev) / (1 - abar)) * torch.sqrt(1 - abar / abar_prev)
        prev = torch.sqrt(abar_prev) * x0 + torch.sqrt(1 - abar_prev - sigma ** 2) * eps
        if eta != 0:
            nonzero = _col((torch.as_tensor(t) != 0).to(xt.dtype), xt)
            prev = prev + nonzero * sigma * noise
        return prev

    # ---------------------------------------------------------------- losses
    def vb_terms_bits(self, out, x0, xt, t):
        """Per-sample variational bound term in bits (mean over C, H, W, divided by ln 2):
        t > 0: KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t)); t == 0: -log P(x_0 | x_1) with the discretized
        Gaussian decoder (log scale = log_variance / 2). Uses `out` exactly as given: the caller detaches."""
        true_mean, _, true_logvar = self.q_posterior(x0, xt, t)
        pm = self.p_mean_variance(out, xt, t, clip_denoised=False)
        kl = _mean_flat(normal_kl(true_mean, true_logvar, pm["mean"], pm["log_variance"])) / math.log(2.0)
        nll = -_mean_flat(discretized_gaussian_log_likelihood(x0, pm["mean"], 0.5 * pm["log_variance"])) / math.log(2.0)
        return torch.where(torch.as_tensor(t) == 0, nll, kl)

    def training_losses(self, out, x0, t, eps, vb_scale=1.0):
        """DiT loss per sample: mse(eps_pred, eps) + vb_scale * vb, vb computed from [eps_pred.detach(), v] so the
        VB term trains only the variance half. (DiT's 'rescaled' MSE multiplies vb by T/1000, i.e. 1 at T = 1000.)
        Returns dict(loss, mse, vb, xt), each per-sample (N,) except xt."""
        c = x0.shape[1]
        xt = self.q_sample(x0, t, eps)
        eps_pred, v = out[:, :c], out[:, c:]
        mse = per_sample_mse(eps_pred, eps)
        frozen = torch.cat([eps_pred.detach(), v], dim=1)
        vb = self.vb_terms_bits(frozen, x0, xt, t) * vb_scale
        return dict(loss=mse + vb, mse=mse, vb=vb, xt=xt)


# ================================================================================================
# AdamW (torch.optim.AdamW semantics, amsgrad=False, maximize=False)
# ================================================================================================

def adamw_step(p, grad, exp_avg, exp_avg_sq, step, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    """One AdamW step; `step` is the 1-based count after this update. Returns new (p, exp_avg, exp_avg_sq).
        p     <- p * (1 - lr * wd)                         (decoupled weight decay, on the pre-update parameter)
        m     <- b1 m + (1 - b1) g
        v     <- b2 v + (1 - b2) g^2
        p     <- p - (lr / (1 - b1^step)) * m / (sqrt(v) / sqrt(1 - b2^step) + eps)
    """
    b1, b2 = betas
    p = p * (1 - lr * weight_decay)
    exp_avg = b1 * exp_avg + (1 - b1) * grad
    exp_avg_sq = b2 * exp_avg_sq + (1 - b2) * grad * grad
    bc1 = 1 - b1 ** step
    bc2 = 1 - b2 ** step
    denom = torch.sqrt(exp_avg_sq) / math.sqrt(bc2) + eps
    p = p - (lr / bc1) * exp_avg / denom
    return p, exp_avg, exp_avg_sq


def adamw_trajectory(p0, grads, lr, betas, eps, weight_decay):
    """Apply adamw_step for each gradient in `grads` (K, ...) starting from p0 with zero moments.
    Returns (params (K, ...), exp_avgs (K, ...), exp_avg_sqs (K, ...)) after each step."""
    p = p0.clone()
    m = torch.zeros_like(p0)
    v = torch.zeros_like(p0)
    ps, ms, vs = [], [], []
    for k in range(grads.shape[0]):
        p, m, v = adamw_step(p, grads[k], m, v, k + 1, lr, betas, eps, weight_decay)
        ps.append(p)
        ms.append(m)
        vs.append(v)
    return torch.stack(ps), torch.stack(ms), torch.stack(vs)


# ================================================================================================
# Timestep samplers
# ================================================================================================

def sample_flow_t(n, mode="lognorm", generator=None, mu=0.0, s=1.0, dtype=torch.float64):
    """'uniform': t ~ U[0, 1); 'lognorm' (logit-normal): t = sigmoid(n), n ~ N(mu, s)."""
    if mode == "uniform":
        return torch.rand(n, generator=generator, dtype=dtype)
    if mode == "lognorm":
        return torch.sigmoid(mu + s * torch.randn(n, generator=generator, dtype=dtype))
    raise ValueError("unknown timestep sampler %r" % mode)


def sample_ddpm_t(n, T=1000, generator=None):
    """Uniform integer t in [0, T)."""
    return torch.randint(0, T, (n,), generator=generator)
