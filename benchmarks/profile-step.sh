#!/usr/bin/env bash
# Where a training step's CPU time goes, from native and JVM samples alike: perf samples every thread of
# `fasterdit bench` during the timed steps only, and the samples are grouped into GEMM (OpenBLAS), other LibTorch
# kernels, OpenBLAS waiting, the OS kernel, and the JVM side (JIT-compiled and interpreted Java, the JVM itself, the
# JNI glue). The JVM share is the issue's "JVM-side time outside native kernels".
#   benchmarks/profile-step.sh [bench options, e.g. --model DiT-S/2 --batch 8 --steps 6 --workers 2]
# PERF_BY_OP=1 records call stacks instead (perf --call-graph dwarf, 199 Hz) and names the op of every sample:
# the LibTorch call a Java method made in forward or the autograd node in backward (benchmarks/perf_ops.py).
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
if [[ "${PERF_BY_OP:-0}" == 1 ]]; then sampling=(-F 199 --call-graph dwarf,32768); else sampling=(-F 499); fi
perf record -q "${sampling[@]}" -D -1 --control "fifo:$work/ctl,$work/ack" -o "$work/perf.data" -- \
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 \
  -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -cp "$CP" org.fasterdit.cli.Main bench --perf-control "$work/ctl" "$@" \
  | grep -E "model|threads|median|img_per_s"
if [[ "${PERF_BY_OP:-0}" == 1 ]]; then
  # --no-inline: resolving inlined frames runs addr2line over LibTorch for tens of minutes
  perf script --no-inline -i "$work/perf.data" -F tid,ip,sym 2>/dev/null > "$work/stacks.txt"
  python3 benchmarks/perf_ops.py "$work/stacks.txt"
else
  perf script -i "$work/perf.data" -F tid,ip,sym,dso 2>/dev/null > "$work/samples.txt"
  python3 benchmarks/perf_categories.py "$work/samples.txt"
fi
