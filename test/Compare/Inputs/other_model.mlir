// A model with fashion_mnist_cnn's input but none of its node names (compare: errors.test).
func.func @main(%x: tensor<1x1x28x28xf32> {qcc.name = "input"}) -> (tensor<1x1x28x28xf32> {qcc.name = "y"}) {
  %y = "qcc.relu"(%x) : (tensor<1x1x28x28xf32>) -> tensor<1x1x28x28xf32> loc("some_other_relu")
  return %y : tensor<1x1x28x28xf32>
}
