"""Groups call-graph samples (`perf script --no-inline -F tid,ip,sym` of a `perf record --call-graph dwarf` run)
by the model operation that spent them: the LibTorch call a Java method made in forward (`fw:linear`, `fw:gelu`) or
the autograd node that ran in backward (`bw:GeluBackward0`), and within each by the leaf function, so that a generic
elementwise loop (`c10::function_ref ... callback_fn`) is named by the op it belongs to.

Every sample is one thread on a core at one instant, so shares are of the CPU time of all the process's threads.
"""
import collections
import os
import re
import sys

TOP = int(os.environ.get("PERF_TOP", "40"))

BACKWARD = re.compile(r"torch::autograd::generated::(\w+)::apply")
FORWARD = re.compile(r"Java_org_bytedeco_pytorch_(?:global_torch_|Tensor_)(\w+?)__")
OTHER_JNI = re.compile(r"Java_org_bytedeco_pytorch_(\w+?)__")


def op_of(frames):
    for f in frames:
        m = BACKWARD.search(f)
        if m:
            return "bw:" + m.group(1)
        m = FORWARD.search(f) or OTHER_JNI.search(f)
        if m:
            # JNI names escape '_' as '_1'
            return "fw:" + m.group(1).replace("_1", "_")
    return "outside LibTorch calls (" + re.sub(r"<.*", "", frames[-1])[:40] + ")"


def leaf_of(frame):
    # oneDNN's GEMM kernels are generated at run time and have no symbol
    if frame.startswith("[unknown]") or "brgemm" in frame or "dnnl" in frame:
        return "GEMM (oneDNN JIT)"
    return re.sub(r"<.*", "", frame)[:50]


def main(path):
    by_op = collections.Counter()
    by_leaf = collections.Counter()
    total = 0
    for sample in open(path, errors="replace").read().split("\n\n"):
        lines = [l.strip() for l in sample.strip().split("\n") if l.strip()]
        frames = [l.split(None, 1)[1] for l in lines[1:] if len(l.split(None, 1)) > 1]
        if not frames:
            continue
        total += 1
        op = op_of(frames)
        if leaf_of(frames[0]).startswith("GEMM") and op.startswith("outside"):
            op = "GEMM kernels (generated code: perf cannot unwind their callers)"
        by_op[op] += 1
        by_leaf[(op, leaf_of(frames[0]))] += 1
    if total == 0:
        sys.exit("perf_ops: no samples (was sampling enabled around the timed steps?)")
    print(f"call-graph samples during the timed steps: {total}")
    print("by operation:")
    for op, n in by_op.most_common(TOP):
        print(f"  {100.0 * n / total:5.1f}%  {op}")
    print("by operation and leaf function, GEMM kernels left out:")
    shown = 0
    for (op, leaf), n in by_leaf.most_common():
        if leaf.startswith("GEMM") or shown >= TOP:
            continue
        shown += 1
        print(f"  {100.0 * n / total:5.2f}%  {op:28s} {leaf}")


if __name__ == "__main__":
    main(sys.argv[1])
