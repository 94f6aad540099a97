#!/usr/bin/env bash
# Convergence study (issue 4): the same DiT on Fashion-MNIST with the dit, sit and fasterdit presets, same steps,
# batch and seed; FD-fashion-mnist at regular checkpoints with the same sample count and number of sampler steps;
# then a table, an FD-vs-steps plot and the speed-up. A benchmark job, not a unit test.
#   benchmarks/convergence/run.sh [STEPS] [EVERY] [SAMPLES]
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-1500}; EVERY=${2:-300}; SAMPLES=${3:-1000}; SAMPLER_STEPS=${SAMPLER_STEPS:-25}
OUT=${OUT:-results/convergence}
MODEL=(--model=custom --depth=4 --hidden=128 --heads=4 --patch=4)
COMMON=(--dataset=fashion-mnist --batch=64 --lr=5e-4 --ema-decay=0.995 --seed=0 --steps="$STEPS"
        --ckpt-every="$EVERY" --log-every=50 --results="$OUT")
mkdir -p "$OUT"
start=$(date +%s)
CLS=results/classifiers/fashion-mnist.safetensors
[[ -f $CLS ]] || ./fasterdit train-classifier --dataset fashion-mnist --epochs 2 | tee "$OUT/classifier.log"
echo "preset,step,fd,conditional_accuracy" > "$OUT/fd.csv"
for preset in dit sit fasterdit; do
  ./fasterdit train --preset=$preset "${MODEL[@]}" "${COMMON[@]}" --run-name="study-$preset" | tee "$OUT/train-$preset.log"
  run=$(ls -d "$OUT"/*-study-$preset | tail -1)
  if [[ $preset == dit ]]; then sampler=ddpm; else sampler=euler; fi
  for ck in "$run"/checkpoints/step-*.safetensors; do
    step=$((10#$(basename "$ck" .safetensors | sed 's/step-//')))
    ./fasterdit sample --checkpoint "$ck" --num "$SAMPLES" --sampler $sampler --steps "$SAMPLER_STEPS" --seed 1 \
      --batch 250 --out "$run/samples-$step.npz" > /dev/null
    res=$(./fasterdit eval --samples "$run/samples-$step.npz" --dataset fashion-mnist)
    fd=$(sed -n 's/^FD-fashion-mnist=//p' <<< "$res"); acc=$(sed -n 's/^conditional_accuracy=//p' <<< "$res")
    echo "$preset,$step,$fd,$acc" | tee -a "$OUT/fd.csv"
  done
done
end=$(date +%s)
/usr/bin/env python3 - "$OUT" "$((end - start))" <<'PY'
import csv, sys
out, secs = sys.argv[1], int(sys.argv[2])
rows = list(csv.DictReader(open(f"{out}/fd.csv")))
by = {}
for r in rows: by.setdefault(r["preset"], []).append((int(r["step"]), float(r["fd"]), float(r["conditional_accuracy"] or "nan")))
lines = ["| step | " + " | ".join(f"FD {p}" for p in by) + " |", "|---|" + "---|" * len(by)]
steps = sorted({s for v in by.values() for s, _, _ in v})
for s in steps:
    lines.append(f"| {s} | " + " | ".join(next((f"{fd:.2f}" for st, fd, _ in by[p] if st == s), "-") for p in by) + " |")
fast = sorted(by.get("fasterdit", []))
for base in ("dit", "sit"):
    if base not in by or not fast: continue
    final = sorted(by[base])[-1]
    reach = next((st for st, fd, _ in fast if fd <= final[1]), None)
    lines.append(f"\nFasterDiT reaches {base}'s final FD ({final[1]:.2f} at step {final[0]}) at step "
                 + (f"{reach}: speed-up {final[0] / reach:.1f}x" if reach else "never within this run"))
lines.append(f"\nwall time: {secs / 60:.1f} min")
open(f"{out}/table.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
./fasterdit plot-csv --csv "$OUT/fd.csv" --x step --y fd --series preset --title "FD-fashion-mnist vs training steps" \
  --out "$OUT/fd-vs-steps.png" || true
