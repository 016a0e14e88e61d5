// RUN: qcc-opt %s --split-input-file -p "qcc-convert{bias_correction=1}" | FileCheck %s
// RUN: qcc-opt %s --split-input-file -p "qcc-convert{bias_correction=0}" | FileCheck %s --check-prefix=OFF
// RUN: not qcc-opt %s --split-input-file -p "qcc-convert{bias_correction=2}" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: qcc-convert: bias_correction is 0 or 1, got '2'

// Bias correction: b'[o] = b[o] - sum_i (Wq - W)[o][i] * mean[i], then int32 at scale s_in * s_w[o].
// Row 0 (s_w = 2/127.5): w / s_w = 31.875, -63.75, 15.9375, 127.5 round to 32, -64, 16, 127 (clamped),
// errors in units of s_w 0.125, -0.25, 0.0625, -0.5; with input means 1, 1, 1, 1 the output error is
// -0.5625 s_w, so b' = 0.1 + 0.5625 s_w and b' / (0.01 s_w) = 637.5 + 56.25 = 693.75 -> 694 (638 without).
// Row 1 (s_w = 1/127.5): 127.5, 0, -63.75, 15.9375 -> 127, 0, -64, 16, errors -0.5, 0, -0.25, 0.0625:
// -0.6875 s_w, so -2550 + 68.75 = -2481.25 -> -2481 (-2550 without).
// CHECK-LABEL: func.func @gemm
// CHECK: "qcc.constant"() {value = dense<[694, -2481]> : tensor<2xi32>}
// OFF-LABEL: func.func @gemm
// OFF: "qcc.constant"() {value = dense<[638, -2550]> : tensor<2xi32>}
func.func @gemm(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %xo = "qcc.observe"(%x) {id = 0 : i64, observer = "minmax", spec = "u8 affine observer=minmax", qcc.scale = array<f32: 0.01>, qcc.zero_point = array<i64: 0>, qcc.channel_mean = array<f32: 1.0, 1.0, 1.0, 1.0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %w = "qcc.constant"() {value = dense<[[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.125]]> : tensor<2x4xf32>} : () -> tensor<2x4xf32>
  %wo = "qcc.observe"(%w) {id = 1 : i64, observer = "minmax", spec = "s8 symmetric axis=0 observer=minmax"} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %b = "qcc.constant"() {value = dense<[0.1, -0.2]> : tensor<2xf32>} : () -> tensor<2xf32>
  %bo = "qcc.observe"(%b) {id = 2 : i64, observer = "bias", spec = "bias"} : (tensor<2xf32>) -> tensor<2xf32>
  %y = "qcc.gemm"(%xo, %wo, %bo) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A conv without a bias gets one. One output channel, weights 0.3, 0.7 (s_w = 0.7/127.5):
// 54.64 -> 55 and 127.5 -> 127, errors 0.357 and -0.5 units of s_w; input means 2 and 1 give
// +0.214 s_w, so the bias is -0.214 s_w: at scale 0.01 s_w, -21.43 -> -21. Without correction the
// conv keeps no bias.
// CHECK-LABEL: func.func @conv_no_bias
// CHECK: "qcc.constant"() {value = dense<-21> : tensor<1xi32>}
// CHECK: "qcc.conv2d"(%{{.*}}, %{{.*}}, %{{.*}})
// OFF-LABEL: func.func @conv_no_bias
// OFF-NOT: i32
// OFF: "qcc.conv2d"(%{{[0-9a-z]*}}, %{{[0-9a-z]*}}) 
func.func @conv_no_bias(%x: tensor<1x2x3x3xf32>) -> tensor<1x1x3x3xf32> {
  %xo = "qcc.observe"(%x) {id = 0 : i64, observer = "minmax", spec = "u8 affine observer=minmax", qcc.scale = array<f32: 0.01>, qcc.zero_point = array<i64: 0>, qcc.channel_mean = array<f32: 2.0, 1.0>} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %w = "qcc.constant"() {value = dense<[[[[0.3]], [[0.7]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %wo = "qcc.observe"(%w) {id = 1 : i64, observer = "minmax", spec = "s8 symmetric axis=0 observer=minmax"} : (tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %y = "qcc.conv2d"(%xo, %wo) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

// Without the input's qcc.channel_mean (not calibrated by this qcc-calibrate) nothing is corrected.
// CHECK-LABEL: func.func @no_means
// CHECK: "qcc.constant"() {value = dense<[638, -2550]> : tensor<2xi32>}
func.func @no_means(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %xo = "qcc.observe"(%x) {id = 0 : i64, observer = "minmax", spec = "u8 affine observer=minmax", qcc.scale = array<f32: 0.01>, qcc.zero_point = array<i64: 0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %w = "qcc.constant"() {value = dense<[[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.125]]> : tensor<2x4xf32>} : () -> tensor<2x4xf32>
  %wo = "qcc.observe"(%w) {id = 1 : i64, observer = "minmax", spec = "s8 symmetric axis=0 observer=minmax"} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %b = "qcc.constant"() {value = dense<[0.1, -0.2]> : tensor<2xf32>} : () -> tensor<2xf32>
  %bo = "qcc.observe"(%b) {id = 2 : i64, observer = "bias", spec = "bias"} : (tensor<2xf32>) -> tensor<2xf32>
  %y = "qcc.gemm"(%xo, %wo, %bo) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
