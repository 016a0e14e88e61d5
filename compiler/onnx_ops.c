/* One handler per ONNX op type: ONNX attributes and opset differences are
 * normalized here into qcc ops with every attribute explicit. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "onnx_internal.h"

#define CTX (n->im->ctx)
#define OPSET (n->im->opset)

static qcc_status_t need_in(ox_node *n, int i) {
  if (!ox_in(n, i)) return ox_err(n, QCC_ERR_INVALID, "input #%d is required", i);
  return NULL;
}

static int64_t norm_axis(int64_t a, int rank) { return a < 0 ? a + rank : a; }

static qcc_status_t axis_ok(ox_node *n, int64_t *a, int rank, bool allow_end) {
  int64_t v = norm_axis(*a, rank);
  if (v < 0 || v > rank || (!allow_end && v == rank)) return ox_err(n, QCC_ERR_INVALID, "axis %lld out of range for rank %d", (long long)*a, rank);
  *a = v;
  return NULL;
}

static qcc_status_t shape_in(ox_node *n, int i, qcc_shape *s) {
  QCC_RETURN_IF_ERROR(need_in(n, i));
  if (!ox_in_shape(n, i, s)) return ox_err(n, QCC_ERR_INVALID, "input #%d has no static shape", i);
  return NULL;
}

/* Emit a single-result op over inputs 0..k-1 and bind output 0. */
static qcc_status_t simple(ox_node *n, qcc_op_kind k, int n_ops, int n_attrs, const MlirNamedAttribute *attrs) {
  ox_value *ops[16];
  for (int i = 0; i < n_ops; ++i) {
    QCC_RETURN_IF_ERROR(need_in(n, i));
    ops[i] = ox_in(n, i);
  }
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_emit(n, k, n_ops, ops, n_attrs, attrs, 1, NULL, &v));
  return ox_set_out(n, 0, v);
}

/* ---- building blocks for decompositions into several qcc ops ---- */
static void vshape(MlirValue v, qcc_shape *s) { qcc_type_shape(mlirValueGetType(v), s); }
static MlirType velem(MlirValue v) { return qcc_type_elem(mlirValueGetType(v)); }

/* A qcc.constant holding c (c's data is freed). */
static qcc_status_t emit_const(ox_node *n, ox_const *c, MlirValue *out) {
  MlirAttribute attr = ox_const_attr(CTX, c);
  free(c->data);
  c->data = NULL;
  MlirNamedAttribute na = qcc_attr_of(CTX, QCC_ATTR_value, attr);
  MlirType t = mlirAttributeGetType(attr);
  MlirOperation op = qcc_build(&n->im->b, QCC_OP_constant, n->loc, 0, NULL, 1, &t, 1, &na);
  *out = mlirOperationGetResult(op, 0);
  return NULL;
}

static qcc_status_t f32_const(ox_node *n, const qcc_shape *s, const float *v, MlirValue *out) {
  ox_const c;
  QCC_RETURN_IF_ERROR(ox_const_alloc(&c, OX_FLOAT, s));
  memcpy(c.data, v, c.nbytes);
  return emit_const(n, &c, out);
}

static qcc_status_t f32_scalar(ox_node *n, float v, MlirValue *out) {
  qcc_shape s = {0, {0}};
  return f32_const(n, &s, &v, out);
}

static qcc_status_t reshape_v(ox_node *n, MlirValue v, const qcc_shape *s, MlirValue *out) {
  MlirType t = qcc_tensor_type(velem(v), s);
  return ox_emit_v(n, QCC_OP_reshape, 1, &v, 0, NULL, 1, &t, out);
}

static qcc_status_t transpose_v(ox_node *n, MlirValue v, int rank, const int64_t *perm, MlirValue *out) {
  MlirNamedAttribute a = qcc_attr_i64s(CTX, QCC_ATTR_perm, rank, perm);
  return ox_emit_v(n, QCC_OP_transpose, 1, &v, 1, &a, 1, NULL, out);
}

/* x[start:end:step] along one axis (start/end already in range). */
static qcc_status_t slice_v(ox_node *n, MlirValue v, int64_t axis, int64_t start, int64_t end, int64_t step,
                            MlirValue *out) {
  MlirNamedAttribute a[4] = {qcc_attr_i64s(CTX, QCC_ATTR_starts, 1, &start), qcc_attr_i64s(CTX, QCC_ATTR_ends, 1, &end),
                             qcc_attr_i64s(CTX, QCC_ATTR_axes, 1, &axis), qcc_attr_i64s(CTX, QCC_ATTR_steps, 1, &step)};
  return ox_emit_v(n, QCC_OP_slice, 1, &v, 4, a, 1, NULL, out);
}

/* Zero padding; pads = [begin_0.., end_0..] over v's rank (negative crops). */
static qcc_status_t pad_v(ox_node *n, MlirValue v, const int64_t *pads, MlirValue *out) {
  qcc_shape s;
  vshape(v, &s);
  MlirNamedAttribute a[3] = {qcc_attr_i64s(CTX, QCC_ATTR_pads, 2 * s.rank, pads), qcc_attr_str(CTX, QCC_ATTR_mode, "constant"),
                             qcc_attr_f32(CTX, QCC_ATTR_value, 0.0f)};
  return ox_emit_v(n, QCC_OP_pad, 1, &v, 3, a, 1, NULL, out);
}

static qcc_status_t binary_v(ox_node *n, qcc_op_kind k, MlirValue a, MlirValue b, MlirValue *out) {
  MlirValue ops[2] = {a, b};
  return ox_emit_v(n, k, 2, ops, 0, NULL, 1, NULL, out);
}

/* Mean over the listed axes (sorted), keeping them as size 1. */
static qcc_status_t reduce_mean_v(ox_node *n, MlirValue v, int nax, const int64_t *axes, MlirValue *out) {
  MlirNamedAttribute a[2] = {qcc_attr_i64s(CTX, QCC_ATTR_axes, nax, axes), qcc_attr_i64(CTX, QCC_ATTR_keepdims, 1)};
  return ox_emit_v(n, QCC_OP_reduce_mean, 1, &v, 2, a, 1, NULL, out);
}

/* ---- elementwise ---- */
#define UNARY(fn, kind) static qcc_status_t fn(ox_node *n) { return simple(n, kind, 1, 0, NULL); }
UNARY(h_relu, QCC_OP_relu)
UNARY(h_sigmoid, QCC_OP_sigmoid)
UNARY(h_tanh, QCC_OP_tanh)
UNARY(h_hard_swish, QCC_OP_hard_swish)
UNARY(h_erf, QCC_OP_erf)
UNARY(h_exp, QCC_OP_exp)
UNARY(h_log, QCC_OP_log)
UNARY(h_sqrt, QCC_OP_sqrt)
UNARY(h_neg, QCC_OP_neg)
UNARY(h_abs, QCC_OP_abs)

/* Binary ops. Before opset 7, broadcast=1 with an axis aligns B's dims with
 * A's starting at that axis (B = [3] against A = [2, 3, 4] with axis 1 means
 * [1, 3, 1]): B is reshaped with trailing 1s so numpy broadcasting agrees. */
static qcc_status_t binary(ox_node *n, qcc_op_kind k) {
  if (!(OPSET < 7 && ox_attr_i(n, "broadcast", 0) && ox_attr(n, "axis"))) return simple(n, k, 2, 0, NULL);
  qcc_shape a, b;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &a));
  QCC_RETURN_IF_ERROR(shape_in(n, 1, &b));
  int64_t axis = ox_attr_i(n, "axis", 0);
  QCC_RETURN_IF_ERROR(axis_ok(n, &axis, a.rank, true));
  if (axis + b.rank > a.rank) return ox_err(n, QCC_ERR_INVALID, "B (rank %d) does not fit A (rank %d) at axis %lld", b.rank, a.rank, (long long)axis);
  for (int i = 0; i < b.rank; ++i)
    if (b.d[i] != a.d[axis + i] && b.d[i] != 1)
      return ox_err(n, QCC_ERR_INVALID, "B's dim %d (%lld) does not match A's dim %lld (%lld)", i, (long long)b.d[i], (long long)(axis + i), (long long)a.d[axis + i]);
  MlirValue v[2];
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &v[0]));
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 1), &v[1]));
  qcc_shape t = b;
  while (t.rank < a.rank - axis) t.d[t.rank++] = 1;
  if (t.rank != b.rank) QCC_RETURN_IF_ERROR(reshape_v(n, v[1], &t, &v[1]));
  MlirValue y;
  QCC_RETURN_IF_ERROR(binary_v(n, k, v[0], v[1], &y));
  return ox_set_out(n, 0, y);
}
#define BINARY(fn, kind) \
  static qcc_status_t fn(ox_node *n) { return binary(n, kind); }
BINARY(h_add, QCC_OP_add)
BINARY(h_sub, QCC_OP_sub)
BINARY(h_mul, QCC_OP_mul)
BINARY(h_div, QCC_OP_div)
BINARY(h_pow, QCC_OP_pow)

static qcc_status_t h_prelu(ox_node *n) {
  qcc_shape x, sl;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  QCC_RETURN_IF_ERROR(shape_in(n, 1, &sl));
  /* Before opset 7 a 1-D slope of size C applies per channel (dim 1). */
  if (OPSET < 7 && sl.rank == 1 && x.rank >= 3 && sl.d[0] == x.d[1] && sl.d[0] != 1) {
    MlirValue v[2];
    QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &v[0]));
    QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 1), &v[1]));
    qcc_shape t = {x.rank - 1, {0}};
    t.d[0] = sl.d[0];
    for (int i = 1; i < t.rank; ++i) t.d[i] = 1;
    MlirType rt = qcc_tensor_type(ox_in_elem(n, 1), &t);
    QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_reshape, 1, &v[1], 0, NULL, 1, &rt, &v[1]));
    MlirValue y;
    QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_prelu, 2, v, 0, NULL, 1, NULL, &y));
    return ox_set_out(n, 0, y);
  }
  return simple(n, QCC_OP_prelu, 2, 0, NULL);
}

/* Max, Min, Sum: variadic in ONNX, a chain of binary ops here. */
static qcc_status_t variadic(ox_node *n, qcc_op_kind k) {
  QCC_RETURN_IF_ERROR(need_in(n, 0));
  MlirValue acc;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &acc));
  for (int i = 1; i < n->n_in; ++i) {
    QCC_RETURN_IF_ERROR(need_in(n, i));
    MlirValue ops[2] = {acc, {NULL}};
    QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, i), &ops[1]));
    QCC_RETURN_IF_ERROR(ox_emit_v(n, k, 2, ops, 0, NULL, 1, NULL, &acc));
  }
  return ox_set_out(n, 0, acc);
}
static qcc_status_t h_max(ox_node *n) { return variadic(n, QCC_OP_max); }
static qcc_status_t h_min(ox_node *n) { return variadic(n, QCC_OP_min); }
static qcc_status_t h_sum(ox_node *n) { return variadic(n, QCC_OP_add); }

static qcc_status_t h_leaky_relu(ox_node *n) {
  MlirNamedAttribute a = qcc_attr_f32(CTX, QCC_ATTR_alpha, ox_attr_f(n, "alpha", 0.01f));
  return simple(n, QCC_OP_leaky_relu, 1, 1, &a);
}
static qcc_status_t h_hard_sigmoid(ox_node *n) {
  MlirNamedAttribute a[2] = {qcc_attr_f32(CTX, QCC_ATTR_alpha, ox_attr_f(n, "alpha", 0.2f)),
                             qcc_attr_f32(CTX, QCC_ATTR_beta, ox_attr_f(n, "beta", 0.5f))};
  return simple(n, QCC_OP_hard_sigmoid, 1, 2, a);
}
static qcc_status_t h_clip(ox_node *n) {
  float lo = -INFINITY, hi = INFINITY;
  if (OPSET < 11) {
    lo = ox_attr_f(n, "min", lo);
    hi = ox_attr_f(n, "max", hi);
  } else {
    ox_const *c;
    for (int k = 1; k <= 2; ++k) {
      if (!ox_in(n, k)) continue;
      QCC_RETURN_IF_ERROR(ox_need_const(n, k, k == 1 ? "min" : "max", &c));
      if (qcc_shape_numel(&c->shape) != 1) return ox_err(n, QCC_ERR_INVALID, "Clip's %s must hold one value", k == 1 ? "min" : "max");
      if (k == 1) lo = (float)ox_const_f64(c, 0);
      else hi = (float)ox_const_f64(c, 0);
    }
  }
  MlirNamedAttribute a[2] = {qcc_attr_f32(CTX, QCC_ATTR_min, lo), qcc_attr_f32(CTX, QCC_ATTR_max, hi)};
  return simple(n, QCC_OP_clip, 1, 2, a);
}
static qcc_status_t h_gelu(ox_node *n) {
  char b[32];
  MlirNamedAttribute a = qcc_attr_str(CTX, QCC_ATTR_approximate, ox_attr_s(n, "approximate", "none", b, sizeof b));
  return simple(n, QCC_OP_gelu, 1, 1, &a);
}
static qcc_status_t h_where(ox_node *n) { return simple(n, QCC_OP_where, 3, 0, NULL); }

static qcc_status_t h_identity(ox_node *n) {
  QCC_RETURN_IF_ERROR(need_in(n, 0));
  ox_value *x = ox_in(n, 0);
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_val(n->im, x, &v));
  return ox_set_out(n, 0, v);
}
static void store(ox_const *c, int64_t i, double f, int64_t v); /* (constant folding, below) */

/* Dropout is the identity in inference, and also in training with ratio 0;
 * its mask output is then all true (bool; before opset 10 the input's type,
 * all ones). Training with a ratio > 0 draws random numbers: a compiled
 * inference graph cannot reproduce it. */
static qcc_status_t h_dropout(ox_node *n) {
  bool training = false;
  double ratio = 0.5;
  ox_const *c;
  if (OPSET >= 12 && ox_in(n, 2)) {
    QCC_RETURN_IF_ERROR(ox_need_const(n, 2, "training_mode", &c));
    training = qcc_shape_numel(&c->shape) > 0 && ox_const_i64(c, 0) != 0;
  }
  if (training && ox_in(n, 1)) {
    QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "ratio", &c));
    if (qcc_shape_numel(&c->shape) > 0) ratio = ox_const_f64(c, 0);
  }
  if (training && ratio != 0.0)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "Dropout in training mode with ratio %g is random; qcc compiles inference graphs (export in eval mode)", ratio);
  QCC_RETURN_IF_ERROR(h_identity(n));
  if (n->node->n_output < 2 || !n->node->output[1] || !*n->node->output[1]) return NULL;
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int dt = OPSET >= 10 ? OX_BOOL : ox_dtype_of_mlir(ox_in_elem(n, 0));
  ox_const m;
  QCC_RETURN_IF_ERROR(ox_const_alloc(&m, dt, &x));
  int64_t cnt = qcc_shape_numel(&x);
  for (int64_t i = 0; i < cnt; ++i) {
    char *p = (char *)m.data + i * ox_elem_size(dt);
    uint16_t one16 = dt == OX_BFLOAT16 ? 0x3f80 : 0x3c00;
    if (dt == OX_FLOAT16 || dt == OX_BFLOAT16) memcpy(p, &one16, 2);
    else store(&m, i, 1.0, 1);
  }
  return ox_set_out_const(n, 1, &m);
}

static qcc_status_t h_cast(ox_node *n) {
  int to = (int)ox_attr_i(n, "to", 0);
  MlirType e = ox_mlir_elem(CTX, to);
  if (mlirTypeIsNull(e)) return ox_err(n, QCC_ERR_UNSUPPORTED, "cast to %s is not supported", ox_dtype_name(to));
  qcc_shape s;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &s));
  MlirType t = qcc_tensor_type(e, &s);
  ox_value *x = ox_in(n, 0);
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_emit(n, QCC_OP_cast, 1, &x, 0, NULL, 1, &t, &v));
  return ox_set_out(n, 0, v);
}

/* ---- convolution ---- */
/* Spatial attributes as 2-D arrays; sd = 1 for a 1-D op lifted to 2-D
 * (x and w already have H = 1; the ONNX values go to the W entries). */
static qcc_status_t read_spatial(ox_node *n, const char *name, int sd, int64_t *out2, int64_t dflt) {
  int64_t tmp[16];
  int k = ox_attr_ints(n, name, tmp);
  out2[0] = out2[1] = dflt;
  if (k < 0) return NULL;
  if (k != sd) return ox_err(n, QCC_ERR_INVALID, "%s must have %d values, has %d", name, sd, k);
  for (int i = 0; i < sd; ++i) out2[2 - sd + i] = tmp[i];
  return NULL;
}

