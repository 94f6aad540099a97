"""Generate the .npy / .npz / .pt reader fixtures (deterministic; rerun to regenerate all).

Writes into tensor-formats/src/test/resources/io/ (relative to the repo root); README.md there
says what each file holds. The evil_*.pt files are assembled byte by byte and are never unpickled
here: they are checked only with pickletools.dis, which reads opcodes without executing them.

Usage:  /usr/bin/python3 benchmarks/reference/make_reader_fixtures.py [--out DIR]
"""

import argparse
import io
import json
import os
import pickletools
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "tensor-formats", "src", "test", "resources", "io")
PWNED = "/tmp/fasterdit_pwned"


# ----------------------------------------------------------------------------------------------
# numpy files
# ----------------------------------------------------------------------------------------------

def npz_arrays():
    return OrderedDict([
        ("f32", np.arange(6, dtype=np.float32).reshape(2, 3)),              # [[0,1,2],[3,4,5]]
        ("i64", np.array([-3, 0, 7, 2 ** 40], dtype=np.int64)),
        ("u8", np.arange(12, dtype=np.uint8).reshape(3, 2, 2) * 20),         # 0,20,...,220
        ("f64_scalar", np.array(3.25, dtype=np.float64)),                    # shape ()
    ])


def write_numpy(out):
    arrs = npz_arrays()
    np.savez(os.path.join(out, "arrays.npz"), **arrs)
    np.savez_compressed(os.path.join(out, "arrays_compressed.npz"), **arrs)
    np.save(os.path.join(out, "f32.npy"), np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5)
    np.save(os.path.join(out, "i64.npy"), np.array([1, -2, 3, -(2 ** 40), 2 ** 62], dtype=np.int64))
    fortran = np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32))
    assert fortran.flags.f_contiguous and not fortran.flags.c_contiguous
    np.save(os.path.join(out, "fortran.npy"), fortran)
    np.save(os.path.join(out, "be.npy"), np.array([[1.5, -2.0], [3.25, 1e-3]], dtype=">f4"))


# ----------------------------------------------------------------------------------------------
# torch.save files
# ----------------------------------------------------------------------------------------------

def write_dtypes(out):
    base = torch.arange(10, dtype=torch.float32) * 1.5           # 0, 1.5, ..., 13.5
    transposed_src = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    d = OrderedDict()
    d["f32"] = torch.tensor([[1.0, -2.5, 3.14159], [0.0, 1e-30, -65504.0]], dtype=torch.float32)
    d["bf16"] = torch.tensor([1.0, -2.5, 1.0 / 3.0, 3.0e38, -1e-20, 0.0], dtype=torch.bfloat16)
    d["f16"] = torch.tensor([[1.0, -2.5], [1.0 / 3.0, 65504.0], [6e-8, -0.0]], dtype=torch.float16)
    d["i64"] = torch.tensor([0, -1, 2 ** 40, -(2 ** 62), 7], dtype=torch.int64)
    d["transposed"] = transposed_src.t()                          # (4,3), strides (1,4): non-contiguous
    d["base"] = base
    d["shared_slice"] = base[2:]                                  # same storage, offset 2, shape (8,)
    d["scalar"] = torch.tensor(2.5, dtype=torch.float32)          # 0-dim
    assert not d["transposed"].is_contiguous() and d["transposed"].stride() == (1, 4)
    assert d["shared_slice"].storage_offset() == 2
    torch.save(d, os.path.join(out, "dtypes.pt"))
    # The same dict in the legacy (pre-1.6) stream format, which pytorch-fid's weights use.
    torch.save(d, os.path.join(out, "dtypes_legacy.pt"), _use_new_zipfile_serialization=False)

    expected = OrderedDict()
    for k, v in d.items():
        if v.dtype == torch.int64:
            expected[k] = v.numpy().astype(np.int64)
        else:
            expected[k] = v.to(torch.float64).contiguous().numpy()    # exact up-cast
    np.savez(os.path.join(out, "dtypes_expected.npz"), **expected)


