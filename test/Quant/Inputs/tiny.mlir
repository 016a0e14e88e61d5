// Activations of size 1e-9, the regime of torchvision's random-init mobilenet_v2 as exported
// (tiny-activations.test): conv + relu, then a conv with signed output.
func.func @main(%x: tensor<1x2x4x4xf32> {qcc.name = "x"}) -> (tensor<1x2x4x4xf32> {qcc.name = "y"}) {
  %w1 = "qcc.constant"() {value = dense<[[[[0.5]], [[-0.25]]], [[[0.125]], [[0.75]]], [[[-0.5]], [[0.5]]], [[[0.3]], [[0.2]]]]> : tensor<4x2x1x1xf32>} : () -> tensor<4x2x1x1xf32>
  %c1 = "qcc.conv2d"(%x, %w1) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %r1 = "qcc.relu"(%c1) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %w2 = "qcc.constant"() {value = dense<[[[[1.5]], [[0.75]], [[-0.5]], [[0.25]]], [[[-2.0]], [[1.0]], [[0.5]], [[-0.125]]]]> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %y = "qcc.conv2d"(%r1, %w2) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
