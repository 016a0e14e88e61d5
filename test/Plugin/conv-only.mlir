// The example plugin's quantizer (conv_only_quantizer.c, docs/writing-a-quantizer.md):
// int8 for conv2d only, with s8 symmetric per-tensor weights; every other op float.
// RUN: qcc-opt %s --load-plugin=%plugin_dir/conv_only_quantizer.so -p 'qcc-annotate{quantizer=conv-only}' | FileCheck %s
// RUN: qcc-opt %s --load-plugin %plugin_dir/conv_only_quantizer.so -p 'qcc-annotate{quantizer=conv-only observer=minmax reduce_range=1}' | FileCheck %s --check-prefix=OPTS
// RUN: qcc-opt %s --load-plugin=%plugin_dir/conv_only_quantizer.so -p 'qcc-annotate{quantizer=conv-only keep_float=/conv2/*}' | FileCheck %s --check-prefix=KEEP
// The built-in per-tensor quantizer, for contrast, quantizes the other ops too.
// RUN: qcc-opt %s -p 'qcc-annotate{quantizer=per-tensor}' | FileCheck %s --check-prefix=BUILTIN
// Without the plugin the quantizer does not exist.
// RUN: not qcc-opt %s -p 'qcc-annotate{quantizer=conv-only}' 2>&1 | FileCheck %s --check-prefix=NOPLUGIN
// NOPLUGIN: unknown quantizer 'conv-only'

// CHECK-LABEL: func.func @conv_relu_gemm
// CHECK: "qcc.conv2d"{{.*}}qcc.qin = ["u8 affine observer=histogram", "s8 symmetric observer=minmax", "bias"], qcc.qout = "u8 affine observer=histogram"
// CHECK-NOT: qcc.qin
// CHECK: "qcc.relu"
// CHECK-NOT: qcc.qin
// CHECK: "qcc.max_pool"
// CHECK-NOT: qcc.qin
// CHECK: "qcc.gemm"
// CHECK-NOT: qcc.qin
// CHECK: return
// OPTS-LABEL: func.func @conv_relu_gemm
// OPTS: "qcc.conv2d"{{.*}}qcc.qin = ["u8 affine range=0:127 observer=minmax", "s8 symmetric observer=minmax", "bias"], qcc.qout = "u8 affine range=0:127 observer=minmax"
// OPTS-NOT: qcc.qin
// OPTS: return
// BUILTIN-LABEL: func.func @conv_relu_gemm
// BUILTIN: "qcc.conv2d"{{.*}}qcc.qin
// BUILTIN: "qcc.relu"{{.*}}qcc.qin
// BUILTIN: "qcc.gemm"{{.*}}qcc.qin
func.func @conv_relu_gemm(%x: tensor<1x1x4x4xf32>) -> tensor<1x3xf32> {
  %w = "qcc.constant"() {value = dense<0.5> : tensor<2x1x3x3xf32>} : () -> tensor<2x1x3x3xf32>
  %b = "qcc.constant"() {value = dense<0.1> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "qcc.conv2d"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("/conv1/Conv")
  %r = "qcc.relu"(%c) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "qcc.max_pool"(%r) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %f = "qcc.flatten"(%p) {axis = 1 : i64} : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32>
  %gw = "qcc.constant"() {value = dense<0.25> : tensor<3x8xf32>} : () -> tensor<3x8xf32>
  %g = "qcc.gemm"(%f, %gw) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<1x8xf32>, tensor<3x8xf32>) -> tensor<1x3xf32>
  return %g : tensor<1x3xf32>
}

// A conv without bias has two operand specs; keep_float still overrides the quantizer.
// CHECK-LABEL: func.func @conv_no_bias
// CHECK: "qcc.conv2d"{{.*}}qcc.qin = ["u8 affine observer=histogram", "s8 symmetric observer=minmax"], qcc.qout = "u8 affine observer=histogram"
// KEEP-LABEL: func.func @conv_no_bias
// KEEP: "qcc.conv2d"{{.*}}qcc.keep_float, qcc.qin = ["float", "float"], qcc.qout = "float"
func.func @conv_no_bias(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %w = "qcc.constant"() {value = dense<0.5> : tensor<2x1x3x3xf32>} : () -> tensor<2x1x3x3xf32>
  %c = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32> loc("/conv2/Conv")
  return %c : tensor<1x2x2x2xf32>
}

// Weights that are not a constant cannot be quantized at compile time: the conv stays float.
// CHECK-LABEL: func.func @conv_runtime_weights
// CHECK-NOT: qcc.qin
// CHECK: return
func.func @conv_runtime_weights(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32> {
  %c = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %c : tensor<1x2x2x2xf32>
}
