#!/usr/bin/env bash
# Runs the reference PyTorch DiT training step (Debian python3-torch + OpenBLAS) and ours on the same config,
# back to back on this machine, and prints both and the ratio.
#   benchmarks/side-by-side.sh [--model DiT-S/2] [--input-size 32] [--channels 4] [--batch 8] [--steps 10] [--precision fp32]
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=DiT-S/2; SIZE=32; CH=4; BATCH=8; STEPS=10; WARMUP=3; PREC=fp32
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) MODEL=$2; shift 2;; --input-size) SIZE=$2; shift 2;; --channels) CH=$2; shift 2;;
    --batch) BATCH=$2; shift 2;; --steps) STEPS=$2; shift 2;; --warmup) WARMUP=$2; shift 2;;
    --precision) PREC=$2; shift 2;; *) echo "unknown option $1" >&2; exit 2;;
  esac
done
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "side-by-side: installing Debian's python3-torch and libopenblas0-pthread" >&2
  apt-get install -y -q python3-torch libopenblas0-pthread python3-numpy >/dev/null
fi
# The reference gets its best setting of three: PyTorch's defaults (all threads in both pools); our thread split
# (OpenBLAS owns the cores, one intra-op thread); and that split plus our glibc malloc settings (ci/runtime-env.sh).
# The fastest of the three is the figure compared.
MALLOC="glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184"
ref_best=0
for setting in default tuned tuned+malloc; do
  case $setting in
    default) envs=(X_UNUSED=1); threads=$(nproc);;
    tuned) envs=(OPENBLAS_NUM_THREADS=$(nproc)); threads=1;;
    tuned+malloc) envs=(OPENBLAS_NUM_THREADS=$(nproc) GLIBC_TUNABLES=$MALLOC); threads=1;;
  esac
  echo "== reference PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') ($MODEL, ${CH}x${SIZE}x${SIZE}, batch $BATCH, fp32, setting: $setting)"
  line=$(env -u GLIBC_TUNABLES "${envs[@]}" /usr/bin/python3 benchmarks/reference/train_step_reference.py --model "$MODEL" --input-size "$SIZE" \
    --channels "$CH" --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" --threads "$threads" | tee /dev/stderr | tail -1)
  v=$(sed -n 's/.*img_per_s=\([0-9.]*\).*/\1/p' <<< "$line")
  ref_best=$(python3 -c "print(max(float('$ref_best'), float('$v')))")
done
echo "== fasterdit ($PREC)"
OURS=$(./fasterdit bench --model "$MODEL" --input-size "$SIZE" --channels "$CH" --batch "$BATCH" --steps "$STEPS" \
  --warmup "$WARMUP" --precision "$PREC" | tee /dev/stderr | tail -1)
ref_ips=$ref_best
our_ips=$(sed -n 's/.*img_per_s=\([0-9.]*\).*/\1/p' <<< "$OURS")
python3 -c "print(f'reference_img_per_s={float(\"$ref_ips\"):.3f} fasterdit_img_per_s={float(\"$our_ips\"):.3f} speedup={float(\"$our_ips\")/float(\"$ref_ips\"):.2f}x')"
