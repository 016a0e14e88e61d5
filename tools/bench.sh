#!/usr/bin/env bash
# Whole-model latency of qcc's compiled libraries against ONNX Runtime and PyTorch, in one
# run, reported as ratios (docs/PERFORMANCE.md). A benchmark, not a test: nothing here fails
# on a slow result.
#
# usage: tools/bench.sh [--rounds R] [--iters N] [--threads "1 2"]
#                       [--models "resnet18 mobilenet_v2 bert"] [--out DIR] [--no-torch]
#                       [--no-gemm] [--no-sizes]
#                       [--engines "qcc-int8 qcc-int8-nchw ort-int8 ..."]
#   env: QCC (default build/bin/qcc), MODELS_DIR (default /tmp/qcc-models),
#        QCC_BENCH_DIR (work files, default /tmp/qcc-bench), NICE (e.g. -5)
#
# Engines per model (batch 1):
#   vision (resnet18, mobilenet_v2): qcc int8 (`qcc compile --calib`, x86 quantizer,
#     histogram observer) and qcc fp32, each as its compiled runner NAME-run --bench;
#     ORT int8 (the static QDQ model tools/ort_qdq.py makes, which ORT fuses into
#     QLinearConv/QGemm) and ORT fp32 (tools/ort/bench.js, optimizations 'all'); PyTorch
#     int8 static (FX, onednn) and fp32 eager (tools/bench_torch.py). All int8 engines are
#     calibrated on the same 32 images. qcc-int8-nchw (only when --engines names it): the
#     same quantized module compiled with --no-select-layout (every activation NCHW).
#   bert (d=256, 4 layers, seq 128): qcc int8 dynamic (Linear layers) and fp32; ORT fp32;
#     PyTorch quantize_dynamic and fp32.
# Each round runs every engine once per thread count, in an order that rotates every round;
# each run warms up and then times N iterations alone and reports its median. The summary
# gives per engine the median over rounds, and per qcc engine the median over rounds of the
# per-round ratio to each peer (a paired comparison: a round that ran while a neighbour was
# busy slows every engine of that round). Writes DIR/results.jsonl (every run),
# DIR/summary.md (the tables) and DIR/ratios.svg (the plot); DIR defaults to
# $QCC_BENCH_DIR/results.
# Then, into the same summary, issue 5's other figures: the int8 GEMM grid against the
# VPDPBUSD peak and oneDNN (tools/bench_gemm.sh, in the build qcc comes from; --no-gemm
# skips it, about 4 minutes) and the sizes of each compiled model (tools/code_sizes.sh: library
# text, NAME.c's own, the runtime's share, weights; --no-sizes skips it).
#
# Needs: /usr/bin/python3 with torch, torchvision, onnx, numpy; node with tools/ort/node_modules
# (cd tools/ort && npm install --ignore-scripts); a built qcc and a C compiler.
set -euo pipefail

ROUNDS=3
ITERS=50
THREADS="1 2"
MODELS="resnet18 mobilenet_v2 bert"
TORCH=1
GEMM=1
SIZES=1
OUT=""
ENGINES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iters) ITERS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-torch) TORCH=0; shift ;;
    --no-gemm) GEMM=0; shift ;;
    --no-sizes) SIZES=0; shift ;;
    --engines) ENGINES=$2; shift 2 ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
QCC=${QCC:-$ROOT/build/bin/qcc}
MODELS_DIR=${MODELS_DIR:-/tmp/qcc-models}
WORK=${QCC_BENCH_DIR:-/tmp/qcc-bench}
OUT=${OUT:-$WORK/results}
PY=/usr/bin/python3
RUN="nice -n ${NICE:-0}"
[ -x "$QCC" ] || { echo "bench.sh: no qcc at $QCC (build first, or set QCC=)" >&2; exit 2; }
[ -d "$ROOT/tools/ort/node_modules/onnxruntime-node" ] ||
  { echo "bench.sh: run 'cd tools/ort && npm install --ignore-scripts' first" >&2; exit 2; }
mkdir -p "$MODELS_DIR" "$WORK" "$OUT"
: > "$OUT/results.jsonl"
log() { echo "# $*" >&2; }

# The runner's --threads exists once libqrt has its thread pool; without it only 1 thread runs.
runner_threads_ok() { "$1" --help 2>&1 | grep -q -- '--threads'; }

