"""Generate the Java <-> PyTorch DiT parity fixtures (deterministic; rerun to regenerate all).

Writes into model/src/test/resources/parity/ (relative to the repo root):
  <case>.pt / .safetensors   small random-weight DiT checkpoints in the layouts the Java reader must handle
  <case>.npz                 inputs and float64-computed reference outputs (stored as float32)
  manifest.json              one entry per (checkpoint, key) to check

Usage:  /usr/bin/python3 benchmarks/reference/make_parity_cases.py [--out DIR] [--check]
--check additionally reloads every file and prints how strongly each output reacts to typical
porting mistakes (a sanity check that the fixtures are sensitive, nothing is written for it).
"""

import argparse
import copy
import json
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dit_reference import DiT  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "model", "src", "test", "resources", "parity")

# After the recipe init, the weights are randomised further so that every part of the network moves
# the output by far more than fp32 rounding (with the init scales the conditioning c is ~0.04 and
# the blocks contribute almost nothing): zero-initialised adaLN / final layers get N(0, 0.1) /
# N(0, 0.05), the label table N(0, 0.5) and the t_embedder weights N(0, 0.1).
ADALN_STD = 0.1      # all adaLN_modulation.1 weights and biases
FINAL_STD = 0.05     # final_layer.linear weight and bias
LABEL_STD = 0.5      # y_embedder.embedding_table
TEMB_STD = 0.1       # t_embedder.mlp.0 / mlp.2 weights
N_EVAL = 4           # batch of the plain forward check
N_CFG = 2            # batch of the CFG check
CFG_SCALE = 4.0

# name, seed, architecture, storage dtype, layout
CASES = [
    dict(name="p2_sigma", seed=1, depth=2, hidden=96, heads=4, patch=2, input_size=8, in_channels=4,
         num_classes=10, learn_sigma=True, dtype="float32", layout="state_dict", safetensors=True),
    dict(name="p4_full", seed=2, depth=3, hidden=64, heads=4, patch=4, input_size=16, in_channels=3,
         num_classes=5, learn_sigma=False, dtype="float32", layout="full"),
    dict(name="p2_bf16", seed=3, depth=2, hidden=64, heads=2, patch=2, input_size=8, in_channels=4,
         num_classes=10, learn_sigma=True, dtype="bfloat16", layout="state_dict"),
    dict(name="p2_fp16", seed=4, depth=2, hidden=64, heads=4, patch=2, input_size=8, in_channels=4,
         num_classes=10, learn_sigma=True, dtype="float16", layout="model_ema_args"),
    dict(name="p8_nosigma", seed=5, depth=1, hidden=32, heads=2, patch=8, input_size=16, in_channels=1,
         num_classes=10, learn_sigma=False, dtype="float32", layout="state_dict"),
]

TORCH_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def build_model(case):
    return DiT(input_size=case["input_size"], patch_size=case["patch"], in_channels=case["in_channels"],
               hidden_size=case["hidden"], depth=case["depth"], num_heads=case["heads"],
               num_classes=case["num_classes"], learn_sigma=case["learn_sigma"])


