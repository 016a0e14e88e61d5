// RUN: qcc-opt %S/Inputs/ln_gelu.mlir -p qcc-fuse-gelu | FileCheck %s --check-prefix=MAIN
// RUN: qcc-opt %s -p qcc-fuse-gelu | FileCheck %s
// Numerics: the fused graph agrees with the elementwise one on random input.
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', 3 * np.random.default_rng(2).standard_normal((2,3,8)).astype(np.float32))"
// RUN: qcc-opt %S/Inputs/ln_gelu.mlir -p qcc-fuse-gelu -o %t.fused.mlir
// RUN: qcc run %S/Inputs/ln_gelu.mlir --input x=%t.x.npy --output-dir %t.a -q
// RUN: qcc run %t.fused.mlir --input x=%t.x.npy --output-dir %t.b -q
// RUN: /usr/bin/python3 %S/../Executor/compare_npy.py %t.b %t.a --rtol 1e-5 --atol 1e-6
// Both passes together, as qcc run applies them to an imported model.
// RUN: qcc-opt %S/Inputs/ln_gelu.mlir -p qcc-fuse-layer-norm,qcc-fuse-gelu -o %t.both.mlir
// RUN: qcc run %t.both.mlir --input x=%t.x.npy --output-dir %t.c -q
// RUN: /usr/bin/python3 %S/../Executor/compare_npy.py %t.c %t.a --rtol 1e-5 --atol 1e-6

// MAIN-LABEL: func.func @main
// MAIN-NOT: qcc.erf
// MAIN: "qcc.gelu"(%{{.*}}) {approximate = "none"}
// MAIN-NOT: qcc.erf
// MAIN: "qcc.gelu"(%{{.*}}) {approximate = "none"}
// MAIN-NOT: qcc.erf

// The constant is not 1/sqrt(2): not fused.
// CHECK-LABEL: func.func @wrong_constant
// CHECK: qcc.erf
// CHECK-NOT: qcc.gelu
func.func @wrong_constant(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = "qcc.constant"() {value = dense<0.7> : tensor<f32>} : () -> tensor<f32>
  %t = "qcc.mul"(%x, %c) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = "qcc.erf"(%t) : (tensor<8xf32>) -> tensor<8xf32>
  %one = "qcc.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %a = "qcc.add"(%e, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = "qcc.mul"(%x, %a) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %half = "qcc.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %y = "qcc.mul"(%m, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// erf's result is also returned: not fused.
// CHECK-LABEL: func.func @erf_escapes
// CHECK: qcc.erf
// CHECK-NOT: qcc.gelu
func.func @erf_escapes(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %c = "qcc.constant"() {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
  %t = "qcc.div"(%x, %c) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = "qcc.erf"(%t) : (tensor<8xf32>) -> tensor<8xf32>
  %one = "qcc.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %a = "qcc.add"(%e, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = "qcc.mul"(%x, %a) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %half = "qcc.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %y = "qcc.mul"(%m, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y, %e : tensor<8xf32>, tensor<8xf32>
}
