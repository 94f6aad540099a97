#!/usr/bin/env bash
# Runs the JMH benchmarks: benchmarks/run-jmh.sh [JMH options, e.g. AttentionBench -wi 1 -i 2]
set -euo pipefail
cd "$(dirname "$0")/.."
for c in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  if [[ -n "$c" && -x "$c/bin/javac" ]] && "$c/bin/java" -version 2>&1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then export JAVA_HOME="$c"; break; fi
done
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$(nproc)}"
export FASTERDIT_TORCH_THREADS="${FASTERDIT_TORCH_THREADS:-1}"
mvn -q -B -ntp -DskipTests -pl benchmarks -am install
mvn -q -B -ntp -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/cp.txt
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" \
  org.openjdk.jmh.Main "$@"