static qcc_status_t read_pads(ox_node *n, int sd, int64_t *pd) {
  int64_t tmp[16];
  int k = ox_attr_ints(n, "pads", tmp);
  pd[0] = pd[1] = pd[2] = pd[3] = 0;
  if (k < 0) return NULL;
  if (k != 2 * sd) return ox_err(n, QCC_ERR_INVALID, "pads must have %d values, has %d", 2 * sd, k);
  if (sd == 2) memcpy(pd, tmp, 4 * sizeof *pd);
  else { pd[1] = tmp[0]; pd[3] = tmp[1]; }
  return NULL;
}

/* Resolve auto_pad into pd ([top, left, bottom, right]) for 2-D spatial dims
 * of x; ek = effective kernel extents, transpose = ConvTranspose's formula. */
static qcc_status_t resolve_auto_pad(ox_node *n, const qcc_shape *x, const int64_t *ek, const int64_t *st,
                                     bool transpose, int64_t *pd) {
  char b[32];
  const char *ap = ox_attr_s(n, "auto_pad", "NOTSET", b, sizeof b);
  if (!strcmp(ap, "NOTSET")) return NULL;
  if (!strcmp(ap, "VALID")) {
    pd[0] = pd[1] = pd[2] = pd[3] = 0;
    return NULL;
  }
  if (strcmp(ap, "SAME_UPPER") && strcmp(ap, "SAME_LOWER")) return ox_err(n, QCC_ERR_INVALID, "unknown auto_pad '%s'", ap);
  bool upper = !strcmp(ap, "SAME_UPPER");
  for (int i = 0; i < 2; ++i) {
    if (st[i] < 1) return ox_err(n, QCC_ERR_INVALID, "strides must be >= 1");
    int64_t in = x->d[2 + i], total;
    if (!transpose) {
      int64_t out = (in + st[i] - 1) / st[i];
      total = (out - 1) * st[i] + ek[i] - in;
    } else {
      int64_t out = in * st[i];
      total = st[i] * (in - 1) + ek[i] - out;
    }
    if (total < 0) total = 0;
    pd[i] = upper ? total / 2 : total - total / 2;
    pd[i + 2] = total - pd[i];
  }
  return NULL;
}

static qcc_status_t conv_attrs(ox_node *n, const qcc_shape *x, const qcc_shape *w, bool transpose, int sd,
                               int64_t *st, int64_t *pd, int64_t *dl) {
  int64_t ks[16];
  int nk = ox_attr_ints(n, "kernel_shape", ks);
  if (nk >= 0 && (nk != sd || ks[0] != w->d[4 - sd] || (sd == 2 && ks[1] != w->d[3])))
    return ox_err(n, QCC_ERR_INVALID, "kernel_shape disagrees with the weights");
  QCC_RETURN_IF_ERROR(read_spatial(n, "strides", sd, st, 1));
  QCC_RETURN_IF_ERROR(read_spatial(n, "dilations", sd, dl, 1));
  QCC_RETURN_IF_ERROR(read_pads(n, sd, pd));
  int64_t ek[2] = {dl[0] * (w->d[2] - 1) + 1, dl[1] * (w->d[3] - 1) + 1};
  return resolve_auto_pad(n, x, ek, st, transpose, pd);
}

/* Insert a size-1 dim at `axis` (1-D ops are lifted to 2-D this way). */
static qcc_status_t unsqueeze_v(ox_node *n, MlirValue v, int64_t axis, MlirValue *out) {
  MlirNamedAttribute a = qcc_attr_i64s(CTX, QCC_ATTR_axes, 1, &axis);
  return ox_emit_v(n, QCC_OP_unsqueeze, 1, &v, 1, &a, 1, NULL, out);
}
static qcc_status_t squeeze_v(ox_node *n, MlirValue v, int64_t axis, MlirValue *out) {
  MlirNamedAttribute a = qcc_attr_i64s(CTX, QCC_ATTR_axes, 1, &axis);
  return ox_emit_v(n, QCC_OP_squeeze, 1, &v, 1, &a, 1, NULL, out);
}

/* ---- 3-D convolution and pooling, decomposed into the 2-D ops ----
 * Spatial attributes of an N-d op (nd spatial dims): kernel from the weights
 * or kernel_shape, strides/dilations default 1, pads [begin.., end..] with
 * auto_pad resolved (transpose: ConvTranspose's formula). */
typedef struct {
  int nd;
  int64_t k[3], st[3], dl[3], pd[6];
} nd_attrs;

static qcc_status_t nd_read(ox_node *n, const char *name, int nd, int64_t *out, int64_t dflt) {
  int64_t tmp[16];
  int k = ox_attr_ints(n, name, tmp);
  for (int i = 0; i < nd; ++i) out[i] = k < 0 ? dflt : tmp[i];
  if (k >= 0 && k != nd) return ox_err(n, QCC_ERR_INVALID, "%s must have %d values, has %d", name, nd, k);
  return NULL;
}

static qcc_status_t nd_spatial(ox_node *n, const qcc_shape *x, const int64_t *kernel, bool transpose, nd_attrs *a) {
  int nd = a->nd = x->rank - 2;
  int64_t ks[16];
  int nk = ox_attr_ints(n, "kernel_shape", ks);
  for (int i = 0; i < nd; ++i) {
    if (nk >= 0 && (nk != nd || (kernel && ks[i] != kernel[i])))
      return ox_err(n, QCC_ERR_INVALID, "kernel_shape disagrees with the weights");
    a->k[i] = kernel ? kernel[i] : ks[i];
  }
  if (!kernel && nk != nd) return ox_err(n, QCC_ERR_INVALID, "missing kernel_shape");
  QCC_RETURN_IF_ERROR(nd_read(n, "strides", nd, a->st, 1));
  QCC_RETURN_IF_ERROR(nd_read(n, "dilations", nd, a->dl, 1));
  int64_t tmp[16];
  int np = ox_attr_ints(n, "pads", tmp);
  if (np >= 0 && np != 2 * nd) return ox_err(n, QCC_ERR_INVALID, "pads must have %d values, has %d", 2 * nd, np);
  for (int i = 0; i < 2 * nd; ++i) a->pd[i] = np < 0 ? 0 : tmp[i];
  char b[32];
  const char *ap = ox_attr_s(n, "auto_pad", "NOTSET", b, sizeof b);
  if (!strcmp(ap, "VALID")) {
    for (int i = 0; i < 2 * nd; ++i) a->pd[i] = 0;
  } else if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
    for (int i = 0; i < nd; ++i) {
      if (a->st[i] < 1) return ox_err(n, QCC_ERR_INVALID, "strides must be >= 1");
      int64_t in = x->d[2 + i], ek = a->dl[i] * (a->k[i] - 1) + 1;
      int64_t total = transpose ? a->st[i] * (in - 1) + ek - in * a->st[i]
                                : ((in + a->st[i] - 1) / a->st[i] - 1) * a->st[i] + ek - in;
      if (total < 0) total = 0;
      a->pd[i] = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
      a->pd[i + nd] = total - a->pd[i];
    }
  } else if (strcmp(ap, "NOTSET")) {
    return ox_err(n, QCC_ERR_INVALID, "unknown auto_pad '%s'", ap);
  }
  for (int i = 0; i < nd; ++i)
    if (a->st[i] < 1 || a->dl[i] < 1 || a->k[i] < 1 || a->pd[i] < 0 || a->pd[i + nd] < 0)
      return ox_err(n, QCC_ERR_INVALID, "kernel, strides and dilations must be >= 1 and pads >= 0");
  return NULL;
}

/* 3-D Conv as a 2-D conv over depth-gathered channels. With x [N,C,D,H,W]
 * padded in depth and w [O,C/g,KD,KH,KW], output depth od reads input depths
 * od*sd + kd*dd. Gathering those KD slices gives X' [N,C,KD,OD,H,W] (one
 * strided slice per kd), transposed and reshaped to [N*OD, C*KD, H, W]: its
 * channel c*KD+kd is exactly where w reshaped to [O, C/g*KD, KH, KW] puts
 * weight (c, kd), and each group's channels stay contiguous. conv2d gives
 * [N*OD, O, OH, OW] -> [N, OD, O, OH, OW] -> transpose to [N, O, OD, OH, OW]. */
static qcc_status_t conv3d(ox_node *n, const qcc_shape *x, const qcc_shape *w) {
  nd_attrs a;
  QCC_RETURN_IF_ERROR(nd_spatial(n, x, w->d + 2, false, &a));
  int64_t kd = w->d[2], sd = a.st[0], dd = a.dl[0];
  int64_t dp = x->d[2] + a.pd[0] + a.pd[3], span = dd * (kd - 1) + 1;
  if (dp < span) return ox_err(n, QCC_ERR_INVALID, "kernel larger than the padded input in depth");
  int64_t od = (dp - span) / sd + 1;
  MlirValue xv, wv, b = {NULL}, y;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &xv));
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 1), &wv));
  if (ox_in(n, 2)) QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 2), &b));
  if (a.pd[0] || a.pd[3]) {
    int64_t pads[10] = {0, 0, a.pd[0], 0, 0, 0, 0, a.pd[3], 0, 0};
    QCC_RETURN_IF_ERROR(pad_v(n, xv, pads, &xv));
  }
  if (kd > QCC_MAX_VARIADIC) return ox_err(n, QCC_ERR_UNSUPPORTED, "3-D kernel depth above %d", QCC_MAX_VARIADIC);
  MlirValue parts[QCC_MAX_VARIADIC], g;
  for (int64_t i = 0; i < kd; ++i) {
    QCC_RETURN_IF_ERROR(slice_v(n, xv, 2, i * dd, i * dd + (od - 1) * sd + 1, sd, &parts[i]));
    QCC_RETURN_IF_ERROR(unsqueeze_v(n, parts[i], 2, &parts[i]));
  }
  if (kd > 1) {
    MlirNamedAttribute ca = qcc_attr_i64(CTX, QCC_ATTR_axis, 2);
    QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_concat, (int)kd, parts, 1, &ca, 1, NULL, &g));
  } else {
    g = parts[0];
  }
  int64_t perm[6] = {0, 3, 1, 2, 4, 5};
  QCC_RETURN_IF_ERROR(transpose_v(n, g, 6, perm, &g));
  qcc_shape gs = {4, {x->d[0] * od, x->d[1] * kd, x->d[3], x->d[4]}};
  QCC_RETURN_IF_ERROR(reshape_v(n, g, &gs, &g));
  qcc_shape ws = {4, {w->d[0], w->d[1] * kd, w->d[3], w->d[4]}};
  QCC_RETURN_IF_ERROR(reshape_v(n, wv, &ws, &wv));
  int64_t st2[2] = {a.st[1], a.st[2]}, pd2[4] = {a.pd[1], a.pd[2], a.pd[4], a.pd[5]}, dl2[2] = {a.dl[1], a.dl[2]};
  MlirNamedAttribute ca[4] = {qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, st2), qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, pd2),
                              qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, dl2),
                              qcc_attr_i64(CTX, QCC_ATTR_group, ox_attr_i(n, "group", 1))};
  MlirValue ops[3] = {g, wv, b};
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_conv2d, mlirValueIsNull(b) ? 2 : 3, ops, 4, ca, 1, NULL, &y));
  qcc_shape ys;
  vshape(y, &ys);
  qcc_shape y5 = {5, {x->d[0], od, w->d[0], ys.d[2], ys.d[3]}};
  QCC_RETURN_IF_ERROR(reshape_v(n, y, &y5, &y));
  int64_t back[5] = {0, 2, 1, 3, 4};
  QCC_RETURN_IF_ERROR(transpose_v(n, y, 5, back, &y));
  return ox_set_out(n, 0, y);
}

/* 3-D MaxPool / AveragePool as two 2-D pools: the box is separable. Pool
 * (H, W) on [N, C*D, H, W], then depth on [N, C, D, OH*OW] with a (KD x 1)
 * kernel. Max: the max over a box is the max over depths of the (H, W) maxima,
 * and padding never wins in either step. Average: every box is a product of
 * per-dim ranges, so its element count (with or without padding) is the
 * product of the per-dim counts and the mean over the box is the mean over
 * depths of the (H, W) means. ceil_mode acts per dim. */
static qcc_status_t pool3d(ox_node *n, const qcc_shape *x, bool is_max) {
  nd_attrs a;
  QCC_RETURN_IF_ERROR(nd_spatial(n, x, NULL, false, &a));
  if (!is_max && (a.dl[0] != 1 || a.dl[1] != 1 || a.dl[2] != 1))
    return ox_err(n, QCC_ERR_UNSUPPORTED, "AveragePool with dilations is not supported");
  /* storage_order only matters for the Indices output, which 3-D pooling does not produce. */
  int64_t ceil_mode = ox_attr_i(n, "ceil_mode", 0) != 0, cip = ox_attr_i(n, "count_include_pad", 0) != 0;
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &v));
  for (int step = 0; step < 2; ++step) {
    /* step 0: (H, W) of [N, C*D, H, W]; step 1: (D, 1) of [N, C, D, OH*OW] */
    qcc_shape cur, s;
    vshape(v, &cur);
    if (step == 0) s = (qcc_shape){4, {x->d[0], x->d[1] * x->d[2], x->d[3], x->d[4]}};
    else s = (qcc_shape){4, {x->d[0], x->d[1], x->d[2], cur.d[2] * cur.d[3]}};
    QCC_RETURN_IF_ERROR(reshape_v(n, v, &s, &v));
    int64_t k[2], st[2], dl[2], pd[4];
    if (step == 0) {
      k[0] = a.k[1], k[1] = a.k[2], st[0] = a.st[1], st[1] = a.st[2], dl[0] = a.dl[1], dl[1] = a.dl[2];
      pd[0] = a.pd[1], pd[1] = a.pd[2], pd[2] = a.pd[4], pd[3] = a.pd[5];
    } else {
      k[0] = a.k[0], k[1] = 1, st[0] = a.st[0], st[1] = 1, dl[0] = a.dl[0], dl[1] = 1;
      pd[0] = a.pd[0], pd[1] = 0, pd[2] = a.pd[3], pd[3] = 0;
    }
    MlirNamedAttribute at[5] = {qcc_attr_i64s(CTX, QCC_ATTR_kernel, 2, k), qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, st),
                                qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, pd), qcc_attr_i64(CTX, QCC_ATTR_ceil_mode, ceil_mode),
                                is_max ? qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, dl)
                                       : qcc_attr_i64(CTX, QCC_ATTR_count_include_pad, cip)};
    QCC_RETURN_IF_ERROR(ox_emit_v(n, is_max ? QCC_OP_max_pool : QCC_OP_avg_pool, 1, &v, 5, at, 1, NULL, &v));
    if (step == 0) {
      vshape(v, &cur);
      a.k[1] = cur.d[2], a.k[2] = cur.d[3]; /* remember OH, OW */
    }
  }
  qcc_shape ys;
  vshape(v, &ys);
  qcc_shape y5 = {5, {x->d[0], x->d[1], ys.d[2], a.k[1], a.k[2]}};
  QCC_RETURN_IF_ERROR(reshape_v(n, v, &y5, &v));
  return ox_set_out(n, 0, v);
}

static qcc_status_t h_conv(ox_node *n) {
  qcc_shape x, w;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  QCC_RETURN_IF_ERROR(shape_in(n, 1, &w));
  if (x.rank == 5 && w.rank == 5) return conv3d(n, &x, &w);
  if (x.rank != 4 && x.rank != 3)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "only 1-D, 2-D and 3-D convolution (3-D to 5-D input) are supported; input has rank %d", x.rank);
  int sd = x.rank - 2;
  if (w.rank != x.rank) return ox_err(n, QCC_ERR_INVALID, "weights have rank %d, input rank %d", w.rank, x.rank);
  MlirValue ops[3];
  int no = ox_in(n, 2) ? 3 : 2;
  for (int i = 0; i < no; ++i) QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, i), &ops[i]));
  if (sd == 1) { /* [N, C, L] -> [N, C, 1, L] */
    QCC_RETURN_IF_ERROR(unsqueeze_v(n, ops[0], 2, &ops[0]));
    QCC_RETURN_IF_ERROR(unsqueeze_v(n, ops[1], 2, &ops[1]));
    qcc_type_shape(mlirValueGetType(ops[0]), &x);
    qcc_type_shape(mlirValueGetType(ops[1]), &w);
  }
  int64_t st[2], pd[4], dl[2];
  QCC_RETURN_IF_ERROR(conv_attrs(n, &x, &w, false, sd, st, pd, dl));
  MlirNamedAttribute a[4] = {qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, st), qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, pd),
                             qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, dl),
                             qcc_attr_i64(CTX, QCC_ATTR_group, ox_attr_i(n, "group", 1))};
  MlirValue y;
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_conv2d, no, ops, 4, a, 1, NULL, &y));
  if (sd == 1) QCC_RETURN_IF_ERROR(squeeze_v(n, y, 2, &y));
  return ox_set_out(n, 0, y);
}

