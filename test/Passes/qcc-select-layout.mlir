// RUN: qcc-opt %s -p 'qcc-select-layout{remarks=1}' -o %t.mlir 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: FileCheck %s < %t.mlir
// A second run decides again (the attributes it set are not inputs).
// RUN: qcc-opt %t.mlir -p qcc-select-layout | FileCheck %s
// RUN: not qcc-opt %s -p 'qcc-select-layout{blocked=1}' 2>&1 | FileCheck %s --check-prefix=OPTION
//
// Values do not change: @main run by the executor with the layouts (NCHW4C
// where this CPU's conv row has lanes, else the plan keeps NCHW) gives the
// bytes it gives without the pass, and so does qcc compile (which runs the
// pass; --no-select-layout leaves it out). For the dotprod row (4-byte lanes)
// the generated C passes the blocked layouts to libqrt; x, y stay NCHW.
// RUN: rm -rf %t && mkdir -p %t
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(7).integers(0, 256, (1, 8, 6, 6), dtype=np.uint8))"
// RUN: qcc run %s --input x=%t/x.npy --output-dir %t/plain -q
// RUN: qcc run %t.mlir --input x=%t/x.npy --output-dir %t/layout -q
// RUN: cmp %t/plain/y.npy %t/layout/y.npy
// RUN: qcc compile %s -o %t/c --name lay -q
// RUN: %t/c/lay-run --input x=%t/x.npy --output-dir %t/c/out -q
// RUN: cmp %t/plain/y.npy %t/c/out/y.npy
// RUN: qcc compile %s -o %t/dot --name lay --target=aarch64-dotprod --emit=c -q
// RUN: FileCheck %s --check-prefix=DOTPROD < %t/dot/lay.c
// RUN: qcc compile %s -o %t/off --name lay --target=aarch64-dotprod --emit=c --no-select-layout -q
// RUN: not grep -q NCHW4C %t/off/lay.c

