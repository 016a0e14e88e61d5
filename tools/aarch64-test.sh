#!/usr/bin/env bash
# The aarch64 stage of the test suite (ctest: aarch64.runtime): cross-builds
# libqrt and its kernel tests (test/runtime/test_*.c) for aarch64 in BUILD_DIR
# (default build/aarch64) with tools/aarch64-toolchain.cmake, and runs each test
# under qemu-user twice: -cpu cortex-a53 (NEON only) and -cpu max (with
# dotprod), so every ISA level of libqrt runs against the scalar reference.
# Exit 77 (ctest: skipped) when the cross compiler or qemu is absent
# (tools/setup.sh installs them). docs/aarch64.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/aarch64}"
jobs="${QCC_AARCH64_JOBS:-2}"
missing=()
command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || missing+=(libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
if [ ${#missing[@]} -ne 0 ]; then
  echo "SKIP aarch64: missing ${missing[*]} (install with tools/setup.sh)"
  exit 77
fi
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
t0=$SECONDS
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root/runtime" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$root/tools/aarch64-toolchain.cmake" >/dev/null
fi
cmake --build "$build" -j "$jobs" >/dev/null
t1=$SECONDS
echo "aarch64: cross build $((t1 - t0)) s"
rc=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" || rc=$?
echo "aarch64: qemu tests $((SECONDS - t1)) s"
exit $rc
