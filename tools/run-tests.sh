#!/usr/bin/env bash
# Set up (Debian packages), build, and run every test (ctest). CI runs this,
# then tools/run-sanitizers.sh and tools/run-fuzz.sh (.ci/run). Each stage
# prints its time and budget (tools/README.md, "Stage budgets").
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/stage.sh
. tools/stage.sh
t0=$SECONDS
./tools/setup.sh
stage setup $t0 140
t1=$SECONDS
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
stage build $t1 90
t2=$SECONDS
set +e
ctest --test-dir build --output-on-failure -j2 2>&1 | tee build/ctest-output.txt
rc=${PIPESTATUS[0]}
set -e
stage tests $t2 520
# Two tests of that stage have budgets of their own (they run next to the others).
stage_part qemu build/ctest-output.txt aarch64.runtime 240
stage_part browser build/ctest-output.txt report.browser 60
exit $rc
