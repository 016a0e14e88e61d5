#!/usr/bin/env bash
# Import every MODELS_DIR/*.onnx with `qcc import` and report, per model: exit code, wall time,
# peak RSS, .mlirbc size and the first error line; then time resnet50 (and resnet18) import ->
# .mlirbc -> `qcc-opt X.mlirbc -o /dev/null` to see how weight handling scales.
#
# usage: tools/check_large_imports.sh [MODELS_DIR]      (default /tmp/qcc-models)
#   env: QCC, QCC_OPT   binaries (default build/bin/qcc, build/bin/qcc-opt of this checkout)
#        SEQ_LEN        value for symbolic non-batch dims (default 128); batch dims -> 1
#        OUT_DIR        where .mlirbc/logs go (default MODELS_DIR/qcc-out)
#        TIMEOUT        seconds per command (default 900)
# Models come from tools/export_models.py. Exit status: 0 if every model imports, else 1
# (2 on usage/setup errors). Needs /usr/bin/time (Debian package `time`) and, to find symbolic
# dims, /usr/bin/python3 with python3-onnx. Results: docs/import-check.md.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/tmp/qcc-models}"
QCC="${QCC:-$root/build/bin/qcc}"
QCC_OPT="${QCC_OPT:-$root/build/bin/qcc-opt}"
SEQ_LEN="${SEQ_LEN:-128}"
TIMEOUT="${TIMEOUT:-900}"
out="${OUT_DIR:-$dir/qcc-out}"

[ -d "$dir" ] || { echo "no such directory: $dir" >&2; exit 2; }
for b in "$QCC" "$QCC_OPT" /usr/bin/time; do
  [ -x "$b" ] || { echo "missing $b (build qcc; apt-get install time)" >&2; exit 2; }
done
mkdir -p "$out"
shopt -s nullglob
models=("$dir"/*.onnx)
[ ${#models[@]} -gt 0 ] || { echo "no .onnx files in $dir" >&2; exit 2; }

# One python pass over all models: "file<TAB>opset<TAB>--input-shape args" (args only for inputs
# with a symbolic dim after the batch dim: batch -> 1, other symbolic dims -> SEQ_LEN).
specs="$out/input-shapes.tsv"
SEQ_LEN="$SEQ_LEN" /usr/bin/python3 - "${models[@]}" >"$specs" <<'EOF' || { echo "reading models failed" >&2; exit 2; }
import os, sys, onnx
seq = os.environ["SEQ_LEN"]
for path in sys.argv[1:]:
    try:
        m = onnx.load(path)
    except Exception:  # unreadable: let qcc report it
        print(f"{os.path.basename(path)}\t?\t")
        continue
    opset = next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), "?")
    init = {i.name for i in m.graph.initializer}
    args = []
    for i in m.graph.input:
        if i.name in init:
            continue
        dims = i.type.tensor_type.shape.dim
        fixed = [d.HasField("dim_value") for d in dims]
        if all(fixed[1:]):
            continue  # static, or only the batch dim is symbolic: qcc defaults batch to 1
        vals = ["1" if k == 0 and not f else (str(d.dim_value) if f else seq)
                for k, (d, f) in enumerate(zip(dims, fixed))]
        args.append(f"--input-shape {i.name}={'x'.join(vals)}")
    print(f"{os.path.basename(path)}\t{opset}\t{' '.join(args)}")
EOF

# run LABEL LOG CMD... : runs CMD under /usr/bin/time -v; sets R_RC R_TIME R_RSS_MB
run() {
  local label="$1" log="$2"; shift 2
  local tv="$out/$label.time" t0 t1
  t0=$EPOCHREALTIME
  timeout "$TIMEOUT" /usr/bin/time -v -o "$tv" "$@" >"$log" 2>&1
  R_RC=$?
  t1=$EPOCHREALTIME
  R_TIME=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  R_RSS_MB=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$tv" 2>/dev/null)
  R_RSS_MB="${R_RSS_MB:--}"
  local sig
  sig=$(sed -n 's/^Command terminated by signal \([0-9]*\).*/\1/p' "$tv" 2>/dev/null)
  [ -n "$sig" ] && R_RC=$((128 + sig)) && echo "terminated by signal $sig" >>"$log"
  [ "$R_RC" = 124 ] && echo "timed out after ${TIMEOUT}s" >>"$log"
}

first_error() {  # first line that looks like an error, else the first line of output
  local l
  l=$(grep -m1 -iE 'error|fail|unsupported|invalid|signal|timed out|abort|assert' "$1")
  [ -n "$l" ] || l=$(head -n1 "$1")
  printf '%s' "${l:0:200}"
}

