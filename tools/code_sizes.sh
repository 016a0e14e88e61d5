#!/usr/bin/env bash
# Sizes of a compiled model (qcc compile -o DIR --name NAME): the model's
# library text, i.e. the .text a program calling NAME_init/NAME_run links from
# libNAME.a (or NAME.o; libNAME.so: its own .text) with --gc-sections, which
# is NAME.c's code plus the libqrt code it reaches; NAME.c compiled alone
# (the flags qcc compile uses, no LTO); the runtime's share, the difference
# (with LTO, qcc compile's default, kernels are inlined into NAME.c's
# functions: the difference is the honest split); and the weights
# (docs/codegen.md, "Sizes"). Also reads the libraries of older qcc versions,
# whose archives hold libqrt's objects as members, for before/after tables.
# usage: tools/code_sizes.sh DIR NAME
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: tools/code_sizes.sh DIR NAME" >&2; exit 2; }
dir=$1 name=$2
inc=$(dirname "$0")/../runtime/include
lib=""
for f in "lib$name.a" "$name.o" "lib$name.so"; do [ -f "$dir/$f" ] && { lib=$f; break; }; done
[ -n "$lib" ] || { echo "code_sizes.sh: no lib$name.a, $name.o or lib$name.so in $dir (run qcc compile first)" >&2; exit 2; }
[ -f "$dir/$name.c" ] || { echo "code_sizes.sh: no $dir/$name.c" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the sum of the .text* sections of an object or shared library
text_of() { size -A "$1" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }'; }

flags="-O3 -std=c11 -ffp-contract=off -fno-math-errno -fPIC -ffunction-sections -fdata-sections"
# shellcheck disable=SC2086
${CC:-cc} $flags -I"$dir" -I"$inc" -c "$dir/$name.c" -o "$tmp/model.o" ||
  { echo "code_sizes.sh: cannot compile $dir/$name.c" >&2; exit 1; }
gen=$(text_of "$tmp/model.o")

if [ "$lib" = "lib$name.so" ]; then
  total=$(text_of "$dir/$lib")
else
  # a caller, linked only to see what the linker keeps (never run)
  args="&ctx, 0, 1"
  grep -q "const void \*weights, int threads);" "$dir/$name.h" && args="&ctx, 0, 0, 1"
  printf '#include "%s.h"\nstatic %s_ctx ctx;\nint main(void) { return %s_init(%s) + %s_run(&ctx, 0, 0); }\n' \
    "$name" "$name" "$name" "$args" "$name" > "$tmp/main.c"
  ${CC:-cc} -O2 -I"$dir" -I"$inc" -c "$tmp/main.c" -o "$tmp/main.o" ||
    { echo "code_sizes.sh: cannot compile a caller of $dir/$name.h" >&2; exit 1; }
  ${CC:-cc} "$tmp/main.o" "$dir/$lib" -lm -lpthread -Wl,--gc-sections -Wl,-Map="$tmp/map" -o "$tmp/a.out"
  # the kept .text input sections that come from the library (after the
  # "Linker script and memory map" line; a long section name wraps its
  # address, size and file onto the next line)
  total=$(awk -v lib="$lib" '
    /^Linker script and memory map/ { on = 1; next }
    !on { next }
    /^ \.text/ && NF == 1 { pending = 1; next }
    {
      if (pending && $1 ~ /^0x/) { size = $2; file = $3 }
      else if ($1 ~ /^\.text/ && $2 ~ /^0x/) { size = $3; file = $4 }
      else { pending = 0; next }
      pending = 0
      n = split(file, parts, "/")
      base = parts[n]
      if (index(base, lib "(") == 1 || base == lib) s += hex(size)
    }
    function hex(h,   v, i, c) {
      v = 0; h = tolower(substr(h, 3))
      for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c }
      return v
    }
    END { print s + 0 }' "$tmp/map")
fi
w=$(stat -c %s "$dir/$name.weights.bin" 2>/dev/null || stat -c %s "$dir/$name.weights" 2>/dev/null || echo 0)
printf '%s: library text %d B (%s); %s.c alone %d B; runtime %d B; weights %d B\n' \
  "$name" "$total" "$lib" "$name" "$gen" "$((total - gen))" "$w"
