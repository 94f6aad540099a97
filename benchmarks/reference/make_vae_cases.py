"""Generate the Java <-> PyTorch VAE parity fixtures (deterministic; rerun to regenerate all).

Writes into model/src/test/resources/vae/ (relative to the repo root):
  <case>/ (config.json + diffusion_pytorch_model.safetensors|.bin)   diffusers folders
  <case>.ckpt / <case>.safetensors                                   original LDM layout files
  <weights>.npz                                                      inputs and float64 reference outputs
  manifest.json                                                      one entry per checkpoint

The same random weights are written in every layout (names and attention shapes differ; the values are the same), so
a layout mapped wrongly (e.g. decoder levels in the wrong order) shows up as a large error, not as a shape mismatch.
fp16 checkpoints have their own .npz, computed from the fp16-rounded weights.

Usage:  /usr/bin/python3 benchmarks/reference/make_vae_cases.py [--out DIR] [--check]
--check also prints how much each output moves under typical porting bugs (nothing is written for it).
"""

import argparse
import copy
import json
import os
import shutil
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vae_reference as ref  # noqa: E402
from make_parity_cases import read_safetensors, write_safetensors  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "model", "src", "test", "resources", "vae")

N_IMAGES = 2
GN_AFFINE_STD = 0.2   # GroupNorm weight 1 + N(0, 0.2), bias N(0, 0.2): an affine applied wrongly must show
QK_GAIN = 4.0         # q/k projections enlarged so attention is far from uniform (a wrong softmax axis must show)
LOGVAR_LOW_BIAS = -40.0  # one logvar channel pushed below -30, so the clamp is exercised

# The full SD shape (4 levels, 2 ResNet blocks per level, mid attention) at small widths. The original LDM code
# hard-codes 32 GroupNorm groups (no tensor shape records the group count), so its layouts need widths that 32
# divides; the diffusers layouts read the count from config.json and use 4 groups at a quarter of that width.
# "small3" (2 levels, 1 block, 3 latent channels, a width change at level 1) only config inference from the tensor
# names and shapes can get right.
ARCHS = {
    "sd": dict(block_out_channels=[8, 16, 16, 16], layers_per_block=2, latent_channels=4, norm_num_groups=4,
               image=32, seed=11),
    "sd32": dict(block_out_channels=[32, 32, 32, 32], layers_per_block=2, latent_channels=4, norm_num_groups=32,
                 image=32, seed=13),
    "small3": dict(block_out_channels=[32, 64], layers_per_block=1, latent_channels=3, norm_num_groups=32,
                   image=16, seed=12),
}

# name, architecture, layout, storage dtype, extra details of the layout
CASES = [
    dict(name="diffusers_new_fp32", arch="sd", layout="diffusers", names="new", file="safetensors",
         dtype="float32", scaling_factor=0.18215),
    dict(name="diffusers_new_fp16", arch="sd", layout="diffusers", names="new", file="safetensors",
         dtype="float16", scaling_factor=0.13025),
    dict(name="diffusers_old_fp32", arch="sd", layout="diffusers", names="old", file="bin",
         dtype="float32", scaling_factor=None),
    dict(name="diffusers_old_fp16", arch="sd", layout="diffusers", names="old", file="bin",
         dtype="float16", scaling_factor=None),
    dict(name="ldm_prefixed_fp32", arch="sd32", layout="ldm", file="ckpt", prefix="first_stage_model.",
         dtype="float32"),
    dict(name="ldm_vae_only_fp16", arch="sd32", layout="ldm", file="ckpt", prefix="", dtype="float16"),
    dict(name="ldm_fp32", arch="sd32", layout="ldm", file="safetensors", prefix="", dtype="float32"),
    dict(name="ldm_fp16", arch="sd32", layout="ldm", file="safetensors", prefix="", dtype="float16"),
    dict(name="small3_ldm_fp16", arch="small3", layout="ldm", file="safetensors", prefix="", dtype="float16"),
]

TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16}


def build(arch):
    a = ARCHS[arch]
    return ref.AutoencoderKL(a["block_out_channels"], a["layers_per_block"], a["latent_channels"],
                             a["norm_num_groups"])


def random_weights(arch):
    """PyTorch's default init, then GroupNorm affines, q/k and one logvar bias moved off their defaults."""
    a = ARCHS[arch]
    torch.manual_seed(a["seed"])
    m = build(arch)
    gen = torch.Generator().manual_seed(a["seed"] + 1000)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.GroupNorm):
                mod.weight.copy_(1 + GN_AFFINE_STD * torch.randn(mod.weight.shape, generator=gen))
                mod.bias.copy_(GN_AFFINE_STD * torch.randn(mod.bias.shape, generator=gen))
            if isinstance(mod, ref.Attention):
                mod.to_q.weight.mul_(QK_GAIN)
                mod.to_k.weight.mul_(QK_GAIN)
        m.quant_conv.bias[a["latent_channels"] + 1] = LOGVAR_LOW_BIAS
    return OrderedDict((k, v.detach().clone()) for k, v in m.state_dict().items())


