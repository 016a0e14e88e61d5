// A conv2d without bias followed by batch_norm (used by qcc-fold-conv-bn.mlir).
func.func @main(%x: tensor<1x2x5x5xf32> {qcc.name = "x"}) -> (tensor<1x3x5x5xf32> {qcc.name = "y"}) {
  %w = "qcc.constant"() {value = dense<[[[[0.5, -1.0, 0.25], [1.0, 0.0, -0.5], [0.75, 0.1, 0.2]], [[0.3, 0.2, -0.1], [0.0, 1.5, 0.4], [-0.3, 0.6, 0.9]]], [[[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]], [[0.2, 0.4, 0.6], [0.8, 1.0, 1.2], [1.4, 1.6, 1.8]]], [[[-0.5, 0.5, -0.5], [0.5, -0.5, 0.5], [-0.5, 0.5, -0.5]], [[0.1, 0.1, 0.1], [0.1, 0.1, 0.1], [0.1, 0.1, 0.1]]]]> : tensor<3x2x3x3xf32>} : () -> tensor<3x2x3x3xf32>
  %y = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x5x5xf32>
  %s = "qcc.constant"() {value = dense<[1.5, 0.5, -2.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %t = "qcc.constant"() {value = dense<[0.1, -0.2, 0.3]> : tensor<3xf32>} : () -> tensor<3xf32>
  %m = "qcc.constant"() {value = dense<[0.5, 0.0, -1.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %v = "qcc.constant"() {value = dense<[2.0, 0.25, 1.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %z = "qcc.batch_norm"(%y, %s, %t, %m, %v) {epsilon = 1.0e-5 : f32} : (tensor<1x3x5x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
  return %z : tensor<1x3x5x5xf32>
}
