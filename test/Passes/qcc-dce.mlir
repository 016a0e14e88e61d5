// RUN: qcc-opt %s --pass-pipeline=qcc-dce | FileCheck %s

// CHECK-LABEL: func.func @dead_chain
// CHECK-NOT: qcc.relu
// CHECK-NOT: qcc.exp
// CHECK: %[[S:.*]] = "qcc.sigmoid"(%arg0)
// CHECK: return %[[S]]
func.func @dead_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = "qcc.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = "qcc.exp"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %s = "qcc.sigmoid"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// Observers record statistics: they stay even when unused.
// CHECK-LABEL: func.func @keeps_observe
// CHECK: "qcc.observe"
func.func @keeps_observe(%x: tensor<4xf32>) -> tensor<4xf32> {
  %o = "qcc.observe"(%x) {observer = "minmax", spec = "", id = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  return %x : tensor<4xf32>
}
