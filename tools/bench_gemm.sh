#!/bin/sh
# qcc's int8 GEMM (qrt_q8_gemm_packed) against the machine's VPDPBUSD peak and oneDNN, in one
# run (issue 5, "int8 GEMM kernel"). A benchmark, not a test: nothing here fails on a slow result.
#
# usage: tools/bench_gemm.sh [--rounds R] [qrt_bench_q8_gemm options]
#   env: BUILD (default build), NICE (e.g. -5)
#   options passed on: --samples S, --ms T, --grid full|small, --shape MxNxK, --onednn-isa all
#
# Builds qrt_bench_q8_gemm in $BUILD (the oneDNN columns need libdnnl-dev: tools/setup.sh
# --bench, then re-run cmake) and runs it R times (default 1), pinned to one CPU when taskset
# exists. Each run prints, per shape of the grid (M in {1,16,128,512,3136}, N and K in
# {64,256,768,3072}), qcc's and oneDNN's time (thread CPU time, median of samples taken in
# turn), GOP/s, % of the VPDPBUSD zmm peak measured in the same run, and qcc / oneDNN; then the
# median % of peak over M >= 128 and the smallest ratio. docs/int8-kernels.md has results.
set -eu

ROUNDS=1
PASS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --samples|--ms|--grid|--shape|--onednn-isa) PASS="$PASS $1 $2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench_gemm.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[ -f "$BUILD/build.ninja" ] || { echo "bench_gemm.sh: no build in $BUILD (configure with cmake -G Ninja first, or set BUILD=)" >&2; exit 2; }
ninja -C "$BUILD" -j2 qrt_bench_q8_gemm >/dev/null
BENCH=$BUILD/runtime/qrt_bench_q8_gemm
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ "$r" -le "$ROUNDS" ]; do
  echo "# round $r of $ROUNDS"
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=1 nice -n "${NICE:-0}" $PIN "$BENCH" $PASS
  r=$((r + 1))
done
