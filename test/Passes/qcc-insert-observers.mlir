// RUN: qcc-opt %s -p qcc-annotate,qcc-insert-observers | FileCheck %s

// One observer per quantized tensor: the input, the weights, the bias (derived), the relu output;
// the pooled value shares the relu's parameters; a value two ops want with the same spec is
// observed once; fixed specs carry their parameters.
// CHECK: %[[X:.*]] = "qcc.observe"(%arg0) {id = 0 : i64, observer = "histogram", spec = "u8 affine observer=histogram"}
// CHECK: %[[W:.*]] = "qcc.observe"({{.*}}) {id = 1 : i64, observer = "minmax", spec = "s8 symmetric axis=0 range=-127:127 observer=minmax"}
// CHECK: %[[B:.*]] = "qcc.observe"({{.*}}) {id = 2 : i64, observer = "bias", spec = "bias"}
// CHECK: %[[C:.*]] = "qcc.conv2d"(%[[X]], %[[W]], %[[B]])
// CHECK-NEXT: %[[R:.*]] = "qcc.relu"(%[[C]])
// CHECK-NEXT: %[[RO:.*]] = "qcc.observe"(%[[R]]) {id = 3 : i64, observer = "histogram"
// CHECK-NEXT: %[[P:.*]] = "qcc.max_pool"(%[[RO]])
// CHECK-NEXT: "qcc.observe"(%[[P]]) {id = 4 : i64, observer = "shared", spec = "shared"}
// CHECK: "qcc.sigmoid"
// CHECK-NEXT: "qcc.observe"({{.*}}) {id = 5 : i64, observer = "fixed", spec = "u8 affine scale=0.00390625 zp=0"}
// CHECK-NOT: qcc.observe
// CHECK: return
func.func @main(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %w = "qcc.constant"() {value = dense<0.5> : tensor<2x1x3x3xf32>} : () -> tensor<2x1x3x3xf32>
  %b = "qcc.constant"() {value = dense<0.1> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "qcc.conv2d"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = "qcc.relu"(%c) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "qcc.max_pool"(%r) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %s = "qcc.sigmoid"(%p) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %s : tensor<1x2x2x2xf32>
}
