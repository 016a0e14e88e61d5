// Layer norms and GELUs as PyTorch's opset-13 export writes them (input of
// qcc-fuse-layer-norm.mlir and qcc-fuse-gelu.mlir).
func.func @main(%x: tensor<2x3x8xf32> {qcc.name = "x"}) -> (tensor<2x3x8xf32> {qcc.name = "ln"}, tensor<2x3x8xf32> {qcc.name = "gelu"}, tensor<2x3x8xf32> {qcc.name = "gelu2"}) {
  // layer norm over the last axis, with pow, gamma and beta
  %m = "qcc.reduce_mean"(%x) {axes = array<i64: 2>, keepdims = 1 : i64} : (tensor<2x3x8xf32>) -> tensor<2x3x1xf32>
  %d = "qcc.sub"(%x, %m) : (tensor<2x3x8xf32>, tensor<2x3x1xf32>) -> tensor<2x3x8xf32>
  %two = "qcc.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %p = "qcc.pow"(%d, %two) : (tensor<2x3x8xf32>, tensor<f32>) -> tensor<2x3x8xf32>
  %v = "qcc.reduce_mean"(%p) {axes = array<i64: 2>, keepdims = 1 : i64} : (tensor<2x3x8xf32>) -> tensor<2x3x1xf32>
  %eps = "qcc.constant"() {value = dense<1.0e-5> : tensor<f32>} : () -> tensor<f32>
  %a = "qcc.add"(%v, %eps) : (tensor<2x3x1xf32>, tensor<f32>) -> tensor<2x3x1xf32>
  %s = "qcc.sqrt"(%a) : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %n = "qcc.div"(%d, %s) : (tensor<2x3x8xf32>, tensor<2x3x1xf32>) -> tensor<2x3x8xf32>
  %g = "qcc.constant"() {value = dense<[0.5, 1.0, 1.5, 2.0, -1.0, 0.25, 3.0, 1.0]> : tensor<8xf32>} : () -> tensor<8xf32>
  %ng = "qcc.mul"(%n, %g) : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  %b = "qcc.constant"() {value = dense<[0.1, -0.2, 0.3, 0.0, 1.0, -1.0, 0.5, 0.05]> : tensor<8xf32>} : () -> tensor<8xf32>
  %ln = "qcc.add"(%b, %ng) : (tensor<8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>

  // GELU, the div form: x * (1 + erf(x / sqrt 2)) * 0.5
  %r2 = "qcc.constant"() {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
  %t = "qcc.div"(%ln, %r2) : (tensor<2x3x8xf32>, tensor<f32>) -> tensor<2x3x8xf32>
  %e = "qcc.erf"(%t) : (tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %one = "qcc.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %e1 = "qcc.add"(%e, %one) : (tensor<2x3x8xf32>, tensor<f32>) -> tensor<2x3x8xf32>
  %xe = "qcc.mul"(%ln, %e1) : (tensor<2x3x8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %half = "qcc.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %gelu = "qcc.mul"(%xe, %half) : (tensor<2x3x8xf32>, tensor<f32>) -> tensor<2x3x8xf32>

  // layer norm without gamma/beta, squared by mul(d, d), over the last two axes
  %m2 = "qcc.reduce_mean"(%gelu) {axes = array<i64: 1, 2>, keepdims = 1 : i64} : (tensor<2x3x8xf32>) -> tensor<2x1x1xf32>
  %d2 = "qcc.sub"(%gelu, %m2) : (tensor<2x3x8xf32>, tensor<2x1x1xf32>) -> tensor<2x3x8xf32>
  %p2 = "qcc.mul"(%d2, %d2) : (tensor<2x3x8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %v2 = "qcc.reduce_mean"(%p2) {axes = array<i64: 1, 2>, keepdims = 1 : i64} : (tensor<2x3x8xf32>) -> tensor<2x1x1xf32>
  %a2 = "qcc.add"(%eps, %v2) : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %s2 = "qcc.sqrt"(%a2) : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %ln2 = "qcc.div"(%d2, %s2) : (tensor<2x3x8xf32>, tensor<2x1x1xf32>) -> tensor<2x3x8xf32>

  // GELU, the other form: (x * 0.5) * (1 + erf(x * 0.70710677))
  %c = "qcc.constant"() {value = dense<0.707106769> : tensor<f32>} : () -> tensor<f32>
  %t3 = "qcc.mul"(%ln2, %c) : (tensor<2x3x8xf32>, tensor<f32>) -> tensor<2x3x8xf32>
  %e3 = "qcc.erf"(%t3) : (tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %e31 = "qcc.add"(%one, %e3) : (tensor<f32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %hx = "qcc.mul"(%half, %ln2) : (tensor<f32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %gelu3 = "qcc.mul"(%hx, %e31) : (tensor<2x3x8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %ln, %gelu, %gelu3 : tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x8xf32>
}