/* 3-D ConvTranspose: a 2-D transposed conv per input depth slice with the
 * KD depth taps as extra output channels, then a col2im along depth. With
 * x viewed as [N*D, C, H, W] and w [C, O/g, KD, KH, KW] reshaped to
 * [C, O/g*KD, KH, KW] (channel o*KD + kd, groups contiguous), the 2-D result
 * is [N, D, O, KD, OH, OW]; tap kd of input depth i lands on output depth
 * i*sd + kd*dd - pad_begin. Each tap's slice is spread by the stride (pad
 * sd-1 zeros after every depth, one reshape), shifted into place by a pad
 * (negative pads crop the depth padding), and the KD results are summed. */
static qcc_status_t conv_transpose3d(ox_node *n, const qcc_shape *x, const qcc_shape *w) {
  nd_attrs a;
  QCC_RETURN_IF_ERROR(nd_spatial(n, x, w->d + 2, true, &a));
  int64_t op[3], os[16];
  QCC_RETURN_IF_ERROR(nd_read(n, "output_padding", 3, op, 0));
  int64_t g = ox_attr_i(n, "group", 1), kd = w->d[2], sd = a.st[0], dd = a.dl[0], D = x->d[2];
  if (g < 1 || x->d[1] != w->d[0]) return ox_err(n, QCC_ERR_INVALID, "weights do not match the input channels");
  int64_t O = w->d[1] * g;
  int k = ox_attr_ints(n, "output_shape", os);
  if (k >= 0) {
    if (k != 3 && k != 5) return ox_err(n, QCC_ERR_INVALID, "output_shape must have 3 values");
    char b[32];
    bool lower = !strcmp(ox_attr_s(n, "auto_pad", "NOTSET", b, sizeof b), "SAME_LOWER");
    for (int i = 0; i < 3; ++i) {
      int64_t total = a.st[i] * (x->d[2 + i] - 1) + op[i] + (w->d[2 + i] - 1) * a.dl[i] + 1 - os[k - 3 + i];
      a.pd[i] = lower ? total - total / 2 : total / 2;
      a.pd[i + 3] = total - a.pd[i];
    }
  }
  int64_t full = sd * (D - 1) + dd * (kd - 1) + 1 + op[0], od = full - a.pd[0] - a.pd[3];
  if (od < 1) return ox_err(n, QCC_ERR_INVALID, "transposed convolution output depth would be %lld", (long long)od);
  MlirValue xv, wv, y, acc = {NULL};
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &xv));
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 1), &wv));
  int64_t to_ndchw[5] = {0, 2, 1, 3, 4};
  QCC_RETURN_IF_ERROR(transpose_v(n, xv, 5, to_ndchw, &xv));
  qcc_shape xs = {4, {x->d[0] * D, x->d[1], x->d[3], x->d[4]}};
  QCC_RETURN_IF_ERROR(reshape_v(n, xv, &xs, &xv));
  qcc_shape ws = {4, {w->d[0], w->d[1] * kd, w->d[3], w->d[4]}};
  QCC_RETURN_IF_ERROR(reshape_v(n, wv, &ws, &wv));
  int64_t st2[2] = {a.st[1], a.st[2]}, dl2[2] = {a.dl[1], a.dl[2]}, op2[2] = {op[1], op[2]}, pd2[4], grow[12] = {0};
  bool grows = false;
  for (int i = 0; i < 2; ++i)
    for (int e = 0; e < 2; ++e) {
      int64_t p = a.pd[1 + i + 3 * e];
      pd2[i + 2 * e] = p > 0 ? p : 0;
      if (p < 0) grow[4 + i + 6 * e] = -p, grows = true; /* dims [N, C, D, H, W]: H, W */
    }
  MlirNamedAttribute at[5] = {qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, st2), qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, pd2),
                              qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, dl2), qcc_attr_i64s(CTX, QCC_ATTR_output_padding, 2, op2),
                              qcc_attr_i64(CTX, QCC_ATTR_group, g)};
  MlirValue ops[2] = {xv, wv};
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_conv_transpose, 2, ops, 5, at, 1, NULL, &y));
  qcc_shape ys;
  vshape(y, &ys);
  int64_t OH = ys.d[2], OW = ys.d[3];
  qcc_shape y6 = {6, {x->d[0], D, O, kd, OH, OW}};
  QCC_RETURN_IF_ERROR(reshape_v(n, y, &y6, &y));
  for (int64_t t = 0; t < kd; ++t) {
    MlirValue s;
    QCC_RETURN_IF_ERROR(slice_v(n, y, 3, t, t + 1, 1, &s));
    qcc_shape s6 = {6, {x->d[0], D, 1, O, OH, OW}};
    QCC_RETURN_IF_ERROR(reshape_v(n, s, &s6, &s));
    if (sd > 1) {
      int64_t sp[12] = {0};
      sp[6 + 2] = sd - 1;
      QCC_RETURN_IF_ERROR(pad_v(n, s, sp, &s));
    }
    qcc_shape s5 = {5, {x->d[0], D * sd, O, OH, OW}};
    QCC_RETURN_IF_ERROR(reshape_v(n, s, &s5, &s));
    int64_t dp[10] = {0};
    dp[1] = t * dd - a.pd[0];
    dp[5 + 1] = (full - a.pd[3]) - t * dd - D * sd;
    QCC_RETURN_IF_ERROR(pad_v(n, s, dp, &s));
    if (mlirValueIsNull(acc)) acc = s;
    else QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_add, acc, s, &acc));
  }
  int64_t to_ncdhw[5] = {0, 2, 1, 3, 4};
  QCC_RETURN_IF_ERROR(transpose_v(n, acc, 5, to_ncdhw, &y));
  if (grows) QCC_RETURN_IF_ERROR(pad_v(n, y, grow, &y));
  if (ox_in(n, 2)) {
    MlirValue b;
    QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 2), &b));
    qcc_shape b4 = {4, {O, 1, 1, 1}};
    QCC_RETURN_IF_ERROR(reshape_v(n, b, &b4, &b));
    QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_add, y, b, &y));
  }
  return ox_set_out(n, 0, y);
}

/* ConvTranspose, 1-D (lifted to 2-D like Conv) and 2-D (3-D above). With output_shape,
 * the pads follow ONNX's formula (total = natural size - output_shape, split
 * begin = total/2 unless SAME_LOWER); a negative pad means an output larger
 * than the natural one: the conv runs with pad 0 there and the result is
 * zero-padded (then the bias is added, so the extra border holds the bias). */
static qcc_status_t h_conv_transpose(ox_node *n) {
  qcc_shape x, w;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  QCC_RETURN_IF_ERROR(shape_in(n, 1, &w));
  if (x.rank == 5 && w.rank == 5) return conv_transpose3d(n, &x, &w);
  if (x.rank != 4 && x.rank != 3)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "only 1-D, 2-D and 3-D transposed convolution are supported; input has rank %d", x.rank);
  if (w.rank != x.rank) return ox_err(n, QCC_ERR_INVALID, "weights have rank %d, input rank %d", w.rank, x.rank);
  int sd = x.rank - 2;
  MlirValue ops[3];
  int no = ox_in(n, 2) ? 3 : 2;
  for (int i = 0; i < no; ++i) QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, i), &ops[i]));
  if (sd == 1) { /* [N, C, L] -> [N, C, 1, L]; weights [C, O/g, K] -> [C, O/g, 1, K] */
    QCC_RETURN_IF_ERROR(unsqueeze_v(n, ops[0], 2, &ops[0]));
    QCC_RETURN_IF_ERROR(unsqueeze_v(n, ops[1], 2, &ops[1]));
    vshape(ops[0], &x);
    vshape(ops[1], &w);
  }
  int64_t st[2], pd[4], dl[2], op[2], os[16];
  QCC_RETURN_IF_ERROR(conv_attrs(n, &x, &w, true, sd, st, pd, dl));
  QCC_RETURN_IF_ERROR(read_spatial(n, "output_padding", sd, op, 0));
  int k;
  if ((k = ox_attr_ints(n, "output_shape", os)) >= 0) {
    if (k != sd && k != sd + 2) return ox_err(n, QCC_ERR_INVALID, "output_shape must have %d values", sd);
    int64_t o[2] = {1, 1};
    for (int i = 0; i < sd; ++i) o[2 - sd + i] = os[k - sd + i];
    char b[32];
    bool lower = !strcmp(ox_attr_s(n, "auto_pad", "NOTSET", b, sizeof b), "SAME_LOWER");
    for (int i = 0; i < 2; ++i) {
      int64_t total = st[i] * (x.d[2 + i] - 1) + op[i] + ((w.d[2 + i] - 1) * dl[i] + 1) - o[i];
      pd[i] = lower ? total - total / 2 : total / 2;
      pd[i + 2] = total - pd[i];
    }
  }
  int64_t grow[8] = {0};
  bool grows = false;
  for (int i = 0; i < 4; ++i)
    if (pd[i] < 0) {
      grow[2 + (i % 2) + 4 * (i / 2)] = -pd[i]; /* [N, C, H, W] begins then ends */
      pd[i] = 0;
      grows = true;
    }
  MlirNamedAttribute a[5] = {qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, st), qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, pd),
                             qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, dl), qcc_attr_i64s(CTX, QCC_ATTR_output_padding, 2, op),
                             qcc_attr_i64(CTX, QCC_ATTR_group, ox_attr_i(n, "group", 1))};
  MlirValue y;
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_conv_transpose, grows ? 2 : no, ops, 5, a, 1, NULL, &y));
  if (grows) {
    QCC_RETURN_IF_ERROR(pad_v(n, y, grow, &y));
    if (no == 3) {
      qcc_shape bs;
      vshape(ops[2], &bs);
      qcc_shape b3 = {3, {bs.d[0], 1, 1}};
      MlirValue bias;
      QCC_RETURN_IF_ERROR(reshape_v(n, ops[2], &b3, &bias));
      QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_add, y, bias, &y));
    }
  }
  if (sd == 1) QCC_RETURN_IF_ERROR(squeeze_v(n, y, 2, &y));
  return ox_set_out(n, 0, y);
}

static qcc_status_t h_matmul(ox_node *n) { return simple(n, QCC_OP_matmul, 2, 0, NULL); }

static qcc_status_t h_gemm(ox_node *n) {
  MlirNamedAttribute a[4] = {qcc_attr_f32(CTX, QCC_ATTR_alpha, ox_attr_f(n, "alpha", 1.0f)),
                             qcc_attr_f32(CTX, QCC_ATTR_beta, ox_attr_f(n, "beta", 1.0f)),
                             qcc_attr_i64(CTX, QCC_ATTR_trans_a, ox_attr_i(n, "transA", 0) != 0),
                             qcc_attr_i64(CTX, QCC_ATTR_trans_b, ox_attr_i(n, "transB", 0) != 0)};
  return simple(n, QCC_OP_gemm, ox_in(n, 2) ? 3 : 2, 4, a);
}

/* ---- normalization ---- */
static qcc_status_t h_softmax_common(ox_node *n, qcc_op_kind k) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t axis = ox_attr_i(n, "axis", OPSET >= 13 ? -1 : 1);
  QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x.rank, false));
  if (OPSET >= 13 || axis == x.rank - 1) {
    MlirNamedAttribute a = qcc_attr_i64(CTX, QCC_ATTR_axis, axis);
    return simple(n, k, 1, 1, &a);
  }
  /* Opset < 13: softmax over the flattened [axis, rank) dims. */
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &v));
  MlirNamedAttribute fa = qcc_attr_i64(CTX, QCC_ATTR_axis, axis);
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_flatten, 1, &v, 1, &fa, 1, NULL, &v));
  MlirNamedAttribute sa = qcc_attr_i64(CTX, QCC_ATTR_axis, 1);
  QCC_RETURN_IF_ERROR(ox_emit_v(n, k, 1, &v, 1, &sa, 1, NULL, &v));
  MlirType t = qcc_tensor_type(ox_in_elem(n, 0), &x);
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_reshape, 1, &v, 0, NULL, 1, &t, &v));
  return ox_set_out(n, 0, v);
}
static qcc_status_t h_softmax(ox_node *n) { return h_softmax_common(n, QCC_OP_softmax); }
static qcc_status_t h_log_softmax(ox_node *n) { return h_softmax_common(n, QCC_OP_log_softmax); }

/* LayerNormalization. Y is the fused qcc.layer_norm; the optional Mean and
 * InvStdDev outputs (shape [d_0 .. d_axis-1, 1 .. 1]) are computed only when
 * the model uses them, by the reference's formulas in float32 (stash_type 1,
 * the default): Mean = mean(x), InvStdDev = 1 / sqrt(mean((x - Mean)^2) + epsilon)
 * over dims [axis, rank). */
static qcc_status_t h_layer_norm(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t axis = ox_attr_i(n, "axis", -1);
  QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x.rank, false));
  float eps = ox_attr_f(n, "epsilon", 1e-5f);
  MlirNamedAttribute a[2] = {qcc_attr_i64(CTX, QCC_ATTR_axis, axis), qcc_attr_f32(CTX, QCC_ATTR_epsilon, eps)};
  QCC_RETURN_IF_ERROR(simple(n, QCC_OP_layer_norm, ox_in(n, 2) ? 3 : 2, 2, a));
  bool want_mean = n->node->n_output > 1 && n->node->output[1] && *n->node->output[1];
  bool want_inv = n->node->n_output > 2 && n->node->output[2] && *n->node->output[2];
  if (!want_mean && !want_inv) return NULL;
  if (ox_attr_i(n, "stash_type", 1) != 1)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "Mean/InvStdDev with stash_type other than 1 (float32) are not supported");
  MlirValue v, mean, d, var, t;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &v));
  if (!mlirTypeIsAF32(velem(v))) {
    MlirType f = qcc_tensor_type(mlirF32TypeGet(CTX), &x);
    QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_cast, 1, &v, 0, NULL, 1, &f, &v));
  }
  int64_t axes[QCC_MAX_RANK];
  int nax = 0;
  for (int64_t i = axis; i < x.rank; ++i) axes[nax++] = i;
  QCC_RETURN_IF_ERROR(reduce_mean_v(n, v, nax, axes, &mean));
  QCC_RETURN_IF_ERROR(ox_set_out(n, 1, mean));
  if (!want_inv) return NULL;
  QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_sub, v, mean, &d));
  QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_mul, d, d, &d));
  QCC_RETURN_IF_ERROR(reduce_mean_v(n, d, nax, axes, &var));
  QCC_RETURN_IF_ERROR(f32_scalar(n, eps, &t));
  QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_add, var, t, &var));
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_sqrt, 1, &var, 0, NULL, 1, NULL, &var));
  QCC_RETURN_IF_ERROR(f32_scalar(n, 1.0f, &t));
  QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_div, t, var, &var));
  return ox_set_out(n, 2, var);
}

/* BatchNormalization with training_mode = 1 (opset >= 14): normalize with the
 * batch's own statistics (mean and biased variance over every dim but 1) and
 * output the updated running statistics
 *   running_mean = mean * momentum + batch_mean * (1 - momentum)   (var alike),
 * as ONNX's reference does. */
