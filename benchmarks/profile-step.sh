#!/usr/bin/env bash
# Where a training step's CPU time goes, from native and JVM samples alike: perf samples every thread of
# `fasterdit bench` during the timed steps only, and the samples are grouped into GEMM (OpenBLAS), other LibTorch
# kernels, OpenBLAS waiting, the OS kernel, and the JVM side (JIT-compiled and interpreted Java, the JVM itself, the
# JNI glue). The JVM share is the issue's "JVM-side time outside native kernels".
#   benchmarks/profile-step.sh [bench options, e.g. --model DiT-S/2 --batch 8 --steps 6 --workers 2]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v perf >/dev/null; then
  echo "profile-step: installing linux-perf" >&2
  apt-get install -y -q linux-perf >/dev/null
fi
./fasterdit --version >/dev/null # builds if needed, and warms the natives outside the profile
source ci/find-jdk.sh
source ci/runtime-env.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/ctl" "$work/ack"
CP="cli/target/classes:$(cat cli/target/classpath.txt)"
# -XX:+DumpPerfMapAtExit names JIT-compiled Java methods for perf; -D -1 starts with sampling off
perf record -q -F 499 -D -1 --control "fifo:$work/ctl,$work/ack" -o "$work/perf.data" -- \
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 \
  -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -cp "$CP" org.fasterdit.cli.Main bench --perf-control "$work/ctl" "$@" \
  | grep -E "model|threads|median|img_per_s"
perf script -i "$work/perf.data" -F tid,ip,sym,dso 2>/dev/null > "$work/samples.txt"
python3 benchmarks/perf_categories.py "$work/samples.txt"
