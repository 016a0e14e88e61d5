// RUN: qcc-opt %s --split-input-file -p qcc-convert | FileCheck %s
// RUN: qcc-opt %S/Inputs/relu_gemm.mlir -p "qcc-annotate,qcc-insert-observers" -o %t.obs.mlir
// RUN: not qcc-opt %t.obs.mlir -p qcc-convert 2>&1 | FileCheck %s --check-prefix=UNCAL

// Activations: quantize -> dequantize with the calibrated parameters. Weights: quantized now,
// per channel (s8 symmetric, scale = max|w[c]| / 127.5 as PyTorch computes it). Bias: int32
// with scale s_in * s_w[c].
// CHECK-LABEL: func.func @main
// CHECK: %[[Q:.*]] = "qcc.quantize"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4x!quant.uniform<u8:f32, 0.0099999997764825821>>
// CHECK: %[[X:.*]] = "qcc.dequantize"(%[[Q]])
// CHECK: %[[WI:.*]] = "qcc.constant"() {value = dense<{{\[\[}}32, -64, 16, 127], [127, 0, -64, 16]]> : tensor<2x4xi8>}
// CHECK: %[[WQ:.*]] = "qcc.storage_cast"(%[[WI]]) : (tensor<2x4xi8>) -> tensor<2x4x!quant.uniform<i8:f32:0, {0.015686275437474251,0.0078431377187371254}>>
// CHECK: %[[W:.*]] = "qcc.dequantize"(%[[WQ]])
// CHECK: %[[BI:.*]] = "qcc.constant"() {value = dense<[638, -2550]> : tensor<2xi32>}
// CHECK: "qcc.storage_cast"(%[[BI]]) : (tensor<2xi32>) -> tensor<2x!quant.uniform<i32:f32:0, {1.5686274855397642E-4,7.8431374276988208E-5}>>
// CHECK: "qcc.gemm"(%[[X]], %[[W]],
// CHECK-NOT: qcc.observe
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %xo = "qcc.observe"(%x) {id = 0 : i64, observer = "minmax", spec = "u8 affine observer=minmax", qcc.scale = array<f32: 0.01>, qcc.zero_point = array<i64: 0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %w = "qcc.constant"() {value = dense<[[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.125]]> : tensor<2x4xf32>} : () -> tensor<2x4xf32>
  %wo = "qcc.observe"(%w) {id = 1 : i64, observer = "minmax", spec = "s8 symmetric axis=0 observer=minmax"} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %b = "qcc.constant"() {value = dense<[0.1, -0.2]> : tensor<2xf32>} : () -> tensor<2xf32>
  %bo = "qcc.observe"(%b) {id = 2 : i64, observer = "bias", spec = "bias"} : (tensor<2xf32>) -> tensor<2xf32>
  %y = "qcc.gemm"(%xo, %wo, %bo) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A shared output reuses its input's parameters; fixed specs use theirs; a shared output of a
// float input stays float.
// CHECK-LABEL: func.func @shared
// CHECK: "qcc.quantize"(%arg0) {{.*}}!quant.uniform<u8:f32, 5.000000e-01:3>
// CHECK: %[[P:.*]] = "qcc.max_pool"
// CHECK: "qcc.quantize"(%[[P]]) {{.*}}!quant.uniform<u8:f32, 5.000000e-01:3>
// CHECK: "qcc.sigmoid"
// CHECK: "qcc.quantize"{{.*}}!quant.uniform<u8:f32, 3.906250e-03>
// CHECK: %[[F:.*]] = "qcc.flatten"(%arg0)
// CHECK-NEXT: return {{.*}}, %[[F]]
func.func @shared(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x1x1xf32>, tensor<1x4xf32>) {
  %xo = "qcc.observe"(%x) {id = 0 : i64, observer = "minmax", spec = "u8 affine observer=minmax", qcc.scale = array<f32: 0.5>, qcc.zero_point = array<i64: 3>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %p = "qcc.max_pool"(%xo) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32>
  %po = "qcc.observe"(%p) {id = 1 : i64, observer = "shared", spec = "shared"} : (tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %s = "qcc.sigmoid"(%po) : (tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %so = "qcc.observe"(%s) {id = 2 : i64, observer = "fixed", spec = "u8 affine scale=0.00390625 zp=0"} : (tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %f = "qcc.flatten"(%x) {axis = 1 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x4xf32>
  %fo = "qcc.observe"(%f) {id = 3 : i64, observer = "shared", spec = "shared"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %so, %fo : tensor<1x1x1x1xf32>, tensor<1x4xf32>
}

// UNCAL: qcc-opt: qcc-convert: observer 0 (histogram) has no parameters: run qcc-calibrate before qcc-convert

// -----

// A bias observer that comes before its user's input observer in program order (a bias constant
// shared by several convs is observed right after its definition) still gets s_in * s_w.
// CHECK-LABEL: func.func @bias_first
// CHECK: "qcc.constant"() {value = dense<4> : tensor<1xi32>}
// CHECK-NEXT: "qcc.storage_cast"({{.*}}) : (tensor<1xi32>) -> tensor<1x!quant.uniform<i32:f32, 0.24901960790157318>>
func.func @bias_first(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %b = "qcc.constant"() {value = dense<1.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %bo = "qcc.observe"(%b) {id = 9 : i64, observer = "bias", spec = "bias"} : (tensor<1xf32>) -> tensor<1xf32>
  %xo = "qcc.observe"(%x) {id = 0 : i64, observer = "minmax", spec = "u8 affine observer=minmax", qcc.scale = array<f32: 0.5>, qcc.zero_point = array<i64: 0>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %w = "qcc.constant"() {value = dense<63.5> : tensor<1x1x1x1xf32>} : () -> tensor<1x1x1x1xf32>
  %wo = "qcc.observe"(%w) {id = 1 : i64, observer = "minmax", spec = "s8 symmetric observer=minmax"} : (tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %c = "qcc.conv2d"(%xo, %wo, %bo) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %c : tensor<1x1x2x2xf32>
}