static qcc_status_t batch_norm_training(ox_node *n, float eps) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  if (x.rank < 2) return ox_err(n, QCC_ERR_INVALID, "input must have rank >= 2");
  float mom = ox_attr_f(n, "momentum", 0.9f);
  MlirValue v[5], mean, var, d, t;
  for (int i = 0; i < 5; ++i) {
    QCC_RETURN_IF_ERROR(need_in(n, i));
    QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, i), &v[i]));
  }
  int64_t axes[QCC_MAX_RANK];
  int nax = 0;
  for (int i = 0; i < x.rank; ++i)
    if (i != 1) axes[nax++] = i;
  qcc_shape c = {1, {x.d[1]}};
  QCC_RETURN_IF_ERROR(reduce_mean_v(n, v[0], nax, axes, &mean));
  QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_sub, v[0], mean, &d));
  QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_mul, d, d, &d));
  QCC_RETURN_IF_ERROR(reduce_mean_v(n, d, nax, axes, &var));
  QCC_RETURN_IF_ERROR(reshape_v(n, mean, &c, &mean));
  QCC_RETURN_IF_ERROR(reshape_v(n, var, &c, &var));
  MlirValue ops[5] = {v[0], v[1], v[2], mean, var}, y;
  MlirNamedAttribute a = qcc_attr_f32(CTX, QCC_ATTR_epsilon, eps);
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_batch_norm, 5, ops, 1, &a, 1, NULL, &y));
  QCC_RETURN_IF_ERROR(ox_set_out(n, 0, y));
  MlirValue m_run, b_run;
  QCC_RETURN_IF_ERROR(f32_scalar(n, mom, &m_run));
  QCC_RETURN_IF_ERROR(f32_scalar(n, 1.0f - mom, &b_run));
  for (int k = 0; k < 2; ++k) {
    if ((size_t)(k + 1) >= n->node->n_output || !n->node->output[k + 1] || !*n->node->output[k + 1]) continue;
    MlirValue old_term, new_term;
    QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_mul, v[3 + k], m_run, &old_term));
    QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_mul, k ? var : mean, b_run, &new_term));
    QCC_RETURN_IF_ERROR(binary_v(n, QCC_OP_add, old_term, new_term, &t));
    QCC_RETURN_IF_ERROR(ox_set_out(n, k + 1, t));
  }
  return NULL;
}

static qcc_status_t h_batch_norm(ox_node *n) {
  float eps = ox_attr_f(n, "epsilon", 1e-5f);
  if (OPSET >= 14 && ox_attr_i(n, "training_mode", 0)) return batch_norm_training(n, eps);
  for (size_t i = 1; i < n->node->n_output; ++i)
    if (n->node->output[i] && *n->node->output[i])
      return ox_err(n, QCC_ERR_UNSUPPORTED, "BatchNormalization with running-statistics outputs (training form) is not supported; export in eval mode");
  if (OPSET < 9 && ox_attr_i(n, "spatial", 1) == 0)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "BatchNormalization with spatial=0 is not supported");
  MlirNamedAttribute a = qcc_attr_f32(CTX, QCC_ATTR_epsilon, eps);
  return simple(n, QCC_OP_batch_norm, 5, 1, &a);
}

/* ---- pooling ---- */
static qcc_status_t pool(ox_node *n, bool is_max) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  bool indices = is_max && n->node->n_output > 1 && n->node->output[1] && *n->node->output[1];
  if (indices && x.rank != 4)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "the Indices output of MaxPool is supported for 2-D pooling (4-D input) only");
  if (x.rank == 5) return pool3d(n, &x, is_max);
  if (x.rank != 4 && x.rank != 3)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "only 1-D, 2-D and 3-D pooling (3-D to 5-D input) are supported; input has rank %d", x.rank);
  int sd = x.rank - 2;
  if (sd == 1) { x.rank = 4; x.d[3] = x.d[2]; x.d[2] = 1; }
  int64_t k[16], st[16], pd[16], dl[16];
  QCC_RETURN_IF_ERROR(read_spatial(n, "kernel_shape", sd, k, 1));
  if (!ox_attr(n, "kernel_shape")) return ox_err(n, QCC_ERR_INVALID, "missing kernel_shape");
  QCC_RETURN_IF_ERROR(read_spatial(n, "strides", sd, st, 1));
  QCC_RETURN_IF_ERROR(read_pads(n, sd, pd));
  QCC_RETURN_IF_ERROR(read_spatial(n, "dilations", sd, dl, 1));
  int64_t storage_order = ox_attr_i(n, "storage_order", 0); /* only the Indices output depends on it */
  int64_t ceil_mode = ox_attr_i(n, "ceil_mode", 0);
  int64_t ek[2] = {dl[0] * (k[0] - 1) + 1, dl[1] * (k[1] - 1) + 1};
  QCC_RETURN_IF_ERROR(resolve_auto_pad(n, &x, ek, st, false, pd));
  MlirNamedAttribute a[6];
  int na = 0;
  a[na++] = qcc_attr_i64s(CTX, QCC_ATTR_kernel, 2, k);
  a[na++] = qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, st);
  a[na++] = qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, pd);
  if (is_max) a[na++] = qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, dl);
  a[na++] = qcc_attr_i64(CTX, QCC_ATTR_ceil_mode, ceil_mode != 0);
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &v));
  if (sd == 1) QCC_RETURN_IF_ERROR(unsqueeze_v(n, v, 2, &v));
  if (!is_max) {
    if (dl[0] != 1 || dl[1] != 1) return ox_err(n, QCC_ERR_UNSUPPORTED, "AveragePool with dilations is not supported");
    MlirNamedAttribute all[5] = {a[0], a[1], a[2], a[3], qcc_attr_i64(CTX, QCC_ATTR_count_include_pad, ox_attr_i(n, "count_include_pad", 0) != 0)};
    QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_avg_pool, 1, &v, 5, all, 1, NULL, &v));
  } else if (indices) {
    a[na++] = qcc_attr_i64(CTX, QCC_ATTR_storage_order, storage_order != 0);
    MlirValue r[2];
    QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_max_pool_indices, 1, &v, na, a, 2, NULL, r));
    QCC_RETURN_IF_ERROR(ox_set_out(n, 1, r[1]));
    v = r[0];
  } else {
    QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_max_pool, 1, &v, na, a, 1, NULL, &v));
  }
  if (sd == 1) QCC_RETURN_IF_ERROR(squeeze_v(n, v, 2, &v));
  return ox_set_out(n, 0, v);
}
static qcc_status_t h_max_pool(ox_node *n) { return pool(n, true); }
static qcc_status_t h_avg_pool(ox_node *n) { return pool(n, false); }
static qcc_status_t h_global_avg_pool(ox_node *n) { return simple(n, QCC_OP_global_avg_pool, 1, 0, NULL); }
static qcc_status_t h_global_max_pool(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  if (x.rank != 4) return ox_err(n, QCC_ERR_UNSUPPORTED, "only 4-D GlobalMaxPool is supported");
  int64_t k[2] = {x.d[2], x.d[3]}, one[2] = {1, 1}, z[4] = {0, 0, 0, 0};
  MlirNamedAttribute a[5] = {qcc_attr_i64s(CTX, QCC_ATTR_kernel, 2, k), qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, one),
                             qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, z), qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, one),
                             qcc_attr_i64(CTX, QCC_ATTR_ceil_mode, 0)};
  return simple(n, QCC_OP_max_pool, 1, 5, a);
}

/* ---- reductions ---- */
static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static qcc_status_t reduce(ox_node *n, qcc_op_kind k, bool axes_input) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t ax[16];
  int na = -1;
  if (axes_input) {
    if (ox_in(n, 1)) {
      ox_const *c;
      QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "axes", &c));
      int64_t cnt = qcc_shape_numel(&c->shape);
      if (cnt > 16) return ox_err(n, QCC_ERR_INVALID, "too many axes");
      na = (int)cnt;
      for (int i = 0; i < na; ++i) ax[i] = ox_const_i64(c, i);
    }
  } else {
    na = ox_attr_ints(n, "axes", ax);
    if (na > 16) return ox_err(n, QCC_ERR_INVALID, "too many axes");
  }
  if (na <= 0) {
    if (na == 0 && ox_attr_i(n, "noop_with_empty_axes", 0)) return h_identity(n);
    na = x.rank;
    for (int i = 0; i < na; ++i) ax[i] = i;
  }
  for (int i = 0; i < na; ++i) QCC_RETURN_IF_ERROR(axis_ok(n, &ax[i], x.rank, false));
  qsort(ax, (size_t)na, sizeof *ax, cmp_i64);
  MlirNamedAttribute a[2] = {qcc_attr_i64s(CTX, QCC_ATTR_axes, na, ax),
                             qcc_attr_i64(CTX, QCC_ATTR_keepdims, ox_attr_i(n, "keepdims", 1) != 0)};
  return simple(n, k, 1, 2, a);
}
static qcc_status_t h_reduce_mean(ox_node *n) { return reduce(n, QCC_OP_reduce_mean, OPSET >= 18); }
static qcc_status_t h_reduce_sum(ox_node *n) { return reduce(n, QCC_OP_reduce_sum, OPSET >= 13); }

/* ---- shapes (shared with the constant folder) ---- */
static qcc_status_t reshape_target(ox_node *n, const qcc_shape *x, qcc_shape *y) {
  int64_t dims[16];
  int nd;
  if (OPSET < 5) {
    nd = ox_attr_ints(n, "shape", dims);
    if (nd < 0) return ox_err(n, QCC_ERR_INVALID, "missing 'shape' attribute");
  } else {
    ox_const *c;
    QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "shape", &c));
    int64_t cnt = qcc_shape_numel(&c->shape);
    if (cnt > QCC_MAX_RANK) return ox_err(n, QCC_ERR_UNSUPPORTED, "target rank %lld > %d", (long long)cnt, QCC_MAX_RANK);
    nd = (int)cnt;
    for (int i = 0; i < nd; ++i) dims[i] = ox_const_i64(c, i);
  }
  if (nd > QCC_MAX_RANK) return ox_err(n, QCC_ERR_UNSUPPORTED, "target rank %d > %d", nd, QCC_MAX_RANK);
  bool allowzero = ox_attr_i(n, "allowzero", 0) != 0;
  y->rank = nd;
  int infer = -1;
  int64_t known = 1, total = qcc_shape_numel(x);
  for (int i = 0; i < nd; ++i) {
    int64_t d = dims[i];
    if (d == 0 && !allowzero) {
      if (i >= x->rank) return ox_err(n, QCC_ERR_INVALID, "shape has 0 at dim %d beyond the input's rank", i);
      d = x->d[i];
    }
    if (d == -1) {
      if (infer >= 0) return ox_err(n, QCC_ERR_INVALID, "shape has more than one -1");
      infer = i;
      continue;
    }
    if (d < 0) return ox_err(n, QCC_ERR_INVALID, "shape has negative dim %lld", (long long)d);
    y->d[i] = d;
    if (d && known > INT64_MAX / d) return ox_err(n, QCC_ERR_INVALID, "shape has more than 2^63 elements");
    known *= d;
  }
  if (infer >= 0) {
    if (known == 0 || total % known) return ox_err(n, QCC_ERR_INVALID, "cannot infer the -1 dim of the reshape");
    y->d[infer] = total / known;
  }
  if (qcc_shape_numel(y) != total) {
    char b1[96], b2[96];
    return ox_err(n, QCC_ERR_INVALID, "cannot reshape %s into %s", qcc_shape_str(x, b1, sizeof b1), qcc_shape_str(y, b2, sizeof b2));
  }
  return NULL;
}

static qcc_status_t axes_list(ox_node *n, int input_from_opset, int64_t *ax, int *na) {
  if (OPSET >= input_from_opset) {
    *na = 0;
    if (!ox_in(n, 1)) return NULL;
    ox_const *c;
    QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "axes", &c));
    int64_t cnt = qcc_shape_numel(&c->shape);
    if (cnt > QCC_MAX_RANK) return ox_err(n, QCC_ERR_INVALID, "too many axes");
    *na = (int)cnt;
    for (int i = 0; i < *na; ++i) ax[i] = ox_const_i64(c, i);
    return NULL;
  }
  *na = ox_attr_ints(n, "axes", ax);
  if (*na > QCC_MAX_RANK) return ox_err(n, QCC_ERR_INVALID, "too many axes");
  if (*na < 0) *na = 0;
  return NULL;
}

static qcc_status_t squeeze_target(ox_node *n, const qcc_shape *x, int64_t *ax, int *na, qcc_shape *y) {
  QCC_RETURN_IF_ERROR(axes_list(n, 13, ax, na));
  if (*na == 0)
    for (int i = 0; i < x->rank; ++i)
      if (x->d[i] == 1) ax[(*na)++] = i;
  for (int i = 0; i < *na; ++i) QCC_RETURN_IF_ERROR(axis_ok(n, &ax[i], x->rank, false));
  qsort(ax, (size_t)*na, sizeof *ax, cmp_i64);
  y->rank = 0;
  for (int i = 0; i < x->rank; ++i) {
    bool sq = false;
    for (int j = 0; j < *na; ++j) sq |= ax[j] == i;
    if (sq && x->d[i] != 1) return ox_err(n, QCC_ERR_INVALID, "cannot squeeze dim %d of size %lld", i, (long long)x->d[i]);
    if (!sq) y->d[y->rank++] = x->d[i];
  }
  return NULL;
}

static qcc_status_t unsqueeze_target(ox_node *n, const qcc_shape *x, int64_t *ax, int *na, qcc_shape *y) {
  QCC_RETURN_IF_ERROR(axes_list(n, 13, ax, na));
  int r = x->rank + *na;
  if (r > QCC_MAX_RANK) return ox_err(n, QCC_ERR_UNSUPPORTED, "result rank %d > %d", r, QCC_MAX_RANK);
  for (int i = 0; i < *na; ++i) QCC_RETURN_IF_ERROR(axis_ok(n, &ax[i], r, false));
  qsort(ax, (size_t)*na, sizeof *ax, cmp_i64);
  for (int i = 1; i < *na; ++i)
    if (ax[i] == ax[i - 1]) return ox_err(n, QCC_ERR_INVALID, "axis %lld repeated", (long long)ax[i]);
  y->rank = r;
  int k = 0;
  for (int i = 0; i < r; ++i) {
    bool ins = false;
    for (int j = 0; j < *na; ++j) ins |= ax[j] == i;
    y->d[i] = ins ? 1 : x->d[k++];
  }
  return NULL;
}

static qcc_status_t h_reshape(ox_node *n) {
  qcc_shape x, y;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  QCC_RETURN_IF_ERROR(reshape_target(n, &x, &y));
  MlirType t = qcc_tensor_type(ox_in_elem(n, 0), &y);
  ox_value *in = ox_in(n, 0);
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_emit(n, QCC_OP_reshape, 1, &in, 0, NULL, 1, &t, &v));
  return ox_set_out(n, 0, v);
}

static qcc_status_t h_flatten(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t axis = ox_attr_i(n, "axis", 1);
  QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x.rank, true));
  MlirNamedAttribute a = qcc_attr_i64(CTX, QCC_ATTR_axis, axis);
  return simple(n, QCC_OP_flatten, 1, 1, &a);
}

static qcc_status_t h_squeeze(ox_node *n) {
  qcc_shape x, y;
  int64_t ax[16];
  int na;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  QCC_RETURN_IF_ERROR(squeeze_target(n, &x, ax, &na, &y));
  MlirNamedAttribute a = qcc_attr_i64s(CTX, QCC_ATTR_axes, na, ax);
  return simple(n, QCC_OP_squeeze, 1, 1, &a);
}

static qcc_status_t h_unsqueeze(ox_node *n) {
  qcc_shape x, y;
  int64_t ax[16];
  int na;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  QCC_RETURN_IF_ERROR(unsqueeze_target(n, &x, ax, &na, &y));
  MlirNamedAttribute a = qcc_attr_i64s(CTX, QCC_ATTR_axes, na, ax);
  return simple(n, QCC_OP_unsqueeze, 1, 1, &a);
}

static qcc_status_t h_transpose(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t p[16];
  int np = ox_attr_ints(n, "perm", p);
  if (np < 0) {
    np = x.rank;
    for (int i = 0; i < np; ++i) p[i] = x.rank - 1 - i;
  }
  if (np != x.rank) return ox_err(n, QCC_ERR_INVALID, "perm has %d values for rank %d", np, x.rank);
  for (int i = 0; i < np; ++i) QCC_RETURN_IF_ERROR(axis_ok(n, &p[i], x.rank, false));
  MlirNamedAttribute a = qcc_attr_i64s(CTX, QCC_ATTR_perm, np, p);
  return simple(n, QCC_OP_transpose, 1, 1, &a);
}

