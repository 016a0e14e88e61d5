// RUN: qcc-opt %s -p qcc-cse | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = "qcc.constant"() {value = dense<5.000000e-01> : tensor<2x2xf32>}
// CHECK-NOT: dense<5.000000e-01>
// CHECK: %[[A:.*]] = "qcc.relu"(%arg0)
// CHECK-NOT: "qcc.relu"(%arg0)
// CHECK: %[[M:.*]] = "qcc.matmul"(%[[A]], %[[W]])
// CHECK-NEXT: %[[S:.*]] = "qcc.add"(%[[M]], %[[M]])
// Different attributes: not merged.
// CHECK: "qcc.leaky_relu"(%arg0) {alpha = 1.000000e-01 : f32}
// CHECK: "qcc.leaky_relu"(%arg0) {alpha = 2.000000e-01 : f32}
// Observers record statistics: never merged.
// CHECK-COUNT-2: "qcc.observe"(%arg0)
func.func @main(%x: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %w1 = "qcc.constant"() {value = dense<0.5> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %w2 = "qcc.constant"() {value = dense<0.5> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %a = "qcc.relu"(%x) : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %b = "qcc.relu"(%x) : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %m1 = "qcc.matmul"(%a, %w1) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %m2 = "qcc.matmul"(%b, %w2) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %s = "qcc.add"(%m1, %m2) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %l1 = "qcc.leaky_relu"(%x) {alpha = 0.1 : f32} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %l2 = "qcc.leaky_relu"(%x) {alpha = 0.2 : f32} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %o1 = "qcc.observe"(%x) {observer = "minmax", spec = "u8 affine", id = 0 : i64} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %o2 = "qcc.observe"(%x) {observer = "minmax", spec = "u8 affine", id = 0 : i64} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %s, %l1, %l2, %o1, %o2 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}