results="$out/results.tsv"
printf 'model\topset\tresult\trc\ttime_s\trss_mb\tonnx_mb\tmlirbc_mb\tinput_shape\tfirst_error\n' >"$results"
fails=0
for m in "${models[@]}"; do
  f=$(basename "$m"); name="${f%.onnx}"
  IFS=$'\t' read -r _ opset shape_args < <(grep -P "^\Q$f\E\t" "$specs")
  # shellcheck disable=SC2086  # shape_args is a list of words
  run "$name" "$out/$name.log" "$QCC" import "$m" -o "$out/$name.mlirbc" -q $shape_args
  onnx_mb=$(awk -v b="$(stat -c %s "$m")" 'BEGIN { printf "%.1f", b / 1e6 }')
  if [ "$R_RC" = 0 ] && [ -s "$out/$name.mlirbc" ]; then
    res=ok; err=""
    mb=$(awk -v b="$(stat -c %s "$out/$name.mlirbc")" 'BEGIN { printf "%.1f", b / 1e6 }')
  else
    res=FAIL; fails=$((fails + 1)); err=$(first_error "$out/$name.log"); mb=-
    rm -f "$out/$name.mlirbc"
  fi
  shp="${shape_args//--input-shape /}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${name%_op*}" "$opset" "$res" "$R_RC" "$R_TIME" \
    "$R_RSS_MB" "$onnx_mb" "$mb" "${shp:--}" "$err" >>"$results"
  printf '%-28s %-4s rc=%-3s %6ss %5s MB  %s\n' "$name" "$res" "$R_RC" "$R_TIME" "$R_RSS_MB" "$err" >&2
done

echo
echo "## qcc import of $dir ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $("$QCC" --version 2>/dev/null | head -n1))"
echo
echo "| model | opset | result | exit | time (s) | peak RSS (MB) | .onnx (MB) | .mlirbc (MB) | --input-shape | first error |"
echo "|---|---|---|---|---|---|---|---|---|---|"
tail -n +2 "$results" | while IFS=$'\t' read -r a b c d e f g h i j; do
  echo "| $a | $b | $c | $d | $e | $f | $g | $h | $i | ${j//|/\\|} |"
done

# ---- weight handling: import -> .mlirbc -> qcc-opt parse + verify
echo
echo "## weight handling (import without output, import -> .mlirbc, qcc-opt X.mlirbc -o /dev/null)"
echo
echo "| model | step | exit | time (s) | peak RSS (MB) | output (MB) |"
echo "|---|---|---|---|---|---|"
for w in resnet18 resnet50; do
  m="$dir/${w}_op13.onnx"; [ -f "$m" ] || m="$dir/$w.onnx"; [ -f "$m" ] || continue
  bc="$out/w_$w.mlirbc"; rm -f "$bc"
  run "w_${w}_verify" "$out/w_${w}_verify.log" "$QCC" import "$m" -q
  echo "| $w | qcc import (verify only) | $R_RC | $R_TIME | $R_RSS_MB | - |"
  run "w_${w}_import" "$out/w_${w}_import.log" "$QCC" import "$m" -o "$bc" -q
  sz=-; [ -s "$bc" ] && sz=$(awk -v b="$(stat -c %s "$bc")" 'BEGIN { printf "%.1f", b / 1e6 }')
  echo "| $w | qcc import -o .mlirbc | $R_RC | $R_TIME | $R_RSS_MB | $sz |"
  if [ -s "$bc" ]; then
    run "w_${w}_opt" "$out/w_${w}_opt.log" "$QCC_OPT" "$bc" -o /dev/null
    echo "| $w | qcc-opt .mlirbc -o /dev/null | $R_RC | $R_TIME | $R_RSS_MB | - |"
    [ "$R_RC" = 0 ] || echo "  qcc-opt: $(first_error "$out/w_${w}_opt.log")"
    run "w_${w}_rt" "$out/w_${w}_rt.log" "$QCC_OPT" "$bc" -o "$out/w_${w}_rt.mlirbc"
    sz=-; [ -s "$out/w_${w}_rt.mlirbc" ] && sz=$(awk -v b="$(stat -c %s "$out/w_${w}_rt.mlirbc")" 'BEGIN { printf "%.1f", b / 1e6 }')
    echo "| $w | qcc-opt .mlirbc -o .mlirbc | $R_RC | $R_TIME | $R_RSS_MB | $sz |"
    rm -f "$out/w_${w}_rt.mlirbc"
  fi
done

echo
echo "$(( ${#models[@]} - fails ))/${#models[@]} models imported; logs in $out"
[ "$fails" = 0 ]
