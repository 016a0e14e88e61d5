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
# The CPU models: libqrt must see NEON only on cortex-a53 and dotprod on max,
# and an sdot instruction must trap (SIGILL) on cortex-a53, so that code built
# with +dotprod really is kept off the NEON-only model.
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
cat >"$build/isa_probe.c" <<'C'
#include <stdio.h>
#include "qrt/qrt.h"
int main(void) { puts(qrt_isa_name(qrt_cpu_isa())); return 0; }
C
cat >"$build/sdot_probe.c" <<'C'
#include <arm_neon.h>
#include <stdio.h>
int main(int argc, char **argv) {
  (void)argv;
  int8x16_t a = vdupq_n_s8((int8_t)argc), b = vdupq_n_s8(3);
  printf("%d\n", vgetq_lane_s32(vdotq_s32(vdupq_n_s32(0), a, b), 0));
  return 0;
}
C
aarch64-linux-gnu-gcc -O2 -I"$root/runtime/include" "$build/isa_probe.c" "$build/libqrt.a" -lm -o "$build/isa_probe"
aarch64-linux-gnu-gcc -O2 -march=armv8.2-a+dotprod "$build/sdot_probe.c" -o "$build/sdot_probe"
a53=$("${qemu[@]}" -cpu cortex-a53 "$build/isa_probe")
max=$("${qemu[@]}" -cpu max "$build/isa_probe")
sdot_max=$("${qemu[@]}" -cpu max "$build/sdot_probe")
set +e
"${qemu[@]}" -cpu cortex-a53 "$build/sdot_probe" >/dev/null 2>&1
sdot_a53=$?
set -e
if [ "$a53" = neon ] && [ "$max" = dotprod ] && [ "$sdot_max" = 12 ] && [ "$sdot_a53" = 132 ]; then
  echo "aarch64: qemu cortex-a53 -> $a53, max -> $max; sdot runs on max, SIGILL on cortex-a53"
else
  echo "aarch64: FAIL: CPU models: cortex-a53 -> '$a53' (want neon), max -> '$max' (want dotprod);" \
    "sdot on max printed '$sdot_max' (want 12), on cortex-a53 exit $sdot_a53 (want 132, SIGILL)"
  rc=1
fi
ctest --test-dir "$build" --output-on-failure -j "$jobs" || rc=1
echo "aarch64: qemu tests $((SECONDS - t1)) s"
exit $rc
