// RUN: qcc-opt %s --split-input-file -p qcc-equalize | FileCheck %s
// RUN: qcc-opt %s --split-input-file -p 'qcc-equalize{relu6=1}' | FileCheck %s --check-prefix=RELU6
// Bad options: one line each.
// RUN: not qcc-opt %s --split-input-file -p 'qcc-equalize{iterations=0}' 2>&1 | FileCheck %s --check-prefix=BADIT
// BADIT: qcc-equalize: iterations is a number from 1 to 1000, got '0'
// RUN: not qcc-opt %s --split-input-file -p 'qcc-equalize{relu6=yes}' 2>&1 | FileCheck %s --check-prefix=BADR6
// BADR6: qcc-equalize: relu6 is 0 or 1, got 'yes'
// RUN: not qcc-opt %s --split-input-file -p 'qcc-equalize{scale=2}' 2>&1 | FileCheck %s --check-prefix=BADKEY
// BADKEY: qcc-equalize: unknown option 'scale' (iterations, relu6)

// A conv 3x3 -> relu -> depthwise 3x3 -> relu -> conv 1x1 -> flatten -> gemm -> relu -> gemm
// (trans_b 0) with channel ranges spread over 3 orders of magnitude (Inputs/make_equalize.py):
// after the pass, each of the 4 pairs' channel i has equal ranges in both layers (the 1x1 conv's
// channel i is the gemm's inputs 16i .. 16i+15 after the flatten), and the float outputs are
// unchanged (1e-5 relative).
// RUN: qcc-opt %S/Inputs/equalize.mlir -p qcc-equalize -o %t.eq.mlir
// RUN: /usr/bin/python3 %S/check_equalize.py %S/Inputs/equalize.mlir %t.eq.mlir --pairs 4 --tol 1e-5
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.random.default_rng(1).standard_normal((1,3,4,4)).astype(np.float32))"
// RUN: rm -rf %t.a %t.b && qcc run %S/Inputs/equalize.mlir --input x=%t.x.npy --output-dir %t.a -q
// RUN: qcc run %t.eq.mlir --input x=%t.x.npy --output-dir %t.b -q
// RUN: /usr/bin/python3 %S/../Executor/compare_npy.py %t.b %t.a --rtol 1e-5 --atol 0
// What it is for: per-tensor int8 weights on this model give 7 dB of output SQNR (32 N(0, 1)
// inputs; the narrow channels round to a few levels); equalized first, over 20 dB. qcc compare
// measures both against the float model.
// RUN: /usr/bin/python3 -c "import numpy as np; r = np.random.default_rng(2); np.savez('%t.cal.npz', x=r.standard_normal((64,3,4,4)).astype(np.float32)); np.savez('%t.ev.npz', x=r.standard_normal((32,3,4,4)).astype(np.float32))"
// RUN: qcc quantize %S/Inputs/equalize.mlir --calib %t.cal.npz --quantizer per-tensor --no-equalize -o %t.pt.mlirbc
// RUN: qcc quantize %S/Inputs/equalize.mlir --calib %t.cal.npz --quantizer per-tensor -o %t.ptcle.mlirbc --print-pipeline | FileCheck %s --check-prefix=PIPE
// PIPE: pipeline: qcc-fold-conv-bn,qcc-equalize,{{.*}}qcc-annotate{quantizer=per-tensor}
// RUN: qcc compare %S/Inputs/equalize.mlir %t.pt.mlirbc --data %t.ev.npz --format json -o %t.pt.json
// RUN: qcc compare %S/Inputs/equalize.mlir %t.ptcle.mlirbc --data %t.ev.npz --format json -o %t.ptcle.json
// RUN: /usr/bin/python3 -c "import json, sys; s = [[n['sqnr_db'] for n in json.load(open(f))['nodes'] if n['name'] == 'fc2'][0] for f in ('%t.pt.json', '%t.ptcle.json')]; print('fc2 SQNR without / with qcc-equalize: %%.2f / %%.2f dB' %% tuple(s)); sys.exit(0 if s[0] < 10 and s[1] > 20 else 1)"

// Ranges r1 = [4, 1] (layer 1's output channels), r2 = [1, 4] (layer 2's input channels):
// s = sqrt(r1 / r2) = [2, 0.5]; every weight becomes 2, the bias [4, 1] / s = [2, 2].
// CHECK-LABEL: func.func @relu_pair
// CHECK: %[[W1:.*]] = "qcc.constant"() {value = dense<2.000000e+00> : tensor<2x1x1x1xf32>}
// CHECK: %[[B1:.*]] = "qcc.constant"() {value = dense<2.000000e+00> : tensor<2xf32>}
// CHECK: %[[Y:.*]] = "qcc.conv2d"(%arg0, %[[W1]], %[[B1]])
// CHECK: %[[R:.*]] = "qcc.relu"(%[[Y]])
// CHECK: %[[W2:.*]] = "qcc.constant"() {value = dense<2.000000e+00> : tensor<1x2x1x1xf32>}
// CHECK: "qcc.conv2d"(%[[R]], %[[W2]])
func.func @relu_pair(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %w1 = "qcc.constant"() {value = dense<[[[[4.0]]], [[[1.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %b1 = "qcc.constant"() {value = dense<[4.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %w2 = "qcc.constant"() {value = dense<[[[[1.0]], [[4.0]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %y = "qcc.conv2d"(%x, %w1, %b1) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %r = "qcc.relu"(%y) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %z = "qcc.conv2d"(%r, %w2) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x2x2xf32>
  return %z : tensor<1x1x2x2xf32>
}

// -----

// Clip(0, 6) is not positively homogeneous: left alone unless relu6=1, which makes it a Relu
// (the paper's choice for MobileNetV2) and equalizes.
// CHECK-LABEL: func.func @clip_pair
// CHECK: dense<{{\[\[\[\[}}4.000000e+00]]], {{\[\[\[}}1.000000e+00]]]]>
// CHECK: qcc.clip
// RELU6-LABEL: func.func @clip_pair
// RELU6-NOT: qcc.clip
// RELU6: dense<2.000000e+00> : tensor<2x1x1x1xf32>
// RELU6: qcc.relu
// RELU6: dense<2.000000e+00> : tensor<1x2x1x1xf32>
// RELU6-NOT: qcc.clip
func.func @clip_pair(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %w1 = "qcc.constant"() {value = dense<[[[[4.0]]], [[[1.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %w2 = "qcc.constant"() {value = dense<[[[[1.0]], [[4.0]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %y = "qcc.conv2d"(%x, %w1) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %r = "qcc.clip"(%y) {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %z = "qcc.conv2d"(%r, %w2) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x2x2xf32>
  return %z : tensor<1x1x2x2xf32>
}

// -----

// Layer 1's result has a second user: rescaling would change it; left alone.
// CHECK-LABEL: func.func @two_users
// CHECK: dense<{{\[\[\[\[}}4.000000e+00]]], {{\[\[\[}}1.000000e+00]]]]>
// CHECK-NOT: dense<2.000000e+00>
func.func @two_users(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w1 = "qcc.constant"() {value = dense<[[[[4.0]]], [[[1.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %w2 = "qcc.constant"() {value = dense<[[[[1.0]], [[4.0]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %y = "qcc.conv2d"(%x, %w1) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %z = "qcc.conv2d"(%y, %w2) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x2x2xf32>
  return %z, %y : tensor<1x1x2x2xf32>, tensor<1x2x2x2xf32>
}
