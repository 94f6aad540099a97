#!/usr/bin/env bash
# Short sweep of FasterDiT's data-std modulation on Fashion-MNIST (issue 3): same model, steps, seed and sampler as the
# convergence study; only --target-std changes. Prints FD-fashion-mnist per std; pair it with
#   ./fasterdit snr-pdf --path linear --sampler lognorm:0,1 --data-std <stds> --out snr.png
#   benchmarks/convergence/std-sweep.sh [STEPS] [SAMPLES] [STDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-600}; SAMPLES=${2:-1000}; STDS=${3:-"0.33 0.5 0.66 1.0 1.5"}
OUT=${OUT:-results/std-sweep}
mkdir -p "$OUT"
CLS=results/classifiers/fashion-mnist.safetensors
[[ -f $CLS ]] || ./fasterdit train-classifier --dataset fashion-mnist --epochs 2 | tee "$OUT/classifier.log"
echo "target_std,fd,conditional_accuracy" > "$OUT/fd.csv"
for s in $STDS; do
  ./fasterdit train --preset=fasterdit --model=custom --depth=4 --hidden=128 --heads=4 --patch=4 \
    --dataset=fashion-mnist --batch=64 --lr=5e-4 --ema-decay=0.995 --seed=0 --steps="$STEPS" --ckpt-every=0 \
    --log-every=100 --target-std="$s" --results="$OUT" --run-name="std-$s" > "$OUT/train-$s.log"
  run=$(ls -d "$OUT"/*-std-$s | tail -1)
  ./fasterdit sample --checkpoint "$run" --num "$SAMPLES" --sampler euler --steps 25 --seed 1 --batch 250 \
    --out "$run/samples.npz" > /dev/null
  res=$(./fasterdit eval --samples "$run/samples.npz" --dataset fashion-mnist)
  echo "$s,$(sed -n 's/^FD-fashion-mnist=//p' <<< "$res"),$(sed -n 's/^conditional_accuracy=//p' <<< "$res")" | tee -a "$OUT/fd.csv"
done
./fasterdit snr-pdf --path linear --sampler lognorm:0,1 --data-std "$(tr ' ' ',' <<< "$STDS")" \
  --out "$OUT/snr-pdf.png" --csv "$OUT/snr-pdf.csv" --window -2,2
