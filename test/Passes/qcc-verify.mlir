// RUN: qcc-opt %s --pass-pipeline=qcc-verify | FileCheck %s
// RUN: qcc-opt --list-passes | FileCheck %s --check-prefix=LIST
// LIST: qcc-verify
// LIST: qcc-dce

// CHECK-LABEL: func.func @ok
// CHECK: "qcc.max_pool"
func.func @ok(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %y = "qcc.max_pool"(%x) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 1 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