def reference_outputs(arch, state, x, noise):
    """Float64 forward of exactly the stored weights (fp16 up-cast exactly), stored as float32."""
    m = build(arch).double().eval()
    m.load_state_dict(OrderedDict((k, v.to(torch.float64)) for k, v in state.items()))
    with torch.no_grad():
        mean, logvar = m.encode(x.double())
        z = ref.AutoencoderKL.sample(mean, logvar, noise.double())
        recon = m.decode(mean)
        dec_z = m.decode(z)
    f32 = lambda t: t.numpy().astype(np.float32)
    return dict(x=f32(x), noise=f32(noise), mean=f32(mean), logvar=f32(logvar), z=f32(z), recon=f32(recon),
                dec_z=f32(dec_z))


def float32_deviation(arch, state, arrays):
    """How far a float32 torch forward lands from the float64 reference: the floor any port can reach."""
    m = build(arch).eval()
    m.load_state_dict(OrderedDict((k, v.to(torch.float32)) for k, v in state.items()))
    with torch.no_grad():
        mean, logvar = m.encode(torch.from_numpy(arrays["x"]))
        # decode the reference mean, not our own: an encoder difference must not be counted twice
        recon = m.decode(torch.from_numpy(arrays["mean"]))
        got = dict(mean=mean, logvar=logvar, recon=recon, dec_z=m.decode(torch.from_numpy(arrays["z"])))
    return max(float(np.abs(got[k].numpy() - arrays[k]).max()) for k in got)


def diffusers_config(arch, case):
    a = ARCHS[arch]
    levels = len(a["block_out_channels"])
    cfg = OrderedDict([
        ("_class_name", "AutoencoderKL"),
        ("_diffusers_version", "0.14.0" if case["names"] == "old" else "0.27.0"),
        ("act_fn", "silu"),
        ("block_out_channels", a["block_out_channels"]),
        ("down_block_types", ["DownEncoderBlock2D"] * levels),
        ("in_channels", 3),
        ("latent_channels", a["latent_channels"]),
        ("layers_per_block", a["layers_per_block"]),
        ("norm_num_groups", a["norm_num_groups"]),
        ("out_channels", 3),
        ("sample_size", a["image"]),
        ("up_block_types", ["UpDecoderBlock2D"] * levels),
    ])
    if case["scaling_factor"] is not None:  # configs written before diffusers added the key lack it
        cfg["scaling_factor"] = case["scaling_factor"]
    return cfg


def ldm_junk(gen):
    """Entries an original checkpoint carries besides the VAE: the training loss (LPIPS + discriminator)."""
    return OrderedDict([
        ("loss.logvar", torch.zeros(())),
        ("loss.perceptual_loss.net.slice1.0.weight", torch.randn(4, 3, 3, 3, generator=gen)),
        ("loss.discriminator.main.0.weight", torch.randn(4, 3, 4, 4, generator=gen)),
    ])


def sd_junk(gen):
    """A full SD checkpoint prefixes the VAE with first_stage_model.; the rest is the UNet, text encoder and EMA."""
    return OrderedDict([
        ("model.diffusion_model.input_blocks.0.0.weight", torch.randn(8, 4, 3, 3, generator=gen)),
        ("cond_stage_model.transformer.text_model.embeddings.position_ids", torch.arange(4).reshape(1, 4)),
        ("model_ema.decay", torch.tensor(0.9999)),
        ("model_ema.num_updates", torch.tensor(10, dtype=torch.int32)),
    ])


def layout_state(case, state):
    """The tensors of one checkpoint file, by the names of its layout."""
    levels = len(ARCHS[case["arch"]]["block_out_channels"])
    if case["layout"] == "diffusers":
        return OrderedDict(state) if case["names"] == "new" else OrderedDict(ref.diffusers_old_names(state))
    gen = torch.Generator().manual_seed(7)
    out = OrderedDict((case["prefix"] + k, v) for k, v in ref.ldm_names(state, levels).items())
    if case["file"] == "ckpt":
        junk = sd_junk(gen) if case["prefix"] else ldm_junk(gen)
        out.update(junk)
    return out


def write_case(case, state, out_dir):
    """Writes the checkpoint; returns its path relative to out_dir."""
    named = layout_state(case, state)
    if case["layout"] == "diffusers":
        folder = os.path.join(out_dir, case["name"])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(diffusers_config(case["arch"], case), f, indent=2)
            f.write("\n")
        if case["file"] == "safetensors":
            write_safetensors(named, os.path.join(folder, "diffusion_pytorch_model.safetensors"))
        else:
            torch.save(named, os.path.join(folder, "diffusion_pytorch_model.bin"))
        return case["name"]
    path = case["name"] + "." + case["file"]
    if case["file"] == "safetensors":
        write_safetensors(named, os.path.join(out_dir, path))
    else:  # what Lightning saves, pruned: the state dict plus a step counter
        torch.save({"state_dict": named, "global_step": 840000}, os.path.join(out_dir, path))
    return path


