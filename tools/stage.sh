# Stage timing for CI, sourced by tools/run-tests.sh, run-sanitizers.sh and
# run-fuzz.sh; .ci/run prints the table of all stages at the end. Budgets are
# the scripts' arguments below and the table in tools/README.md ("Stage
# budgets"). Over budget is a warning (OVER BUDGET), not a failure.

# stage NAME START BUDGET: the time since START (a $SECONDS value) against
# BUDGET seconds; with QCC_STAGE_LOG set (.ci/run), also recorded there.
stage() {
  local s=$((SECONDS - $2)) over=""
  [ "$s" -le "$3" ] || over="  OVER BUDGET"
  echo "== stage $1: $s s (budget $3 s)$over"
  [ -z "${QCC_STAGE_LOG:-}" ] || echo "$1 $s $3" >>"$QCC_STAGE_LOG"
}

# stage_part NAME CTEST_OUTPUT TEST BUDGET: a stage that is one ctest test
# (qemu: aarch64.runtime, browser: report.browser), run in parallel with the
# other tests of its stage, so its time is part of that stage's and is not
# added to the total; read from ctest's output ("... Passed 12.34 sec").
stage_part() {
  local t s over=""
  t=$(awk -v n="$3" '$0 ~ ("#[0-9]+: " n " ") { st = substr($0, index($0, ": " n " ") + length(n) + 3); sub(/^\.* */, "", st); sub(/ +[0-9.]+ sec$/, "", st);
       gsub(/\*/, "", st); print $(NF - 1), st }' "$2" | tail -1)
  if [ -z "$t" ]; then
    echo "== stage $1: not run (budget $4 s)"
    return 0
  fi
  s=${t%%.*}
  [ "$s" -lt "$4" ] || over="  OVER BUDGET"
  echo "== stage $1 (ctest $3, in parallel with the others): ${t%% *} s, ${t#* } (budget $4 s)$over"
  [ -z "${QCC_STAGE_LOG:-}" ] || echo "$1 $s $4 part" >>"$QCC_STAGE_LOG"
}
