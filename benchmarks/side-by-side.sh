#!/usr/bin/env bash
# Runs the reference PyTorch DiT training step (Debian python3-torch + OpenBLAS) and ours on the same config,
# back to back on this machine, and prints both and the ratio.
#   benchmarks/side-by-side.sh [--model DiT-S/2] [--input-size 32] [--channels 4] [--batch 8] [--steps 10]
#                              [--warmup 3] [--precision fp32] [--rounds 1]
# With --rounds R the whole comparison repeats R times and the last line gives the median of the per-round ratios:
# on a shared machine the speed drifts by +-10% over minutes, and runs close in time see the same drift.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=DiT-S/2; SIZE=32; CH=4; BATCH=8; STEPS=10; WARMUP=3; PREC=fp32; ROUNDS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) MODEL=$2; shift 2;; --input-size) SIZE=$2; shift 2;; --channels) CH=$2; shift 2;;
    --batch) BATCH=$2; shift 2;; --steps) STEPS=$2; shift 2;; --warmup) WARMUP=$2; shift 2;;
    --precision) PREC=$2; shift 2;; --rounds) ROUNDS=$2; shift 2;; *) echo "unknown option $1" >&2; exit 2;;
  esac
done
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "side-by-side: installing Debian's python3-torch and libopenblas0-pthread" >&2
  apt-get install -y -q python3-torch libopenblas0-pthread python3-numpy >/dev/null
fi
img_per_s() { sed -n 's/.*img_per_s=\([0-9.]*\).*/\1/p' <<< "$1"; }
# The reference gets its best setting of three: PyTorch's defaults (all threads in both pools); our thread split
# (OpenBLAS owns the cores, one intra-op thread); and that split plus our glibc malloc settings (ci/runtime-env.sh).
# The fastest of the three is the figure compared.
MALLOC=$(env -u GLIBC_TUNABLES bash -c 'source ci/runtime-env.sh && echo "$GLIBC_TUNABLES"') # the launcher's value
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  ref_best=0
  for setting in default tuned tuned+malloc; do
    case $setting in
      default) envs=(X_UNUSED=1); threads=$(nproc);;
      tuned) envs=(OPENBLAS_NUM_THREADS=$(nproc)); threads=1;;
      tuned+malloc) envs=(OPENBLAS_NUM_THREADS=$(nproc) GLIBC_TUNABLES=$MALLOC); threads=1;;
    esac
    echo "== round $round: reference PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') ($MODEL, ${CH}x${SIZE}x${SIZE}, batch $BATCH, fp32, setting: $setting)"
    line=$(env -u GLIBC_TUNABLES "${envs[@]}" /usr/bin/python3 benchmarks/reference/train_step_reference.py --model "$MODEL" \
      --input-size "$SIZE" --channels "$CH" --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" --threads "$threads" | tee /dev/stderr | tail -1)
    ref_best=$(python3 -c "print(max(float('$ref_best'), float('$(img_per_s "$line")')))")
  done
  echo "== round $round: fasterdit ($PREC)"
  ours=$(./fasterdit bench --model "$MODEL" --input-size "$SIZE" --channels "$CH" --batch "$BATCH" --steps "$STEPS" \
    --warmup "$WARMUP" --precision "$PREC" | tee /dev/stderr | tail -1)
  line=$(python3 -c "r=float('$ref_best'); o=float('$(img_per_s "$ours")'); print(f'round=$round reference_img_per_s={r:.3f} fasterdit_img_per_s={o:.3f} speedup={o/r:.2f}x')")
  echo "$line"
  ratios+=("$(sed -n 's/.*speedup=\([0-9.]*\)x/\1/p' <<< "$line")")
done
python3 -c "import statistics; r=[float(v) for v in '${ratios[*]}'.split()]; print(f'rounds={len(r)} speedups={\",\".join(f\"{v:.2f}\" for v in r)} median_speedup={statistics.median(r):.2f}x')"
