// RUN: qcc-opt %s -p qcc-precompute-requant | FileCheck %s
// The executor packs the attached multipliers: doubling them doubles the
// result (x = 3 everywhere, w = 1, zero points 0: acc = 3, y = round(3 * M)).
// RUN: rm -rf %t && mkdir -p %t
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t/x.npy', np.full((1, 1, 2, 2), 3, np.uint8))"
// RUN: qcc-opt %s -p qcc-precompute-requant -o %t/m.mlir
// RUN: qcc run %t/m.mlir --input x=%t/x.npy --output-dir %t/a -q
// RUN: sed 's/array<f32: 2.000000e+00, 1.000000e+00>/array<f32: 4.000000e+00, 2.000000e+00>/' %t/m.mlir > %t/edited.mlir
// RUN: qcc run %t/edited.mlir --input x=%t/x.npy --output-dir %t/b -q
// RUN: /usr/bin/python3 -c "import numpy as np; print(np.load('%t/a/y.npy').ravel().tolist(), np.load('%t/b/y.npy').ravel().tolist())" | FileCheck %s --check-prefix=VALUES
// qcc compile runs the pass, which keeps values already there, and packs them:
// the library gives qcc run's bytes for the edited module.
// RUN: qcc compile %t/edited.mlir -o %t/c --name rq -q
// RUN: %t/c/rq-run --input x=%t/x.npy --output-dir %t/c/out -q
// RUN: cmp %t/b/y.npy %t/c/out/y.npy
// A wrong count or a non-positive value is refused with the op's location.
// RUN: sed 's/array<f32: 2.000000e+00, 1.000000e+00>/array<f32: 2.000000e+00>/' %t/m.mlir > %t/short.mlir
// RUN: not qcc run %t/short.mlir --input x=%t/x.npy --output-dir %t/s 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: sed 's/array<f32: 2.000000e+00, 1.000000e+00>/array<f32: 2.000000e+00, 0.000000e+00>/' %t/m.mlir > %t/zero.mlir
// RUN: not qcc run %t/zero.mlir --input x=%t/x.npy --output-dir %t/z 2>&1 | FileCheck %s --check-prefix=ZERO

// M = (s_x * s_w[c]) / s_y: (0.5 * 0.25) / 0.0625 = 2, (0.5 * 0.125) / 0.0625 = 1.
// CHECK-LABEL: func.func @main
// CHECK: "qcc.qconv2d"{{.*}}qcc.requant_multiplier = array<f32: 2.000000e+00, 1.000000e+00>
// Per-tensor weights: one value per output channel all the same; the float32
// product is rounded before the division, (0.1f * 0.2f) / 0.3f = 0x1.111112p-4
// (docs/numerics.md), which prints as 0.0666666701.
// CHECK: "qcc.qgemm"{{.*}}qcc.requant_multiplier = array<f32: 0.0666666{{[0-9]*}}, 0.0666666{{[0-9]*}}, 0.0666666{{[0-9]*}}>

// VALUES: [6, 6, 6, 6, 3, 3, 3, 3] [12, 12, 12, 12, 6, 6, 6, 6]
// COUNT: qcc.qconv2d at {{.*}}: qcc.requant_multiplier must be an array<f32> of 2 values (one per output channel)
// ZERO: qcc.qconv2d at {{.*}}: qcc.requant_multiplier: every multiplier must be > 0
func.func @main(%x: tensor<1x1x2x2x!quant.uniform<u8:f32, 5.000000e-01>> {qcc.name = "x"}) -> (tensor<1x2x2x2x!quant.uniform<u8:f32, 6.250000e-02>> {qcc.name = "y"}, tensor<2x3x!quant.uniform<u8:f32, 3.000000e-01>> {qcc.name = "z"}) {
  %wi = "qcc.constant"() {value = dense<1> : tensor<2x1x1x1xi8>} : () -> tensor<2x1x1x1xi8>
  %w = "qcc.storage_cast"(%wi) : (tensor<2x1x1x1xi8>) -> tensor<2x1x1x1x!quant.uniform<i8:f32:0, {2.500000e-01, 1.250000e-01}>>
  %y = "qcc.qconv2d"(%x, %w) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2x!quant.uniform<u8:f32, 5.000000e-01>>, tensor<2x1x1x1x!quant.uniform<i8:f32:0, {2.500000e-01, 1.250000e-01}>>) -> tensor<1x2x2x2x!quant.uniform<u8:f32, 6.250000e-02>>
  %xs = "qcc.storage_cast"(%x) : (tensor<1x1x2x2x!quant.uniform<u8:f32, 5.000000e-01>>) -> tensor<1x1x2x2xui8>
  %xr = "qcc.reshape"(%xs) : (tensor<1x1x2x2xui8>) -> tensor<2x2xui8>
  %xq = "qcc.storage_cast"(%xr) : (tensor<2x2xui8>) -> tensor<2x2x!quant.uniform<u8:f32, 1.000000e-01>>
  %gi = "qcc.constant"() {value = dense<1> : tensor<3x2xi8>} : () -> tensor<3x2xi8>
  %g = "qcc.storage_cast"(%gi) : (tensor<3x2xi8>) -> tensor<3x2x!quant.uniform<i8:f32, 2.000000e-01>>
  %z = "qcc.qgemm"(%xq, %g) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32} : (tensor<2x2x!quant.uniform<u8:f32, 1.000000e-01>>, tensor<3x2x!quant.uniform<i8:f32, 2.000000e-01>>) -> tensor<2x3x!quant.uniform<u8:f32, 3.000000e-01>>
  return %y, %z : tensor<1x2x2x2x!quant.uniform<u8:f32, 6.250000e-02>>, tensor<2x3x!quant.uniform<u8:f32, 3.000000e-01>>
}
