// qmatmul with an operand quantized per axis: the executor has no kernel for it (errors.test).
func.func @main(%a: tensor<2x2x!quant.uniform<u8:f32:0, {0.1, 0.2}>> {qcc.name = "a"}, %b: tensor<2x2x!quant.uniform<u8:f32, 0.1>> {qcc.name = "b"}) -> (tensor<2x2x!quant.uniform<u8:f32, 0.1>> {qcc.name = "y"}) {
  %y = "qcc.qmatmul"(%a, %b) : (tensor<2x2x!quant.uniform<u8:f32:0, {0.1, 0.2}>>, tensor<2x2x!quant.uniform<u8:f32, 0.1>>) -> tensor<2x2x!quant.uniform<u8:f32, 0.1>> loc("mm")
  return %y : tensor<2x2x!quant.uniform<u8:f32, 0.1>>
}
