// A SqueezeNet-style fire module: two conv + relu branches concatenated (concat-shared.test).
func.func @main(%x: tensor<1x2x4x4xf32> {qcc.name = "x"}) -> (tensor<1x3x4x4xf32> {qcc.name = "y"}) {
  %w1 = "qcc.constant"() {value = dense<[[[[0.5]], [[-0.25]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %c1 = "qcc.conv2d"(%x, %w1) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  %r1 = "qcc.relu"(%c1) : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %w2 = "qcc.constant"() {value = dense<[[[[1.5]], [[0.75]]], [[[-2.0]], [[1.0]]]]> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %c2 = "qcc.conv2d"(%x, %w2) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r2 = "qcc.relu"(%c2) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %y = "qcc.concat"(%r1, %r2) {axis = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x1x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}
