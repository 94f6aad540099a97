#!/usr/bin/env bash
# Before/after of one change: builds two commits in temporary worktrees and runs the same `fasterdit bench`
# command on each, alternating A B A B ... so slow spells of a shared machine hit both sides alike.
#   benchmarks/ab-bench.sh REV_A REV_B [--rounds 3] -- [bench options, e.g. --model DiT-S/2 --steps 6 --warmup 2]
# Per run it prints the median step, the process CPU time per step (all threads; less sensitive to other jobs
# than wall time), the peak RSS and the load average; at the end the median of each side and the ratios B/A.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { echo "usage: $0 REV_A REV_B [--rounds N] -- [bench options]" >&2; exit 2; }
A=$1; B=$2; shift 2; ROUNDS=3
while [[ $# -gt 0 ]]; do
  case "$1" in --rounds) ROUNDS=$2; shift 2;; --) shift; break;; *) echo "unknown option $1" >&2; exit 2;; esac
done
work=$(mktemp -d /tmp/ab-bench.XXXXXX)
cleanup() { for s in a b; do git worktree remove --force "$work/$s" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
for s in a b; do
  rev=$A; [[ $s == b ]] && rev=$B
  git worktree add -q --detach "$work/$s" "$rev"
  echo "building $s = $(git -C "$work/$s" log --oneline -1 | cut -c1-80)" >&2
  "$work/$s/fasterdit" --version >/dev/null
done
declare -A med cpu
for r in $(seq 1 "$ROUNDS"); do
  for s in a b; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    out=$("$work/$s/fasterdit" bench "$@" 2>/dev/null)
    m=$(sed -n 's/^median step \([0-9.]*\) ms.*/\1/p' <<< "$out")
    c=$(sed -n 's/.*process CPU \([0-9.]*\) ms per step.*/\1/p' <<< "$out")
    rss=$(sed -n 's/.*peak_rss_mb=\([0-9]*\).*/\1/p' <<< "$out")
    echo "round $r $s: median_step_ms=$m cpu_ms_per_step=$c peak_rss_mb=$rss load_before=\"$load\" $(grep '^precision:' <<< "$out" | cut -c1-40)"
    med[$s]+="$m "; cpu[$s]+="$c "
  done
done
python3 - "${med[a]}" "${med[b]}" "${cpu[a]}" "${cpu[b]}" <<'PY'
import statistics, sys
ma, mb, ca, cb = ([float(v) for v in a.split()] for a in sys.argv[1:])
print(f"A: median step {statistics.median(ma):.1f} ms, CPU {statistics.median(ca):.1f} ms/step")
print(f"B: median step {statistics.median(mb):.1f} ms, CPU {statistics.median(cb):.1f} ms/step")
print(f"B/A: step {statistics.median(mb)/statistics.median(ma):.3f}, CPU {statistics.median(cb)/statistics.median(ca):.3f}")
PY
