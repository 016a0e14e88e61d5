// RUN: qcc-opt %s -p qcc-annotate | FileCheck %s
// RUN: qcc-opt %s -p 'qcc-annotate{quantizer=arm observer=minmax}' | FileCheck %s --check-prefix=ARM
// RUN: qcc-opt %s -p 'qcc-annotate{quantizer=per-tensor}' | FileCheck %s --check-prefix=PT
// RUN: qcc-opt %s -p 'qcc-annotate{keep_float=op:Conv,head*}' | FileCheck %s --check-prefix=KEEP
// RUN: not qcc-opt %s -p 'qcc-annotate{quantizer=nope}' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not qcc-opt %s -p 'qcc-annotate{observer=median}' 2>&1 | FileCheck %s --check-prefix=BADOBS

// x86: u8 affine activations (histogram by default), s8 symmetric per-channel weights,
// int32 bias; conv feeding relu keeps a float result (the relu's output is quantized).
// CHECK: "qcc.conv2d"{{.*}}qcc.qin = ["u8 affine observer=histogram", "s8 symmetric axis=0 range=-127:127 observer=minmax", "bias"], qcc.qout = "float"
// CHECK: "qcc.relu"{{.*}}qcc.qin = ["float"], qcc.qout = "u8 affine observer=histogram"
// CHECK: "qcc.max_pool"{{.*}}qcc.qout = "shared"
// CHECK: "qcc.sigmoid"{{.*}}qcc.qout = "u8 affine scale=0.00390625 zp=0"
// CHECK: "qcc.tanh"{{.*}}qcc.qout = "u8 affine scale=0.0078125 zp=128"
// CHECK: "qcc.gemm"{{.*}}"s8 symmetric axis=0 range=-127:127 observer=minmax"
// ARM: "qcc.conv2d"{{.*}}qcc.qin = ["s8 affine observer=minmax", "s8 symmetric axis=0 range=-127:127 observer=minmax", "bias"]
// ARM: "qcc.tanh"{{.*}}qcc.qout = "s8 affine scale=0.0078125 zp=0"
// PT: "qcc.conv2d"{{.*}}"s8 symmetric range=-127:127 observer=minmax"
// KEEP: "qcc.conv2d"{{.*}}qcc.keep_float, qcc.qin = ["float", "float", "float"], qcc.qout = "float"
// KEEP: "qcc.gemm"{{.*}}qcc.keep_float
// BAD: unknown quantizer 'nope' (known: x86, arm, per-tensor, dynamic)
// BADOBS: unknown observer 'median'
func.func @main(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x3xf32>) {
  %w = "qcc.constant"() {value = dense<0.5> : tensor<2x1x3x3xf32>} : () -> tensor<2x1x3x3xf32>
  %b = "qcc.constant"() {value = dense<0.1> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "qcc.conv2d"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("/conv1/Conv")
  %r = "qcc.relu"(%c) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "qcc.max_pool"(%r) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %s = "qcc.sigmoid"(%p) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %t = "qcc.tanh"(%p) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %f = "qcc.flatten"(%p) {axis = 1 : i64} : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32>
  %gw = "qcc.constant"() {value = dense<0.25> : tensor<3x8xf32>} : () -> tensor<3x8xf32>
  %g = "qcc.gemm"(%f, %gw) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<1x8xf32>, tensor<3x8xf32>) -> tensor<1x3xf32> loc("head/fc")
  return %s, %t, %g : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x3xf32>
}
