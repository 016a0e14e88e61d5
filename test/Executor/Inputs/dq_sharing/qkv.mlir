// x [2, 3, 8] through three Linear layers of the same input, as an attention's Q, K and V
// projections (dynamic-quant-sharing.test), with a step between them (%s), and a fourth
// Linear with V's weights on x + 0 (the same values as another tensor: quantized anew).
func.func @main(%x: tensor<2x3x8xf32> {qcc.name = "x"}) -> (tensor<2x3x4xf32> {qcc.name = "q"}, tensor<2x3x4xf32> {qcc.name = "k"}, tensor<2x3x4xf32> {qcc.name = "v"}, tensor<2x3x4xf32> {qcc.name = "v0"}, tensor<2x3x4xf32> {qcc.name = "s"}) {
  %wq = "qcc.constant"() {value = dense<[[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.125], [0.3, 0.7, -0.9, 0.1], [-0.2, 0.4, 0.6, -0.8], [0.05, -0.15, 0.25, -0.35], [1.5, -1.5, 0.75, -0.75], [0.9, 0.8, 0.7, 0.6], [-0.1, -0.2, -0.3, -0.4]]> : tensor<8x4xf32>} : () -> tensor<8x4xf32>
  %wk = "qcc.constant"() {value = dense<[[0.25, 0.5, -0.75, 1.0], [-1.25, 1.5, 0.0, -0.5], [0.6, -0.3, 0.9, 0.2], [0.1, 0.1, -0.1, -0.1], [0.8, -0.4, 0.2, -1.6], [0.35, 0.45, -0.55, 0.65], [-0.7, 0.3, 1.1, -0.9], [0.15, -0.25, 0.35, 0.05]]> : tensor<8x4xf32>} : () -> tensor<8x4xf32>
  %wv = "qcc.constant"() {value = dense<[[1.0, -0.5, 0.5, -1.0], [0.2, 0.4, 0.6, 0.8], [-0.3, 0.9, -0.6, 0.3], [0.75, -0.25, 0.125, -0.375], [0.5, 0.5, -0.5, -0.5], [-1.2, 0.7, 0.1, 0.4], [0.05, 0.95, -0.45, 0.65], [0.3, -0.8, 0.2, -0.1]]> : tensor<8x4xf32>} : () -> tensor<8x4xf32>
  %zero = "qcc.constant"() {value = dense<0.0> : tensor<8xf32>} : () -> tensor<8xf32>
  %q = "qcc.matmul"(%x, %wq) : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32> loc("/q/MatMul")
  %k = "qcc.matmul"(%x, %wk) : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32> loc("/k/MatMul")
  %s = "qcc.mul"(%q, %k) : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32> loc("/s/Mul")
  %v = "qcc.matmul"(%x, %wv) : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32> loc("/v/MatMul")
  %x0 = "qcc.add"(%x, %zero) : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32> loc("/x0/Add")
  %v0 = "qcc.matmul"(%x0, %wv) : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32> loc("/v0/MatMul")
  return %q, %k, %v, %v0, %s : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}
