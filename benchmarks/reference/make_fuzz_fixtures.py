#!/usr/bin/python3
"""Seeds for the VAE weight fuzzer (VaeWeightsFuzzTest) that make_vae_cases.py does not write.

The legacy (pre-1.6) torch.save stream format: the state dict of
model/src/test/resources/vae/diffusers_old_fp16/diffusion_pytorch_model.bin (random weights, see
that folder's README), saved again with _use_new_zipfile_serialization=False, next to a copy of its
config.json. Deterministic (same input, same bytes). Run from the repo root:

    /usr/bin/python3 benchmarks/reference/make_fuzz_fixtures.py
"""
import os
import shutil

import torch

SRC = "model/src/test/resources/vae/diffusers_old_fp16"
OUT = "model/src/test/resources/vae/fuzz/legacy_fp16"


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = torch.load(os.path.join(SRC, "diffusion_pytorch_model.bin"), map_location="cpu")
    torch.save(sd, os.path.join(OUT, "diffusion_pytorch_model.bin"),
               _use_new_zipfile_serialization=False)
    shutil.copyfile(os.path.join(SRC, "config.json"), os.path.join(OUT, "config.json"))
    back = torch.load(os.path.join(OUT, "diffusion_pytorch_model.bin"), map_location="cpu")
    assert back.keys() == sd.keys() and all(torch.equal(back[k], sd[k]) for k in sd)
    print(f"wrote {OUT}: {len(sd)} tensors")


if __name__ == "__main__":
    main()
