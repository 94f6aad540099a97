#!/usr/bin/env bash
# Convergence study (issue 14; docs/convergence.md): dit, sit, sit + logit-normal t, + data-std modulation, + direction
# loss (= fasterdit) on one model and data, 2 seeds for dit/sit/fasterdit, FD at 6 checkpoints with 2000 samples, each
# arm with the better of its two samplers at the same number of model evaluations. Resumable: run the same command
# again and it continues where it stopped (finished evaluations reused, an unfinished run retrained from its last
# checkpoint, or from step 0 in a fresh checkout).
#   benchmarks/convergence/run.sh [STUDY_DIR] [-- extra `study run` options, e.g. --set checkpoints=20,40 for a new study]
# Default STUDY_DIR: benchmarks/convergence/study, inside the repository, because the machine is fresh every session and
# only what is committed survives: commit its study.properties, arms.txt, classifier.safetensors, evals.csv,
# training.csv and report/ as evaluations arrive (runs/, samples/ and app/ are git-ignored: ~20 MB per checkpoint).
# It trains run by run (one arm-seed to its last step with all its evaluations, then the next), so a session that ends
# loses at most the run in progress. For the real study, in the background:
#   nohup benchmarks/convergence/run.sh > benchmarks/convergence/study/study.log 2>&1 &
# The study runs from a frozen copy of the build in STUDY_DIR/app/<commit>, so rebuilding or switching the checkout
# while it runs cannot change the code under it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR=${1:-$ROOT/benchmarks/convergence/study}
[[ $# -gt 0 ]] && shift
[[ ${1:-} == -- ]] && shift
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
source "$ROOT/ci/find-jdk.sh"
source "$ROOT/ci/runtime-env.sh"
"$ROOT/fasterdit" --version > /dev/null # builds when the sources changed
REV=$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- '*/src/main' || echo "-dirty")
APP="$DIR/app/$REV"
if [[ ! -f $APP/classpath ]]; then
  rm -rf "$APP.tmp" && mkdir -p "$APP.tmp"
  cp "$ROOT"/{tensor-formats,torch,model,core}/target/*.jar "$APP.tmp/"
  cp -r "$ROOT/cli/target/classes" "$APP.tmp/cli-classes"
  { echo -n "$APP/cli-classes"; for j in "$APP.tmp"/*.jar; do echo -n ":$APP/$(basename "$j")"; done
    tr ':' '\n' < "$ROOT/cli/target/classpath.txt" | grep -v "$ROOT/" | sed 's/^/:/' | tr -d '\n'; } > "$APP.tmp/classpath"
  mv "$APP.tmp" "$APP"
fi
CLS="$DIR/classifier.safetensors"
run() {
  nice -n 19 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 \
    -Djava.awt.headless=true -Xmx2g -cp "$(cat "$APP/classpath")" org.fasterdit.cli.Main "$@"
}
# the study's FDs are measured with one pinned classifier (its hash is in every evals.csv row)
[[ -f $CLS ]] || run train-classifier --dataset fashion-mnist --epochs 2 --out "$CLS"
echo "study: $DIR (code $REV), started $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
# the ablation's arms first, then the knob search (every other arm in arms.txt)
MAIN=${MAIN_ARMS:-dit,sit,sit-lognorm,sit-lognorm-std,fasterdit}
run study run --dir "$DIR" --arms "$MAIN" "$@"
run study run --dir "$DIR" "$@"