static qcc_status_t h_concat(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t axis = ox_attr_i(n, "axis", OPSET < 4 ? 1 : 0);
  if (OPSET >= 4 && !ox_attr(n, "axis")) return ox_err(n, QCC_ERR_INVALID, "missing 'axis' attribute");
  QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x.rank, false));
  ox_value *ops[64];
  int k = 0;
  for (int i = 0; i < n->n_in; ++i) {
    QCC_RETURN_IF_ERROR(need_in(n, i));
    qcc_shape s;
    ox_in_shape(n, i, &s);
    if (qcc_shape_numel(&s) == 0 && n->n_in > 1) continue; /* empty inputs contribute nothing */
    ops[k++] = ox_in(n, i);
  }
  if (k == 0) ops[k++] = ox_in(n, 0);
  MlirNamedAttribute a = qcc_attr_i64(CTX, QCC_ATTR_axis, axis);
  /* More inputs than a variadic list holds: concatenate in chunks. */
  MlirValue vals[64], v;
  for (int i = 0; i < k; ++i) QCC_RETURN_IF_ERROR(ox_val(n->im, ops[i], &vals[i]));
  int first = k < QCC_MAX_VARIADIC ? k : QCC_MAX_VARIADIC;
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_concat, first, vals, 1, &a, 1, NULL, &v));
  for (int i = first; i < k; i += QCC_MAX_VARIADIC - 1) {
    MlirValue chunk[QCC_MAX_VARIADIC];
    int c = 0;
    chunk[c++] = v;
    for (int j = i; j < k && c < QCC_MAX_VARIADIC; ++j) chunk[c++] = vals[j];
    QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_concat, c, chunk, 1, &a, 1, NULL, &v));
  }
  return ox_set_out(n, 0, v);
}

static qcc_status_t h_split(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t axis = ox_attr_i(n, "axis", 0);
  QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x.rank, false));
  int no = (int)n->node->n_output;
  if (no < 1 || no > 16) return ox_err(n, QCC_ERR_UNSUPPORTED, "Split into %d outputs is not supported", no);
  int64_t sz[16];
  int ns = -1;
  if (OPSET >= 13) {
    if (ox_in(n, 1)) {
      ox_const *c;
      QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "split", &c));
      int64_t cnt = qcc_shape_numel(&c->shape);
      if (cnt > 16) return ox_err(n, QCC_ERR_UNSUPPORTED, "too many splits");
      ns = (int)cnt;
      for (int i = 0; i < ns; ++i) sz[i] = ox_const_i64(c, i);
    }
  } else {
    ns = ox_attr_ints(n, "split", sz);
  }
  if (ns < 0 || (ns == 0 && OPSET >= 13)) {
    int64_t d = x.d[axis], per = (d + no - 1) / no;
    ns = no;
    for (int i = 0; i < no; ++i) {
      sz[i] = d - per * i < per ? d - per * i : per;
      if (sz[i] < 0) sz[i] = 0;
    }
  }
  if (ns != no) return ox_err(n, QCC_ERR_INVALID, "split has %d sizes for %d outputs", ns, no);
  MlirType t[16];
  for (int i = 0; i < no; ++i) {
    qcc_shape s = x;
    s.d[axis] = sz[i];
    t[i] = qcc_tensor_type(ox_in_elem(n, 0), &s);
  }
  MlirNamedAttribute a = qcc_attr_i64(CTX, QCC_ATTR_axis, axis);
  ox_value *in = ox_in(n, 0);
  MlirValue v[16];
  QCC_RETURN_IF_ERROR(ox_emit(n, QCC_OP_split, 1, &in, 1, &a, no, t, v));
  for (int i = 0; i < no; ++i) QCC_RETURN_IF_ERROR(ox_set_out(n, i, v[i]));
  return NULL;
}

/* Normalized slice parameters (shared with the folder). */
typedef struct {
  int n;
  int64_t st[QCC_MAX_RANK], en[QCC_MAX_RANK], ax[QCC_MAX_RANK], sp[QCC_MAX_RANK];
} slice_params;

static qcc_status_t slice_params_get(ox_node *n, const qcc_shape *x, slice_params *p) {
  int64_t st[16], en[16], ax[16], sp[16];
  int k;
  if (OPSET < 10) {
    k = ox_attr_ints(n, "starts", st);
    if (k < 0 || ox_attr_ints(n, "ends", en) != k) return ox_err(n, QCC_ERR_INVALID, "starts and ends must have the same length");
    int ka = ox_attr_ints(n, "axes", ax);
    if (ka < 0) for (int i = 0; i < k; ++i) ax[i] = i;
    else if (ka != k) return ox_err(n, QCC_ERR_INVALID, "axes must have one value per start");
    for (int i = 0; i < k; ++i) sp[i] = 1;
  } else {
    ox_const *cs, *ce, *ca, *cp;
    QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "starts", &cs));
    QCC_RETURN_IF_ERROR(ox_need_const(n, 2, "ends", &ce));
    int64_t cnt = qcc_shape_numel(&cs->shape);
    if (cnt > QCC_MAX_RANK || qcc_shape_numel(&ce->shape) != cnt) return ox_err(n, QCC_ERR_INVALID, "starts and ends must have the same length (at most %d)", QCC_MAX_RANK);
    k = (int)cnt;
    for (int i = 0; i < k; ++i) { st[i] = ox_const_i64(cs, i); en[i] = ox_const_i64(ce, i); ax[i] = i; sp[i] = 1; }
    if (ox_in(n, 3)) {
      QCC_RETURN_IF_ERROR(ox_need_const(n, 3, "axes", &ca));
      if (qcc_shape_numel(&ca->shape) != k) return ox_err(n, QCC_ERR_INVALID, "axes must have one value per start");
      for (int i = 0; i < k; ++i) ax[i] = ox_const_i64(ca, i);
    }
    if (ox_in(n, 4)) {
      QCC_RETURN_IF_ERROR(ox_need_const(n, 4, "steps", &cp));
      if (qcc_shape_numel(&cp->shape) != k) return ox_err(n, QCC_ERR_INVALID, "steps must have one value per start");
      for (int i = 0; i < k; ++i) sp[i] = ox_const_i64(cp, i);
    }
  }
  if (k > QCC_MAX_RANK) return ox_err(n, QCC_ERR_INVALID, "too many slice axes");
  p->n = k;
  for (int i = 0; i < k; ++i) {
    QCC_RETURN_IF_ERROR(axis_ok(n, &ax[i], x->rank, false));
    int64_t d = x->d[ax[i]], s = st[i], e = en[i], step = sp[i];
    if (step == 0) return ox_err(n, QCC_ERR_INVALID, "slice step is 0");
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = s < 0 ? 0 : s > d ? d : s;
      e = e < 0 ? 0 : e > d ? d : e;
    } else {
      s = s < 0 ? -1 : s > d - 1 ? d - 1 : s;
      e = e < -1 ? -1 : e > d - 1 ? d - 1 : e;
    }
    /* Clamped INT64_MAX-style ends: en[i] huge and negative are handled above. */
    p->st[i] = s; p->en[i] = e; p->ax[i] = ax[i]; p->sp[i] = step;
  }
  return NULL;
}

static qcc_status_t h_slice(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  slice_params p;
  QCC_RETURN_IF_ERROR(slice_params_get(n, &x, &p));
  MlirNamedAttribute a[4] = {qcc_attr_i64s(CTX, QCC_ATTR_starts, p.n, p.st), qcc_attr_i64s(CTX, QCC_ATTR_ends, p.n, p.en),
                             qcc_attr_i64s(CTX, QCC_ATTR_axes, p.n, p.ax), qcc_attr_i64s(CTX, QCC_ATTR_steps, p.n, p.sp)};
  return simple(n, QCC_OP_slice, 1, 4, a);
}

static qcc_status_t h_pad(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t pads[16] = {0};
  float value = 0;
  char b[32];
  const char *mode = ox_attr_s(n, "mode", "constant", b, sizeof b);
  if (OPSET < 11) {
    int k = ox_attr_ints(n, OPSET < 2 ? "paddings" : "pads", pads);
    if (k != 2 * x.rank) return ox_err(n, QCC_ERR_INVALID, "pads must have %d values", 2 * x.rank);
    value = ox_attr_f(n, "value", 0.0f);
  } else {
    ox_const *c;
    QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "pads", &c));
    int64_t cnt = qcc_shape_numel(&c->shape);
    int64_t ax[QCC_MAX_RANK];
    int na = x.rank;
    for (int i = 0; i < na; ++i) ax[i] = i;
    if (ox_in(n, 3)) {
      ox_const *ca;
      QCC_RETURN_IF_ERROR(ox_need_const(n, 3, "axes", &ca));
      int64_t k = qcc_shape_numel(&ca->shape);
      if (k > x.rank) return ox_err(n, QCC_ERR_INVALID, "too many axes");
      na = (int)k;
      for (int i = 0; i < na; ++i) { ax[i] = ox_const_i64(ca, i); QCC_RETURN_IF_ERROR(axis_ok(n, &ax[i], x.rank, false)); }
    }
    if (cnt != 2 * na) return ox_err(n, QCC_ERR_INVALID, "pads must have %d values, has %lld", 2 * na, (long long)cnt);
    for (int i = 0; i < na; ++i) {
      pads[ax[i]] = ox_const_i64(c, i);
      pads[ax[i] + x.rank] = ox_const_i64(c, i + na);
    }
    if (ox_in(n, 2)) {
      ox_const *cv;
      QCC_RETURN_IF_ERROR(ox_need_const(n, 2, "constant_value", &cv));
      if (qcc_shape_numel(&cv->shape) >= 1) value = (float)ox_const_f64(cv, 0);
    }
  }
  if (strcmp(mode, "constant") && strcmp(mode, "reflect") && strcmp(mode, "edge"))
    return ox_err(n, QCC_ERR_UNSUPPORTED, "pad mode '%s' is not supported", mode);
  MlirNamedAttribute a[3] = {qcc_attr_i64s(CTX, QCC_ATTR_pads, 2 * x.rank, pads), qcc_attr_str(CTX, QCC_ATTR_mode, mode),
                             qcc_attr_f32(CTX, QCC_ATTR_value, value)};
  return simple(n, QCC_OP_pad, 1, 3, a);
}

static qcc_status_t h_gather(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  int64_t axis = ox_attr_i(n, "axis", 0);
  QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x.rank, false));
  ox_value *ix = ox_in(n, 1);
  if (ix && ix->is_const) { /* ONNX requires indices in [-d, d-1] */
    int64_t d = x.d[axis];
    for (int64_t i = 0; i < qcc_shape_numel(&ix->c.shape); ++i) {
      int64_t k = ox_const_i64(&ix->c, i);
      if (k < -d || k >= d)
        return ox_err(n, QCC_ERR_INVALID, "gather index %lld out of range [-%lld, %lld) for axis %lld", (long long)k, (long long)d, (long long)d, (long long)axis);
    }
  }
  MlirNamedAttribute a = qcc_attr_i64(CTX, QCC_ATTR_axis, axis);
  return simple(n, QCC_OP_gather, 2, 1, &a);
}

static qcc_status_t h_expand(ox_node *n) {
  qcc_shape x, y, t;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  ox_const *c;
  QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "shape", &c));
  int64_t cnt = qcc_shape_numel(&c->shape);
  if (cnt > QCC_MAX_RANK) return ox_err(n, QCC_ERR_UNSUPPORTED, "rank too large");
  t.rank = (int)cnt;
  for (int i = 0; i < t.rank; ++i) t.d[i] = ox_const_i64(c, i);
  if (!qcc_broadcast_shapes(&x, &t, &y)) return ox_err(n, QCC_ERR_INVALID, "shape does not broadcast with the input");
  MlirType rt = qcc_tensor_type(ox_in_elem(n, 0), &y);
  ox_value *in = ox_in(n, 0);
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_emit(n, QCC_OP_expand, 1, &in, 0, NULL, 1, &rt, &v));
  return ox_set_out(n, 0, v);
}

/* ---- resize ---- */
/* Cubic and tf_crop_and_resize Resize, lowered to matrix products. ONNX's
 * Resize interpolates one axis at a time with coefficients that depend only
 * on the output position, so along each spatial axis it is a linear map
 * A [O, L]: y = A_h x A_w^T over the (H, W) planes, two qcc.matmul ops with
 * constant A. Each row of A follows ONNX's reference (interpolate_1d_with_x):
 * the source coordinate x_ori in double, the n nearest input positions around
 * it (n = 4 for cubic, 2 otherwise; edge positions repeat, i.e. clamp), their
 * coefficients (cubic with cubic_coeff_a, optionally exclude_outside and
 * renormalized). tf_crop_and_resize maps through the roi and gives
 * extrapolation_value where x_ori falls outside [0, L-1]: those rows of A are
 * zero and a constant E adds the value at every output whose row or column
 * is outside (the interpolation weights of the other axis sum to 1). */
typedef struct {
  const char *mode, *ct, *nm;
  double cubic_a;
  bool exclude_outside;
} rz_opts;

static void rz_coeffs(const rz_opts *o, double ratio, bool integral, int *count, double *c) {
  if (!strcmp(o->mode, "cubic")) {
    const double A = o->cubic_a, r = ratio, q = 1.0 - ratio;
    c[0] = ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A;
    c[1] = ((A + 2) * r - (A + 3)) * r * r + 1;
    c[2] = ((A + 2) * q - (A + 3)) * q * q + 1;
    c[3] = ((A * (q + 1) - 5 * A) * (q + 1) + 8 * A) * (q + 1) - 4 * A;
    *count = 4;
    return;
  }
  *count = 2;
  if (!strcmp(o->mode, "linear")) {
    c[0] = 1.0 - ratio, c[1] = ratio;
  } else if (integral || !strcmp(o->nm, "ceil")) { /* nearest */
    c[0] = 0, c[1] = 1;
  } else if (!strcmp(o->nm, "floor")) {
    c[0] = 1, c[1] = 0;
  } else if (!strcmp(o->nm, "round_prefer_ceil")) {
    c[0] = ratio < 0.5, c[1] = ratio >= 0.5;
  } else {
    c[0] = ratio <= 0.5, c[1] = ratio > 0.5;
  }
}

/* A [out][in] (float) for one axis; outside[o] for rows that extrapolate. */
static void rz_matrix(const rz_opts *o, int64_t in, int64_t out, double scale, double len, double roi0, double roi1,
                      float *A, bool *outside) {
  for (int64_t r = 0; r < out; ++r) {
    float *row = A + r * in;
    for (int64_t i = 0; i < in; ++i) row[i] = 0.0f;
    outside[r] = false;
    double x = (double)r, xo;
    if (!strcmp(o->ct, "align_corners")) xo = len == 1.0 ? 0.0 : x * (double)(in - 1) / (len - 1.0);
    else if (!strcmp(o->ct, "asymmetric")) xo = x / scale;
    else if (!strcmp(o->ct, "pytorch_half_pixel")) xo = len == 1.0 ? -0.5 : (x + 0.5) / scale - 0.5;
    else if (!strcmp(o->ct, "tf_half_pixel_for_nn")) xo = (x + 0.5) / scale;
    else if (!strcmp(o->ct, "tf_crop_and_resize")) {
      xo = len == 1.0 ? (roi1 - roi0) * (double)(in - 1) / 2.0 : x * (roi1 - roi0) * (double)(in - 1) / (len - 1.0);
      xo += roi0 * (double)(in - 1);
      if (xo < 0.0 || xo > (double)(in - 1)) {
        outside[r] = true;
        continue;
      }
    } else {
      xo = (x + 0.5) / scale - 0.5; /* half_pixel */
    }
    /* ratio in (0, 1]: an integral x_ori counts as the right end of [x-1, x] */
    const bool integral = xo == floor(xo);
    const double base = integral ? xo - 1.0 : floor(xo), ratio = integral ? 1.0 : xo - base;
    double c[4];
    int k;
    rz_coeffs(o, ratio, integral, &k, c);
    const int64_t first = (int64_t)base - (k == 4 ? 1 : 0);
    if (o->exclude_outside) {
      double sum = 0;
      for (int j = 0; j < k; ++j) {
        if (first + j < 0 || first + j >= in) c[j] = 0;
        sum += c[j];
      }
      for (int j = 0; j < k; ++j) c[j] = sum != 0 ? c[j] / sum : 0;
    }
    for (int j = 0; j < k; ++j) {
      int64_t idx = first + j;
      idx = idx < 0 ? 0 : idx >= in ? in - 1 : idx;
      row[idx] = (float)((double)row[idx] + c[j]);
    }
  }
}

static bool rz_identity(const float *A, int64_t out, int64_t in) {
  if (out != in) return false;
  for (int64_t r = 0; r < out; ++r)
    for (int64_t i = 0; i < in; ++i)
      if (A[r * in + i] != (r == i ? 1.0f : 0.0f)) return false;
  return true;
}

