#!/usr/bin/env bash
# Builds qcc with AddressSanitizer + UBSan (-DQCC_SANITIZE=ON, UBSan findings
# fatal) into build-asan/ and runs the whole ctest suite there: runtime kernel
# tests, lit, .npy/.npz, every fuzz corpus replay, conformance, and the
# compiled models' own C built with the sanitizers too (lit
# Codegen/sanitize.test: qcc compile --cflags, REQUIRES sanitize). CI runs this
# after tools/run-tests.sh (.ci/run). Any sanitizer report fails the run.
#
# usage: tools/run-sanitizers.sh [ctest args...]   (e.g. -R lit)
# env:   QCC_ASAN_BUILD  build folder (default build-asan)
#        QCC_TEST_CACHE_DIR  qcc compile's libqrt cache for the tests (default:
#                        build/test/qrt-cache when it exists, else the asan build's)
#        CC              compiler (default: cmake's choice, gcc on Debian)
#
# Every instrumented process aborts on its first finding (abort_on_error), so
# a finding is a crash even where a test expects a failing exit status
# (`not qcc ...` in lit treats a signal as a failure). LeakSanitizer is on:
# test/lsan.supp lists the third-party leaks it ignores (each with a reason).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${QCC_ASAN_BUILD:-build-asan}
# shellcheck source=tools/stage.sh
. tools/stage.sh

t0=$SECONDS
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQCC_SANITIZE=ON -DQCC_FUZZ=OFF >/dev/null
ninja -C "$build"
stage sanitizer-build $t0 260

t1=$SECONDS
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:print_summary=1"
export UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1:print_summary=1"
export LSAN_OPTIONS="suppressions=$root/test/lsan.supp:print_suppressions=0"
# qcc compile's libqrt objects: the normal build's test cache when there is one
# (test/lit.cfg.py). The same compiler and flags give the same objects whichever
# qcc asks for them, so the sanitizer run does not compile every target's libqrt
# again; Codegen/sanitize.test's --cflags make objects of their own.
if [ -z "${QCC_TEST_CACHE_DIR:-}" ] && [ -d "$root/build/test/qrt-cache" ]; then
  export QCC_TEST_CACHE_DIR="$root/build/test/qrt-cache"
fi
rc=0
ctest --test-dir "$build" --output-on-failure -j2 "$@" || rc=$?
# Belt and braces: a report that a test harness caught and tolerated.
if grep -lE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |SUMMARY: UndefinedBehaviorSanitizer" \
     "$build/Testing/Temporary/LastTest.log" >/dev/null 2>&1; then
  echo "sanitizer reports in $build/Testing/Temporary/LastTest.log:"
  grep -nE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |SUMMARY: " "$build/Testing/Temporary/LastTest.log" | head -40
  rc=1
fi
stage sanitizer-tests $t1 540
exit $rc
