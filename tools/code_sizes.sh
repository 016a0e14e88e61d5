#!/usr/bin/env bash
# Sizes of a compiled model (qcc compile -o DIR --name NAME): the generated code
# (NAME.o's .text), the weights (NAME.weights.bin) and the libqrt code the model
# links in: the archive members the linker pulls into a program that calls
# NAME_init/NAME_run, and the sum of their .text (docs/PERFORMANCE.md, "Sizes").
# usage: tools/code_sizes.sh DIR NAME
set -euo pipefail
dir=$1 name=$2
[ -f "$dir/lib$name.a" ] || { echo "code_sizes.sh: no $dir/lib$name.a (run qcc compile first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "%s.h"\nstatic %s_ctx ctx;\nint main(void) { return %s_init(&ctx, 0, 1) + %s_run(&ctx, 0, 0); }\n' \
  "$name" "$name" "$name" "$name" > "$tmp/main.c"
# link only to see which members are needed (the program is never run)
${CC:-cc} -O2 -I"$dir" -I"$(dirname "$0")/../runtime/include" -c "$tmp/main.c" -o "$tmp/main.o" 2>/dev/null ||
  { echo "code_sizes.sh: cannot compile a caller of $dir/$name.h" >&2; exit 1; }
${CC:-cc} "$tmp/main.o" "$dir/lib$name.a" -lm -lpthread -Wl,-Map="$tmp/map" -o "$tmp/a.out"
sed -n "s/^[^ ]*lib$name\.a(\([^)]*\.o\)).*/\1/p" "$tmp/map" | sort -u > "$tmp/members"
size "$dir/lib$name.a" | awk 'NR > 1 { gsub(/ \(ex.*/, "", $6); print $6, $1 }' | sort > "$tmp/text"
code=$(awk -v n="$name.o" '$1 == n { print $2 }' "$tmp/text")
rt=$(join "$tmp/members" "$tmp/text" | awk -v n="$name.o" -v w="$name.weights.o" '$1 != n && $1 != w { s += $2 } END { print s + 0 }')
nrt=$(grep -vc -e "^$name.o$" -e "^$name.weights.o$" "$tmp/members" || true)
w=$(stat -c %s "$dir/$name.weights.bin" 2>/dev/null || echo 0)
printf '%s: generated code %d B text; weights %d B; libqrt %d B text in %d objects\n' "$name" "$code" "$w" "$rt" "$nrt"