static qcc_status_t resize_by_matrices(ox_node *n, const qcc_shape *x, const qcc_shape *y, const float *sc,
                                       bool have_sizes, const rz_opts *o, const ox_const *roi) {
  if (x->rank != 4 || y->d[0] != x->d[0] || y->d[1] != x->d[1])
    return ox_err(n, QCC_ERR_UNSUPPORTED, "only resizing the spatial dims of a 4-D NCHW tensor is supported");
  if (roi && (ox_const_f64(roi, 0) != 0 || ox_const_f64(roi, 1) != 0 || ox_const_f64(roi, 4) != 1 || ox_const_f64(roi, 5) != 1))
    return ox_err(n, QCC_ERR_UNSUPPORTED, "tf_crop_and_resize with a roi on the N or C dims is not supported");
  if (!mlirTypeIsAF32(ox_in_elem(n, 0))) return ox_err(n, QCC_ERR_UNSUPPORTED, "cubic and tf_crop_and_resize Resize run on float32 only");
  float *A[2] = {NULL, NULL};
  bool *out[2] = {NULL, NULL};
  qcc_status_t st = NULL;
  for (int ax = 0; ax < 2 && !st; ++ax) {
    int64_t L = x->d[2 + ax], O = y->d[2 + ax];
    if (L < 1 || O < 1 || O > (1 << 20) || L > (1 << 20) || O * L > (1 << 26)) {
      st = ox_err(n, QCC_ERR_UNSUPPORTED, "resize by interpolation matrices: dims too large (%lld -> %lld)", (long long)L, (long long)O);
      break;
    }
    A[ax] = malloc(sizeof(float) * (size_t)(O * L));
    out[ax] = malloc(sizeof(bool) * (size_t)O);
    if (!A[ax] || !out[ax]) { st = ox_err(n, QCC_ERR_INTERNAL, "out of memory"); break; }
    /* the scale and resized length of ONNX's reference: float32 scales from
     * the model, or O/L in double when sizes were given */
    double scale = have_sizes ? (double)O / (double)L : (double)sc[2 + ax];
    double len = have_sizes ? scale * (double)L : (double)(float)(scale * (double)L);
    /* tf_crop_and_resize samples the roi at exactly O points (TensorFlow's
     * crop_and_resize, ONNX Runtime; the reference agrees when given sizes) */
    if (roi) len = (double)O;
    double r0 = roi ? ox_const_f64(roi, 2 + ax) : 0, r1 = roi ? ox_const_f64(roi, 6 + ax) : 1;
    rz_matrix(o, L, O, scale, len, r0, r1, A[ax], out[ax]);
  }
  MlirValue v, m;
  if (!st) st = ox_val(n->im, ox_in(n, 0), &v);
  int64_t H = x->d[2], W = x->d[3], OH = y->d[2], OW = y->d[3];
  if (!st && !rz_identity(A[1], OW, W)) { /* v [N, C, H, W] x A_w^T [W, OW] */
    float *t = malloc(sizeof(float) * (size_t)(W * OW));
    if (!t) st = ox_err(n, QCC_ERR_INTERNAL, "out of memory");
    for (int64_t i = 0; !st && i < W; ++i)
      for (int64_t j = 0; j < OW; ++j) t[i * OW + j] = A[1][j * W + i];
    qcc_shape ts = {2, {W, OW}};
    if (!st) st = f32_const(n, &ts, t, &m);
    free(t);
    if (!st) st = binary_v(n, QCC_OP_matmul, v, m, &v);
  }
  if (!st && !rz_identity(A[0], OH, H)) { /* A_h [OH, H] x v [N, C, H, OW] */
    qcc_shape as = {2, {OH, H}};
    st = f32_const(n, &as, A[0], &m);
    if (!st) st = binary_v(n, QCC_OP_matmul, m, v, &v);
  }
  bool any_out = false;
  for (int ax = 0; ax < 2 && !st; ++ax)
    for (int64_t r = 0; r < y->d[2 + ax]; ++r) any_out |= out[ax][r];
  if (!st && any_out) {
    float *e = malloc(sizeof(float) * (size_t)(OH * OW));
    float ev = ox_attr_f(n, "extrapolation_value", 0.0f);
    if (!e) st = ox_err(n, QCC_ERR_INTERNAL, "out of memory");
    for (int64_t i = 0; !st && i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) e[i * OW + j] = out[0][i] || out[1][j] ? ev : 0.0f;
    qcc_shape es = {2, {OH, OW}};
    if (!st) st = f32_const(n, &es, e, &m);
    free(e);
    if (!st) st = binary_v(n, QCC_OP_add, v, m, &v);
  }
  for (int ax = 0; ax < 2; ++ax) free(A[ax]), free(out[ax]);
  QCC_RETURN_IF_ERROR(st);
  return ox_set_out(n, 0, v);
}

static qcc_status_t resize(ox_node *n, bool upsample) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  char b1[32], b2[48], b3[32];
  const char *mode = ox_attr_s(n, "mode", "nearest", b1, sizeof b1);
  const char *ct = OPSET >= 11 && !upsample ? ox_attr_s(n, "coordinate_transformation_mode", "half_pixel", b2, sizeof b2) : "asymmetric";
  const char *nm = OPSET >= 11 && !upsample ? ox_attr_s(n, "nearest_mode", "round_prefer_floor", b3, sizeof b3) : "floor";
  if (OPSET < 11 && !strcmp(mode, "linear")) ct = "asymmetric";
  if (!strcmp(mode, "bilinear")) mode = "linear";
  if (strcmp(mode, "nearest") && strcmp(mode, "linear") && strcmp(mode, "cubic"))
    return ox_err(n, QCC_ERR_UNSUPPORTED, "resize mode '%s' is not supported (nearest, linear and cubic are)", mode);
  bool by_matrices = !strcmp(mode, "cubic") || !strcmp(ct, "tf_crop_and_resize");
  ox_const *roi = NULL;
  if (!strcmp(ct, "tf_crop_and_resize")) {
    QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "roi", &roi));
    if (qcc_shape_numel(&roi->shape) != 2 * x.rank) return ox_err(n, QCC_ERR_INVALID, "roi must have %d values", 2 * x.rank);
  }
  if (OPSET >= 18 && (ox_attr(n, "axes") || ox_attr_i(n, "antialias", 0)))
    return ox_err(n, QCC_ERR_UNSUPPORTED, "Resize with axes or antialias is not supported");
  float sc[QCC_MAX_RANK] = {0};
  qcc_shape y = x;
  bool have_sizes = false;
  int scales_in = upsample ? 1 : (OPSET >= 11 ? 2 : 1);
  if (upsample && OPSET < 9) {
    Onnx__AttributeProto *a = ox_attr(n, "scales");
    if (!a || (int)a->n_floats != x.rank) return ox_err(n, QCC_ERR_INVALID, "scales must have %d values", x.rank);
    for (int i = 0; i < x.rank; ++i) sc[i] = a->floats[i];
  } else {
    ox_value *s = ox_in(n, scales_in);
    qcc_shape ss = {0, {0}};
    if (s) ox_in_shape(n, scales_in, &ss);
    if (s && qcc_shape_numel(&ss) > 0) {
      ox_const *c;
      QCC_RETURN_IF_ERROR(ox_need_const(n, scales_in, "scales", &c));
      if (qcc_shape_numel(&c->shape) != x.rank) return ox_err(n, QCC_ERR_INVALID, "scales must have %d values", x.rank);
      for (int i = 0; i < x.rank; ++i) sc[i] = (float)ox_const_f64(c, i);
    } else if (!upsample && OPSET >= 11 && ox_in(n, 3)) {
      ox_const *c;
      QCC_RETURN_IF_ERROR(ox_need_const(n, 3, "sizes", &c));
      if (qcc_shape_numel(&c->shape) != x.rank) return ox_err(n, QCC_ERR_INVALID, "sizes must have %d values", x.rank);
      for (int i = 0; i < x.rank; ++i) y.d[i] = ox_const_i64(c, i);
      have_sizes = true;
    } else {
      return ox_err(n, QCC_ERR_INVALID, "one of scales and sizes is required");
    }
  }
  if (!have_sizes)
    for (int i = 0; i < x.rank; ++i) {
      if (!(sc[i] > 0)) return ox_err(n, QCC_ERR_INVALID, "scales must be positive");
      double d = floor((double)x.d[i] * (double)sc[i]);
      if (roi) { /* tf_crop_and_resize: the roi's share of the input, in float as ONNX Runtime */
        float share = (float)ox_const_f64(roi, x.rank + i) - (float)ox_const_f64(roi, i);
        d = floor((double)((float)x.d[i] * share * sc[i]));
      }
      if (!(d < 0x1p62)) return ox_err(n, QCC_ERR_INVALID, "scales make dim %d too large", i);
      y.d[i] = (int64_t)d;
    }
  if (by_matrices) {
    rz_opts o = {mode, ct, nm, ox_attr_f(n, "cubic_coeff_a", -0.75f), ox_attr_i(n, "exclude_outside", 0) != 0};
    return resize_by_matrices(n, &x, &y, sc, have_sizes, &o, roi);
  }
  if (x.rank != 4 || y.d[0] != x.d[0] || y.d[1] != x.d[1])
    return ox_err(n, QCC_ERR_UNSUPPORTED, "only resizing the spatial dims of a 4-D NCHW tensor is supported");
  MlirNamedAttribute a[4] = {qcc_attr_str(CTX, QCC_ATTR_mode, mode), qcc_attr_str(CTX, QCC_ATTR_coordinate_transformation_mode, ct),
                             qcc_attr_str(CTX, QCC_ATTR_nearest_mode, nm), qcc_attr_f32s(CTX, QCC_ATTR_scales, x.rank, sc)};
  MlirType t = qcc_tensor_type(ox_in_elem(n, 0), &y);
  ox_value *in = ox_in(n, 0);
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_emit(n, QCC_OP_resize, 1, &in, 4, a, 1, &t, &v));
  return ox_set_out(n, 0, v);
}
static qcc_status_t h_resize(ox_node *n) { return resize(n, false); }
static qcc_status_t h_upsample(ox_node *n) { return resize(n, true); }

/* ---- quantization ---- */
/* Quantized element type from constant scale / zero point (per-tensor or per-axis). */
static qcc_status_t quant_type(ox_node *n, int scale_in, int zp_in, int64_t axis, const qcc_shape *x,
                               MlirType storage_default, MlirType *out) {
  ox_const *sc, *zp = NULL;
  QCC_RETURN_IF_ERROR(ox_need_const(n, scale_in, "scale", &sc));
  if (ox_in(n, zp_in)) QCC_RETURN_IF_ERROR(ox_need_const(n, zp_in, "zero_point", &zp));
  int64_t ns = qcc_shape_numel(&sc->shape);
  MlirType storage = zp ? ox_mlir_elem(CTX, zp->dtype) : storage_default;
  if (!mlirTypeIsAInteger(storage) || mlirIntegerTypeGetWidth(storage) != 8)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "only 8-bit quantization is supported here");
  bool is_signed = !mlirIntegerTypeIsUnsigned(storage);
  int64_t qmin = is_signed ? -128 : 0, qmax = is_signed ? 127 : 255;
  MlirType f32 = mlirF32TypeGet(CTX);
  MlirType st8 = mlirIntegerTypeGet(CTX, 8);
  unsigned flags = is_signed ? mlirQuantizedTypeGetSignedFlag() : 0;
  if (sc->shape.rank == 0 || ns == 1) {
    double s = ox_const_f64(sc, 0);
    if (!(s > 0) || !isfinite(s)) return ox_err(n, QCC_ERR_INVALID, "scale must be positive and finite, is %g", s);
    int64_t z = zp ? ox_const_i64(zp, 0) : 0;
    *out = mlirUniformQuantizedTypeGet(flags, st8, f32, s, z, qmin, qmax);
    return NULL;
  }
  if (sc->shape.rank != 1) return ox_err(n, QCC_ERR_UNSUPPORTED, "blockwise scales are not supported in ONNX import");
  if (axis < 0) axis += x->rank;
  if (axis < 0 || axis >= x->rank || x->d[axis] != ns) return ox_err(n, QCC_ERR_INVALID, "per-axis scale has %lld values, axis %lld has %lld", (long long)ns, (long long)axis, axis >= 0 && axis < x->rank ? (long long)x->d[axis] : -1LL);
  if (zp && qcc_shape_numel(&zp->shape) != ns) return ox_err(n, QCC_ERR_INVALID, "zero_point must have as many values as scale");
  double *s = malloc(sizeof(double) * (size_t)ns);
  int64_t *z = malloc(sizeof(int64_t) * (size_t)ns);
  for (int64_t i = 0; i < ns; ++i) {
    s[i] = ox_const_f64(sc, i);
    z[i] = zp ? ox_const_i64(zp, i) : 0;
    if (!(s[i] > 0) || !isfinite(s[i])) { free(s); free(z); return ox_err(n, QCC_ERR_INVALID, "scale must be positive and finite"); }
  }
  *out = mlirUniformQuantizedPerAxisTypeGet(flags, st8, f32, ns, s, z, (int32_t)axis, qmin, qmax);
  free(s);
  free(z);
  return NULL;
}

/* Reinterpret input `in` (integer storage) as quant type qt, then dequantize to f32. */
static qcc_status_t cast_dequantize(ox_node *n, int in, MlirType qt, const qcc_shape *x, MlirValue *out) {
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, in), &v));
  MlirType t = qcc_tensor_type(qt, x);
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_storage_cast, 1, &v, 0, NULL, 1, &t, &v));
  MlirType ft = qcc_tensor_type(mlirF32TypeGet(CTX), x);
  return ox_emit_v(n, QCC_OP_dequantize, 1, &v, 0, NULL, 1, &ft, out);
}

/* quantize + storage_cast of a float value to the scale/zero point of inputs
 * scale_in/zp_in: ONNX consumers see the plain integer tensor. */
static qcc_status_t q_output(ox_node *n, MlirValue v, int scale_in, int zp_in, int64_t axis, MlirValue *out) {
  qcc_shape y;
  qcc_type_shape(mlirValueGetType(v), &y);
  MlirType qt;
  QCC_RETURN_IF_ERROR(quant_type(n, scale_in, zp_in, axis, &y, mlirIntegerTypeUnsignedGet(CTX, 8), &qt));
  MlirType t = qcc_tensor_type(qt, &y);
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_quantize, 1, &v, 0, NULL, 1, &t, &v));
  MlirType it = qcc_tensor_type(mlirQuantizedTypeIsSigned(qt) ? mlirIntegerTypeGet(CTX, 8) : mlirIntegerTypeUnsignedGet(CTX, 8), &y);
  return ox_emit_v(n, QCC_OP_storage_cast, 1, &v, 0, NULL, 1, &it, out);
}

static qcc_status_t h_quantize_linear(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  if (!mlirTypeIsAF32(ox_in_elem(n, 0))) return ox_err(n, QCC_ERR_UNSUPPORTED, "only float32 inputs are supported");
  MlirValue v;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &v));
  QCC_RETURN_IF_ERROR(q_output(n, v, 1, 2, OPSET >= 13 ? ox_attr_i(n, "axis", 1) : 1, &v));
  return ox_set_out(n, 0, v);
}

