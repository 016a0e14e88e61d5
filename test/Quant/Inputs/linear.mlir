// x [2, 3, 8] -> matmul with a constant 8x4 weight -> gemm-like Linear (dynamic-quantize.test).
func.func @main(%x: tensor<2x3x8xf32> {qcc.name = "x"}) -> (tensor<2x3x4xf32> {qcc.name = "y"}, tensor<6x3xf32> {qcc.name = "z"}) {
  %w = "qcc.constant"() {value = dense<[[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.125], [0.3, 0.7, -0.9, 0.1], [-0.2, 0.4, 0.6, -0.8], [0.05, -0.15, 0.25, -0.35], [1.5, -1.5, 0.75, -0.75], [0.9, 0.8, 0.7, 0.6], [-0.1, -0.2, -0.3, -0.4]]> : tensor<8x4xf32>} : () -> tensor<8x4xf32>
  %y = "qcc.matmul"(%x, %w) : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32> loc("/mm/MatMul")
  %f = "qcc.reshape"(%x) : (tensor<2x3x8xf32>) -> tensor<6x8xf32>
  %g = "qcc.constant"() {value = dense<[[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [-0.8, 0.7, -0.6, 0.5, -0.4, 0.3, -0.2, 0.1], [1.0, 1.0, -1.0, -1.0, 0.5, 0.5, -0.5, -0.5]]> : tensor<3x8xf32>} : () -> tensor<3x8xf32>
  %b = "qcc.constant"() {value = dense<[0.1, -0.2, 0.3]> : tensor<3xf32>} : () -> tensor<3xf32>
  %z = "qcc.gemm"(%f, %g, %b) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 1 : i64} : (tensor<6x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<6x3xf32> loc("/fc/Gemm")
  return %y, %z : tensor<2x3x4xf32>, tensor<6x3xf32>
}