// A chain with a residual block: t1 (conv) feeds a conv and the add, the add's
// result a conv: one class, NCHW4C, written by two convolutions and read by
// two. The graph input and output stay NCHW.
// CHECK-LABEL: func.func @main
// CHECK: %[[T1:.*]] = "qcc.qconv2d"(%arg0, {{.*}}qcc.layout_group = 1 : i64
// CHECK: %[[T2:.*]] = "qcc.qconv2d"(%[[T1]], {{.*}}qcc.layout_group = 1 : i64
// CHECK: "qcc.qadd"(%[[T2]], %[[T1]]){{.*}}qcc.layout_group = 1 : i64
// CHECK: %[[Y:.*]] = "qcc.qconv2d"
// CHECK-NOT: qcc.layout_group
// CHECK-SAME: -> tensor<1x8x6x6
// CHECK: return %[[Y]]
// REMARK: remark: qcc-select-layout: qcc.qconv2d result: nchw4c (group 1: written by 2 convolutions, read by 2)
// REMARK: remark: qcc-select-layout: qcc.qconv2d result: nchw4c (group 1: written by 2 convolutions, read by 2)
// REMARK: remark: qcc-select-layout: qcc.qadd result: nchw4c (group 1: written by 2 convolutions, read by 2)
// REMARK: remark: qcc-select-layout: qcc.qconv2d result: nchw (read by func.return, which reads NCHW)
// DOTPROD: qrt_q8_conv2d_packed_layout_mt(P, {{.*}}, inputs[0], QRT_LAYOUT_NCHW, 8, {{.*}}, QRT_LAYOUT_NCHW4C,
// DOTPROD: qrt_q8_conv2d_packed_layout_mt(P, {{.*}}, QRT_LAYOUT_NCHW4C, 8, {{.*}}, QRT_LAYOUT_NCHW4C,
// DOTPROD: qrt_q8_binary_mt(P, QRT_Q8_ADD,
// DOTPROD: qrt_q8_conv2d_packed_layout_mt(P, {{.*}}, QRT_LAYOUT_NCHW4C, 8, {{.*}}, outputs[0], QRT_LAYOUT_NCHW,
// OPTION: qcc-select-layout: unknown option 'blocked' (remarks)
func.func @main(%x: tensor<1x8x6x6x!quant.uniform<u8:f32, 5.000000e-02:10>> {qcc.name = "x"}) -> (tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:3>> {qcc.name = "y"}) {
  %w1i = "qcc.constant"() {value = dense<1> : tensor<8x8x3x3xi8>} : () -> tensor<8x8x3x3xi8>
  %w1 = "qcc.storage_cast"(%w1i) : (tensor<8x8x3x3xi8>) -> tensor<8x8x3x3x!quant.uniform<i8:f32:0, {1.0e-02, 2.0e-02, 3.0e-02, 4.0e-02, 5.0e-02, 6.0e-02, 7.0e-02, 8.0e-02}>>
  %t1 = "qcc.qconv2d"(%x, %w1) {clamp_max = 0x7F800000 : f32, clamp_min = 0.000000e+00 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 5.000000e-02:10>>, tensor<8x8x3x3x!quant.uniform<i8:f32:0, {1.0e-02, 2.0e-02, 3.0e-02, 4.0e-02, 5.0e-02, 6.0e-02, 7.0e-02, 8.0e-02}>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 2.500000e-01:0>>
  %w2i = "qcc.constant"() {value = dense<-1> : tensor<8x8x3x3xi8>} : () -> tensor<8x8x3x3xi8>
  %w2 = "qcc.storage_cast"(%w2i) : (tensor<8x8x3x3xi8>) -> tensor<8x8x3x3x!quant.uniform<i8:f32:0, {8.0e-03, 7.0e-03, 6.0e-03, 5.0e-03, 4.0e-03, 3.0e-03, 2.0e-03, 1.0e-03}>>
  %t2 = "qcc.qconv2d"(%t1, %w2) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 2.500000e-01:0>>, tensor<8x8x3x3x!quant.uniform<i8:f32:0, {8.0e-03, 7.0e-03, 6.0e-03, 5.0e-03, 4.0e-03, 3.0e-03, 2.0e-03, 1.0e-03}>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 1.000000e-01:128>>
  %t3 = "qcc.qadd"(%t2, %t1) {clamp_max = 0x7F800000 : f32, clamp_min = 0.000000e+00 : f32} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 1.000000e-01:128>>, tensor<1x8x6x6x!quant.uniform<u8:f32, 2.500000e-01:0>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 3.000000e-01:0>>
  %w3i = "qcc.constant"() {value = dense<2> : tensor<8x8x1x1xi8>} : () -> tensor<8x8x1x1xi8>
  %w3 = "qcc.storage_cast"(%w3i) : (tensor<8x8x1x1xi8>) -> tensor<8x8x1x1x!quant.uniform<i8:f32:0, {1.0e-02, 1.5e-02, 2.0e-02, 2.5e-02, 3.0e-02, 3.5e-02, 4.0e-02, 4.5e-02}>>
  %y = "qcc.qconv2d"(%t3, %w3) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 3.000000e-01:0>>, tensor<8x8x1x1x!quant.uniform<i8:f32:0, {1.0e-02, 1.5e-02, 2.0e-02, 2.5e-02, 3.0e-02, 3.5e-02, 4.0e-02, 4.5e-02}>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:3>>
  return %y : tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:3>>
}

// A conv feeding a pool, a depthwise conv, and a conv of 6 channels: NCHW,
// each for its reason; the conv after the depthwise one reads NCHW too.
// CHECK-LABEL: func.func @others
// CHECK-NOT: qcc.layout_group
// CHECK: return
// REMARK: remark: qcc-select-layout: qcc.qconv2d result: nchw (read by qcc.max_pool, which reads NCHW)
// REMARK: remark: qcc-select-layout: qcc.max_pool result: nchw (written by qcc.max_pool, which writes NCHW)
// REMARK: remark: qcc-select-layout: qcc.qconv2d result: nchw (read by a grouped or depthwise qcc.qconv2d (NCHW))
// REMARK: remark: qcc-select-layout: qcc.qconv2d result: nchw (written by qcc.qconv2d, which writes NCHW)
// REMARK: remark: qcc-select-layout: qcc.qconv2d result: nchw (read by func.return, which reads NCHW)
func.func @others(%x: tensor<1x8x6x6x!quant.uniform<u8:f32, 5.000000e-02:10>>) -> (tensor<1x8x3x3xui8>, tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:0>>) {
  %wi = "qcc.constant"() {value = dense<1> : tensor<8x8x1x1xi8>} : () -> tensor<8x8x1x1xi8>
  %w = "qcc.storage_cast"(%wi) : (tensor<8x8x1x1xi8>) -> tensor<8x8x1x1x!quant.uniform<i8:f32, 1.0e-02>>
  %p = "qcc.qconv2d"(%x, %w) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 5.000000e-02:10>>, tensor<8x8x1x1x!quant.uniform<i8:f32, 1.0e-02>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 1.000000e-01:0>>
  %ps = "qcc.storage_cast"(%p) : (tensor<1x8x6x6x!quant.uniform<u8:f32, 1.000000e-01:0>>) -> tensor<1x8x6x6xui8>
  %m = "qcc.max_pool"(%ps) {ceil_mode = 0 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x6x6xui8>) -> tensor<1x8x3x3xui8>
  %e = "qcc.qconv2d"(%x, %w) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 5.000000e-02:10>>, tensor<8x8x1x1x!quant.uniform<i8:f32, 1.0e-02>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 1.000000e-01:0>>
  %dwi = "qcc.constant"() {value = dense<1> : tensor<8x1x3x3xi8>} : () -> tensor<8x1x3x3xi8>
  %dww = "qcc.storage_cast"(%dwi) : (tensor<8x1x3x3xi8>) -> tensor<8x1x3x3x!quant.uniform<i8:f32, 1.0e-02>>
  %d = "qcc.qconv2d"(%e, %dww) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 1.000000e-01:0>>, tensor<8x1x3x3x!quant.uniform<i8:f32, 1.0e-02>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 1.000000e-01:0>>
  %q = "qcc.qconv2d"(%d, %w) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 1.000000e-01:0>>, tensor<8x8x1x1x!quant.uniform<i8:f32, 1.0e-02>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:0>>
  return %m, %q : tensor<1x8x3x3xui8>, tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:0>>
}

// Six channels do not fill whole lanes: both activations stay NCHW.
// CHECK-LABEL: func.func @six
// CHECK-NOT: qcc.layout_group
// CHECK: return
// REMARK: remark: qcc-select-layout: qcc.qconv2d result: nchw (not a 4-D 8-bit tensor with channels a multiple of 4 (written by qcc.qconv2d))
func.func @six(%x: tensor<1x8x6x6x!quant.uniform<u8:f32, 5.000000e-02:10>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:0>> {
  %wi = "qcc.constant"() {value = dense<1> : tensor<6x8x1x1xi8>} : () -> tensor<6x8x1x1xi8>
  %w = "qcc.storage_cast"(%wi) : (tensor<6x8x1x1xi8>) -> tensor<6x8x1x1x!quant.uniform<i8:f32, 1.0e-02>>
  %a = "qcc.qconv2d"(%x, %w) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6x!quant.uniform<u8:f32, 5.000000e-02:10>>, tensor<6x8x1x1x!quant.uniform<i8:f32, 1.0e-02>>) -> tensor<1x6x6x6x!quant.uniform<u8:f32, 1.000000e-01:0>>
  %vi = "qcc.constant"() {value = dense<1> : tensor<8x6x1x1xi8>} : () -> tensor<8x6x1x1xi8>
  %v = "qcc.storage_cast"(%vi) : (tensor<8x6x1x1xi8>) -> tensor<8x6x1x1x!quant.uniform<i8:f32, 1.0e-02>>
  %b = "qcc.qconv2d"(%a, %v) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x6x6x!quant.uniform<u8:f32, 1.000000e-01:0>>, tensor<8x6x1x1x!quant.uniform<i8:f32, 1.0e-02>>) -> tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:0>>
  return %b : tensor<1x8x6x6x!quant.uniform<u8:f32, 2.000000e-01:0>>
}
