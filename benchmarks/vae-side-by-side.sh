#!/usr/bin/env bash
# SD VAE encode and decode throughput: the team's PyTorch reference (benchmarks/reference/vae_bench_reference.py,
# Debian's torch) and ours (./fasterdit vae bench), same shape, random weights, back to back, alternating rounds.
#   benchmarks/vae-side-by-side.sh [--image-size 256] [--batch 1] [--steps 2] [--warmup 1] [--width 128]
#                                  [--rounds 2] [--precisions "fp32 bf16 bf16-weights"] [--threads N]
# Each figure is the best step of its run (img/s); the machine is shared, so every round runs every configuration
# once, in alternating order (reference first in odd rounds, ours first in even ones), and the summary gives the
# min..max over rounds. bf16 = autocast with fp32 weights (ours only: torch 1.13's CPU autocast fails on GroupNorm);
# bf16-weights = weights and activations in bf16 (both; attention stays fp32 in ours). fp32-channels-last = the
# reference with model and inputs in torch.channels_last (ours always runs channels-last inside; not run for ours).
# Pipe the output (| tee LOG): with stderr redirected to a file, the tee to /dev/stderr would overwrite it.
# Both sides get the same threads: N (default: all cores) ATen intra-op threads and one OpenBLAS thread, because the
# convolutions run in oneDNN on ATen's OpenMP pool (ci/runtime-env.sh's one-ATen-thread default is for DiT training).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=256; BATCH=1; STEPS=2; WARMUP=1; WIDTH=128; ROUNDS=2; PRECS="fp32 bf16 bf16-weights"; THREADS=$(nproc)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --image-size) SIZE=$2; shift 2;; --batch) BATCH=$2; shift 2;; --steps) STEPS=$2; shift 2;;
    --warmup) WARMUP=$2; shift 2;; --width) WIDTH=$2; shift 2;; --rounds) ROUNDS=$2; shift 2;;
    --precisions) PRECS=$2; shift 2;; --threads) THREADS=$2; shift 2;; *) echo "unknown option $1" >&2; exit 2;;
  esac
done
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "vae-side-by-side: installing Debian's python3-torch and libopenblas0-pthread" >&2
  apt-get install -y -q python3-torch libopenblas0-pthread python3-numpy >/dev/null
fi
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores; flags:$(grep -o -w 'avx512f\|avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' '))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
source benchmarks/show-and-keep-last.sh
RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT
reference() {
  local prec=$1
  [[ $prec == bf16 ]] && return 0 # torch 1.13's CPU autocast fails on GroupNorm: the reference runs bf16-weights only
  local line layout=()
  [[ $prec == fp32-channels-last ]] && layout=(--channels-last)
  line=$(OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/reference/vae_bench_reference.py --image-size "$SIZE" \
    --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" --width "$WIDTH" --precision "${prec%-channels-last}" \
    --threads "$THREADS" "${layout[@]}" | show_and_keep_last)
  echo "reference $prec $line" >> "$RESULTS"
}
ours() {
  local prec=$1 line
  [[ $prec == fp32-channels-last ]] && return 0 # ours is channels-last inside in every precision
  line=$(OPENBLAS_NUM_THREADS=1 FASTERDIT_TORCH_THREADS=$THREADS ./fasterdit vae bench --image-size "$SIZE" \
    --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" --width "$WIDTH" --precision "$prec" | show_and_keep_last)
  echo "fasterdit $prec $line" >> "$RESULTS"
}
for round in $(seq 1 "$ROUNDS"); do
  for prec in $PRECS; do
    echo "== round $round, $prec"
    if (( round % 2 == 1 )); then reference "$prec"; ours "$prec"; else ours "$prec"; reference "$prec"; fi
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== summary: img/s at ${SIZE}x${SIZE}, width $WIDTH, batch $BATCH, $THREADS threads, min..max over $ROUNDS rounds"
python3 - "$RESULTS" <<'EOF'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    who, prec, rest = line.split(" ", 2)
    vals = dict(re.findall(r"(\w+)=([0-9.]+)", rest))
    r = rows.setdefault((who, prec), {"encode": [], "decode": []})
    r["encode"].append(float(vals["encode_img_per_s"]))
    r["decode"].append(float(vals["decode_img_per_s"]))
for (who, prec), r in rows.items():
    fmt = lambda v: "%.3f..%.3f" % (min(v), max(v))
    print("%-10s %-13s encode_img_per_s=%s decode_img_per_s=%s" % (who, prec, fmt(r["encode"]), fmt(r["decode"])))
EOF
