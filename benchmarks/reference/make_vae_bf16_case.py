"""The PyTorch reference VAE in bf16, for VaeBf16Test (deterministic; rerun to regenerate).

Reads the `sd32` parity case that make_vae_cases.py wrote (model/src/test/resources/vae/: the LDM file
ldm_fp32.safetensors has the weights, sd32_float32.npz the inputs and float64 outputs), rebuilds the same random
weights with make_vae_cases.random_weights (checked equal to the file), casts the model and the inputs to bfloat16
(`model.bfloat16()`: torch 1.13 cannot run this network under CPU autocast, its autocast feeds GroupNorm bf16 inputs
with fp32 weights and fails) and writes model/src/test/resources/vae-bf16/sd32_bf16_reference.npz:

  mean, logvar   posterior of the case's x, computed in bf16, stored as float32
  recon          bf16 decode of the case's (float64-reference) mean
  dec_z          bf16 decode of the case's z

Both decodes start from the case's latents, as in the fp32 parity, so an encoder difference is not counted twice.
Prints how far these bf16 outputs land from the float64 reference, relative to each output's largest magnitude:
the error PyTorch itself makes in bf16, the yardstick of VaeBf16Test.

Usage:  /usr/bin/python3 benchmarks/reference/make_vae_bf16_case.py
"""

import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_vae_cases as cases  # noqa: E402

VAE_DIR = os.path.join(cases.DEFAULT_OUT)
OUT_DIR = os.path.join(cases.REPO, "model", "src", "test", "resources", "vae-bf16")


def main():
    torch.set_num_threads(1)
    state = cases.random_weights("sd32")
    stored = cases.read_safetensors(os.path.join(VAE_DIR, "ldm_fp32.safetensors"))
    assert sorted(v.numel() for v in stored.values()) == sorted(v.numel() for v in state.values())
    assert abs(sum(float(v.double().sum()) for v in stored.values())
               - sum(float(v.double().sum()) for v in state.values())) < 1e-3, "weights differ from the file"
    arrays = dict(np.load(os.path.join(VAE_DIR, "sd32_float32.npz")))
    m = cases.build("sd32").eval()
    m.load_state_dict(state)
    m = m.bfloat16()
    bf16 = lambda name: torch.from_numpy(arrays[name]).bfloat16()
    with torch.no_grad():
        mean, logvar = m.encode(bf16("x"))
        out = dict(mean=mean, logvar=logvar, recon=m.decode(bf16("mean")), dec_z=m.decode(bf16("z")))
    out = {k: v.float().numpy() for k, v in out.items()}
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, "sd32_bf16_reference.npz")
    np.savez(path, **out)
    for k, v in out.items():
        ref = arrays[k]
        err = np.abs(v - ref).max()
        print("%-6s bf16 torch vs float64: max abs %.3e, %.2f%% of max |ref| %.3f" % (
            k, err, 100 * err / np.abs(ref).max(), np.abs(ref).max()))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
