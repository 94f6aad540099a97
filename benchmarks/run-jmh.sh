#!/usr/bin/env bash
# Runs the JMH benchmarks: benchmarks/run-jmh.sh [JMH options, e.g. AttentionBench -wi 1 -i 2]
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/find-jdk.sh
source ci/runtime-env.sh
mvn -q -B -ntp -DskipTests -pl benchmarks -am install > target-jmh-build.log 2>&1 \
  || { cat target-jmh-build.log >&2; echo "run-jmh: build failed" >&2; exit 1; }
mvn -q -B -ntp -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/cp.txt
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" \
  org.openjdk.jmh.Main "$@"
