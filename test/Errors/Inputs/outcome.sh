#!/bin/sh
# usage: outcome.sh [--full-disk[=KIB] | --read-only] PREV DIR -- COMMAND ARGS...
# What a failing COMMAND leaves where its output goes. DIR starts as a copy of
# PREV (the previous good output); COMMAND runs with its output paths pointing
# into DIR. Prints, after COMMAND's own output, for FileCheck:
#   exit N                 COMMAND's exit code
#   left: A B/C ...        every file and folder in DIR afterwards, sorted,
#                          space-separated, or (nothing)
#   unchanged | changed    DIR against PREV, byte for byte
# --full-disk: a real full disk. In a private user + mount namespace (unshare
# -rm: no root needed where user namespaces are allowed, nothing mounted
# outside), DIR is a tmpfs of its own, filled up after the copy (all but KIB
# KiB with =KIB). --read-only: the same tmpfs, remounted read-only after the
# copy. lit runs the tests using either only where this works (lit.local.cfg,
# feature full-disk).
set -eu
full="" keep=0 ro=""
case $1 in
  --full-disk) full=1; shift ;;
  --full-disk=*) full=1; keep=${1#*=}; shift ;;
  --read-only) ro=1; shift ;;
esac
prev=$1 dir=$2
shift 3
if [ -n "$full$ro" ] && [ -z "${QCC_OUTCOME_NS:-}" ]; then
  QCC_OUTCOME_NS=1 exec unshare -rm "$0" "$([ -n "$ro" ] && echo --read-only || echo --full-disk="$keep")" "$prev" "$dir" -- "$@"
fi
rm -rf "$dir"
mkdir -p "$dir"
if [ -n "$full$ro" ]; then
  mount -t tmpfs -o size=$(($(du -sk "$prev" | cut -f1) + keep + 256))k,mode=0755 qcc-full-disk "$dir"
fi
cp -a "$prev/." "$dir/"
if [ -n "$full" ]; then
  # Fill every page, then give back KIB KiB.
  dd if=/dev/zero of="$dir/.filler" bs=64k 2>/dev/null || true
  [ "$keep" = 0 ] || truncate -s $(($(stat -c %s "$dir/.filler") - keep * 1024)) "$dir/.filler"
fi
[ -z "$ro" ] || mount -o remount,ro "$dir"
set +e
"$@"
rc=$?
set -e
echo "exit $rc"
rm -f "$dir/.filler"
left=$(cd "$dir" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
echo "left: ${left:-(nothing)}"
if diff -r "$prev" "$dir" >/dev/null; then echo unchanged; else echo changed; diff -r "$prev" "$dir" | head -5; fi
