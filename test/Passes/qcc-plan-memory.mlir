// RUN: qcc-opt %s --split-input-file -p 'qcc-plan-memory{target=generic}' | FileCheck %s
// RUN: qcc-opt %s --split-input-file -p 'qcc-plan-memory{target=generic max_threads=2}' | FileCheck %s --check-prefix=SCRATCH
// RUN: not qcc-opt %s -p 'qcc-plan-memory{target=riscv64}' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not qcc-opt %s -p 'qcc-plan-memory{max_threads=0}' 2>&1 | FileCheck %s --check-prefix=BAD-THREADS
// A module the executor cannot plan: its message, with the op.
// RUN: not qcc-opt %S/../Executor/Inputs/qmatmul_per_axis.mlir -p qcc-plan-memory 2>&1 | FileCheck %s --check-prefix=UNSUP

// BAD: qcc-plan-memory: unknown target 'riscv64' (native, generic
// BAD-THREADS: qcc-plan-memory: max_threads is a number from 1 to
// UNSUP: qcc.qmatmul at node 'mm': activations must be 8-bit, quantized per tensor

// Reuse: %a (64 bytes) dies at the first transpose, so the second transpose's
// result takes its offset; %b lives across both and gets the next 64 bytes.
// The add runs in place on %c but is an output of @main: the caller's buffer
// (offset -1). Arena 128 = the lower bound (two 64-byte tensors live at once).
// CHECK-LABEL: module attributes
// CHECK-SAME: qcc.arena_lower_bound = 128 : i64
// CHECK-SAME: qcc.arena_max_threads = 1 : i64
// CHECK-SAME: qcc.arena_size = 128 : i64
// CHECK-SAME: qcc.arena_target = "generic"
// CHECK: "qcc.relu"(%arg0) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 0>}
// CHECK: "qcc.transpose"(%{{.*}}) {perm = array<i64: 1, 0>, qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 64>}
// CHECK: "qcc.transpose"(%{{.*}}) {perm = array<i64: 1, 0>, qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 0>}
// CHECK: "qcc.add"(%{{.*}}, %arg0) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: -1>}
module {
func.func @main(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %a = "qcc.relu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %b = "qcc.transpose"(%a) {perm = array<i64: 1, 0>} : (tensor<2x8xf32>) -> tensor<8x2xf32>
  %c = "qcc.transpose"(%b) {perm = array<i64: 1, 0>} : (tensor<8x2xf32>) -> tensor<2x8xf32>
  %d = "qcc.add"(%c, %x) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %d : tensor<2x8xf32>
}
}

// -----

// In place only where it is safe. The sigmoid must not overwrite %a: the add
// reads %a after it (own buffer, 64). The add may: its first operand %a dies
// there (offset 0, qcc.in_place). The mul reads %p as both operands, so it
// does not run in place; %s is dead by then and the mul takes its 64 bytes.
// CHECK-LABEL: module attributes
// CHECK-SAME: qcc.arena_lower_bound = 128 : i64
// CHECK-SAME: qcc.arena_size = 128 : i64
// CHECK: %[[A:.*]] = "qcc.relu"(%arg0) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 0>}
// CHECK: %[[S:.*]] = "qcc.sigmoid"(%[[A]]) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 64>}
// CHECK: %[[P:.*]] = "qcc.add"(%[[A]], %[[S]]) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 0>, qcc.in_place}
// CHECK: %[[M:.*]] = "qcc.mul"(%[[P]], %[[P]]) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 64>}
// CHECK: "qcc.transpose"(%[[M]]) {perm = array<i64: 1, 0>, qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: -1>}
module {
func.func @main(%x: tensor<2x8xf32>) -> tensor<8x2xf32> {
  %a = "qcc.relu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = "qcc.sigmoid"(%a) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %p = "qcc.add"(%a, %s) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %m = "qcc.mul"(%p, %p) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %t = "qcc.transpose"(%m) {perm = array<i64: 1, 0>} : (tensor<2x8xf32>) -> tensor<8x2xf32>
  return %t : tensor<8x2xf32>
}
}

// -----

// A step's scratch (the f32 convolution's, sized for max_threads=2) is a
// buffer live during its step: the largest, placed first at 0; the conv's
// result right after it. The sigmoid writes the caller's output.
// SCRATCH: "qcc.conv2d"{{.*}}qcc.arena_bytes = array<i64: 1024>, qcc.arena_offset = array<i64: [[S:[0-9]+]]>, qcc.scratch = array<i64: 0, [[S]]>
// SCRATCH: "qcc.sigmoid"{{.*}}qcc.arena_offset = array<i64: -1>
module {
func.func @main(%x: tensor<1x2x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = "qcc.constant"() {value = dense<0.5> : tensor<4x2x3x3xf32>} : () -> tensor<4x2x3x3xf32>
  %c = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = "qcc.sigmoid"(%c) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %r : tensor<1x4x8x8xf32>
}
}
