# Writes a Linear exported as MatMul + Add, x [1, 4, 64] @ w [64, 64] + b [64], as
# qcc-dialect MLIR (argv[1]), and an input for it (argv[2]). bias-fusion.test: wide
# enough that qcc-pack-weights cuts the packed bytes short of the whole buffer.
import sys
import numpy as np

K = N = 64
g = np.random.default_rng(7)
w = np.round(g.standard_normal((K, N)), 3)
b = np.round(g.standard_normal(N), 3)


def lit(a):
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[" + ", ".join(lit(r) for r in a) + "]"


x_t, w_t, y_t = f"tensor<1x4x{K}xf32>", f"tensor<{K}x{N}xf32>", f"tensor<1x4x{N}xf32>"
with open(sys.argv[1], "w") as f:
    f.write(f'''func.func @main(%x: {x_t} {{qcc.name = "x"}}) -> ({y_t} {{qcc.name = "y"}}) {{
  %w = "qcc.constant"() {{value = dense<{lit(w)}> : {w_t}}} : () -> {w_t}
  %b = "qcc.constant"() {{value = dense<{lit(b)}> : tensor<{N}xf32>}} : () -> tensor<{N}xf32>
  %m = "qcc.matmul"(%x, %w) : ({x_t}, {w_t}) -> {y_t}
  %y = "qcc.add"(%m, %b) : ({y_t}, tensor<{N}xf32>) -> {y_t}
  return %y : {y_t}
}}
''')
np.save(sys.argv[2], g.standard_normal((1, 4, K)).astype(np.float32))
