// RUN: qcc-opt %s --split-input-file | FileCheck %s
// With -o, each chunk of a split file replaces the output, so the file holds the last one.
// RUN: qcc-opt %s --split-input-file -o %t.mlirbc && qcc-opt %t.mlirbc | FileCheck %s --check-prefix=BC

// CHECK-LABEL: func.func @conv
// CHECK: "qcc.conv2d"(%arg0, %arg1) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
// BC: "qcc.gather"
func.func @conv(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %y = "qcc.conv2d"(%x, %w) {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----
// CHECK-LABEL: func.func @quant
// CHECK: %[[Q:.*]] = "qcc.quantize"(%arg0) : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 5.000000e-02:128>>
// CHECK: "qcc.dequantize"(%[[Q]])
// CHECK: "qcc.quantize"(%arg1) : (tensor<4x2xf32>) -> tensor<4x2x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01}>>
func.func @quant(%x: tensor<2x4xf32>, %w: tensor<4x2xf32>) -> (tensor<2x4xf32>, tensor<4x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>) {
  %q = "qcc.quantize"(%x) : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.05:128>>
  %d = "qcc.dequantize"(%q) : (tensor<2x4x!quant.uniform<u8:f32, 0.05:128>>) -> tensor<2x4xf32>
  %qw = "qcc.quantize"(%w) : (tensor<4x2xf32>) -> tensor<4x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return %d, %qw : tensor<2x4xf32>, tensor<4x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
}

// -----
// CHECK-LABEL: func.func @shapes
// CHECK: "qcc.transpose"
// CHECK: "qcc.gather"
func.func @shapes(%x: tensor<2x3xf32>, %i: tensor<2xi64>) -> tensor<2x3xf32> {
  %t = "qcc.transpose"(%x) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %r = "qcc.reshape"(%t) : (tensor<3x2xf32>) -> tensor<2x3xf32>
  %g = "qcc.gather"(%r, %i) {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
