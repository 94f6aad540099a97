#!/usr/bin/env bash
# The demo's bar (issue 14): every Fashion-MNIST class recognisable, class-conditional accuracy >= 0.6 under CFG by the
# project's classifier, under 10 minutes on 2 cores. Runs `./fasterdit demo` as a user would, then samples N images
# with uniform labels from its checkpoint (the demo grid's sampler, CFG and weights: Heun 25 steps, EMA) and measures
# FD-fashion-mnist and conditional accuracy with CLASSIFIER. Prints the CPU, load averages, wall and CPU time.
#   benchmarks/demo-check.sh [OUT_DIR] [CLASSIFIER] [N] [CFG] [-- extra demo options, e.g. --steps=800]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT=${1:-results/demo-check}
CLS=${2:-$ROOT/benchmarks/convergence/study/classifier.safetensors}
N=${3:-1000}
CFG=${4:-2.0}
shift $(($# < 4 ? $# : 4))
[[ ${1:-} == -- ]] && shift
[[ -f $CLS ]] || { echo "demo-check: no classifier at $CLS (./fasterdit train-classifier --out $CLS)" >&2; exit 2; }
mkdir -p "$OUT"
echo "cpu: $(lscpu | grep 'Model name' | sed 's/.*: *//'); $(nproc) cores; bf16: $(grep -c avx512_bf16 /proc/cpuinfo | sed 's/^0$/no/;s/^[1-9].*/avx512_bf16/')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$ROOT/fasterdit" --version > /dev/null # build outside the timing
/usr/bin/time -f "demo: %e s wall, %U s user + %S s sys CPU" "$ROOT/fasterdit" demo --results "$OUT" --cfg-scale "$CFG" "$@"
RUN=$(ls -d "$OUT"/*-demo-fasterdit | sort | tail -1)
echo "load after demo: $(cut -d' ' -f1-3 /proc/loadavg)"
"$ROOT/fasterdit" sample --checkpoint "$RUN" --sampler heun --steps 25 --cfg-scale "$CFG" --num "$N" --seed 7 \
  --out "$RUN/check-samples.npz"
"$ROOT/fasterdit" eval --samples "$RUN/check-samples.npz" --dataset fashion-mnist --classifier "$CLS" \
  | tee "$RUN/check-eval.txt"
echo "classifier: $CLS sha256 $(sha256sum "$CLS" | cut -c1-12); grid: $RUN/samples.png"
