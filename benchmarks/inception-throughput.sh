#!/usr/bin/env bash
# FID Inception throughput on this CPU: images/s at 299x299 in fp32 and bf16, and bf16's feature error against fp32.
#   benchmarks/inception-throughput.sh WEIGHTS.pth [images=64] [batch=32] [size=256]
# WEIGHTS.pth: pytorch-fid's pt_inception-2015-12-05-6726825d.pth, or the random weights that
# benchmarks/reference/inception_reference.py writes (speed does not depend on the values).
# ATen's thread count comes from FASTERDIT_TORCH_THREADS (ci/runtime-env.sh defaults it to 1; convs run in ATen's pool,
# so FASTERDIT_TORCH_THREADS=$(nproc) is what evaluation wants).
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/find-jdk.sh
source ci/runtime-env.sh
mkdir -p benchmarks/target
mvn -q -B -ntp -Dmaven.test.skip=true -pl benchmarks -am package > benchmarks/target/inception-build.log 2>&1 \
  || { cat benchmarks/target/inception-build.log >&2; echo "inception-throughput: build failed" >&2; exit 1; }
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 \
  -cp "benchmarks/target/classes:cli/target/classes:$(cat cli/target/classpath.txt)" \
  org.fasterdit.bench.InceptionThroughput "$@"
