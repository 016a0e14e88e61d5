// RUN: qcc-opt %s -p qcc-fold-conv-bn | FileCheck %s
// Numerics: folded and unfolded graphs agree to 1e-5 relative on random input.
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.random.default_rng(1).standard_normal((1,2,5,5)).astype(np.float32))"
// RUN: qcc-opt %S/Inputs/conv_bn.mlir -p qcc-fold-conv-bn | FileCheck %s --check-prefix=MAIN
// RUN: qcc-opt %S/Inputs/conv_bn.mlir -p qcc-fold-conv-bn -o %t.fold.mlir
// RUN: qcc run %S/Inputs/conv_bn.mlir --input x=%t.x.npy --output-dir %t.a -q
// RUN: qcc run %t.fold.mlir --input x=%t.x.npy --output-dir %t.b -q
// RUN: /usr/bin/python3 %S/../Executor/compare_npy.py %t.b %t.a --rtol 1e-5 --atol 1e-6

// MAIN-LABEL: func.func @main
// MAIN-NOT: qcc.batch_norm
// MAIN: "qcc.conv2d"(%arg0, %{{.*}}, %{{.*}}) {{.*}}group = 1
// MAIN-NOT: qcc.batch_norm

// A conv with a second user keeps its BN.
// CHECK-LABEL: func.func @two_users
// CHECK: qcc.batch_norm
func.func @two_users(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %w = "qcc.constant"() {value = dense<2.0> : tensor<1x1x1x1xf32>} : () -> tensor<1x1x1x1xf32>
  %y = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %c = "qcc.constant"() {value = dense<1.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %z = "qcc.batch_norm"(%y, %c, %c, %c, %c) {epsilon = 1.0e-5 : f32} : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %y, %z : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}
