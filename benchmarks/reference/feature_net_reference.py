"""Reference features of the committed conv3-gap classifier (the study's pinned file).

Reads benchmarks/convergence/study/classifier.safetensors with a plain header parser, runs the conv3-gap layout
(3x3 conv + ReLU with 32/64/128 channels, 2x2 max-pool after the first two, global average pool, linear head) in
PyTorch on a fixed input (x[i] = sin(0.37 i), shape (3, 1, 32, 32)), and writes the features and logits to
core/src/test/resources/reference/feature_net_gap.json. FeatureNetArchTest checks the JVM's outputs of that file
against these, so the old layout keeps computing what it computed when the study pinned it.
"""
import json
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "benchmarks/convergence/study/classifier.safetensors"
OUT = ROOT / "core/src/test/resources/reference/feature_net_gap.json"


def read_safetensors(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", v
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(v["shape"]).copy())
    return out, header.get("__metadata__", {})


def main():
    w, md = read_safetensors(SRC)
    assert "arch" not in md
    x = torch.from_numpy(np.sin(np.arange(3 * 32 * 32) * 0.37).astype(np.float32).reshape(3, 1, 32, 32))
    h = x
    for i in range(3):
        h = F.relu(F.conv2d(h, w[f"conv{i}.weight"], w[f"conv{i}.bias"], padding=1))
        if i < 2:
            h = F.max_pool2d(h, 2)
    feats = h.mean(dim=(2, 3))
    logits = F.linear(feats, w["head.weight"], w["head.bias"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"features": feats.tolist(), "logits": logits.tolist()}) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
