#!/bin/sh
# fp32 latency of `qcc run` (the executor on libqrt) against ONNX Runtime, batch 1, one
# thread, on torchvision resnet18 and mobilenet_v2 (random weights, seed 0). A benchmark,
# not a test: nothing here fails on a slow result.
#
# usage: tools/bench_fp32.sh [--rounds R] [--iters N] [--models "resnet18 mobilenet_v2"]
#   env: MODELS_DIR (default /tmp/qcc-models), QCC (default build/bin/qcc), NICE (e.g. -5)
#
# The machine this runs on is usually shared and noisy, so the two engines are measured in
# the same run, alternating: each round runs ORT and qcc one after the other (the order flips
# every round), each for N timed iterations after its own warm-up, and reports that round's
# median. The summary gives, per engine, the median over rounds of the round medians, and
# the median over rounds of the per-round ratio qcc/ORT (a paired comparison: a round that
# ran while a neighbour was busy slows both).
#
# Needs: /usr/bin/python3 with torch, torchvision, onnx (to export the models once, with
# tools/export_models.py) and numpy; node with tools/ort/node_modules
# (cd tools/ort && npm install --ignore-scripts); a built qcc.
set -eu

ROUNDS=5
ITERS=30
MODELS="resnet18 mobilenet_v2"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iters) ITERS=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench_fp32.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODELS_DIR=${MODELS_DIR:-/tmp/qcc-models}
QCC=${QCC:-$ROOT/build/bin/qcc}
PY=/usr/bin/python3
RUN="nice -n ${NICE:-0}"
[ -x "$QCC" ] || { echo "bench_fp32.sh: no qcc at $QCC (build first, or set QCC=)" >&2; exit 2; }
[ -d "$ROOT/tools/ort/node_modules/onnxruntime-node" ] ||
  { echo "bench_fp32.sh: run 'cd tools/ort && npm install --ignore-scripts' first" >&2; exit 2; }

mkdir -p "$MODELS_DIR"
INPUT=$MODELS_DIR/bench_input_1x3x224x224.npy
[ -f "$INPUT" ] || $PY -c "
import numpy as np, sys
np.save(sys.argv[1], np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32))
" "$INPUT"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# qcc: $QCC; ORT: $(node -p "require('$ROOT/tools/ort/node_modules/onnxruntime-node/package.json').version") (graph optimizations all, 1 thread); $ROUNDS rounds x $ITERS iterations"
for m in $MODELS; do
  MODEL=$MODELS_DIR/${m}_op13.onnx
  if [ ! -f "$MODEL" ]; then
    echo "# exporting $m to $MODELS_DIR" >&2
    $PY "$ROOT/tools/export_models.py" "$MODELS_DIR" --only "$m" >&2
  fi
  : > "$TMP/$m.txt"
  r=1
  while [ "$r" -le "$ROUNDS" ]; do
    ort() { $RUN node "$ROOT/tools/ort/bench.js" "$MODEL" --input "input=$INPUT" --iters "$ITERS" |
              $PY -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])'; }
    # qcc run --repeat N prints "time: run median X ms, min Y ms over N runs; setup ..."
    qcc() { $RUN "$QCC" run "$MODEL" --input "input=$INPUT" --repeat "$ITERS" |
              sed -n 's/^time: run median \([0-9.]*\) ms.*/\1/p'; }
    if [ $((r % 2)) -eq 1 ]; then o=$(ort); q=$(qcc); else q=$(qcc); o=$(ort); fi
    [ -n "$o" ] && [ -n "$q" ] || { echo "bench_fp32.sh: $m: a run failed (ort '$o', qcc '$q')" >&2; exit 1; }
    echo "$o $q" >> "$TMP/$m.txt"
    echo "# $m round $r: ort $o ms, qcc $q ms" >&2
    r=$((r + 1))
  done
done

$PY - "$TMP" $MODELS <<'EOF'
import statistics, sys
tmp, models = sys.argv[1], sys.argv[2:]
print(f"{'model':<14} {'ORT median':>11} {'qcc median':>11} {'qcc/ORT':>8} {'paired ratio':>13}  rounds (ort/qcc ms)")
for m in models:
    rows = [tuple(map(float, l.split())) for l in open(f"{tmp}/{m}.txt") if l.strip()]
    o = statistics.median(r[0] for r in rows)
    q = statistics.median(r[1] for r in rows)
    paired = statistics.median(r[1] / r[0] for r in rows)
    detail = " ".join(f"{a:.1f}/{b:.1f}" for a, b in rows)
    print(f"{m:<14} {o:>9.2f} ms {q:>8.2f} ms {q / o:>8.2f} {paired:>13.2f}  {detail}")
EOF
