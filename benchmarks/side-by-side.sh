#!/usr/bin/env bash
# Runs the reference PyTorch DiT training step (Debian python3-torch + OpenBLAS) and ours on the same config,
# back to back on this machine, and prints both and the ratio to the reference's best setting.
#   benchmarks/side-by-side.sh [--model DiT-S/2] [--input-size 32] [--channels 4] [--batch 8] [--steps 10]
#                              [--warmup 3] [--precision auto] [--ref-precisions "fp32 bf16"]
#                              [--ref-settings "default tuned tuned+malloc"] [--rounds 1]
# The reference runs in each of --ref-precisions (bf16 = CPU autocast to bfloat16) with both thread settings:
# PyTorch's defaults (all cores to the intra-op pool, OpenBLAS default), and the split the launcher uses
# (OpenBLAS owns the cores, one intra-op thread), and that split with our glibc malloc settings. bf16 matmuls run in oneDNN on the intra-op pool, fp32 ones in
# OpenBLAS, so which setting wins depends on the precision: all are measured and the best is compared.
# Both sides report img/s from the mean and from the median step; the ratio uses the median (the mean in brackets).
# With --rounds R the whole comparison repeats R times and the last line gives the median of the per-round ratios:
# on a shared machine the speed drifts over minutes, and runs close in time see the same drift.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=DiT-S/2; SIZE=32; CH=4; BATCH=8; STEPS=10; WARMUP=3; PREC=auto; REF_PRECS="fp32 bf16"; SETTINGS="default tuned tuned+malloc"; ROUNDS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) MODEL=$2; shift 2;; --input-size) SIZE=$2; shift 2;; --channels) CH=$2; shift 2;;
    --batch) BATCH=$2; shift 2;; --steps) STEPS=$2; shift 2;; --warmup) WARMUP=$2; shift 2;;
    --precision) PREC=$2; shift 2;; --ref-precisions) REF_PRECS=$2; shift 2;; --ref-settings) SETTINGS=$2; shift 2;;
    --rounds) ROUNDS=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "side-by-side: installing Debian's python3-torch and libopenblas0-pthread" >&2
  apt-get install -y -q python3-torch libopenblas0-pthread python3-numpy >/dev/null
fi
MALLOC=$(env -u GLIBC_TUNABLES bash -c 'source ci/runtime-env.sh && echo "$GLIBC_TUNABLES"') # the launcher's value
field() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<< "$2"; }
source benchmarks/show-and-keep-last.sh
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); flags: $(grep -o -w -E 'avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  best_med=0; best_mean=0; best_name=
  for prec in $REF_PRECS; do
    for setting in $SETTINGS; do
      case $setting in
        default) envs=(X_UNUSED=1); threads=$(nproc);;
        tuned) envs=(OPENBLAS_NUM_THREADS=$(nproc)); threads=1;;
        tuned+malloc) envs=(OPENBLAS_NUM_THREADS=$(nproc) GLIBC_TUNABLES=$MALLOC); threads=1;;
        *) echo "unknown reference setting $setting" >&2; exit 2;;
      esac
      echo "== round $round: reference PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') ($MODEL, ${CH}x${SIZE}x${SIZE}, batch $BATCH, $prec, threads: $setting), load $(cut -d' ' -f1-3 /proc/loadavg)"
      line=$(env -u GLIBC_TUNABLES "${envs[@]}" /usr/bin/python3 benchmarks/reference/train_step_reference.py --model "$MODEL" \
        --input-size "$SIZE" --channels "$CH" --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" --threads "$threads" \
        --precision "$prec" | show_and_keep_last)
      med=$(field img_per_s_median "$line"); mean=$(field img_per_s_mean "$line")
      if python3 -c "import sys; sys.exit(0 if float('$med') > float('$best_med') else 1)"; then
        best_med=$med; best_mean=$mean; best_name="$prec/$setting"
      fi
    done
  done
  echo "== round $round: fasterdit (precision $PREC), load $(cut -d' ' -f1-3 /proc/loadavg)"
  ours=$(./fasterdit bench --model "$MODEL" --input-size "$SIZE" --channels "$CH" --batch "$BATCH" --steps "$STEPS" \
    --warmup "$WARMUP" --precision "$PREC" | show_and_keep_last)
  o_med=$(field img_per_s "$ours"); o_mean=$(field img_per_s_mean "$ours")
  line=$(python3 -c "
rm, rn, om, on = float('$best_med'), float('$best_mean'), float('$o_med'), float('$o_mean')
print(f'round=$round reference_best=$best_name reference_img_per_s median={rm:.3f} mean={rn:.3f}'
      f' fasterdit_img_per_s median={om:.3f} mean={on:.3f} speedup={om/rm:.2f}x (mean {on/rn:.2f}x)')")
  echo "$line"
  ratios+=("$(sed -n 's/.*speedup=\([0-9.]*\)x.*/\1/p' <<< "$line")")
done
python3 -c "import statistics; r=[float(v) for v in '${ratios[*]}'.split()]; print(f'rounds={len(r)} speedups={\",\".join(f\"{v:.2f}\" for v in r)} median_speedup={statistics.median(r):.2f}x')"