# ---- preparation (cached in $WORK) ----
prepare() {
  local m=$1 w=$WORK/$1 model=$MODELS_DIR/${1}_op13.onnx
  mkdir -p "$w"
  if [ ! -f "$model" ]; then
    log "exporting $m to $MODELS_DIR"
    $PY "$ROOT/tools/export_models.py" "$MODELS_DIR" --only "$m" >&2
  fi
  if [ "$m" = bert ]; then
    [ -f "$w/input_ids.npy" ] || $PY - "$w" <<'EOF'
import numpy as np, sys
g = np.random.default_rng(1)
np.save(sys.argv[1] + "/input_ids.npy", g.integers(0, 30522, (1, 128)).astype(np.int64))
mask = np.ones((1, 128), np.int64); mask[:, 112:] = 0
np.save(sys.argv[1] + "/attention_mask.npy", mask)
EOF
    [ -x "$w/qcc/bert_int8-run" ] || { log "qcc compile $m (int8 dynamic)";
      "$QCC" compile "$model" --input-shape input_ids=1x128 --input-shape attention_mask=1x128 \
        --quantizer dynamic -o "$w/qcc" --name bert_int8 -q >&2; }
    [ -x "$w/qcc/bert_fp32-run" ] || { log "qcc compile $m (fp32)";
      "$QCC" compile "$model" --input-shape input_ids=1x128 --input-shape attention_mask=1x128 \
        -o "$w/qcc" --name bert_fp32 -q >&2; }
    return
  fi
  if [ ! -f "$w/ort_int8_qdq.onnx" ]; then
    log "ORT's int8 QDQ model and the calibration images for $m (tools/ort_qdq.py)"
    $PY "$ROOT/tools/ort_qdq.py" compare "$model" --work "$w" --qcc-forms '' --eval 2 >"$w/ort_qdq.md"
  fi
  [ -x "$w/qcc/${m}_int8-run" ] || { log "qcc compile $m (int8)";
    "$QCC" compile "$model" --calib "$w/calib.npz" --input-shape input=1x3x224x224 \
      -o "$w/qcc" --name "${m}_int8" -q >&2; }
  case " $ENGINES " in *" qcc-int8-nchw "*)
    [ -x "$w/qcc/${m}_int8_nchw-run" ] || { log "qcc compile $m (int8, --no-select-layout)";
      "$QCC" compile "$w/qcc/${m}_int8.mlirbc" --no-select-layout -o "$w/qcc" --name "${m}_int8_nchw" -q >&2; } ;;
  esac
  [ -x "$w/qcc/${m}_fp32-run" ] || { log "qcc compile $m (fp32)";
    "$QCC" compile "$model" --input-shape input=1x3x224x224 -o "$w/qcc" --name "${m}_fp32" -q >&2; }
}

# ---- one timed run of one engine: prints its median in ms ----
inputs_of() { # runner/ORT input flags
  if [ "$1" = bert ]; then
    echo "--input input_ids=$WORK/bert/input_ids.npy --input attention_mask=$WORK/bert/attention_mask.npy"
  else
    echo "--input input=$WORK/$1/eval_0.npy"
  fi
}
run_engine() { # MODEL ENGINE THREADS
  local m=$1 e=$2 t=$3 w=$WORK/$1 in
  in=$(inputs_of "$m")
  case "$e" in
    qcc-int8|qcc-fp32|qcc-int8-nchw)
      local r=$w/qcc/${m}_${e#qcc-}-run tflag=""
      [ "$e" = qcc-int8-nchw ] && r=$w/qcc/${m}_int8_nchw-run
      if [ "$t" != 1 ]; then runner_threads_ok "$r" || return 0; tflag="--threads $t"; fi
      # NAME-run --bench N prints "latency: median X ms, p90 Y ms, min Z ms over N runs ..."
      # shellcheck disable=SC2086
      $RUN "$r" $in --bench "$ITERS" $tflag | sed -n 's/^latency: median \([0-9.]*\) ms.*/\1/p' ;;
    ort-int8|ort-fp32)
      local model=$MODELS_DIR/${m}_op13.onnx
      [ "$e" = ort-int8 ] && model=$w/ort_int8_qdq.onnx
      # shellcheck disable=SC2086
      $RUN node "$ROOT/tools/ort/bench.js" "$model" $in --iters "$ITERS" --threads "$t" |
        $PY -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])' ;;
    torch)  # both torch variants in one process: prints "fp32 int8" medians
      local calib=""
      [ "$m" = bert ] || calib="--calib $w/calib.npz"
      # shellcheck disable=SC2086
      $RUN $PY "$ROOT/tools/bench_torch.py" "$m" --threads "$t" --iters "$ITERS" $calib $in |
        $PY -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; print(r[0]["median_ms"], r[1]["median_ms"])' ;;
  esac
}