def perturb(model, gen):
    """Randomise the zero-initialised layers (and enlarge the conditioning path); see ADALN_STD."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "adaLN_modulation.1." in name:
                std = ADALN_STD
            elif name.startswith("final_layer.linear."):
                std = FINAL_STD
            elif name == "y_embedder.embedding_table.weight":
                std = LABEL_STD
            elif name.startswith("t_embedder.mlp.") and name.endswith(".weight"):
                std = TEMB_STD
            else:
                continue
            p.copy_(torch.randn(p.shape, generator=gen) * std)


def stored_state(model, dtype):
    """The state dict as it will be stored: model.state_dict() itself for fp32 (so it keeps the
    OrderedDict `_metadata` attribute that torch.save(model.state_dict()) pickles with a BUILD
    opcode), or a cast copy that keeps the same `_metadata` (what model.to(dtype).state_dict() gives)."""
    sd = model.state_dict()
    if dtype == torch.float32:
        return sd
    out = OrderedDict((k, v.detach().to(dtype).clone().contiguous()) for k, v in sd.items())
    out._metadata = copy.deepcopy(sd._metadata)
    return out


def reference_model64(case, state):
    """Float64 model holding exactly the stored weights (bf16/fp16 up-cast exactly)."""
    m = build_model(case).double()
    m.load_state_dict(OrderedDict((k, v.to(torch.float64)) for k, v in state.items()))
    m.eval()
    return m


def make_inputs(case, gen):
    c, s, k = case["in_channels"], case["input_size"], case["num_classes"]
    x = torch.randn(N_EVAL, c, s, s, generator=gen)
    t = torch.rand(N_EVAL, generator=gen) * 1000.0
    t = torch.clamp(t, max=999.9)                               # stay strictly inside [0, 1000)
    y = torch.randint(0, k, (N_EVAL,), generator=gen, dtype=torch.int64)
    y[-1] = k                                                   # the null label
    cfg_x = torch.randn(N_CFG, c, s, s, generator=gen)
    cfg_t = torch.rand(N_CFG, generator=gen) * 1000.0
    cfg_t = torch.clamp(cfg_t, max=999.9)
    cfg_y = torch.randint(0, k, (N_CFG,), generator=gen, dtype=torch.int64)
    return x, t, y, cfg_x, cfg_t, cfg_y


def reference_npz(case, state, inputs, path):
    x, t, y, cfg_x, cfg_t, cfg_y = inputs
    m = reference_model64(case, state)
    with torch.no_grad():
        out = m(x.double(), t.double(), y)
        cfg_all = m.forward_with_cfg(cfg_x.double(), cfg_t.double(), cfg_y, CFG_SCALE, case["in_channels"])
        cfg_3 = m.forward_with_cfg(cfg_x.double(), cfg_t.double(), cfg_y, CFG_SCALE, min(3, case["in_channels"]))
    f32 = lambda a: a.numpy().astype(np.float32)
    np.savez(path,
             x=f32(x), t=f32(t), y=y.numpy().astype(np.int64), out=f32(out),
             cfg_x=f32(cfg_x), cfg_t=f32(cfg_t), cfg_y=cfg_y.numpy().astype(np.int64),
             cfg_scale=np.array(CFG_SCALE, dtype=np.float32),
             cfg_out_all=f32(cfg_all), cfg_out_first3=f32(cfg_3))


def write_safetensors(state, path, metadata=None):
    """Hand-written safetensors: u64 LE header length, JSON header, raw little-endian tensor bytes."""
    header = OrderedDict()
    blobs = []
    offset = 0
    for name, t in state.items():
        t = t.contiguous()
        if t.dtype == torch.bfloat16:  # numpy has no bf16: take the raw 16-bit patterns
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata or {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n).decode("utf-8"))
        data = f.read()
    out = OrderedDict()
    np_types = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype=np_types[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def flow_loss(model, x, y, gen):
    """SiT-style flow matching: t=0 noise, t=1 data, x_t = t x + (1-t) eps, target x - eps."""
    eps = torch.randn(x.shape, generator=gen)
    t = torch.rand(x.shape[0], generator=gen)
    tb = t.view(-1, 1, 1, 1)
    xt = tb * x + (1 - tb) * eps
    pred = model(xt, t, y)[:, :x.shape[1]]
    return ((pred - (x - eps)) ** 2).mean()


def manifest_entry(case, name, checkpoint, npz, key):
    return OrderedDict([
        ("name", name), ("checkpoint", checkpoint), ("npz", npz), ("key", key),
        ("depth", case["depth"]), ("hidden", case["hidden"]), ("heads", case["heads"]),
        ("patch", case["patch"]), ("input_size", case["input_size"]),
        ("in_channels", case["in_channels"]), ("num_classes", case["num_classes"]),
        ("learn_sigma", case["learn_sigma"]), ("storage_dtype", case["dtype"]),
    ])


def generate_case(case, out_dir):
    torch.manual_seed(case["seed"])
    gen = torch.Generator().manual_seed(1000 + case["seed"])
    model = build_model(case)
    perturb(model, gen)
    dtype = TORCH_DTYPES[case["dtype"]]
    name = case["name"]
    entries = []
    ckpt = name + ".pt"

    if case["layout"] == "state_dict":
        state = stored_state(model, dtype)
        torch.save(state, os.path.join(out_dir, ckpt))
        reference_npz(case, state, make_inputs(case, gen), os.path.join(out_dir, name + ".npz"))
        entries.append(manifest_entry(case, name, ckpt, name + ".npz", None))
        if case.get("safetensors"):
            write_safetensors(state, os.path.join(out_dir, name + ".safetensors"),
                              {"format": "pt", "case": name})
            entries.append(manifest_entry(case, name + "_safetensors", name + ".safetensors", name + ".npz", None))

    elif case["layout"] == "full":
        ema = copy.deepcopy(model)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0)
        data = torch.randn(4, case["in_channels"], case["input_size"], case["input_size"], generator=gen)
        labels = torch.randint(0, case["num_classes"] + 1, (4,), generator=gen)
        for _ in range(2):
            opt.zero_grad()
            flow_loss(model, data, labels, gen).backward()
            opt.step()
            with torch.no_grad():  # EMA update (decay 0.5 so it visibly lags), then extra noise
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(0.5).add_(pm, alpha=0.5)
        with torch.no_grad():
            for n, p in ema.named_parameters():
                if n != "pos_embed":
                    p.add_(torch.randn(p.shape, generator=gen) * 0.01)
        model_state, ema_state = stored_state(model, dtype), stored_state(ema, dtype)
        args = argparse.Namespace(model="custom", image_size=case["input_size"],
                                  num_classes=case["num_classes"], epochs=1, global_batch_size=4,
                                  global_seed=0, lr=1e-4)
        torch.save({"model": model_state, "ema": ema_state, "opt": opt.state_dict(), "args": args},
                   os.path.join(out_dir, ckpt))
        inputs = make_inputs(case, gen)
        for key, st in (("model", model_state), ("ema", ema_state)):
            npz = "%s_%s.npz" % (name, key)
            reference_npz(case, st, inputs, os.path.join(out_dir, npz))
            entries.append(manifest_entry(case, "%s_%s" % (name, key), ckpt, npz, key))

    elif case["layout"] == "model_ema_args":
        model_state = stored_state(model, dtype)
        ema_state = stored_state(copy.deepcopy(model), dtype)  # equal values, separate storages
        args = argparse.Namespace(model="custom", image_size=case["input_size"],
                                  num_classes=case["num_classes"], epochs=1, global_batch_size=4,
                                  global_seed=0, lr=1e-4)
        torch.save({"model": model_state, "ema": ema_state, "args": args}, os.path.join(out_dir, ckpt))
        reference_npz(case, model_state, make_inputs(case, gen), os.path.join(out_dir, name + ".npz"))
        entries.append(manifest_entry(case, name, ckpt, name + ".npz", "model"))
        entries.append(manifest_entry(case, name + "_ema", ckpt, name + ".npz", "ema"))
    else:
        raise ValueError(case["layout"])
    return entries


# ----------------------------------------------------------------------------------------------
# Verification
# ----------------------------------------------------------------------------------------------

def load_state(out_dir, entry):
    path = os.path.join(out_dir, entry["checkpoint"])
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    obj = torch.load(path, map_location="cpu")
    return obj if entry["key"] is None else obj[entry["key"]]


def sensitivity(case, state, z):
    """How much the output moves under typical porting mistakes (max abs change)."""
    x, t, y = (torch.from_numpy(z[k]) for k in ("x", "t", "y"))
    base = reference_model64(case, state)
    with torch.no_grad():
        ref = base(x.double(), t.double(), y)
        res = OrderedDict()
        h = case["hidden"]

        def variant(edit, y_in=y):
            m = copy.deepcopy(base)
            edit(m)
            return float((m(x.double(), t.double(), y_in) - ref).abs().max())

        def swap_shift_scale(m):
            for blk in m.blocks:
                w = blk.adaLN_modulation[1]
                for p in (w.weight, w.bias):
                    a, b = p[:h].clone(), p[h:2 * h].clone()
                    p[:h], p[h:2 * h] = b, a
        res["shift/scale swapped"] = variant(swap_shift_scale)

        def sin_cos(m):
            w = m.t_embedder.mlp[0].weight
            w.copy_(torch.cat([w[:, 128:], w[:, :128]], dim=1))
        res["t-emb [sin,cos]"] = variant(sin_cos)

        def pos_rows_cols(m):
            p = m.pos_embed
            p.copy_(torch.cat([p[..., h // 2:], p[..., :h // 2]], dim=-1))
        res["pos rows/cols swapped"] = variant(pos_rows_cols)

        def gelu_exact(m):
            for blk in m.blocks:
                blk.mlp.forward = lambda v, mm=blk.mlp: mm.fc2(torch.nn.functional.gelu(mm.fc1(v)))
        res["exact GELU"] = variant(gelu_exact)
        y0 = y.clone()
        y0[y0 == case["num_classes"]] = 0
        res["null label->0"] = variant(lambda m: None, y0)
        res["t/1000"] = float((base(x.double(), t.double() / 1000, y) - ref).abs().max())
        res["fp32 model (torch)"] = float((reference_model64(case, state).float()(x, t, y).double() - ref)
                                          .abs().max())
    return float(ref.abs().max()), res


def verify(out_dir, manifest, show_sensitivity):
    ok = True
    for e in manifest:
        case = dict(depth=e["depth"], hidden=e["hidden"], heads=e["heads"], patch=e["patch"],
                    input_size=e["input_size"], in_channels=e["in_channels"],
                    num_classes=e["num_classes"], learn_sigma=e["learn_sigma"])
        state = load_state(out_dir, e)
        want_dtype = TORCH_DTYPES[e["storage_dtype"]]
        assert all(v.dtype == want_dtype for v in state.values()), e["name"]
        z = np.load(os.path.join(out_dir, e["npz"]))
        m = reference_model64(case, state)
        with torch.no_grad():
            out = m(torch.from_numpy(z["x"]).double(), torch.from_numpy(z["t"]).double(),
                    torch.from_numpy(z["y"])).numpy()
            cx, ct, cy = (torch.from_numpy(z[k]) for k in ("cfg_x", "cfg_t", "cfg_y"))
            sc = float(z["cfg_scale"])
            ca = m.forward_with_cfg(cx.double(), ct.double(), cy, sc, e["in_channels"]).numpy()
            c3 = m.forward_with_cfg(cx.double(), ct.double(), cy, sc, min(3, e["in_channels"])).numpy()
        errs = [np.abs(out - z["out"]).max(), np.abs(ca - z["cfg_out_all"]).max(),
                np.abs(c3 - z["cfg_out_first3"]).max()]
        good = max(errs) < 1e-6 and (z["y"] == e["num_classes"]).any()
        ok &= good
        print("%-22s %-24s key=%-5s out%s max|out|=%.3f reload err=%.1e %s" % (
            e["name"], e["checkpoint"], e["key"], z["out"].shape, np.abs(z["out"]).max(), max(errs),
            "OK" if good else "FAIL"))
        if show_sensitivity:
            mag, res = sensitivity(case, state, z)
            print("    " + ", ".join("%s %.2e" % kv for kv in res.items()))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="also print output sensitivity to porting bugs")
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    manifest = []
    for case in CASES:
        manifest += generate_case(case, a.out)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    ok = verify(a.out, manifest, a.check)
    total = sum(os.path.getsize(os.path.join(a.out, n)) for n in os.listdir(a.out))
    print("wrote %d manifest entries, %d files, %.2f MB in %s" % (
        len(manifest), len(os.listdir(a.out)), total / 1e6, a.out))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
