#!/usr/bin/python3
"""Reference FID / sFID / Inception Score / precision / recall, following ADM's evaluator.

Our own numpy/scipy code written from the definitions in openai/guided-diffusion's
evaluations/evaluator.py (see docs/evaluation.md); no code copied. Importable
(frechet_distance, statistics, inception_score, precision_recall) and runnable: running it writes
fixed random feature sets and the metrics of them into --out/metrics_case.npz, which
core's MetricsParityTest compares with the Java metrics.

  * FD: |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr sqrtm(S1 S2) with scipy.linalg.sqrtm, adding 1e-6 to
    the diagonals when the product's square root is not finite, discarding a small imaginary part
    (ADM's FIDStatistics.frechet_distance); mu/sigma as np.mean / np.cov(rowvar=False).
  * IS: softmax of the logits, consecutive splits of 5000 (the last one shorter), per split
    exp(mean_x sum_y p(y|x) (log p(y|x) - log mean_x p(y|x))), the mean over splits.
  * Precision/recall: squared Euclidean distances, radius of a point = its 4th smallest squared
    distance to its own set (itself included, so the 3rd nearest other point); precision = fraction
    of samples within the radius of some reference point, recall the other way round. Distances
    are exact float64 differences here (ADM computes them in float16/float32 on the GPU).

    /usr/bin/python3 benchmarks/reference/metrics_reference.py --out /tmp/metrics-ref
"""
import argparse
import os
import time

import numpy as np
from scipy import linalg

SPLIT_SIZE = 5000
NEIGHBOURS = 3


def statistics(features):
    """mu, sigma of (N, D) features in float64, as ADM's compute_statistics."""
    x = np.asarray(features, dtype=np.float64)
    return x.mean(axis=0), np.cov(x, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    assert mu1.shape == mu2.shape and sigma1.shape == sigma2.shape
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("imaginary component %g" % np.max(np.abs(covmean.imag)))
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def frechet_distance_from_features(a, b):
    """The same FD without any matrix square root: with S = A^T A (A the centred features over
    sqrt(n - 1)), tr sqrt(S1 S2) is the nuclear norm of A1 A2^T, an n1 x n2 matrix whose singular
    values LAPACK gets to rounding. Exact where sqrtm of a singular product is not."""
    def factor(x):
        x = np.asarray(x, dtype=np.float64)
        return x.mean(axis=0), (x - x.mean(axis=0)) / np.sqrt(len(x) - 1)
    mu1, a1 = factor(a)
    mu2, a2 = factor(b)
    diff = mu1 - mu2
    tr_covmean = np.linalg.svd(a1 @ a2.T, compute_uv=False).sum()
    return float(diff.dot(diff) + (a1 * a1).sum() + (a2 * a2).sum() - 2 * tr_covmean)


def softmax(logits):
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def inception_score(logits, split_size=SPLIT_SIZE):
    preds = softmax(logits)
    scores = []
    for i in range(0, len(preds), split_size):
        part = preds[i:i + split_size]
        kl = part * (np.log(part) - np.log(np.mean(part, axis=0, keepdims=True)))
        scores.append(np.exp(np.mean(np.sum(kl, axis=1))))
    return float(np.mean(scores))


def squared_distances(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.stack([((b - row) ** 2).sum(axis=1) for row in a])  # exact differences, row by row


def manifold_radii(features, k=NEIGHBOURS):
    d = squared_distances(features, features)
    return np.partition(d, k, axis=1)[:, k]


def precision_recall(ref, samples, k=NEIGHBOURS):
    """(precision, recall) and the smallest relative gap |d - r| / r of any comparison (how far
    the decisive distances are from a radius: a flip needs an error that large)."""
    r_ref, r_s = manifold_radii(ref, k), manifold_radii(samples, k)
    d = squared_distances(ref, samples)  # (n_ref, n_samples)
    precision = float(np.mean(np.any(d <= r_ref[:, None], axis=0)))
    recall = float(np.mean(np.any(d <= r_s[None, :], axis=1)))
    gap = min(np.min(np.abs(d - r_ref[:, None]) / r_ref[:, None]),
              np.min(np.abs(d - r_s[None, :]) / r_s[None, :]))
    return precision, recall, float(gap)


def correlated_features(rng, n, d, rank, shift):
    """Gaussian features with a random full-rank mixing (so the covariance is not diagonal)."""
    mix = rng.normal(size=(rank, d)) / np.sqrt(rank)
    x = rng.normal(size=(n, rank)) @ mix + shift + 0.3 * rng.normal(size=(n, d))
    return x.astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="metrics-reference")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    start = time.time()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    out = {}
    cases = {
        # more samples than dimensions: full-rank covariances
        "dense": (correlated_features(rng, 800, 64, 64, 0.0),
                  correlated_features(rng, 700, 64, 64, 0.05)),
        # FID's 2048 dimensions from fewer samples: both covariances singular
        "singular": (correlated_features(rng, 300, 2048, 2048, 0.0),
                     correlated_features(rng, 250, 2048, 2048, 0.02)),
    }
    for name, (a, b) in cases.items():
        mu1, s1 = statistics(a)
        mu2, s2 = statistics(b)
        out[name + "_a"], out[name + "_b"] = a, b
        out[name + "_fd"] = np.float64(frechet_distance(mu1, s1, mu2, s2))
        out[name + "_fd_self"] = np.float64(frechet_distance(mu1, s1, mu1, s1))
        out[name + "_fd_exact"] = np.float64(frechet_distance_from_features(a, b))
        p, r, gap = precision_recall(a, b)
        out[name + "_precision"], out[name + "_recall"] = np.float64(p), np.float64(r)
        print(f"{name}: FD {out[name + '_fd']:.6f} (self {out[name + '_fd_self']:.2e}, "
              f"from the features {out[name + '_fd_exact']:.6f}) "
              f"precision {p:.4f} recall {r:.4f} (smallest radius gap {gap:.1e})")
    for name, n in [("is_two_splits", 7000), ("is_one_split", 300)]:
        logits = (3 * rng.normal(size=(n, 1008)) + rng.normal(size=(1, 1008))).astype(np.float32)
        out[name + "_logits"] = logits
        out[name] = np.float64(inception_score(logits))
        print(f"{name}: IS {out[name]:.6f}")
    np.savez(os.path.join(args.out, "metrics_case.npz"), **out)
    print(f"seconds={time.time() - start:.1f}")


if __name__ == "__main__":
    main()