static qcc_status_t h_dequantize_linear(ox_node *n) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  MlirType e = ox_in_elem(n, 0);
  if (mlirTypeIsAInteger(e) && mlirIntegerTypeGetWidth(e) == 32 && !mlirIntegerTypeIsUnsigned(e)) {
    /* int32 (bias) dequantization: ONNX requires zero point 0; the scale is
     * per tensor or per axis. An i32 quant type, as qcc-convert makes for biases. */
    ox_const *sc, *zp = NULL;
    QCC_RETURN_IF_ERROR(ox_need_const(n, 1, "scale", &sc));
    if (ox_in(n, 2)) QCC_RETURN_IF_ERROR(ox_need_const(n, 2, "zero_point", &zp));
    for (int64_t i = 0; zp && i < qcc_shape_numel(&zp->shape); ++i)
      if (ox_const_i64(zp, i)) return ox_err(n, QCC_ERR_INVALID, "int32 DequantizeLinear needs zero point 0");
    int64_t ns = qcc_shape_numel(&sc->shape), axis = OPSET >= 13 ? ox_attr_i(n, "axis", 1) : 1;
    bool per_tensor = sc->shape.rank == 0 || ns == 1;
    if (!per_tensor) {
      if (sc->shape.rank != 1) return ox_err(n, QCC_ERR_UNSUPPORTED, "blockwise scales are not supported in ONNX import");
      if (axis < 0) axis += x.rank;
      if (axis < 0 || axis >= x.rank || x.d[axis] != ns)
        return ox_err(n, QCC_ERR_INVALID, "per-axis scale has %lld values, axis %lld does not", (long long)ns, (long long)axis);
    }
    double *s = malloc(sizeof(double) * (size_t)(ns ? ns : 1));
    int64_t *z = calloc((size_t)(ns ? ns : 1), sizeof(int64_t));
    if (!s || !z) { free(s); free(z); return ox_err(n, QCC_ERR_IO, "out of memory"); }
    for (int64_t i = 0; i < ns; ++i) {
      s[i] = ox_const_f64(sc, i);
      if (!(s[i] > 0) || !isfinite(s[i])) { free(s); free(z); return ox_err(n, QCC_ERR_INVALID, "scale must be positive and finite"); }
    }
    MlirType i32 = mlirIntegerTypeGet(CTX, 32), f32 = mlirF32TypeGet(CTX), qt;
    unsigned flags = mlirQuantizedTypeGetSignedFlag();
    qt = per_tensor ? mlirUniformQuantizedTypeGet(flags, i32, f32, s[0], 0, INT32_MIN, INT32_MAX)
                    : mlirUniformQuantizedPerAxisTypeGet(flags, i32, f32, ns, s, z, (int32_t)axis, INT32_MIN, INT32_MAX);
    free(s);
    free(z);
    MlirValue v;
    QCC_RETURN_IF_ERROR(cast_dequantize(n, 0, qt, &x, &v));
    return ox_set_out(n, 0, v);
  }
  MlirType qt;
  QCC_RETURN_IF_ERROR(quant_type(n, 1, 2, OPSET >= 13 ? ox_attr_i(n, "axis", 1) : 1, &x, e, &qt));
  if (!mlirTypeEqual(mlirIntegerTypeIsUnsigned(e) ? mlirIntegerTypeUnsignedGet(CTX, 8) : mlirIntegerTypeGet(CTX, 8), e))
    return ox_err(n, QCC_ERR_UNSUPPORTED, "only 8-bit inputs are supported");
  if (mlirIntegerTypeIsUnsigned(e) == mlirQuantizedTypeIsSigned(qt))
    return ox_err(n, QCC_ERR_INVALID, "zero_point type differs from the input type");
  MlirValue v;
  QCC_RETURN_IF_ERROR(cast_dequantize(n, 0, qt, &x, &v));
  return ox_set_out(n, 0, v);
}

/* storage_cast + dequantize of input `in` with constant scale/zero point. */
static qcc_status_t dq_input(ox_node *n, int in, int scale_in, int zp_in, int64_t axis, MlirValue *out) {
  qcc_shape x;
  QCC_RETURN_IF_ERROR(shape_in(n, in, &x));
  MlirType e = ox_in_elem(n, in), qt;
  QCC_RETURN_IF_ERROR(quant_type(n, scale_in, zp_in, axis, &x, e, &qt));
  if (!mlirTypeIsAInteger(e) || mlirIntegerTypeGetWidth(e) != 8 || mlirIntegerTypeIsUnsigned(e) == mlirQuantizedTypeIsSigned(qt))
    return ox_err(n, QCC_ERR_INVALID, "input #%d and its zero point must be both uint8 or both int8", in);
  return cast_dequantize(n, in, qt, &x, out);
}


/* int32 bias of QLinearConv: scale x_scale * w_scale (per output channel), zero point 0. */
static qcc_status_t dq_bias(ox_node *n, int in, int xs_in, int ws_in, MlirValue *out) {
  qcc_shape b;
  QCC_RETURN_IF_ERROR(shape_in(n, in, &b));
  MlirType e = ox_in_elem(n, in);
  if (!mlirTypeIsAInteger(e) || mlirIntegerTypeGetWidth(e) != 32 || b.rank != 1)
    return ox_err(n, QCC_ERR_INVALID, "bias must be a 1-D int32 tensor");
  ox_const *xs, *ws;
  QCC_RETURN_IF_ERROR(ox_need_const(n, xs_in, "x_scale", &xs));
  QCC_RETURN_IF_ERROR(ox_need_const(n, ws_in, "w_scale", &ws));
  int64_t nb = b.d[0], nw = qcc_shape_numel(&ws->shape);
  if (nw != 1 && nw != nb) return ox_err(n, QCC_ERR_INVALID, "w_scale has %lld values for %lld output channels", (long long)nw, (long long)nb);
  double *sc = malloc(sizeof(double) * (size_t)(nb ? nb : 1));
  int64_t *zp = calloc((size_t)(nb ? nb : 1), sizeof(int64_t));
  for (int64_t i = 0; i < nb; ++i) {
    /* The product is formed in float32, as ONNX Runtime and the spec's reference do. */
    float p = (float)ox_const_f64(xs, 0) * (float)ox_const_f64(ws, nw == 1 ? 0 : i);
    sc[i] = p;
  }
  MlirType qt = mlirUniformQuantizedPerAxisTypeGet(mlirQuantizedTypeGetSignedFlag(), mlirIntegerTypeGet(CTX, 32), mlirF32TypeGet(CTX),
                                                   nb, sc, zp, 0, INT32_MIN, INT32_MAX);
  free(sc);
  free(zp);
  return cast_dequantize(n, in, qt, &b, out);
}

/* QLinearConv: dequantize -> conv2d -> quantize (the QDQ form the fusion pass consumes). */
static qcc_status_t h_qlinear_conv(ox_node *n) {
  qcc_shape x, w;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  QCC_RETURN_IF_ERROR(shape_in(n, 3, &w));
  if (x.rank != 4) return ox_err(n, QCC_ERR_UNSUPPORTED, "only 2-D QLinearConv (4-D input) is supported");
  MlirValue ops[3];
  QCC_RETURN_IF_ERROR(dq_input(n, 0, 1, 2, 1, &ops[0]));
  QCC_RETURN_IF_ERROR(dq_input(n, 3, 4, 5, 0, &ops[1]));
  int no = 2;
  if (ox_in(n, 8)) QCC_RETURN_IF_ERROR(dq_bias(n, 8, 1, 4, &ops[no++]));
  int64_t st[2], pd[4], dl[2];
  QCC_RETURN_IF_ERROR(conv_attrs(n, &x, &w, false, 2, st, pd, dl));
  MlirNamedAttribute a[4] = {qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, st), qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, pd),
                             qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, dl),
                             qcc_attr_i64(CTX, QCC_ATTR_group, ox_attr_i(n, "group", 1))};
  MlirValue y;
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_conv2d, no, ops, 4, a, 1, NULL, &y));
  QCC_RETURN_IF_ERROR(q_output(n, y, 6, 7, 1, &y));
  return ox_set_out(n, 0, y);
}

static qcc_status_t h_qlinear_matmul(ox_node *n) {
  MlirValue ops[2], y;
  QCC_RETURN_IF_ERROR(dq_input(n, 0, 1, 2, 1, &ops[0]));
  QCC_RETURN_IF_ERROR(dq_input(n, 3, 4, 5, 1, &ops[1]));
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_matmul, 2, ops, 0, NULL, 1, NULL, &y));
  QCC_RETURN_IF_ERROR(q_output(n, y, 6, 7, 1, &y));
  return ox_set_out(n, 0, y);
}

/* Zero point operand: the given one, or a scalar 0 of the data's type. */
static qcc_status_t zp_operand(ox_node *n, int data_in, int zp_in, MlirValue *out) {
  if (ox_in(n, zp_in)) return ox_val(n->im, ox_in(n, zp_in), out);
  MlirType e = ox_in_elem(n, data_in);
  ox_const c;
  qcc_shape sc = {0, {0}};
  QCC_RETURN_IF_ERROR(ox_const_alloc(&c, ox_dtype_of_mlir(e), &sc));
  MlirAttribute attr = ox_const_attr(CTX, &c);
  free(c.data);
  MlirNamedAttribute na = qcc_attr_of(CTX, QCC_ATTR_value, attr);
  MlirType t = mlirAttributeGetType(attr);
  MlirOperation op = qcc_build(&n->im->b, QCC_OP_constant, n->loc, 0, NULL, 1, &t, 1, &na);
  *out = mlirOperationGetResult(op, 0);
  return NULL;
}

static qcc_status_t h_matmul_integer(ox_node *n) {
  MlirValue ops[4], y;
  QCC_RETURN_IF_ERROR(need_in(n, 0));
  QCC_RETURN_IF_ERROR(need_in(n, 1));
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &ops[0]));
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 1), &ops[1]));
  QCC_RETURN_IF_ERROR(zp_operand(n, 0, 2, &ops[2]));
  QCC_RETURN_IF_ERROR(zp_operand(n, 1, 3, &ops[3]));
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_matmul_integer, 4, ops, 0, NULL, 1, NULL, &y));
  return ox_set_out(n, 0, y);
}

static qcc_status_t h_conv_integer(ox_node *n) {
  qcc_shape x, w;
  QCC_RETURN_IF_ERROR(shape_in(n, 0, &x));
  QCC_RETURN_IF_ERROR(shape_in(n, 1, &w));
  if (x.rank != 4) return ox_err(n, QCC_ERR_UNSUPPORTED, "only 2-D ConvInteger (4-D input) is supported");
  MlirValue ops[4], y;
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 0), &ops[0]));
  QCC_RETURN_IF_ERROR(ox_val(n->im, ox_in(n, 1), &ops[1]));
  QCC_RETURN_IF_ERROR(zp_operand(n, 0, 2, &ops[2]));
  QCC_RETURN_IF_ERROR(zp_operand(n, 1, 3, &ops[3]));
  int64_t st[2], pd[4], dl[2];
  QCC_RETURN_IF_ERROR(conv_attrs(n, &x, &w, false, 2, st, pd, dl));
  MlirNamedAttribute a[4] = {qcc_attr_i64s(CTX, QCC_ATTR_strides, 2, st), qcc_attr_i64s(CTX, QCC_ATTR_pads, 4, pd),
                             qcc_attr_i64s(CTX, QCC_ATTR_dilations, 2, dl),
                             qcc_attr_i64(CTX, QCC_ATTR_group, ox_attr_i(n, "group", 1))};
  QCC_RETURN_IF_ERROR(ox_emit_v(n, QCC_OP_conv_integer, 4, ops, 4, a, 1, NULL, &y));
  return ox_set_out(n, 0, y);
}

static qcc_status_t h_dynamic_quantize(ox_node *n) {
  MlirValue y[3];
  QCC_RETURN_IF_ERROR(need_in(n, 0));
  ox_value *x = ox_in(n, 0);
  QCC_RETURN_IF_ERROR(ox_emit(n, QCC_OP_dynamic_quantize, 1, &x, 0, NULL, 3, NULL, y));
  for (int i = 0; i < 3; ++i) QCC_RETURN_IF_ERROR(ox_set_out(n, i, y[i]));
  return NULL;
}

static qcc_status_t h_constant(ox_node *n) {
  (void)n;
  return NULL; /* always folded (ox_try_fold) */
}

/* Shape-math ops have no qcc op: they are supported when they fold. */
static qcc_status_t h_fold_only(ox_node *n) {
  return ox_err(n, QCC_ERR_UNSUPPORTED, "%s is supported only on constants (shape math that folds at import); an input here is computed at run time",
                n->node->op_type);
}

/* ---- the table ---- */
typedef struct {
  const char *name;
  ox_handler fn;
} ox_entry;

static const ox_entry g_handlers[] = {
    {"Abs", h_abs}, {"Add", h_add}, {"AveragePool", h_avg_pool}, {"BatchNormalization", h_batch_norm},
    {"Cast", h_cast}, {"Clip", h_clip}, {"Concat", h_concat}, {"Constant", h_constant},
    {"Conv", h_conv}, {"ConvTranspose", h_conv_transpose}, {"DequantizeLinear", h_dequantize_linear},
    {"Div", h_div}, {"Dropout", h_dropout}, {"Erf", h_erf}, {"Exp", h_exp}, {"Expand", h_expand},
    {"Flatten", h_flatten}, {"Gather", h_gather}, {"Gelu", h_gelu}, {"Gemm", h_gemm},
    {"GlobalAveragePool", h_global_avg_pool}, {"GlobalMaxPool", h_global_max_pool},
    {"HardSigmoid", h_hard_sigmoid}, {"HardSwish", h_hard_swish}, {"Identity", h_identity},
    {"LayerNormalization", h_layer_norm}, {"LeakyRelu", h_leaky_relu}, {"Log", h_log},
    {"LogSoftmax", h_log_softmax}, {"MatMul", h_matmul}, {"Max", h_max}, {"MaxPool", h_max_pool},
    {"Min", h_min}, {"Mul", h_mul}, {"Neg", h_neg}, {"Pad", h_pad}, {"Pow", h_pow}, {"PRelu", h_prelu},
    {"QuantizeLinear", h_quantize_linear}, {"ReduceMean", h_reduce_mean}, {"ReduceSum", h_reduce_sum},
    {"QLinearConv", h_qlinear_conv}, {"QLinearMatMul", h_qlinear_matmul}, {"MatMulInteger", h_matmul_integer},
    {"ConvInteger", h_conv_integer}, {"DynamicQuantizeLinear", h_dynamic_quantize},
    {"Relu", h_relu}, {"Reshape", h_reshape}, {"Resize", h_resize}, {"Sigmoid", h_sigmoid},
    {"Slice", h_slice}, {"Softmax", h_softmax}, {"Split", h_split}, {"Sqrt", h_sqrt},
    {"Squeeze", h_squeeze}, {"Sub", h_sub}, {"Sum", h_sum}, {"Tanh", h_tanh}, {"Transpose", h_transpose},
    {"Unsqueeze", h_unsqueeze}, {"Upsample", h_upsample}, {"Where", h_where},
};

/* Ops with no qcc op: supported when they fold to constants (shape math). */
static const char *const g_fold_only[] = {"Shape", "Size", "ConstantOfShape", "Range", "Equal", "Less", "Greater", "Not", NULL};

void qcc_onnx_list_ops(void (*cb)(const char *op_type, void *ud), void *ud) {
  for (size_t i = 0; i < sizeof g_handlers / sizeof *g_handlers; ++i) cb(g_handlers[i].name, ud);
  for (int i = 0; g_fold_only[i]; ++i) cb(g_fold_only[i], ud);
}

ox_handler ox_find_handler(const char *op) {
  for (size_t i = 0; i < sizeof g_handlers / sizeof *g_handlers; ++i)
    if (!strcmp(g_handlers[i].name, op)) return g_handlers[i].fn;
  for (int i = 0; g_fold_only[i]; ++i)
    if (!strcmp(g_fold_only[i], op)) return h_fold_only;
  return NULL;
}

/* ================= constant folding of shape math ================= */
static bool all_const(ox_node *n) {
  for (int i = 0; i < n->n_in; ++i)
    if (n->in[i] && !n->in[i]->is_const) return false;
  return true;
}

static bool is_float_dtype(int t) { return t == OX_FLOAT || t == OX_DOUBLE || t == OX_FLOAT16 || t == OX_BFLOAT16; }

static void store(ox_const *c, int64_t i, double f, int64_t v) {
  char *p = c->data;
  switch (c->dtype) {
    case OX_FLOAT: { float x = (float)f; memcpy(p + 4 * i, &x, 4); break; }
    case OX_DOUBLE: memcpy(p + 8 * i, &f, 8); break;
    case OX_INT64: case OX_UINT64: memcpy(p + 8 * i, &v, 8); break;
    case OX_INT32: case OX_UINT32: { int32_t x = (int32_t)v; memcpy(p + 4 * i, &x, 4); break; }
    case OX_INT16: case OX_UINT16: { int16_t x = (int16_t)v; memcpy(p + 2 * i, &x, 2); break; }
    case OX_FLOAT16: case OX_BFLOAT16: break; /* not folded */
    default: p[i] = (char)v; break;
  }
}

/* Index into a broadcast operand of shape s for flat output index i of shape y. */
static int64_t bidx(const qcc_shape *y, const qcc_shape *s, int64_t i) {
  int64_t off = 0, stride = 1;
  for (int d = y->rank - 1; d >= 0; --d) {
    int64_t c = i % y->d[d];
    i /= y->d[d];
    int sd = s->rank - y->rank + d;
    if (sd >= 0) {
      if (s->d[sd] != 1) off += c * stride;
      stride *= s->d[sd];
    }
  }
  return off;
}

static qcc_status_t fold_copy_reshaped(ox_node *n, const ox_const *x, const qcc_shape *y) {
  ox_const c;
  QCC_RETURN_IF_ERROR(ox_const_alloc(&c, x->dtype, y));
  memcpy(c.data, x->data, c.nbytes);
  return ox_set_out_const(n, 0, &c);
}

