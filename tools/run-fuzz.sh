#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (-DQCC_FUZZ=ON: ASan + UBSan +
# coverage for all of qcc) into build-fuzz/ and runs each for a bounded time
# over its seed corpus. CI runs this with the default time (.ci/run); longer
# runs by hand are described in docs/fuzzing.md. A crash, leak, timeout or
# out-of-memory fails the run and prints the reproducer's path (and, when
# small, its bytes in base64, since a CI machine's files may be gone).
#
# usage: tools/run-fuzz.sh [-t SECONDS] [TARGET...]
#   -t SECONDS  fuzzing time per target (default 30, or $QCC_FUZZ_TIME)
#   TARGET      onnx_import npy input_shape pipeline precision_file cost_table image (default: all seven)
# env:  QCC_FUZZ_BUILD  build folder (default build-fuzz)
#       QCC_FUZZ_SEED   libFuzzer -seed (default 1: a CI failure replays the
#                       same way; 0 = random)
#       QCC_FUZZ_OUT    where corpora grown by the run and reproducers go
#                       (default $QCC_FUZZ_BUILD/fuzz-out; never the source tree)
#       QCC_FUZZ_FORK   N > 0: libFuzzer's -fork=N, N fuzzing processes (long
#                       runs by hand, docs/fuzzing.md; default 0: one process, as CI)
#       QCC_FUZZ_JOBS   targets fuzzed at the same time (default 2, one per CI core)
#       CLANG           clang to use (default clang-14, else clang)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${QCC_FUZZ_TIME:-30}
if [ "${1:-}" = -t ]; then secs=$2; shift 2; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(onnx_import npy input_shape pipeline precision_file cost_table image)
build=${QCC_FUZZ_BUILD:-build-fuzz}
seed=${QCC_FUZZ_SEED:-1}
fork=${QCC_FUZZ_FORK:-0}
jobs=${QCC_FUZZ_JOBS:-2}
out=${QCC_FUZZ_OUT:-$build/fuzz-out}
# shellcheck source=tools/stage.sh
. tools/stage.sh

cc=${CLANG:-}
if [ -z "$cc" ]; then
  if command -v clang-14 >/dev/null; then cc=clang-14; else cc=clang; fi
fi
cxx=${cc/clang/clang++}

# Per target: binary (in the build folder), seed folders, dictionary, max input length.
bin_of() { case $1 in npy) echo test/npy/npy_fuzzer ;; *) echo "test/fuzz/$1_fuzzer" ;; esac; }
seeds_of() {
  case $1 in
    onnx_import) echo "test/Import/Inputs test/fuzz/corpus/onnx" ;;
    npy) echo "test/npy/Inputs test/fuzz/corpus/npy" ;;
    *) echo "test/fuzz/corpus/$1" ;;
  esac
}
max_len_of() { case $1 in input_shape) echo 256 ;; pipeline) echo 512 ;; npy | precision_file | cost_table | image) echo 4096 ;; *) echo 0 ;; esac; }

t0=$SECONDS
# -O1: a third of -O2's build time under coverage instrumentation, same findings.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DQCC_FUZZ=ON >/dev/null
bins=()
for t in "${targets[@]}"; do bins+=("$(basename "$(bin_of "$t")")"); done
ninja -C "$build" "${bins[@]}"
stage fuzz-build $t0 90

# One target: fuzz, then write its report to $dir/result (first line: ok|fail).
run_one() {
  local t=$1 bin dir log args ml rc execs cov
  bin=$build/$(bin_of "$t")
  dir=$out/$t
  mkdir -p "$dir/corpus"
  # the grown corpus stays for the next run; last run's reproducers and report go
  rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-* "$dir/result"
  log=$dir/fuzz.log
  args=(-max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 -seed="$seed" -print_final_stats=1
        -artifact_prefix="$dir/" -dict="test/fuzz/dict/$t.dict")
  ml=$(max_len_of "$t")
  [ "$ml" = 0 ] || args+=(-max_len="$ml")
  [ "$fork" = 0 ] || args+=(-fork="$fork")
  # shellcheck disable=SC2046
  set +e
  timeout -k 10 $((secs + 300)) "$bin" "${args[@]}" "$dir/corpus" $(seeds_of "$t") >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # fork mode prints no final stats: the parent's last "#N: cov: ..." line counts all processes
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 || true)
  {
    if [ $rc = 0 ]; then
      echo ok
      echo "fuzz $t: ${execs:-?} executions in ${secs} s (${cov:-cov: ?}), no findings"
    else
      echo fail
      echo "fuzz $t: FAILED (exit $rc) after ${execs:-?} executions; log $log; last lines:"
      grep -vE '^#[0-9]+.*(NEW|REDUCE|pulse|RELOAD) ' "$log" | tail -60
      for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*; do
        [ -e "$a" ] || continue
        echo "reproducer: $root/$a"
        echo "  replay: $bin $root/$a   (or the *_replay binary of any build)"
        if [ "$(stat -c %s "$a")" -le 65536 ]; then echo "  base64: $(base64 -w0 "$a")"; fi
      done
    fi
  } >"$dir/result.tmp"
  mv "$dir/result.tmp" "$dir/result"
}

for t in "${targets[@]}"; do
  [ -x "$build/$(bin_of "$t")" ] || { echo "run-fuzz: no fuzzer for target '$t'" >&2; exit 2; }
done
t1=$SECONDS
# $jobs targets at a time (each fuzzer is one process, so one per core).
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$t" &
  running=$((running + 1))
done
wait || true
passed=0 failed=0
for t in "${targets[@]}"; do
  r=$out/$t/result
  if [ -f "$r" ] && [ "$(head -1 "$r")" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  if [ -f "$r" ]; then tail -n +2 "$r"; else echo "fuzz $t: FAILED (no result; log $out/$t/fuzz.log)"; fi
done
stage fuzz-runs $t1 $(((${#targets[@]} + jobs - 1) / jobs * (secs + 8)))
echo "fuzz: $passed passed, $failed failed"
[ $failed = 0 ]
