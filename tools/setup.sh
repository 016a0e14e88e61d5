#!/usr/bin/env bash
# Installs every Debian package qcc needs to build and test. Idempotent and
# non-interactive; waits for the dpkg lock. Heavy peers (PyTorch, ONNX Runtime)
# are not installed here: see tools/setup-peers.sh, used only by benchmarks and
# fixture-making scripts.
#
# usage: tools/setup.sh [--bench]
#   --bench also installs the benchmark-only packages (BENCH_PKGS: oneDNN for
#   tools/bench_gemm.sh; PyTorch, fortunes and OpenBLAS for tools/train_lm.py);
#   CI does not use them.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libprotobuf-c-dev protobuf-c-compiler
  python3-onnx python3-numpy
  libonnx-testdata dataset-fashion-mnist
  libzip-dev libstb-dev libjpeg62-turbo-dev libcjson-dev
  clang-14 libclang-rt-14-dev   # libFuzzer + clang's ASan/UBSan (tools/run-fuzz.sh)
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user   # aarch64 cross build, run under qemu (docs/aarch64.md)
  chromium   # headless: renders report.html in the ctest report.browser (test/Report)
)
# Benchmarks only (not CI)
BENCH_PKGS=(
  libdnnl-dev     # oneDNN, the int8 GEMM baseline of tools/bench_gemm.sh
  python3-torch   # trains the transformer LM (tools/train_lm.py)
  fortunes        # its text corpus (/usr/share/games/fortunes)
  libopenblas0-pthread   # train_lm.py loads it for its own process: the reference BLAS is ~25x slower
)
case "${1:-}" in
  --bench) PKGS+=("${BENCH_PKGS[@]}") ;;
  "") ;;
  *) echo "setup.sh: unknown argument '$1' (usage: tools/setup.sh [--bench])" >&2; exit 2 ;;
esac
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=600 -y -q --no-install-recommends)
$SUDO apt-get "${APT_OPTS[@]:0:2}" update -q
$SUDO apt-get "${APT_OPTS[@]}" install "${missing[@]}"
