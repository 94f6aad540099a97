#!/usr/bin/python3
"""FID Inception reference: torchvision's InceptionV3 patched the way pytorch-fid patches it.

Written by us from pytorch-fid's documented behaviour (see docs/evaluation.md); no code copied.
What differs from torchvision's InceptionV3:
  * 1008 classes, no aux logits, no input transform; BatchNorm eps 1e-3 (torchvision's BasicConv2d
    already uses it);
  * Mixed_5b/5c/5d (A blocks), Mixed_6b-6e (C blocks) and Mixed_7b (E block): the pooling branch
    averages WITHOUT counting the zero padding (count_include_pad=False);
  * Mixed_7c (the last E block): the pooling branch is a 3x3 max pool (stride 1, padding 1).
Preprocessing: uint8 NHWC -> float in [0, 1] -> F.interpolate(299x299, bilinear,
align_corners=False) -> 2x - 1.
Outputs per image: pool3 (2048, after the adaptive average pool), logits (1008), and the spatial
features ADM's evaluator uses for sFID ("mixed_6/conv" of the TF graph = our Mixed_6d.branch1x1
output after its ReLU, first 7 channels, flattened in height-width-channel order: 17*17*7 = 2023).

Running it writes, into --out (default: a temp-free ./inception-reference folder):
  fid_inception_legacy.pth  random weights, torch.save(..., _use_new_zipfile_serialization=False)
  fid_inception_zip.pth     the same state dict in the zip format (torch >= 1.6 default)
  inception_case.npz        uint8 input batches and the float64 reference outputs
The weights are random (the real pt_inception-2015-12-05-6726825d.pth cannot be downloaded here),
with BatchNorm running statistics calibrated on images so every layer's activations stay O(1).
Each file is ~91 MB (legacy and zip), so the Java test runs this script into a temp folder instead
of committing the weights. Last line printed: `seconds=<wall time>`.

    /usr/bin/python3 benchmarks/reference/inception_reference.py --out /tmp/inception-ref
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.models import inception as tv

SIZE = 299
NUM_CLASSES = 1008
SPATIAL_CHANNELS = 7


class FIDInceptionA(tv.InceptionA):
    """Mixed_5b/5c/5d: torchvision's A block, average pool that ignores the padding."""

    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b5, b3, bp], 1)


class FIDInceptionC(tv.InceptionC):
    """Mixed_6b-6e: torchvision's C block, average pool that ignores the padding."""

    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = self.branch7x7dbl_1(x)
        d = self.branch7x7dbl_3(self.branch7x7dbl_2(d))
        d = self.branch7x7dbl_5(self.branch7x7dbl_4(d))
        bp = self.branch_pool(F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b7, d, bp], 1)


class FIDInceptionE(tv.InceptionE):
    """Mixed_7b (max_pool=False: average pool ignoring padding) and Mixed_7c (max_pool=True)."""

    def __init__(self, in_channels, max_pool):
        super().__init__(in_channels)
        self.max_pool = max_pool

    def forward(self, x):
        b1 = self.branch1x1(x)
        t = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(t), self.branch3x3_2b(t)], 1)
        t = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(t), self.branch3x3dbl_3b(t)], 1)
        if self.max_pool:
            p = F.max_pool2d(x, 3, stride=1, padding=1)
        else:
            p = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        bp = self.branch_pool(p)
        return torch.cat([b1, b3, bd, bp], 1)


def build_fid_inception():
    """torchvision's InceptionV3 (parameter names unchanged) with pytorch-fid's blocks."""
    net = tv.Inception3(num_classes=NUM_CLASSES, aux_logits=False, transform_input=False,
                        init_weights=False)
    net.Mixed_5b = FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = FIDInceptionE(1280, max_pool=False)
    net.Mixed_7c = FIDInceptionE(2048, max_pool=True)
    return net


