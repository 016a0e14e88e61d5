// RUN: qcc-opt %s --split-input-file --verify-diagnostics

func.func @conv_bad_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x7x7xf32> {
  // expected-error@+1 {{'qcc.conv2d' op result #0 has type tensor<1x4x7x7xf32> but the operands and attributes give tensor<1x4x6x6xf32>}}
  %y = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x7x7xf32>
  return %y : tensor<1x4x7x7xf32>
}

// -----
func.func @conv_missing_attr(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{attribute "group" is expected but not provided}}
  %y = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----
func.func @conv_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{channels (3 in, 4 out) must be divisible by group 2}}
  %y = "qcc.conv2d"(%x, %w) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{shapes 2x3 and 4x5 do not broadcast}}
  %y = "qcc.add"(%a, %b) : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----
func.func @relu_operands(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{expects exactly 1 operands, but got 2}}
  %y = "qcc.relu"(%a, %a) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----
func.func @reshape_count(%a: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error@+1 {{reshape changes the element count (6 to 7)}}
  %y = "qcc.reshape"(%a) : (tensor<2x3xf32>) -> tensor<7xf32>
  return %y : tensor<7xf32>
}

// -----
func.func @quantize_float(%a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{quantize maps a float tensor to a quantized tensor}}
  %y = "qcc.quantize"(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----
func.func @softmax_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{axis 2 out of range for rank 2}}
  %y = "qcc.softmax"(%a) {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----
func.func @pool_attr_kind(%a: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error@+1 {{expected base attribute 'builtin.dense_array' but got 'builtin.integer'}}
  %y = "qcc.max_pool"(%a) {kernel = 2 : i64, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
