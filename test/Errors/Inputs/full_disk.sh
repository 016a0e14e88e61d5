#!/bin/sh
# usage: full_disk.sh [-k KIB] DISK PREV -- COMMAND ARGS...
# A real full disk for COMMAND's output: in a private user + mount namespace
# (unshare -rm: no root needed where user namespaces are allowed, and nothing
# is mounted outside), a small tmpfs is mounted on the folder DISK, PREV's
# contents are copied into DISK (the previous good output), the rest of the
# tmpfs is filled up (all but KIB KiB with -k), then COMMAND runs (its output
# paths pointing into DISK). Prints, for FileCheck, after COMMAND's own output:
#   exit N                 COMMAND's exit code
#   left: A B/C ...        every file and folder in DISK afterwards but the
#                          filler, sorted, space-separated, or (nothing)
#   unchanged | changed    DISK against PREV, byte for byte
# lit runs the tests that use it only where the mechanism works
# (test/Errors/lit.local.cfg, feature full-disk).
set -eu
keep=0
if [ "$1" = -k ]; then keep=$2; shift 2; fi
disk=$1 prev=$2
shift 3
if [ -z "${QCC_FULL_DISK_NS:-}" ]; then
  QCC_FULL_DISK_NS=1 exec unshare -rm "$0" -k "$keep" "$disk" "$prev" -- "$@"
fi
used=$(du -sk "$prev" | cut -f1)
mkdir -p "$disk"
mount -t tmpfs -o size=$((used + keep + 256))k,mode=0755 qcc-full-disk "$disk"
cp -a "$prev/." "$disk/"
# Fill every page, then give back KIB KiB.
dd if=/dev/zero of="$disk/.filler" bs=64k 2>/dev/null || true
if [ "$keep" -gt 0 ]; then
  sz=$(stat -c %s "$disk/.filler")
  truncate -s $((sz - keep * 1024)) "$disk/.filler"
fi
set +e
"$@"
rc=$?
set -e
echo "exit $rc"
rm -f "$disk/.filler"
left=$(cd "$disk" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
echo "left: ${left:-(nothing)}"
if diff -r "$prev" "$disk" >/dev/null; then echo unchanged; else echo changed; diff -r "$prev" "$disk" | head -5; fi
