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

// -----
func.func @gemm_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error@+1 {{gemm inner dimensions differ: 3 vs 4}}
  %y = "qcc.gemm"(%a, %b) {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = 0 : i64, trans_b = 0 : i64} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----
func.func @matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error@+1 {{matmul inner dimensions differ: 3 vs 4}}
  %y = "qcc.matmul"(%a, %b) : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----
func.func @transpose_perm(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+1 {{perm axis 0 repeated}}
  %y = "qcc.transpose"(%a) {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----
func.func @slice_step(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{slice step must not be 0}}
  %y = "qcc.slice"(%a) {starts = array<i64: 0>, ends = array<i64: 4>, axes = array<i64: 0>, steps = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----
func.func @pad_reflect(%a: tensor<1x2xf32>) -> tensor<1x8xf32> {
  // expected-error@+1 {{reflect pad of 3/3 needs dim 1 larger than the pad (is 2)}}
  %y = "qcc.pad"(%a) {pads = array<i64: 0, 3, 0, 3>, mode = "reflect", value = 0.0 : f32} : (tensor<1x2xf32>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----
func.func @gather_index_type(%a: tensor<4xf32>, %i: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{indices must be i32 or i64}}
  %y = "qcc.gather"(%a, %i) {axis = 0 : i64} : (tensor<4xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----
func.func @squeeze_size(%a: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error@+1 {{cannot squeeze dim 0 of size 2}}
  %y = "qcc.squeeze"(%a) {axes = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----
func.func @storage_cast_width(%a: tensor<4xi16>) -> tensor<4x!quant.uniform<u8:f32, 0.1:3>> {
  // expected-error@+1 {{storage_cast: the integer type must be the quantized type's storage type}}
  %y = "qcc.storage_cast"(%a) : (tensor<4xi16>) -> tensor<4x!quant.uniform<u8:f32, 0.1:3>>
  return %y : tensor<4x!quant.uniform<u8:f32, 0.1:3>>
}

// -----
func.func @batch_norm_params(%x: tensor<1x3x2x2xf32>, %p: tensor<4xf32>) -> tensor<1x3x2x2xf32> {
  // expected-error@+1 {{scale, bias, mean and var must have shape [3]}}
  %y = "qcc.batch_norm"(%x, %p, %p, %p, %p) {epsilon = 1.0e-5 : f32} : (tensor<1x3x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x2x2xf32>
  return %y : tensor<1x3x2x2xf32>
}

// -----
func.func @where_cond(%c: tensor<4xf32>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{condition must be i1}}
  %y = "qcc.where"(%c, %a, %a) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----
func.func @resize_mode(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{mode must be nearest or linear}}
  %y = "qcc.resize"(%x) {mode = "cubic", coordinate_transformation_mode = "half_pixel", nearest_mode = "floor", scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----
func.func @pool_kernel(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error@+1 {{kernel larger than padded input in spatial dim 0}}
  %y = "qcc.max_pool"(%x) {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}

// -----
func.func @dynamic_dims(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error@+1 {{operand #0 must be a statically shaped tensor of rank <= 8, got tensor<?x4xf32>}}
  %y = "qcc.relu"(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----
func.func @unknown_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{unregistered operation 'qcc.frobnicate' found in dialect ('qcc')}}
  %y = "qcc.frobnicate"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