ENGINES_VISION="qcc-int8 qcc-fp32 ort-int8 ort-fp32"
ENGINES_BERT="qcc-int8 qcc-fp32 ort-fp32"
[ "$TORCH" = 1 ] && { ENGINES_VISION="$ENGINES_VISION torch"; ENGINES_BERT="$ENGINES_BERT torch"; }
[ -n "$ENGINES" ] && { ENGINES_VISION=$ENGINES; ENGINES_BERT=${ENGINES//qcc-int8-nchw/}; }

for m in $MODELS; do prepare "$m"; done

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/summary.md"
echo "# qcc $QCC ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')); ORT $(node -p "require('$ROOT/tools/ort/node_modules/onnxruntime-node/package.json').version"); $ROUNDS rounds x $ITERS iterations; threads: $THREADS" | tee -a "$OUT/summary.md"
for r in $(seq 1 "$ROUNDS"); do
  for m in $MODELS; do
    engines=$ENGINES_VISION
    [ "$m" = bert ] && engines=$ENGINES_BERT
    # rotate the order every round
    read -ra arr <<<"$engines"
    k=$(( (r - 1) % ${#arr[@]} ))
    order="${arr[*]:k} ${arr[*]:0:k}"
    for t in $THREADS; do
      for e in $order; do
        v=$(run_engine "$m" "$e" "$t") || { echo "bench.sh: $m $e (threads $t) failed" >&2; exit 1; }
        [ -n "$v" ] || continue   # not available (qcc threads before the pool exists)
        if [ "$e" = torch ]; then
          read -r tf ti <<<"$v"
          echo "{\"round\":$r,\"model\":\"$m\",\"engine\":\"torch-fp32\",\"threads\":$t,\"median_ms\":$tf}" >>"$OUT/results.jsonl"
          echo "{\"round\":$r,\"model\":\"$m\",\"engine\":\"torch-int8\",\"threads\":$t,\"median_ms\":$ti}" >>"$OUT/results.jsonl"
          log "round $r $m t=$t torch fp32 $tf ms, int8 $ti ms"
        else
          echo "{\"round\":$r,\"model\":\"$m\",\"engine\":\"$e\",\"threads\":$t,\"median_ms\":$v}" >>"$OUT/results.jsonl"
          log "round $r $m t=$t $e $v ms"
        fi
      done
    done
  done
done

$PY "$ROOT/tools/bench_summary.py" "$OUT/results.jsonl" --svg "$OUT/ratios.svg" | tee -a "$OUT/summary.md"

if [ "$SIZES" = 1 ]; then
  { echo; echo "Sizes (tools/code_sizes.sh; bytes):"; echo; } | tee -a "$OUT/summary.md"
  for m in $MODELS; do
    for d in "$WORK/$m/qcc"/*-run; do
      name=$(basename "$d" -run)
      echo "- $("$ROOT/tools/code_sizes.sh" "$WORK/$m/qcc" "$name")" | tee -a "$OUT/summary.md"
    done
  done
fi
if [ "$GEMM" = 1 ]; then
  { echo; echo "int8 GEMM grid (tools/bench_gemm.sh, one thread):"; echo; } | tee -a "$OUT/summary.md"
  BUILD=$(dirname "$(dirname "$QCC")") "$ROOT/tools/bench_gemm.sh" > "$OUT/gemm.txt"
  grep -E '^(#|median|qcc / oneDNN|peak)' "$OUT/gemm.txt" | tee -a "$OUT/summary.md"
fi
log "wrote $OUT/results.jsonl, $OUT/summary.md, $OUT/ratios.svg$([ "$GEMM" = 0 ] || echo ", $OUT/gemm.txt")"
