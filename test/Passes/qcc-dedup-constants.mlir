// RUN: qcc-opt %s -p 'qcc-dedup-constants{remarks=1}' 2>&1 | FileCheck %s
// qcc compile runs it: its weights hold %a (read by three adds at CST(0)), %e,
// %z and %d, each 64-byte aligned: 3 * 64 + 16 = 208 bytes (400 for seven).
// RUN: rm -rf %t && qcc compile %s -o %t --name dd --emit=c -q
// RUN: FileCheck %s --check-prefix=CODE < %t/dd.c
// RUN: wc -c < %t/dd.weights.bin | FileCheck %s --check-prefix=SIZE
// RUN: not qcc-opt %s -p 'qcc-dedup-constants{remarks=2}' 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: qcc-dedup-constants: remarks is 0 or 1, got '2'

// %b (a resource with %a's bytes) and %c (a dense attribute with them) become
// %a; the zero splat %s becomes %z (a resource of zeros, first in the block).
// %d has the bytes but another type, %e another value: both stay.
// CHECK: remark: qcc-dedup-constants: 3 of 7 constants merged into an identical one, 48 bytes saved
// CHECK-LABEL: func.func @main
// CHECK: %[[Z:.*]] = "qcc.constant"() {value = dense_resource<zeros> : tensor<4xf32>}
// CHECK: %[[A:.*]] = "qcc.constant"() {value = dense_resource<blob1> : tensor<4xf32>}
// CHECK-NOT: blob2
// CHECK-NOT: dense<[1.0
// CHECK: %[[D:.*]] = "qcc.constant"() {value = dense<{{.*}}> : tensor<2x2xf32>}
// CHECK: %[[E:.*]] = "qcc.constant"() {value = dense_resource<blob3> : tensor<4xf32>}
// CHECK-NOT: dense<0.0
// CHECK: %[[X1:.*]] = "qcc.add"(%arg0, %[[A]])
// CHECK: %[[X2:.*]] = "qcc.add"(%[[X1]], %[[A]])
// CHECK: %[[X3:.*]] = "qcc.add"(%[[X2]], %[[A]])
// CHECK: %[[X4:.*]] = "qcc.add"(%[[X3]], %[[E]])
// CHECK: %[[X5:.*]] = "qcc.add"(%[[X4]], %[[Z]])
// CHECK: %[[X6:.*]] = "qcc.add"(%[[X5]], %[[Z]])

// CODE-COUNT-3: st = qrt_f32_binary_mt(P, {{.*}}CST(0)
// CODE-NOT: CST(0)
// SIZE: 208
func.func @main(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<2x2xf32>) {
  %z = "qcc.constant"() {value = dense_resource<zeros> : tensor<4xf32>} : () -> tensor<4xf32>
  %a = "qcc.constant"() {value = dense_resource<blob1> : tensor<4xf32>} : () -> tensor<4xf32>
  %b = "qcc.constant"() {value = dense_resource<blob2> : tensor<4xf32>} : () -> tensor<4xf32>
  %c = "qcc.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %d = "qcc.constant"() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %e = "qcc.constant"() {value = dense_resource<blob3> : tensor<4xf32>} : () -> tensor<4xf32>
  %s = "qcc.constant"() {value = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %x1 = "qcc.add"(%x, %a) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x2 = "qcc.add"(%x1, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x3 = "qcc.add"(%x2, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x4 = "qcc.add"(%x3, %e) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x5 = "qcc.add"(%x4, %z) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x6 = "qcc.add"(%x5, %s) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = "qcc.reshape"(%x6) : (tensor<4xf32>) -> tensor<2x2xf32>
  %y = "qcc.add"(%r, %d) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %x6, %y : tensor<4xf32>, tensor<2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      zeros: "0x0400000000000000000000000000000000000000",
      blob1: "0x040000000000803F000000400000404000008040",
      blob2: "0x040000000000803F000000400000404000008040",
      blob3: "0x040000000000803F000000400000404000000000"
    }
  }
#-}
