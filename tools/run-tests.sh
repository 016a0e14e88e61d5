#!/usr/bin/env bash
# Set up (Debian packages), build, and run every test (ctest). CI runs this,
# then tools/run-sanitizers.sh and tools/run-fuzz.sh (.ci/run). Each stage
# prints its time and budget (tools/README.md, "Stage budgets").
set -euo pipefail
cd "$(dirname "$0")/.."
# stage NAME START BUDGET: print the stage's time against its budget; with
# QCC_STAGE_LOG set (.ci/run), also record it there for the summary.
stage() {
  local s=$((SECONDS - $2)) over=""
  [ "$s" -le "$3" ] || over="  OVER BUDGET"
  echo "== stage $1: $s s (budget $3 s)$over"
  [ -z "${QCC_STAGE_LOG:-}" ] || echo "$1 $s $3" >>"$QCC_STAGE_LOG"
}
t0=$SECONDS
./tools/setup.sh
stage setup $t0 420
t1=$SECONDS
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
stage build $t1 120
t2=$SECONDS
rc=0
ctest --test-dir build --output-on-failure -j2 || rc=$?
stage tests $t2 240
exit $rc