static qcc_status_t fold_constant_node(ox_node *n) {
  Onnx__AttributeProto *a;
  ox_const c = {0};
  qcc_shape sc = {0, {0}};
  if ((a = ox_attr(n, "value")) && a->t) {
    QCC_RETURN_IF_ERROR(ox_tensor_proto_to_const(n->im, a->t, &c));
  } else if ((a = ox_attr(n, "value_float")) && a->has_f) {
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, OX_FLOAT, &sc));
    memcpy(c.data, &a->f, 4);
  } else if ((a = ox_attr(n, "value_int")) && a->has_i) {
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, OX_INT64, &sc));
    memcpy(c.data, &a->i, 8);
  } else if ((a = ox_attr(n, "value_floats"))) {
    qcc_shape s = {1, {(int64_t)a->n_floats}};
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, OX_FLOAT, &s));
    if (a->n_floats) memcpy(c.data, a->floats, 4 * a->n_floats);
  } else if ((a = ox_attr(n, "value_ints"))) {
    qcc_shape s = {1, {(int64_t)a->n_ints}};
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, OX_INT64, &s));
    if (a->n_ints) memcpy(c.data, a->ints, 8 * a->n_ints);
  } else {
    return ox_err(n, QCC_ERR_UNSUPPORTED, "Constant without a supported value attribute (sparse and string values are not supported)");
  }
  return ox_set_out_const(n, 0, &c);
}

static qcc_status_t fold(ox_node *n, const char *op) {
  ox_const *x = n->in[0] ? &n->in[0]->c : NULL;
  if (!strcmp(op, "Constant")) return fold_constant_node(n);
  if (!strcmp(op, "Shape") || !strcmp(op, "Size")) {
    qcc_shape s;
    QCC_RETURN_IF_ERROR(shape_in(n, 0, &s));
    ox_const c;
    if (!strcmp(op, "Size")) {
      qcc_shape sc = {0, {0}};
      QCC_RETURN_IF_ERROR(ox_const_alloc(&c, OX_INT64, &sc));
      int64_t v = qcc_shape_numel(&s);
      memcpy(c.data, &v, 8);
      return ox_set_out_const(n, 0, &c);
    }
    int64_t st = ox_attr_i(n, "start", 0), en = ox_attr_i(n, "end", s.rank);
    if (st < 0) st += s.rank;
    if (en < 0) en += s.rank;
    st = st < 0 ? 0 : st > s.rank ? s.rank : st;
    en = en < st ? st : en > s.rank ? s.rank : en;
    qcc_shape o = {1, {en - st}};
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, OX_INT64, &o));
    memcpy(c.data, s.d + st, sizeof(int64_t) * (size_t)(en - st));
    return ox_set_out_const(n, 0, &c);
  }
  if (!strcmp(op, "Identity") || !strcmp(op, "Dropout")) return fold_copy_reshaped(n, x, &x->shape);
  if (!strcmp(op, "Reshape")) { qcc_shape y; QCC_RETURN_IF_ERROR(reshape_target(n, &x->shape, &y)); return fold_copy_reshaped(n, x, &y); }
  if (!strcmp(op, "Squeeze")) { qcc_shape y; int64_t ax[16]; int na; QCC_RETURN_IF_ERROR(squeeze_target(n, &x->shape, ax, &na, &y)); return fold_copy_reshaped(n, x, &y); }
  if (!strcmp(op, "Unsqueeze")) { qcc_shape y; int64_t ax[16]; int na; QCC_RETURN_IF_ERROR(unsqueeze_target(n, &x->shape, ax, &na, &y)); return fold_copy_reshaped(n, x, &y); }
  if (!strcmp(op, "Flatten")) {
    int64_t axis = ox_attr_i(n, "axis", 1);
    QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x->shape.rank, true));
    qcc_shape y = {2, {1, 1}};
    for (int i = 0; i < x->shape.rank; ++i) y.d[i < axis ? 0 : 1] *= x->shape.d[i];
    return fold_copy_reshaped(n, x, &y);
  }
  if (!strcmp(op, "ConstantOfShape")) {
    qcc_shape y = {(int)qcc_shape_numel(&x->shape), {0}};
    if (y.rank > QCC_MAX_RANK) return ox_err(n, QCC_ERR_UNSUPPORTED, "rank too large");
    for (int i = 0; i < y.rank; ++i) y.d[i] = ox_const_i64(x, i);
    Onnx__AttributeProto *a = ox_attr(n, "value");
    ox_const v = {0}, c;
    if (a && a->t) QCC_RETURN_IF_ERROR(ox_tensor_proto_to_const(n->im, a->t, &v));
    int dt = v.data ? v.dtype : OX_FLOAT;
    if (qcc_shape_numel(&y) < 0 || qcc_shape_numel(&y) > (1 << 24)) { free(v.data); return ox_err(n, QCC_ERR_UNSUPPORTED, "ConstantOfShape result too large"); }
    qcc_status_t s = ox_const_alloc(&c, dt, &y);
    if (s) { free(v.data); return s; }
    int es = ox_elem_size(dt);
    for (int64_t i = 0; v.data && i < qcc_shape_numel(&y); ++i) memcpy((char *)c.data + i * es, v.data, (size_t)es);
    free(v.data);
    return ox_set_out_const(n, 0, &c);
  }
  if (!strcmp(op, "Cast")) {
    int to = (int)ox_attr_i(n, "to", 0);
    if (ox_elem_size(to) == 0 || to == OX_FLOAT16 || to == OX_BFLOAT16 || x->dtype == OX_FLOAT16 || x->dtype == OX_BFLOAT16) return ox_err(n, QCC_ERR_UNSUPPORTED, "folding this Cast is not supported");
    ox_const c;
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, to, &x->shape));
    for (int64_t i = 0; i < qcc_shape_numel(&x->shape); ++i) {
      double f = ox_const_f64(x, i);
      store(&c, i, f, is_float_dtype(x->dtype) ? (to == OX_BOOL ? f != 0 : (int64_t)f) : ox_const_i64(x, i));
    }
    return ox_set_out_const(n, 0, &c);
  }
  if (!strcmp(op, "Gather")) {
    ox_const *ix = &n->in[1]->c;
    int64_t axis = ox_attr_i(n, "axis", 0);
    QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x->shape.rank, false));
    if (x->shape.rank - 1 + ix->shape.rank > QCC_MAX_RANK) return ox_err(n, QCC_ERR_UNSUPPORTED, "result rank too large");
    qcc_shape y = {0, {0}};
    for (int i = 0; i < axis; ++i) y.d[y.rank++] = x->shape.d[i];
    for (int i = 0; i < ix->shape.rank; ++i) y.d[y.rank++] = ix->shape.d[i];
    for (int i = (int)axis + 1; i < x->shape.rank; ++i) y.d[y.rank++] = x->shape.d[i];
    int64_t outer = 1, inner = 1, D = x->shape.d[axis], ni = qcc_shape_numel(&ix->shape);
    for (int i = 0; i < axis; ++i) outer *= x->shape.d[i];
    for (int i = (int)axis + 1; i < x->shape.rank; ++i) inner *= x->shape.d[i];
    ox_const c;
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, x->dtype, &y));
    int es = ox_elem_size(x->dtype);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < ni; ++j) {
        int64_t k = ox_const_i64(ix, j);
        if (k < 0) k += D;
        if (k < 0 || k >= D) { free(c.data); return ox_err(n, QCC_ERR_INVALID, "gather index %lld out of range [0, %lld)", (long long)ox_const_i64(ix, j), (long long)D); }
        memcpy((char *)c.data + ((o * ni + j) * inner) * es, (char *)x->data + ((o * D + k) * inner) * es, (size_t)(inner * es));
      }
    return ox_set_out_const(n, 0, &c);
  }
  if (!strcmp(op, "Concat")) {
    int64_t axis = ox_attr_i(n, "axis", 0);
    QCC_RETURN_IF_ERROR(axis_ok(n, &axis, x->shape.rank, false));
    qcc_shape y = x->shape;
    y.d[axis] = 0;
    for (int i = 0; i < n->n_in; ++i) {
      ox_const *t = &n->in[i]->c;
      if (t->dtype != x->dtype || t->shape.rank != y.rank) return ox_err(n, QCC_ERR_INVALID, "concat inputs differ in type or rank");
      for (int d = 0; d < y.rank; ++d)
        if (d != axis && t->shape.d[d] != y.d[d]) return ox_err(n, QCC_ERR_INVALID, "concat inputs differ in dim %d", d);
      y.d[axis] += t->shape.d[axis];
    }
    int64_t outer = 1;
    for (int i = 0; i < axis; ++i) outer *= y.d[i];
    ox_const c;
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, x->dtype, &y));
    size_t off = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (int i = 0; i < n->n_in; ++i) {
        ox_const *t = &n->in[i]->c;
        size_t chunk = t->nbytes / (size_t)(outer ? outer : 1);
        memcpy((char *)c.data + off, (char *)t->data + (size_t)o * chunk, chunk);
        off += chunk;
      }
    return ox_set_out_const(n, 0, &c);
  }
  if (!strcmp(op, "Slice")) {
    slice_params p;
    QCC_RETURN_IF_ERROR(slice_params_get(n, &x->shape, &p));
    qcc_shape y = x->shape;
    int64_t start[QCC_MAX_RANK] = {0}, step[QCC_MAX_RANK];
    for (int d = 0; d < y.rank; ++d) step[d] = 1;
    for (int i = 0; i < p.n; ++i) {
      int64_t len = p.sp[i] > 0 ? (p.en[i] - p.st[i] + p.sp[i] - 1) / p.sp[i] : (p.st[i] - p.en[i] - p.sp[i] - 1) / -p.sp[i];
      y.d[p.ax[i]] = len > 0 ? len : 0;
      start[p.ax[i]] = p.st[i];
      step[p.ax[i]] = p.sp[i];
    }
    ox_const c;
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, x->dtype, &y));
    int es = ox_elem_size(x->dtype);
    for (int64_t i = 0; i < qcc_shape_numel(&y); ++i) {
      int64_t r = i, src = 0, stride = 1;
      for (int d = y.rank - 1; d >= 0; --d) {
        int64_t k = r % y.d[d];
        r /= y.d[d];
        src += (start[d] + k * step[d]) * stride;
        stride *= x->shape.d[d];
      }
      memcpy((char *)c.data + i * es, (char *)x->data + src * es, (size_t)es);
    }
    return ox_set_out_const(n, 0, &c);
  }
  if (!strcmp(op, "Range")) {
    double s = ox_const_f64(x, 0), l = ox_const_f64(&n->in[1]->c, 0), d = ox_const_f64(&n->in[2]->c, 0);
    if (d == 0) return ox_err(n, QCC_ERR_INVALID, "Range delta is 0");
    double cnt = ceil((l - s) / d);
    if (cnt < 0) cnt = 0;
    if (cnt > (1 << 24)) return ox_err(n, QCC_ERR_UNSUPPORTED, "Range too large");
    qcc_shape y = {1, {(int64_t)cnt}};
    ox_const c;
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, x->dtype, &y));
    int64_t si = ox_const_i64(x, 0), di = ox_const_i64(&n->in[2]->c, 0);
    for (int64_t i = 0; i < y.d[0]; ++i) store(&c, i, s + (double)i * d, si + i * di);
    return ox_set_out_const(n, 0, &c);
  }
  if (!strcmp(op, "Not")) {
    ox_const c;
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, OX_BOOL, &x->shape));
    for (int64_t i = 0; i < qcc_shape_numel(&x->shape); ++i) ((uint8_t *)c.data)[i] = !ox_const_i64(x, i);
    return ox_set_out_const(n, 0, &c);
  }
  /* Elementwise binary and Where. */
  bool where = !strcmp(op, "Where");
  const ox_const *A = where ? &n->in[1]->c : x, *B = where ? &n->in[2]->c : &n->in[1]->c;
  qcc_shape y;
  if (!qcc_broadcast_shapes(&A->shape, &B->shape, &y) || (where && !qcc_broadcast_shapes(&y, &x->shape, &y)))
    return ox_err(n, QCC_ERR_INVALID, "shapes do not broadcast");
  bool cmp = !strcmp(op, "Equal") || !strcmp(op, "Less") || !strcmp(op, "Greater");
  if (A->dtype != B->dtype) return ox_err(n, QCC_ERR_INVALID, "operands differ in element type");
  ox_const c;
  QCC_RETURN_IF_ERROR(ox_const_alloc(&c, cmp ? OX_BOOL : A->dtype, &y));
  bool fl = is_float_dtype(A->dtype);
  for (int64_t i = 0; i < qcc_shape_numel(&y); ++i) {
    int64_t ia = bidx(&y, &A->shape, i), ib = bidx(&y, &B->shape, i);
    double fa = ox_const_f64(A, ia), fb = ox_const_f64(B, ib), fr = 0;
    int64_t va = ox_const_i64(A, ia), vb = ox_const_i64(B, ib), vr = 0;
    if (where) {
      bool t = ox_const_i64(x, bidx(&y, &x->shape, i)) != 0;
      fr = t ? fa : fb; vr = t ? va : vb;
    } else if (!strcmp(op, "Add")) { fr = fa + fb; vr = (int64_t)((uint64_t)va + (uint64_t)vb); }
    else if (!strcmp(op, "Sub")) { fr = fa - fb; vr = (int64_t)((uint64_t)va - (uint64_t)vb); }
    else if (!strcmp(op, "Mul")) { fr = fa * fb; vr = (int64_t)((uint64_t)va * (uint64_t)vb); }
    else if (!strcmp(op, "Div")) {
      if (!fl && vb == 0) { free(c.data); return ox_err(n, QCC_ERR_INVALID, "integer division by zero"); }
      fr = fa / fb;
      vr = fl ? 0 : (va == INT64_MIN && vb == -1) ? INT64_MIN : va / vb;
    }
    else if (!strcmp(op, "Equal")) vr = fl ? fa == fb : va == vb;
    else if (!strcmp(op, "Less")) vr = fl ? fa < fb : va < vb;
    else if (!strcmp(op, "Greater")) vr = fl ? fa > fb : va > vb;
    if (cmp) ((uint8_t *)c.data)[i] = (uint8_t)vr;
    else store(&c, i, fr, vr);
  }
  return ox_set_out_const(n, 0, &c);
}

bool ox_try_fold(ox_node *n, qcc_status_t *st) {
  const char *op = n->node->op_type;
  static const char *foldable[] = {"Constant", "Shape", "Size", "Identity", "Reshape", "Squeeze", "Unsqueeze",
                                   "Flatten", "ConstantOfShape", "Cast", "Gather", "Concat", "Slice", "Range",
                                   "Not", "Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater", "Where", "Dropout", NULL};
  bool ok = false;
  for (int i = 0; foldable[i]; ++i) ok |= !strcmp(foldable[i], op);
  if (!ok) return false;
  if (strcmp(op, "Shape") && strcmp(op, "Size") && strcmp(op, "Constant")) {
    if (!all_const(n) || !n->in[0]) return false;
    int64_t total = 0;
    for (int i = 0; i < n->n_in; ++i)
      if (n->in[i]) {
        if (n->in[i]->c.dtype == OX_FLOAT16 || n->in[i]->c.dtype == OX_BFLOAT16) return false;
        total += qcc_shape_numel(&n->in[i]->c.shape);
      }
    /* Arithmetic on big constants (weights) stays in the graph for later passes. */
    bool data_move = !strcmp(op, "Identity") || !strcmp(op, "Reshape") || !strcmp(op, "Squeeze") ||
                     !strcmp(op, "Unsqueeze") || !strcmp(op, "Flatten") || !strcmp(op, "Dropout");
    if (!data_move && total > 65536) return false;
    if ((!strcmp(op, "Where") || !strcmp(op, "Gather")) && n->n_in < (strcmp(op, "Where") ? 2 : 3)) return false;
    if ((!strcmp(op, "Where") || !strcmp(op, "Gather")) && (!n->in[1] || (!strcmp(op, "Where") && !n->in[2]))) return false;
    if ((!strcmp(op, "Add") || !strcmp(op, "Sub") || !strcmp(op, "Mul") || !strcmp(op, "Div") || !strcmp(op, "Equal") ||
         !strcmp(op, "Less") || !strcmp(op, "Greater")) && (n->n_in != 2 || !n->in[1]))
      return false;
    if (!strcmp(op, "Range") && (n->n_in != 3 || !n->in[1] || !n->in[2])) return false;
    if (!strcmp(op, "Concat"))
      for (int i = 0; i < n->n_in; ++i)
        if (!n->in[i]) return false;
    if (!strcmp(op, "Dropout") && n->node->n_output > 1) return false;
  } else if (!strcmp(op, "Shape") || !strcmp(op, "Size")) {
    if (!n->in[0]) return false;
  }
  *st = fold(n, op);
  return true;
}