def read_back(case, out_dir, rel):
    path = os.path.join(out_dir, rel)
    if case["layout"] == "diffusers":
        name = "diffusion_pytorch_model." + case["file"]
        path = os.path.join(path, name)
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    obj = torch.load(path)
    return obj["state_dict"] if "state_dict" in obj else obj


def sensitivity(arch, state, arrays):
    """How much the outputs move under porting bugs the tests must catch (float64, against the reference)."""
    results = OrderedDict()
    x, z = torch.from_numpy(arrays["x"]).double(), torch.from_numpy(arrays["z"]).double()

    def run(patch):
        m = build(arch).double().eval()
        m.load_state_dict(OrderedDict((k, v.to(torch.float64)) for k, v in state.items()))
        undo = patch(m)
        with torch.no_grad():
            mean, logvar = m.encode(x)
            got = dict(mean=mean, logvar=logvar, recon=m.decode(mean), dec_z=m.decode(z))
        if undo:
            undo()
        return max(float(np.abs(got[k].numpy() - arrays[k]).max()) for k in got)

    def patched(cls, attr, fn):
        def apply(m):
            old = getattr(cls, attr)
            setattr(cls, attr, fn)
            return lambda: setattr(cls, attr, old)
        return apply

    def gn_eps(m):
        for mod in m.modules():
            if isinstance(mod, torch.nn.GroupNorm):
                mod.eps = 1e-5

    results["symmetric downsample padding"] = run(patched(
        ref.Downsample, "forward", lambda self, h: self.conv(F.pad(h, (1, 1, 1, 1))[:, :, :-1, :-1])))
    results["GroupNorm eps 1e-5"] = run(gn_eps)
    results["bilinear upsample"] = run(patched(
        ref.Upsample, "forward",
        lambda self, h: self.conv(F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False))))
    results["attention without 1/sqrt(C)"] = run(patched(ref.Attention, "forward", attention_unscaled))
    results["attention removed"] = run(patched(ref.Attention, "forward", lambda self, h: h))
    return results


def attention_unscaled(self, x):
    n, c, h, w = x.shape
    t = self.group_norm(x).reshape(n, c, h * w).transpose(1, 2)
    weights = torch.softmax(self.to_q(t) @ self.to_k(t).transpose(1, 2), dim=-1)
    return x + self.to_out[0](weights @ self.to_v(t)).transpose(1, 2).reshape(n, c, h, w)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="also print output sensitivity to porting bugs")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if os.path.isdir(a.out):
        for n in os.listdir(a.out):  # regenerate from scratch, but keep the hand-written README
            p = os.path.join(a.out, n)
            if n != "README.md":
                shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    os.makedirs(a.out, exist_ok=True)

    weights = {arch: random_weights(arch) for arch in ARCHS}
    npz_written = {}
    manifest, ok = [], True
    for case in CASES:
        arch, dtype = case["arch"], TORCH_DTYPES[case["dtype"]]
        spec = ARCHS[arch]
        stored = OrderedDict((k, v.to(dtype).contiguous()) for k, v in weights[arch].items())
        npz = "%s_%s.npz" % (arch, case["dtype"])
        if npz not in npz_written:
            gen = torch.Generator().manual_seed(spec["seed"] + 2000)
            x = torch.rand(N_IMAGES, 3, spec["image"], spec["image"], generator=gen) * 2 - 1
            f = 2 ** (len(spec["block_out_channels"]) - 1)
            noise = torch.randn(N_IMAGES, spec["latent_channels"], spec["image"] // f, spec["image"] // f,
                                generator=gen)
            arrays = reference_outputs(arch, stored, x, noise)
            np.savez(os.path.join(a.out, npz), **arrays)
            dev = float32_deviation(arch, stored, arrays)
            print("%s: float32 torch vs float64 reference: max abs %.2e" % (npz, dev))
            ok &= dev < 1e-5
            if a.check:
                for what, err in sensitivity(arch, stored, arrays).items():
                    print("    %-32s moves the outputs by %.3g" % (what, err))
            npz_written[npz] = arrays
        rel = write_case(case, stored, a.out)
        expected = layout_state(case, stored)
        got = read_back(case, a.out, rel)
        same = list(got.keys()) == list(expected.keys()) and all(
            torch.equal(got[k], expected[k]) for k in expected)
        if not same:
            print("%s: file does not read back as written" % rel)
            ok = False
        manifest.append(OrderedDict([
            ("name", case["name"]), ("vae", rel), ("npz", npz), ("layout", case["layout"]),
            ("names", case.get("names", "ldm")), ("storage_dtype", case["dtype"]),
            ("block_out_channels", spec["block_out_channels"]), ("layers_per_block", spec["layers_per_block"]),
            ("latent_channels", spec["latent_channels"]), ("norm_num_groups", spec["norm_num_groups"]),
            ("scaling_factor", case.get("scaling_factor") or ref.SD_SCALING_FACTOR),
        ]))
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = 0
    for root, _, files in os.walk(a.out):
        total += sum(os.path.getsize(os.path.join(root, n)) for n in files)
    print("wrote %d cases, %.2f MB in %s" % (len(manifest), total / 1e6, a.out))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
