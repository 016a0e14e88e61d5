// Relu/Clip after a convolution or a binary op: the executor folds them into the
// producer's output clamp when nothing else reads the producer's result.
module {
  func.func @main(%x: tensor<1x3x8x8xf32> {qcc.name = "x"}) -> (tensor<1x4x8x8xf32> {qcc.name = "relu_conv"}, tensor<1x4x8x8xf32> {qcc.name = "clip_conv"}, tensor<1x4x8x8xf32> {qcc.name = "relu_add"}, tensor<1x4x8x8xf32> {qcc.name = "conv_shared"}, tensor<1x4x8x8xf32> {qcc.name = "relu_shared"}, tensor<1x3x8x8xf32> {qcc.name = "relu_input"}, tensor<1x4x8x8xf32> {qcc.name = "clip_crossed"}) {
    %w = "qcc.constant"() {value = dense<"0x193DA13A2DF5983ECC5B8CBED4FD63BF9CCAE8BE8CDC7DBF2359763D2C8CAB3F7E02FCBE71D71EBF94CCFA3EE5B9B63E6DE3D73D27336EBF85A1EFBC64FF313F390FACBF9D4CEABE445BF3BF930FA5BFF9BDEBBFBBBB70BEB03BA2BF29E38A3E5B83203ED36A3FBE971221C0C7E709BFEDA846BD8B0EE83D7DDBC3BF149CF4BE3A807ABFF50F4FBF87CB873F98BA4EBF7B3505BD6067623FD76615BFFEC3E4BD063BE23D05A0823DA1CE9CBF69EF9B3DEDEDAD3FD608C6BF81005C3FE26FF43D673724BFD30600407423433F4C8299BFF79B983DEEA1133F1A5041BE35D32E3F3C3A88BDBCD02A3F8221B83F34F82CBF9103503EA736EDBEA752023EFEF597BF1C4D14BF99E748BE6415663FA296923F5C69A9BFAF6D4BBF769B253F9D07FFBF9A24EDBE5E3EC7BDDEE5A03FC67C303F8488A7BEFBB5BCBE9D1980BE0303C33F1626DBBEFF7B9BBE8E86B43E7F56F7BDE0044ABEC1998EBF8AC43CBC141DE3BEAD43953FCF30273FD4C8C5BC051B2B3F6203AEBE14AC863FCCEEB0BB8C58153FFD3BA5BF0C80B13E1317D8BFD44202C065E49BBEA86166BF75FD273E18AA0F40CFEB54BFC4BA1FBF6955523E3D6CFC3E"> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
    %b = "qcc.constant"() {value = dense<"0xCBA334BE67DF52BE9DD4333FAB18053F"> : tensor<4xf32>} : () -> tensor<4xf32>
    %c1 = "qcc.conv2d"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    %r1 = "qcc.relu"(%c1) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %c2 = "qcc.conv2d"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    %k2 = "qcc.clip"(%c2) {min = -0.5 : f32, max = 0.75 : f32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %k3 = "qcc.clip"(%k2) {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %a = "qcc.add"(%r1, %k3) : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %s = "qcc.sub"(%a, %c1) : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %ra = "qcc.relu"(%s) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %c4 = "qcc.conv2d"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    %r4 = "qcc.relu"(%c4) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %rx = "qcc.relu"(%x) : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
    %c5 = "qcc.conv2d"(%x, %w, %b) {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    %k5 = "qcc.clip"(%c5) {min = 2.0 : f32, max = 6.0 : f32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %k6 = "qcc.clip"(%k5) {min = -1.0 : f32, max = 1.0 : f32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    return %r1, %k3, %ra, %c4, %r4, %rx, %k6 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x3x8x8xf32>, tensor<1x4x8x8xf32>
  }
}