def preprocess(images_uint8, dtype=torch.float64):
    """uint8 (N, H, W, C in {1, 3}) -> (N, 3, 299, 299) in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(images_uint8)).to(dtype) / 255.0
    x = x.permute(0, 3, 1, 2)
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    return 2 * x - 1


def features(net, x):
    """(pool3, logits, spatial) for a preprocessed batch; the network must be in eval mode."""
    captured = {}
    hook = net.Mixed_6d.branch1x1.register_forward_hook(
        lambda mod, inp, out: captured.__setitem__("spatial", out))
    try:
        h = net.Conv2d_2b_3x3(net.Conv2d_2a_3x3(net.Conv2d_1a_3x3(x)))
        h = net.maxpool1(h)
        h = net.maxpool2(net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(h)))
        for name in ["Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c",
                     "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"]:
            h = getattr(net, name)(h)
        pool3 = torch.flatten(net.avgpool(h), 1)
        logits = net.fc(pool3)
    finally:
        hook.remove()
    s = captured["spatial"][:, :SPATIAL_CHANNELS]  # (N, 7, 17, 17)
    spatial = s.permute(0, 2, 3, 1).reshape(s.shape[0], -1)  # TF's NHWC order, as ADM flattens
    return pool3, logits, spatial


def test_images(rng, n, h, w, c):
    """Smooth random fields plus noise: every channel and position carries signal."""
    coarse = rng.uniform(0, 255, size=(n, max(2, h // 8), max(2, w // 8), c))
    t = torch.from_numpy(coarse).permute(0, 3, 1, 2)
    smooth = F.interpolate(t, size=(h, w), mode="bicubic", align_corners=False)
    smooth = smooth.permute(0, 2, 3, 1).numpy()
    img = smooth + rng.normal(0, 20, size=(n, h, w, c))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def randomize(net, gen):
    """Random weights with a spread of BatchNorm affine parameters (so a swapped gamma/beta shows)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0, (2.0 / fan_in) ** 0.5, generator=gen)
            elif isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.uniform_(-0.2, 0.2, generator=gen)
                m.momentum = None  # cumulative average over the calibration batches
            elif isinstance(m, torch.nn.Linear):
                m.weight.normal_(0, 1.0 / m.in_features ** 0.5, generator=gen)
                m.bias.uniform_(-0.1, 0.1, generator=gen)


def calibrate(net, batches):
    """Sets BatchNorm running mean/var from the activations of `batches` (train mode), then eval.

    Calibrating on the test batches themselves keeps each case's activations O(1) even where its
    images differ in statistics (grayscale, downsampled)."""
    net.train()
    with torch.no_grad():  # one batch: eval mode then reproduces exactly what train mode saw
        features(net, torch.cat([preprocess(b, torch.float32) for b in batches]))
    net.eval()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = 0.1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="inception-reference")
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    start = time.time()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(args.out, exist_ok=True)
    gen = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    cases = {
        "rgb": test_images(rng, 2, 64, 48, 3),  # upsampling, non-square
        "gray": test_images(rng, 1, 40, 40, 1),  # one channel, repeated to three
        "large": test_images(rng, 1, 320, 304, 3),  # downsampling
    }
    net = build_fid_inception()
    randomize(net, gen)
    calibrate(net, list(cases.values()))
    state = net.state_dict()
    torch.save(state, os.path.join(args.out, "fid_inception_legacy.pth"),
               _use_new_zipfile_serialization=False)
    torch.save(state, os.path.join(args.out, "fid_inception_zip.pth"))

    out = {}
    net64 = net.double()
    with torch.no_grad():
        for name, imgs in cases.items():
            x = preprocess(imgs)
            pool3, logits, spatial = features(net64, x)
            out[name + "_images"] = imgs
            out[name + "_pool3"] = pool3.numpy()
            out[name + "_logits"] = logits.numpy()
            out[name + "_spatial"] = spatial.numpy()
            if name == "rgb":
                out["rgb_input"] = x.float().numpy()  # the network input, to locate a mismatch
    np.savez(os.path.join(args.out, "inception_case.npz"), **out)
    for name in cases:
        p = out[name + "_pool3"]
        print(f"{name}: pool3 mean {p.mean():.4f} max {p.max():.4f}, "
              f"logits std {out[name + '_logits'].std():.4f}, "
              f"spatial mean {out[name + '_spatial'].mean():.4f}")
    print(f"seconds={time.time() - start:.1f}")


if __name__ == "__main__":
    main()
