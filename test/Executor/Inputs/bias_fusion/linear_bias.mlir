// x [2, 3, 8] through Linear layers exported as MatMul + Add (bias-fusion.test):
// %a = bias + matmul (the bias first, as torch exports it), %b = matmul + bias of shape
// [1, 1, 4], %c: the matmul's result is also returned, so its Add stays a step.
func.func @main(%x: tensor<2x3x8xf32> {qcc.name = "x"}) -> (tensor<2x3x4xf32> {qcc.name = "a"}, tensor<2x3x4xf32> {qcc.name = "b"}, tensor<2x3x4xf32> {qcc.name = "c"}, tensor<2x3x4xf32> {qcc.name = "m"}) {
  %w = "qcc.constant"() {value = dense<[[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.125], [0.3, 0.7, -0.9, 0.1], [-0.2, 0.4, 0.6, -0.8], [0.05, -0.15, 0.25, -0.35], [1.5, -1.5, 0.75, -0.75], [0.9, 0.8, 0.7, 0.6], [-0.1, -0.2, -0.3, -0.4]]> : tensor<8x4xf32>} : () -> tensor<8x4xf32>
  %w2 = "qcc.constant"() {value = dense<[[0.5, -0.25, 1.0, 0.75], [-1.0, 0.5, 0.125, 0.25], [0.3, -0.6, 0.9, -0.1], [0.2, 0.4, -0.8, 1.6]]> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %bias = "qcc.constant"() {value = dense<[0.1, -0.2, 0.3, -0.45]> : tensor<4xf32>} : () -> tensor<4xf32>
  %bias3 = "qcc.constant"() {value = dense<[[[1.5, 0.25, -0.75, 3.0]]]> : tensor<1x1x4xf32>} : () -> tensor<1x1x4xf32>
  %y = "qcc.matmul"(%x, %w) : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32> loc("/q/MatMul")
  %a = "qcc.add"(%bias, %y) : (tensor<4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32> loc("/q/Add")
  %y2 = "qcc.matmul"(%a, %w2) : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32> loc("/k/MatMul")
  %b = "qcc.add"(%y2, %bias3) : (tensor<2x3x4xf32>, tensor<1x1x4xf32>) -> tensor<2x3x4xf32> loc("/k/Add")
  %m = "qcc.matmul"(%x, %w) : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32> loc("/v/MatMul")
  %c = "qcc.add"(%bias, %m) : (tensor<4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32> loc("/v/Add")
  return %a, %b, %c, %m : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}
