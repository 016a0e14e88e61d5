#!/usr/bin/env bash
# Set up, build, and run the main job on the bundled Fashion-MNIST model.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
# int8: fold BN, annotate (x86 quantizer), calibrate on 500 training images, convert, fuse;
# then float vs int8 top-1 on the 10,000 test images and the weight sizes.
build/bin/qcc quantize models/fashion_mnist_cnn.onnx --calib models/fashion_mnist_calib.npz \
  -o build/fashion_mnist_cnn.int8.mlirbc --data models/fashion_mnist_test.npz --labels label
