// RUN: qcc-opt %S/Inputs/ln_gelu.mlir -p qcc-fuse-layer-norm | FileCheck %s --check-prefix=MAIN
// RUN: qcc-opt %s -p qcc-fuse-layer-norm | FileCheck %s
// Numerics: the fused graph agrees with the elementwise one (1e-5 relative) on random input.
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', 3 * np.random.default_rng(1).standard_normal((2,3,8)).astype(np.float32))"
// RUN: qcc-opt %S/Inputs/ln_gelu.mlir -p qcc-fuse-layer-norm -o %t.fused.mlir
// RUN: qcc run %S/Inputs/ln_gelu.mlir --input x=%t.x.npy --output-dir %t.a -q
// RUN: qcc run %t.fused.mlir --input x=%t.x.npy --output-dir %t.b -q
// RUN: /usr/bin/python3 %S/../Executor/compare_npy.py %t.b %t.a --rtol 1e-5 --atol 1e-6

// Both layer norms become one op each; nothing of the elementwise forms is left
// but the GELUs' ops.
// MAIN-LABEL: func.func @main
// MAIN-NOT: qcc.reduce_mean
// MAIN: "qcc.layer_norm"(%arg0, %{{.*}}, %{{.*}}) {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}
// MAIN: qcc.erf
// MAIN: %[[ONES:.*]] = "qcc.constant"() {value = dense<1.000000e+00> : tensor<3x8xf32>}
// MAIN: "qcc.layer_norm"(%{{.*}}, %[[ONES]]) {axis = 1 : i64, epsilon = 9.99999974E-6 : f32}
// MAIN-NOT: qcc.reduce_mean
// MAIN-NOT: qcc.sqrt

// The centred value has a third user: not fused.
// CHECK-LABEL: func.func @third_user
// CHECK: qcc.reduce_mean
// CHECK-NOT: qcc.layer_norm
func.func @third_user(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %m = "qcc.reduce_mean"(%x) {axes = array<i64: 1>, keepdims = 1 : i64} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %d = "qcc.sub"(%x, %m) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %p = "qcc.mul"(%d, %d) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %v = "qcc.reduce_mean"(%p) {axes = array<i64: 1>, keepdims = 1 : i64} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %eps = "qcc.constant"() {value = dense<1.0e-5> : tensor<f32>} : () -> tensor<f32>
  %a = "qcc.add"(%v, %eps) : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %s = "qcc.sqrt"(%a) : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %n = "qcc.div"(%d, %s) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %n, %d : tensor<4x8xf32>, tensor<4x8xf32>
}

// Normalizing over a leading axis is not a layer norm.
// CHECK-LABEL: func.func @leading_axis
// CHECK-NOT: qcc.layer_norm
func.func @leading_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = "qcc.reduce_mean"(%x) {axes = array<i64: 0>, keepdims = 1 : i64} : (tensor<4x8xf32>) -> tensor<1x8xf32>
  %d = "qcc.sub"(%x, %m) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %p = "qcc.mul"(%d, %d) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %v = "qcc.reduce_mean"(%p) {axes = array<i64: 0>, keepdims = 1 : i64} : (tensor<4x8xf32>) -> tensor<1x8xf32>
  %eps = "qcc.constant"() {value = dense<1.0e-5> : tensor<f32>} : () -> tensor<f32>
  %a = "qcc.add"(%v, %eps) : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %s = "qcc.sqrt"(%a) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %n = "qcc.div"(%d, %s) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  return %n : tensor<4x8xf32>
}
