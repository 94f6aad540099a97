"""Loads a `fasterdit ckpt export --to pt` file as PyTorch users do and prints what it found as JSON.

1. torch.load(OUT, weights_only=True): the restricted unpickler (torch >= 1.13) accepts the file;
2. torch.load(OUT, map_location=lambda storage, loc: storage), as the public DiT code's find_model does;
3. our reference DiT (same parameter names as the public DiT) takes it with load_state_dict(strict=True).

usage: /usr/bin/python3 load_export.py OUT DEPTH HIDDEN HEADS PATCH INPUT_SIZE IN_CHANNELS CLASSES LEARN_SIGMA
prints {"keys": {name: [dtype, shape, float64 sum]}, "strict_load": true}
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dit_reference import DiT  # noqa: E402

path = sys.argv[1]
depth, hidden, heads, patch, size, ch, classes = (int(v) for v in sys.argv[2:9])
learn_sigma = sys.argv[9].lower() == "true"

safe = torch.load(path, weights_only=True)
plain = torch.load(path, map_location=lambda storage, loc: storage)
assert list(safe.keys()) == list(plain.keys())
model = DiT(input_size=size, patch_size=patch, in_channels=ch, hidden_size=hidden, depth=depth,
            num_heads=heads, num_classes=classes, learn_sigma=learn_sigma)
model.load_state_dict(safe, strict=True)
print(json.dumps({
    "type": type(safe).__name__,
    "keys": {k: [str(v.dtype), list(v.shape), float(v.double().sum())] for k, v in safe.items()},
    "strict_load": True,
}))
