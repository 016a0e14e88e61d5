// x -> relu -> gemm (used by qcc-calibrate.test and qcc-convert.mlir).
func.func @main(%x: tensor<1x4xf32> {qcc.name = "x"}) -> (tensor<1x2xf32> {qcc.name = "y"}) {
  %r = "qcc.relu"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %w = "qcc.constant"() {value = dense<[[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.125]]> : tensor<2x4xf32>} : () -> tensor<2x4xf32>
  %b = "qcc.constant"() {value = dense<[0.1, -0.2]> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "qcc.gemm"(%r, %w, %b) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
