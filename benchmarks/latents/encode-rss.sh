#!/usr/bin/env bash
# RSS and throughput of `vae encode` over a folder of a few thousand images (the issue's "RSS flat" check).
# Usage: benchmarks/latents/encode-rss.sh WORKDIR [COUNT] [WIDTHS] [IMAGE_SIZE] [BATCH]
# Makes WORKDIR/images (COUNT JPEGs) and WORKDIR/vae (random-weight SD-shaped VAE at WIDTHS) with
# make_bench_inputs.py unless they exist, encodes into WORKDIR/shards, samples the JVM's RSS every 5 s into
# WORKDIR/rss.csv, plots it (WORKDIR/rss.png, `fasterdit plot-csv`) and prints the RSS range after the first shard
# and the img/s the command reports. On a shared machine run it niced: nice -n 15 benchmarks/latents/encode-rss.sh ...
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:?usage: encode-rss.sh WORKDIR [COUNT] [WIDTHS] [IMAGE_SIZE] [BATCH]}"
COUNT="${2:-3000}" WIDTHS="${3:-32,64,128,128}" SIZE="${4:-256}" BATCH="${5:-8}"
mkdir -p "$WORK"
[[ -d "$WORK/images" ]] || /usr/bin/python3 "$ROOT/benchmarks/latents/make_bench_inputs.py" --images "$WORK/images" --count "$COUNT"
[[ -d "$WORK/vae" ]] || /usr/bin/python3 "$ROOT/benchmarks/latents/make_bench_inputs.py" --vae "$WORK/vae" --widths "$WIDTHS"
rm -rf "$WORK/shards"
"$ROOT/fasterdit" vae encode --vae "$WORK/vae" --data "folder:$WORK/images" --image-size "$SIZE" \
  --out "$WORK/shards" --batch "$BATCH" --shard-size 256 > "$WORK/encode.log" 2>&1 &
LAUNCHER=$!
echo "seconds,rss_mb,shards" > "$WORK/rss.csv"
t0=$(date +%s)
while kill -0 "$LAUNCHER" 2>/dev/null; do
  pid=$(pgrep -P "$LAUNCHER" java || pgrep -f "org.fasterdit.cli.Main vae encode" | head -1 || true)
  if [[ -n "$pid" && -r /proc/$pid/status ]]; then
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    echo "$(( $(date +%s) - t0 )),$(( rss / 1024 )),$(ls "$WORK/shards" 2>/dev/null | grep -c safetensors || true)" >> "$WORK/rss.csv"
  fi
  sleep 5
done
wait "$LAUNCHER"
tail -3 "$WORK/encode.log"
awk -F, 'NR > 1 && $3 >= 1 { if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2; last = $2; n++ }
  END { printf "RSS after the first shard: min %d MB, max %d MB, last %d MB over %d samples\n", min, max, last, n }' "$WORK/rss.csv"
"$ROOT/fasterdit" plot-csv --csv "$WORK/rss.csv" --x seconds --y rss_mb \
  --title "vae encode: RSS of the JVM, $COUNT images at ${SIZE} px, widths $WIDTHS" --out "$WORK/rss.png"
