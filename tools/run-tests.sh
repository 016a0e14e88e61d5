#!/usr/bin/env bash
# Set up (Debian packages), build, and run every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
./tools/setup.sh
echo "== stage setup: $((SECONDS - t0)) s"
t1=$SECONDS
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
echo "== stage build: $((SECONDS - t1)) s"
t2=$SECONDS
ctest --test-dir build --output-on-failure -j2
echo "== stage tests: $((SECONDS - t2)) s"
