#!/usr/bin/env bash
# Set up, build, and run the main job on the bundled Fashion-MNIST model.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
build/bin/qcc import models/fashion_mnist_cnn.onnx -o build/fashion_mnist_cnn.mlirbc
