func.func @main(%x: tensor<1x1x2x2x!quant.uniform<u8:f32, 5.000000e-01>> {qcc.name = "x"}) -> (tensor<1x2x2x2x!quant.uniform<u8:f32, 6.250000e-02>> {qcc.name = "y"}, tensor<1x2x2x2x!quant.uniform<u8:f32, 1.000000e+01>> {qcc.name = "u"}, tensor<2x3x!quant.uniform<u8:f32, 3.000000e-01>> {qcc.name = "z"}) {
  %wi = "qcc.constant"() {value = dense<[[[[1]]], [[[-2]]]]> : tensor<2x1x1x1xi8>} : () -> tensor<2x1x1x1xi8>
  %w = "qcc.storage_cast"(%wi) : (tensor<2x1x1x1xi8>) -> tensor<2x1x1x1x!quant.uniform<i8:f32:0, {2.500000e-01, 1.250000e-01}>>
  %y = "qcc.qconv2d"(%x, %w) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2x!quant.uniform<u8:f32, 5.000000e-01>>, tensor<2x1x1x1x!quant.uniform<i8:f32:0, {2.500000e-01, 1.250000e-01}>>) -> tensor<1x2x2x2x!quant.uniform<u8:f32, 6.250000e-02>>
  %vi = "qcc.constant"() {value = dense<[[[[200]]], [[[3]]]]> : tensor<2x1x1x1xui8>} : () -> tensor<2x1x1x1xui8>
  %v = "qcc.storage_cast"(%vi) : (tensor<2x1x1x1xui8>) -> tensor<2x1x1x1x!quant.uniform<u8:f32, 2.500000e-01>>
  %u = "qcc.qconv2d"(%x, %v) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2x!quant.uniform<u8:f32, 5.000000e-01>>, tensor<2x1x1x1x!quant.uniform<u8:f32, 2.500000e-01>>) -> tensor<1x2x2x2x!quant.uniform<u8:f32, 1.000000e+01>>
  %xs = "qcc.storage_cast"(%x) : (tensor<1x1x2x2x!quant.uniform<u8:f32, 5.000000e-01>>) -> tensor<1x1x2x2xui8>
  %xr = "qcc.reshape"(%xs) : (tensor<1x1x2x2xui8>) -> tensor<2x2xui8>
  %xq = "qcc.storage_cast"(%xr) : (tensor<2x2xui8>) -> tensor<2x2x!quant.uniform<u8:f32, 1.000000e-01>>
  %gi = "qcc.constant"() {value = dense<1> : tensor<3x2xi8>} : () -> tensor<3x2xi8>
  %g = "qcc.storage_cast"(%gi) : (tensor<3x2xi8>) -> tensor<3x2x!quant.uniform<i8:f32, 2.000000e-01>>
  %z = "qcc.qgemm"(%xq, %g) {clamp_max = 0x7F800000 : f32, clamp_min = 0xFF800000 : f32} : (tensor<2x2x!quant.uniform<u8:f32, 1.000000e-01>>, tensor<3x2x!quant.uniform<i8:f32, 2.000000e-01>>) -> tensor<2x3x!quant.uniform<u8:f32, 3.000000e-01>>
  return %y, %u, %z : tensor<1x2x2x2x!quant.uniform<u8:f32, 6.250000e-02>>, tensor<1x2x2x2x!quant.uniform<u8:f32, 1.000000e+01>>, tensor<2x3x!quant.uniform<u8:f32, 3.000000e-01>>
}
