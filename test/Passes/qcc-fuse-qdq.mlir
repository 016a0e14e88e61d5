// RUN: qcc-opt %s --split-input-file -p 'qcc-fuse-qdq{remarks=1}' 2>&1 | FileCheck %s

// conv2d + relu between dequantize and quantize: one qconv2d with the relu as clamp.
// CHECK-LABEL: func.func @conv_relu
// CHECK-NOT: qcc.dequantize
// CHECK: %[[Y:.*]] = "qcc.qconv2d"(%arg0, %{{.*}}, %{{.*}}) {clamp_max = 0x7F800000 : f32, clamp_min = 0.000000e+00 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4x!quant.uniform<u8:f32, 1.000000e-01:10>>, tensor<2x1x3x3x!quant.uniform<i8:f32:0, {5.000000e-02,2.500000e-02}>>, tensor<2x!quant.uniform<i32:f32:0, {5.000000e-03,2.500000e-03}>>) -> tensor<1x2x4x4x!quant.uniform<u8:f32, 2.000000e-01>>
// CHECK-NOT: qcc.relu
// CHECK: return %[[Y]]
func.func @conv_relu(%xq: tensor<1x1x4x4x!quant.uniform<u8:f32, 0.1:10>>) -> tensor<1x2x4x4x!quant.uniform<u8:f32, 0.2>> {
  %x = "qcc.dequantize"(%xq) : (tensor<1x1x4x4x!quant.uniform<u8:f32, 0.1:10>>) -> tensor<1x1x4x4xf32>
  %wi = "qcc.constant"() {value = dense<3> : tensor<2x1x3x3xi8>} : () -> tensor<2x1x3x3xi8>
  %wq = "qcc.storage_cast"(%wi) : (tensor<2x1x3x3xi8>) -> tensor<2x1x3x3x!quant.uniform<i8:f32:0, {0.05, 0.025}>>
  %w = "qcc.dequantize"(%wq) : (tensor<2x1x3x3x!quant.uniform<i8:f32:0, {0.05, 0.025}>>) -> tensor<2x1x3x3xf32>
  %bi = "qcc.constant"() {value = dense<[100, -40]> : tensor<2xi32>} : () -> tensor<2xi32>
  %bq = "qcc.storage_cast"(%bi) : (tensor<2xi32>) -> tensor<2x!quant.uniform<i32:f32:0, {0.005, 0.0025}>>
  %b = "qcc.dequantize"(%bq) : (tensor<2x!quant.uniform<i32:f32:0, {0.005, 0.0025}>>) -> tensor<2xf32>
  %c = "qcc.conv2d"(%x, %w, %b) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = "qcc.relu"(%c) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %q = "qcc.quantize"(%r) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4x!quant.uniform<u8:f32, 0.2>>
  return %q : tensor<1x2x4x4x!quant.uniform<u8:f32, 0.2>>
}

// -----

// Elementwise functions become a 256-entry table; max_pool with equal parameters runs on
// the storage; add of two quantized values is qadd.
// CHECK-LABEL: func.func @lut_pool_add
// CHECK: %[[L:.*]] = "qcc.lut"(%arg0) {table = dense<{{.*}}> : tensor<256xui8>}
// CHECK: %[[S:.*]] = "qcc.storage_cast"(%arg0) : {{.*}} -> tensor<1x1x2x2xui8>
// CHECK: %[[P:.*]] = "qcc.max_pool"(%[[S]])
// CHECK: "qcc.storage_cast"(%[[P]]) : (tensor<1x1x1x1xui8>) -> tensor<1x1x1x1x!quant.uniform<u8:f32, 5.000000e-02:128>>
// CHECK: "qcc.qadd"(%arg0, %[[L]]) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32}
func.func @lut_pool_add(%xq: tensor<1x1x2x2x!quant.uniform<u8:f32, 0.05:128>>) -> (tensor<1x1x1x1x!quant.uniform<u8:f32, 0.05:128>>, tensor<1x1x2x2x!quant.uniform<u8:f32, 0.1:50>>) {
  %x = "qcc.dequantize"(%xq) : (tensor<1x1x2x2x!quant.uniform<u8:f32, 0.05:128>>) -> tensor<1x1x2x2xf32>
  %s = "qcc.sigmoid"(%x) : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %sq = "qcc.quantize"(%s) : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2x!quant.uniform<u8:f32, 0.00390625>>
  %p = "qcc.max_pool"(%x) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32>
  %pq = "qcc.quantize"(%p) : (tensor<1x1x1x1xf32>) -> tensor<1x1x1x1x!quant.uniform<u8:f32, 0.05:128>>
  %sd = "qcc.dequantize"(%sq) : (tensor<1x1x2x2x!quant.uniform<u8:f32, 0.00390625>>) -> tensor<1x1x2x2xf32>
  %a = "qcc.add"(%x, %sd) : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %aq = "qcc.quantize"(%a) : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2x!quant.uniform<u8:f32, 0.1:50>>
  return %pq, %aq : tensor<1x1x1x1x!quant.uniform<u8:f32, 0.05:128>>, tensor<1x1x2x2x!quant.uniform<u8:f32, 0.1:50>>
}

// -----

// A result with two users does not fuse; the remark names the op and the reason.
// CHECK: remark: qcc.conv2d 'two' stays in QDQ form: its result has several users
// CHECK-LABEL: func.func @two_users
// CHECK: qcc.conv2d
func.func @two_users(%xq: tensor<1x1x2x2x!quant.uniform<u8:f32, 0.1>>) -> (tensor<1x1x2x2x!quant.uniform<u8:f32, 0.1>>, tensor<1x1x2x2xf32>) {
  %x = "qcc.dequantize"(%xq) : (tensor<1x1x2x2x!quant.uniform<u8:f32, 0.1>>) -> tensor<1x1x2x2xf32>
  %wi = "qcc.constant"() {value = dense<1> : tensor<1x1x1x1xi8>} : () -> tensor<1x1x1x1xi8>
  %wq = "qcc.storage_cast"(%wi) : (tensor<1x1x1x1xi8>) -> tensor<1x1x1x1x!quant.uniform<i8:f32, 0.5>>
  %w = "qcc.dequantize"(%wq) : (tensor<1x1x1x1x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x1x1xf32>
  %c = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32> loc("two")
  %q = "qcc.quantize"(%c) : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2x!quant.uniform<u8:f32, 0.1>>
  return %q, %c : tensor<1x1x2x2x!quant.uniform<u8:f32, 0.1>>, tensor<1x1x2x2xf32>
}
