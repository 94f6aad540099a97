#!/usr/bin/env bash
# Sampling images/s and peak RSS of `fasterdit sample` (issue 15), per precision and CFG scale.
#   benchmarks/sample-throughput.sh [--ckpt FILE_OR_RUN] [--precisions "auto bf16 fp32"] [--cfgs "1 4"]
#                                   [--num 128] [--batch 64] [--sampler ddim] [--steps 10] [-- extra sample options]
# Without --ckpt it samples a random-weight DiT-S/2 (32x32x4, 1000 classes, learned sigma) that the reference PyTorch
# code writes as a public-style EMA state dict (random everywhere, so the samples are not all the same).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CKPT=; PRECS="auto bf16 fp32"; CFGS="1 4"; NUM=128; BATCH=64; SAMPLER=ddim; STEPS=10; EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ckpt) CKPT=$2; shift 2;; --precisions) PRECS=$2; shift 2;; --cfgs) CFGS=$2; shift 2;;
    --num) NUM=$2; shift 2;; --batch) BATCH=$2; shift 2;; --sampler) SAMPLER=$2; shift 2;; --steps) STEPS=$2; shift 2;;
    --) shift; EXTRA=("$@"); break;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
work=$(mktemp -d /tmp/sample-throughput.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ -z $CKPT ]]; then
  CKPT=$work/DiT-S-2-random.pt
  (cd "$ROOT/benchmarks/reference" && /usr/bin/python3 -c "
import torch
from dit_reference import DiT
torch.manual_seed(0)
m = DiT(input_size=32, patch_size=2, in_channels=4, hidden_size=384, depth=12, num_heads=6, num_classes=1000,
        learn_sigma=True)
for p in m.parameters():  # the zero-initialised adaLN and output layers would give identical samples
    torch.nn.init.normal_(p, std=0.02)
torch.save(m.state_dict(), '$CKPT')")
  EXTRA=(--model DiT-S/2 --objective ddpm "${EXTRA[@]}")
fi
"$ROOT/fasterdit" --version > /dev/null # builds outside the timing
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); flags: $(grep -o -w -E 'avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for prec in $PRECS; do
  for cfg in $CFGS; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    out=$(/usr/bin/time -f "peak_rss_mb=%M" "$ROOT/fasterdit" sample --ckpt "$CKPT" --sampler "$SAMPLER" --steps "$STEPS" \
      --num "$NUM" --batch "$BATCH" --cfg-scale "$cfg" --seed 1 --precision "$prec" --out "$work/s.npz" "${EXTRA[@]}" 2>&1)
    rss=$(sed -n 's/^peak_rss_mb=\([0-9]*\)$/\1/p' <<< "$out")
    ips=$(sed -n 's/.*(\([0-9.]*\) images\/s.*/\1/p' <<< "$out")
    [[ -n $ips ]] || { echo "$out" >&2; exit 1; }
    echo "precision=$prec cfg=$cfg images_per_s=$ips peak_rss_mb=$((rss / 1024)) load_before=\"$load\" $(grep '^precision:' <<< "$out" | cut -c1-120)"
  done
done
