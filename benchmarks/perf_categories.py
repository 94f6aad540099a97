"""Groups `perf script -F tid,ip,sym,dso` samples of a fasterdit bench run into where the CPU time went.

Every sample is one thread on a core at one instant, so shares are of the CPU time of all the process's threads.
"""
import collections
import re
import os
import sys

TOP = int(os.environ.get("PERF_TOP", "3"))  # symbols listed per group
WIDTH = int(os.environ.get("PERF_SYMBOL_WIDTH", "70"))

GROUPS = [
    ("GEMM (OpenBLAS kernels and packing)", lambda d, s: "openblas" in d and re.search(r"kernel|copy|beta", s)),
    ("OpenBLAS threads waiting for work", lambda d, s: "openblas" in d),
    ("LibTorch kernels (elementwise, attention, norms, optimizer)", lambda d, s: re.search(r"libtorch|libc10|libgomp", d)),
    # oneDNN generates its bf16 GEMM kernels at run time: executable memory with no symbol, which perf files
    # under the JVM's perf map (Java's JIT code is named there, so unnamed addresses are not Java)
    ("oneDNN JIT kernels (bf16 GEMM)", lambda d, s: s.startswith("[unknown]") and re.search(r"perf-\d+\.map|\[unknown\]|anon", d)),
    ("JVM side: Java code, JVM, JNI glue", lambda d, s: re.search(r"libjvm|perf-\d+\.map|libjava|jnitorch|libjnijavacpp|\[JIT\]", d)),
    ("OS kernel (page faults, scheduling)", lambda d, s: "kernel" in d),
    ("C library (malloc, memcpy)", lambda d, s: "libc.so" in d or "ld-linux" in d),
]


def main(path):
    counts = collections.Counter()
    top = collections.defaultdict(collections.Counter)
    total = 0
    for line in open(path, errors="replace"):
        parts = line.split(None, 2)
        if len(parts) < 3:
            continue
        m = re.match(r"(.*) \((.*)\)\s*$", parts[2].strip())
        sym, dso = (m.group(1), m.group(2)) if m else (parts[2].strip(), "")
        group = next((g for g, match in GROUPS if match(dso, sym)), "other")
        counts[group] += 1
        top[group][sym[:WIDTH]] += 1
        total += 1
    if total == 0:
        sys.exit("perf_categories: no samples (was sampling enabled around the timed steps?)")
    print(f"CPU samples during the timed steps: {total}")
    for group, n in counts.most_common():
        print(f"  {100.0 * n / total:5.1f}%  {group}")
        for sym, k in top[group].most_common(TOP):
            print(f"           {100.0 * k / total:5.1f}%  {sym}")
    jvm = counts["JVM side: Java code, JVM, JNI glue"]
    print(f"jvm_side_share={jvm / total:.4f}")


if __name__ == "__main__":
    main(sys.argv[1])
