#!/usr/bin/python3
"""End-to-end reference for `fasterdit eval --samples --ref --inception`: the whole pipeline
(pytorch-fid's FID Inception in float64 -> ADM's FID, sFID, IS, precision, recall) on a few small
random images, with random Inception weights.

Our code: the network is inception_reference.py's, the metrics are metrics_reference.py's. Writes
into --out:
  fid_inception.pth   random weights (BatchNorm calibrated on the images), zip torch.save format
  samples.npz         arr_0 uint8 (N, 32, 32, 3), as ADM's sample batches
  ref_images.npz      arr_0 only: statistics come from the images
  ref_adm.npz         arr_0 + mu, sigma, mu_s, sigma_s, as ADM's reference batches
  ref_stats.npz       mu, sigma only: FID alone
  expected.npz        fid, sfid, inception_score, precision, recall (float64), radius_gap
IS follows ADM: softmax of pool3 @ W (the TF graph's softmax/logits/MatMul, no fc bias).

    /usr/bin/python3 benchmarks/reference/eval_reference.py --out /tmp/eval-ref
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inception_reference as inc  # noqa: E402
import metrics_reference as metrics  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="eval-reference")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--ref", type=int, default=16)
    args = ap.parse_args()
    start = time.time()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(args.out, exist_ok=True)
    gen = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    samples = inc.test_images(rng, args.samples, 32, 32, 3)
    ref = inc.test_images(rng, args.ref, 32, 32, 3)

    net = inc.build_fid_inception()
    inc.randomize(net, gen)
    inc.calibrate(net, [samples, ref])
    torch.save(net.state_dict(), os.path.join(args.out, "fid_inception.pth"))
    net64 = net.double()
    with torch.no_grad():
        s_pool, _, s_spatial = inc.features(net64, inc.preprocess(samples))
        r_pool, _, r_spatial = inc.features(net64, inc.preprocess(ref))
        s_logits_no_bias = s_pool @ net64.fc.weight.t()  # ADM's softmax input
    s_pool, s_spatial = s_pool.numpy(), s_spatial.numpy()
    r_pool, r_spatial = r_pool.numpy(), r_spatial.numpy()

    mu, sigma = metrics.statistics(r_pool)
    mu_s, sigma_s = metrics.statistics(r_spatial)
    smu, ssigma = metrics.statistics(s_pool)
    smu_s, ssigma_s = metrics.statistics(s_spatial)
    precision, recall, gap = metrics.precision_recall(r_pool, s_pool)
    expected = {
        "fid": metrics.frechet_distance_from_features(s_pool, r_pool),
        "fid_sqrtm": metrics.frechet_distance(smu, ssigma, mu, sigma),
        "sfid": metrics.frechet_distance_from_features(s_spatial, r_spatial),
        "sfid_sqrtm": metrics.frechet_distance(smu_s, ssigma_s, mu_s, sigma_s),
        "inception_score": metrics.inception_score(s_logits_no_bias.numpy()),
        "precision": precision,
        "recall": recall,
        "radius_gap": gap,
    }
    np.savez(os.path.join(args.out, "samples.npz"), arr_0=samples)
    np.savez(os.path.join(args.out, "ref_images.npz"), arr_0=ref)
    np.savez(os.path.join(args.out, "ref_adm.npz"), arr_0=ref, mu=mu, sigma=sigma, mu_s=mu_s,
             sigma_s=sigma_s)
    np.savez(os.path.join(args.out, "ref_stats.npz"), mu=mu, sigma=sigma)
    np.savez(os.path.join(args.out, "expected.npz"),
             **{k: np.float64(v) for k, v in expected.items()})
    for k, v in expected.items():
        print(f"{k}={v:.8g}")
    print(f"seconds={time.time() - start:.1f}")


if __name__ == "__main__":
    main()
