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
# The int8 module compiled to a C library (build/fm_int8: fm.h, libfm.a, the runner fm-run),
# run on the first test image, then timed (docs/codegen.md).
build/bin/qcc compile build/fashion_mnist_cnn.int8.mlirbc -o build/fm_int8 --name fm
/usr/bin/python3 -c "import numpy as n; d = n.load('models/fashion_mnist_test.npz'); n.save('build/fm_int8/image0.npy', d['input'][:1]); print('test image 0: label', int(d['label'][0]))"
build/fm_int8/fm-run --input input=build/fm_int8/image0.npy --output-dir build/fm_int8/out
/usr/bin/python3 -c "import numpy as n; y = n.load('build/fm_int8/out/' + __import__('os').listdir('build/fm_int8/out')[0]); print('compiled int8 model: class', int(y.argmax()), 'logits', ' '.join('%.2f' % v for v in y.ravel()))"
build/fm_int8/fm-run --input input=build/fm_int8/image0.npy --bench 200
