#!/usr/bin/env bash
# DiT parity over every Python-written case of model/src/test/resources/parity/manifest.json (the cases ParityTest
# runs), through the CLI a user runs: one `./fasterdit parity` per case, its max_abs_err lines collected.
#   benchmarks/parity-all.sh [--tol 1e-5]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/model/src/test/resources/parity"
"$ROOT/fasterdit" --version > /dev/null # builds when the sources changed
/usr/bin/python3 -c '
import json, sys
for c in json.load(open(sys.argv[1])):
    print(c["name"], c["checkpoint"], c["npz"], c["heads"], c["key"] or "-")' "$DIR/manifest.json" |
  while read -r name ckpt npz heads key; do
    args=(parity --checkpoint "$DIR/$ckpt" --case "$DIR/$npz" --heads "$heads" "$@")
    [[ $key != - ]] && args+=(--key "$key")
    echo "== $name ($ckpt, key $key)"
    "$ROOT/fasterdit" "${args[@]}" 2>&1 | grep -i 'err' || { echo "parity failed for $name" >&2; exit 1; }
  done