def nested_object():
    return {
        "list": [1, 2.5, "three", [4, [5]]],
        "tuple": (1, "two", 3.0),
        "string": "hello \u00e9\u4e16",
        "int": 42,
        "int_big": 70000,            # BININT (does not fit BININT2)
        "int_neg": -5,
        "int_long": 2 ** 40,         # LONG1
        "float": 0.1,
        "true": True,
        "none": None,
        "nested": {"a": {"b": [None, False]}, "empty_list": [], "empty_dict": {}},
        "args": argparse.Namespace(model="DiT-S/2", image_size=32, lr=1e-4, flip=True),
    }


def write_nested(out):
    obj = nested_object()
    torch.save(obj, os.path.join(out, "nested.pt"))
    torch.save(obj, os.path.join(out, "nested_legacy.pt"), _use_new_zipfile_serialization=False)
    as_json = dict(obj)
    as_json["tuple"] = list(obj["tuple"])
    as_json["args"] = {"__class__": "argparse.Namespace", **vars(obj["args"])}
    with open(os.path.join(out, "nested_expected.json"), "w", encoding="utf-8") as f:
        json.dump(as_json, f, indent=2, ensure_ascii=False)
        f.write("\n")


# ----------------------------------------------------------------------------------------------
# malicious pickles (built by hand, never unpickled)
# ----------------------------------------------------------------------------------------------

def binunicode(s):
    b = s.encode("utf-8")
    return b"X" + struct.pack("<I", len(b)) + b


def short_binunicode(s):
    b = s.encode("utf-8")
    assert len(b) < 256
    return b"\x8c" + bytes([len(b)]) + b


def evil_os_system():
    # PROTO 2; GLOBAL os.system; BINUNICODE cmd; TUPLE1; REDUCE; STOP
    return b"\x80\x02" + b"cos\nsystem\n" + binunicode("touch " + PWNED) + b"\x85" + b"R" + b"."


def evil_eval():
    code = "__import__('os').system('touch %s')" % PWNED
    return b"\x80\x02" + b"cbuiltins\neval\n" + binunicode(code) + b"\x85" + b"R" + b"."


def evil_stack_global():
    # PROTO 4; 'subprocess' 'Popen' STACK_GLOBAL; (['touch', PWNED],) REDUCE; STOP
    return (b"\x80\x04" + short_binunicode("subprocess") + short_binunicode("Popen") + b"\x93"
            + b"]" + b"(" + short_binunicode("touch") + short_binunicode(PWNED) + b"e"
            + b"\x85" + b"R" + b".")


def write_torch_zip(path, archive, pickle_bytes):
    """Same entry layout as torch.save: <archive>/data.pkl and <archive>/version, stored uncompressed."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for entry, data in (("data.pkl", pickle_bytes), ("version", b"3\n")):
            info = zipfile.ZipInfo(archive + "/" + entry, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible
            info.compress_type = zipfile.ZIP_STORED
            z.writestr(info, data)


def write_evil(out):
    for name, data in (("evil_os_system", evil_os_system()), ("evil_eval", evil_eval()),
                       ("evil_stack_global", evil_stack_global())):
        buf = io.StringIO()
        pickletools.dis(data, out=buf)          # static opcode check only
        print("%s.pt:\n%s" % (name, buf.getvalue()))
        write_torch_zip(os.path.join(out, name + ".pt"), name, data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    write_numpy(a.out)
    write_dtypes(a.out)
    write_nested(a.out)
    write_evil(a.out)
    assert not os.path.exists(PWNED), PWNED + " exists (was it there before?)"
    names = sorted(os.listdir(a.out))
    print("wrote %d files (%d bytes) in %s" % (
        len(names), sum(os.path.getsize(os.path.join(a.out, n)) for n in names), a.out))


if __name__ == "__main__":
    main()
