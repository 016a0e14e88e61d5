/* qcc-convert: observers become quantize -> dequantize pairs (the QDQ form,
 * qcc's reference representation of a quantized model).
 *
 * Parameters of each qcc.observe, by its observer attribute:
 *   statistics (minmax, histogram, ...) on a constant (weights): computed here
 *     from the constant's values, per channel when the spec has an axis
 *     (min/max of each channel, then qcc_qparams_from_range);
 *     (qcc-gptq's qcc.block_scale / qcc.block_zero_point when it set them);
 *   statistics on an activation: the qcc.scale / qcc.zero_point attributes
 *     qcc-calibrate wrote (an error names the observer when they are missing);
 *   fixed: the spec's scale and zp;
 *   shared: the parameters of operand 0 of the op that produced the value (the
 *     op's input); the observer is dropped when that input is float;
 *   bias: int32, scale s(operand 0) * s(operand 1)[c] of the op using it,
 *     zero point 0; dropped when either is float.
 * Constants are quantized now (weights stored as integers: qcc.constant of
 * i8/i32 -> storage_cast to the quant type -> dequantize); activations get
 * qcc.quantize -> qcc.dequantize. Bias values that saturate int32 are
 * reported as a remark. Bias correction (bias_correction=1, the default; see
 * bias_error below): the float bias first loses the expected output error of
 * the quantized weights, from qcc-calibrate's per-channel input means. A concat whose inputs the quantizer marked shared gets
 * each input quantized with the concat output's parameters. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/Dialect/Quant.h"
#include "observers.h"
#include "pass_util.h"
#include "passes.h"
#include "qrt/qrt_data.h"
#include "qrt/qrt_quant.h"
#include "quantizer.h"

#define MAXCH (1 << 22) /* channels x blocks of one tensor */
/* qcc-convert's bias_correction when not given (and qcc_convert_observers') */
#define QCC_BIAS_CORRECTION_DEFAULT 1

typedef struct {
  MlirOperation obs;
  MlirValue dq; /* the dequantize that replaced it */
  bool quantized;
  int n;          /* 1 per tensor, else channels */
  int axis;
  float *scale;
  int32_t *zp;
  qcc_quant_spec spec;
  float *values; /* constants: quantize these instead of the constant's (corrected bias) */
} qinfo;

typedef struct {
  qinfo *v;
  size_t n, cap;
  bool failed;
  bool bias_correction;
} state;

static qinfo *lookup(state *s, MlirOperation obs) {
  for (size_t i = 0; i < s->n; ++i)
    if (mlirOperationEqual(s->v[i].obs, obs)) return &s->v[i];
  return NULL;
}

static qinfo *info_of_value(state *s, MlirValue v) {
  for (size_t i = 0; i < s->n; ++i)
    if (s->v[i].quantized && !mlirValueIsNull(s->v[i].dq) && mlirValueEqual(s->v[i].dq, v)) return &s->v[i];
  if (!mlirValueIsAOpResult(v)) return NULL;
  MlirOperation d = mlirOpResultGetOwner(v);
  return qcc_op_is(d, QCC_OP_observe) ? lookup(s, d) : NULL;
}

static void error_at(state *s, MlirOperation op, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void error_at(state *s, MlirOperation op, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  MlirStringRef nm = qcc_op_node_name(op);
  if (nm.length) qcc_pass_report(qcc_status_make(QCC_ERR_INVALID, "qcc-convert: at '%.*s': %s", (int)nm.length, nm.data, buf));
  else qcc_pass_report(qcc_status_make(QCC_ERR_INVALID, "qcc-convert: %s", buf));
  s->failed = true;
}

static qcc_qspec obs_spec_of(const qcc_quant_spec *q) {
  qcc_qspec r;
  r.qmin = q->qmin;
  r.qmax = q->qmax;
  r.bits = q->bits;
  r.symmetric = q->symmetric;
  r.eps = QCC_QSPEC_MIN_SCALE; /* qcc's default floor (observers.h), not PyTorch's 2^-23 */
  return r;
}

static MlirType quant_elem(MlirContext ctx, const qinfo *qi) {
  MlirType st = qi->spec.bits == 32 ? mlirIntegerTypeGet(ctx, 32)
                : qi->spec.is_signed ? mlirIntegerTypeGet(ctx, (unsigned)qi->spec.bits)
                                     : mlirIntegerTypeUnsignedGet(ctx, (unsigned)qi->spec.bits);
  unsigned flags = qi->spec.is_signed ? mlirQuantizedTypeGetSignedFlag() : 0;
  MlirType f32 = mlirF32TypeGet(ctx);
  if (qi->axis < 0) return mlirUniformQuantizedTypeGet(flags, st, f32, qi->scale[0], qi->zp[0], qi->spec.qmin, qi->spec.qmax);
  double *sc = malloc((size_t)qi->n * sizeof *sc);
  int64_t *zp = malloc((size_t)qi->n * sizeof *zp);
  for (int i = 0; i < qi->n; ++i) sc[i] = qi->scale[i], zp[i] = qi->zp[i];
  MlirType t = mlirUniformQuantizedPerAxisTypeGet(flags, st, f32, qi->n, sc, zp, qi->axis, qi->spec.qmin, qi->spec.qmax);
  free(sc);
  free(zp);
  return t;
}

static MlirType with_elem(MlirValue v, MlirType e) {
  MlirType t = mlirValueGetType(v);
  int64_t d[8];
  int r = qcc_value_dims(v, d);
  (void)t;
  return mlirRankedTensorTypeGet(r, d, e, mlirAttributeGetNull());
}

static bool alloc_params(qinfo *qi, int n) {
  qi->n = n;
  qi->scale = calloc((size_t)n, sizeof *qi->scale);
  qi->zp = calloc((size_t)n, sizeof *qi->zp);
  return qi->scale && qi->zp;
}

/* w [a][b] becomes its transpose [b][a], in place. */
static void transpose_2d(float *w, int64_t a, int64_t b) {
  int64_t n = a * b;
  float *t = malloc((size_t)(n > 0 ? n : 1) * sizeof *t);
  if (!t) return;
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j) t[j * a + i] = w[i * b + j];
  memcpy(w, t, (size_t)n * sizeof *t);
  free(t);
}

/* Weights: per-channel (or per-tensor) min/max of the constant. Group specs
 * (u4 blocks of G along K) take [N][K] along axis 0 and [K][N] (matmul) along
 * axis 1: the blocks are those of the transpose, and qi->axis is 0. */
static bool params_from_constant(state *s, MlirOperation obs, qinfo *qi) {
  MlirValue x = mlirOperationGetOperand(obs, 0);
  int64_t numel, d[8];
  int r = qcc_value_dims(x, d);
  float *w = qcc_const_f32_copy(x, &numel);
  if (!w) return false;
  int axis = qi->spec.axis;
  if (axis >= r) {
    error_at(s, obs, "quantization spec has axis %d but the tensor has rank %d", axis, r);
    free(w);
    return false;
  }
  const int g = qi->spec.group;
  if (g && (r != 2 || axis < 0 || axis > 1 || d[1 - axis] % g)) {
    error_at(s, obs, "group=%d needs a 2-D constant quantized along axis 0 or 1 whose other dimension is a multiple of %d "
             "(got rank %d, axis %d)", g, g, r, axis);
    free(w);
    return false;
  }
  if (g && axis == 1) { /* [K][N]: blocks of the transpose [N][K] */
    transpose_2d(w, d[0], d[1]);
    int64_t t = d[0];
    d[0] = d[1], d[1] = t, axis = 0;
  }
  /* blockwise: channel c, block j is "channel" c * (K / g) + j of [N * K/g][g] */
  int64_t ch = axis < 0 ? 1 : g ? d[0] * (d[1] / g) : d[axis], inner = 1;
  for (int i = axis + 1; axis >= 0 && i < r; ++i) inner *= d[i];
  if (g) inner = g;
  if (ch > MAXCH || !alloc_params(qi, (int)ch)) {
    free(w);
    return false;
  }
  qi->axis = axis;
  float *mn = malloc((size_t)ch * sizeof *mn), *mx = malloc((size_t)ch * sizeof *mx);
  for (int64_t c = 0; c < ch; ++c) mn[c] = INFINITY, mx[c] = -INFINITY;
  for (int64_t i = 0; i < numel; ++i) {
    int64_t c = axis < 0 ? 0 : (i / inner) % ch;
    if (w[i] < mn[c]) mn[c] = w[i];
    if (w[i] > mx[c]) mx[c] = w[i];
  }
  qcc_qspec os = obs_spec_of(&qi->spec);
  bool ok = true;
  for (int64_t c = 0; c < ch && ok; ++c) {
    if (numel == 0) mn[c] = mx[c] = 0;
    qcc_status_t st = qcc_qparams_from_range(mn[c], mx[c], &os, &qi->scale[c], &qi->zp[c]);
    if (st) {
      error_at(s, obs, "weights: %s", qcc_status_message(st));
      qcc_status_free(st);
      ok = false;
    }
  }
  free(mn);
  free(mx);
  free(w);
  return ok;
}

/* qi's n scales and zero points from an f32 and an i64 array attribute. */
static void read_params(qinfo *qi, MlirAttribute sa, MlirAttribute za, intptr_t n) {
  int64_t *z = malloc((size_t)n * sizeof *z);
  qcc_attr_as_f32s(sa, qi->scale, n);
  qcc_attr_as_i64s(za, z, n);
  for (intptr_t i = 0; z && i < n; ++i) qi->zp[i] = (int32_t)z[i];
  free(z);
}

static bool params_from_attrs(state *s, MlirOperation obs, qinfo *qi) {
  MlirAttribute sa = mlirOperationGetDiscardableAttributeByName(obs, mlirStringRefCreateFromCString("qcc.scale"));
  MlirAttribute za = mlirOperationGetDiscardableAttributeByName(obs, mlirStringRefCreateFromCString("qcc.zero_point"));
  if (mlirAttributeIsNull(sa) || mlirAttributeIsNull(za)) {
    error_at(s, obs, "observer %lld (%.*s) has no parameters: run qcc-calibrate before qcc-convert",
             (long long)qcc_get_i64(obs, QCC_ATTR_id), (int)qcc_get_str(obs, QCC_ATTR_observer).length,
             qcc_get_str(obs, QCC_ATTR_observer).data);
    return false;
  }
  intptr_t n = qcc_attr_as_f32s(sa, NULL, 0);
  if (n < 1 || n > MAXCH || qcc_attr_as_i64s(za, NULL, 0) != n || !alloc_params(qi, (int)n)) {
    error_at(s, obs, "qcc.scale and qcc.zero_point must be arrays of the same length");
    return false;
  }
  read_params(qi, sa, za, n);
  qi->axis = n > 1 ? qi->spec.axis : -1;
  return true;
}

/* The block parameters qcc-gptq chose for a u4 group constant
 * (qcc.block_scale, qcc.block_zero_point: N * K/G each, block j of channel c
 * at c * (K/G) + j), used as they are so its codes are the ones stored.
 * false when there are none; an error when they do not fit the spec. */
static bool params_from_blocks(state *s, MlirOperation obs, qinfo *qi, bool *ok) {
  MlirAttribute sa = mlirOperationGetDiscardableAttributeByName(obs, mlirStringRefCreateFromCString("qcc.block_scale"));
  MlirAttribute za = mlirOperationGetDiscardableAttributeByName(obs, mlirStringRefCreateFromCString("qcc.block_zero_point"));
  if (mlirAttributeIsNull(sa) && mlirAttributeIsNull(za)) return false;
  int64_t d[8];
  int r = qcc_value_dims(mlirOperationGetOperand(obs, 0), d);
  intptr_t n = qcc_attr_as_f32s(sa, NULL, 0);
  *ok = qi->spec.group > 0 && r == 2 && n == d[0] * d[1] / qi->spec.group && n <= MAXCH && qcc_attr_as_i64s(za, NULL, 0) == n &&
        alloc_params(qi, (int)n);
  if (!*ok) {
    error_at(s, obs, "qcc.block_scale and qcc.block_zero_point need a u4 group spec and one value per block of the weight");
    return true;
  }
  read_params(qi, sa, za, n);
  qi->axis = 0;
  return true;
}

static bool copy_params(qinfo *dst, const qinfo *src) {
  if (!alloc_params(dst, src->n)) return false;
  memcpy(dst->scale, src->scale, (size_t)src->n * sizeof *dst->scale);
  memcpy(dst->zp, src->zp, (size_t)src->n * sizeof *dst->zp);
  dst->axis = src->axis;
  dst->spec = src->spec;
  return true;
}

/* Replace obs by dequantize(quantize(x)) or, for constants, by
 * dequantize(storage_cast(integer constant)). */
static MlirValue rewrite(state *s, MlirOperation obs, qinfo *qi) {
  MlirContext ctx = mlirOperationGetContext(obs);
  MlirValue x = mlirOperationGetOperand(obs, 0);
  MlirLocation loc = mlirOperationGetLocation(obs);
  qcc_builder b = qcc_builder_before(obs);
  MlirType qe = quant_elem(ctx, qi);
  MlirType qt = with_elem(x, qe);
  int64_t blocked[2] = {0, 0}; /* group=G: the integers as [N * K/G][G], per-axis along 0 */
  int64_t wd[8] = {0, 0};
  bool kn = qi->spec.group && qi->spec.axis == 1; /* [K][N]: quantize the transpose, transpose back */
  if (qi->spec.group) {
    qcc_value_dims(x, wd);
    int64_t nn = kn ? wd[1] : wd[0], kk = kn ? wd[0] : wd[1];
    blocked[0] = nn * (kk / qi->spec.group), blocked[1] = qi->spec.group;
    qt = mlirRankedTensorTypeGet(2, blocked, qe, mlirAttributeGetNull());
  }
  MlirValue q;
  int64_t numel;
  float *w = qcc_const_f32_copy(x, &numel);
  if (w && qi->values) memcpy(w, qi->values, (size_t)numel * sizeof *w);
  if (w && kn) transpose_2d(w, wd[0], wd[1]);
  if (w) {
    int64_t d[8];
    int r = qcc_value_dims(x, d);
    if (qi->spec.group) r = 2, d[0] = blocked[0], d[1] = blocked[1];
    int64_t ch = qi->axis < 0 ? 1 : d[qi->axis], inner = 1, outer = 1;
    for (int i = qi->axis + 1; qi->axis >= 0 && i < r; ++i) inner *= d[i];
    for (int i = 0; qi->axis >= 0 && i < qi->axis; ++i) outer *= d[i];
    if (qi->axis < 0) inner = numel;
    qrt_dtype_t st = qi->spec.bits == 32 ? QRT_DTYPE_I32 : qi->spec.is_signed ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
    size_t es = qi->spec.bits == 32 ? 4 : 1;
    void *data = malloc((size_t)(numel ? numel : 1) * es);
    qrt_status_t rs = qrt_quantize_f32_reference(st, qi->spec.qmin, qi->spec.qmax, outer, ch, inner, w, qi->scale, qi->zp, data);
    if (rs != QRT_OK) {
      error_at(s, obs, "cannot quantize this constant (status %d)", (int)rs);
      free(data);
      free(w);
      return (MlirValue){NULL};
    }
    if (qi->spec.bits == 32) { /* bias: say when a value saturates */
      int64_t clipped = 0;
      for (int64_t i = 0; i < numel; ++i) {
        int64_t c = qi->axis < 0 ? 0 : (i / inner) % ch;
        double exact = (double)w[i] / (double)qi->scale[c];
        clipped += exact > 2147483647.0 || exact < -2147483648.0;
      }
      if (clipped)
        mlirEmitError(loc, "remark: bias saturates int32 in some channels (the weight or input scale is tiny); accuracy may suffer");
    }
    MlirType se = qi->spec.bits == 32 ? mlirIntegerTypeGet(ctx, 32)
                  : qi->spec.is_signed ? mlirIntegerTypeGet(ctx, 8)
                                       : mlirIntegerTypeUnsignedGet(ctx, 8);
    MlirType storage_t = qi->spec.group ? mlirRankedTensorTypeGet(2, blocked, se, mlirAttributeGetNull()) : with_elem(x, se);
    MlirValue c = qcc_make_constant(&b, loc, storage_t, data, (size_t)numel * es);
    q = mlirOperationGetResult(qcc_build(&b, QCC_OP_storage_cast, loc, 1, &c, 1, &qt, 0, NULL), 0);
    free(data);
    free(w);
  } else {
    q = mlirOperationGetResult(qcc_build(&b, QCC_OP_quantize, loc, 1, &x, 1, &qt, 0, NULL), 0);
  }
  MlirType ft = mlirValueGetType(x);
  MlirType dt = qi->spec.group ? mlirRankedTensorTypeGet(2, blocked, mlirF32TypeGet(ctx), mlirAttributeGetNull()) : ft;
  MlirValue dq = mlirOperationGetResult(qcc_build(&b, QCC_OP_dequantize, loc, 1, &q, 1, &dt, 0, NULL), 0);
  if (qi->spec.group && kn) {
    int64_t nk[2] = {wd[1], wd[0]}, perm[2] = {1, 0};
    MlirType nkt = mlirRankedTensorTypeGet(2, nk, mlirF32TypeGet(ctx), mlirAttributeGetNull());
    dq = mlirOperationGetResult(qcc_build(&b, QCC_OP_reshape, loc, 1, &dq, 1, &nkt, 0, NULL), 0);
    MlirNamedAttribute pa = mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("perm")),
                                                  mlirDenseI64ArrayGet(ctx, 2, perm));
    dq = mlirOperationGetResult(qcc_build(&b, QCC_OP_transpose, loc, 1, &dq, 1, &ft, 1, &pa), 0);
  } else if (qi->spec.group) {
    dq = mlirOperationGetResult(qcc_build(&b, QCC_OP_reshape, loc, 1, &dq, 1, &ft, 0, NULL), 0);
  }
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(obs, 0), dq);
  return dq;
}

/* f16 spec on a constant: an f16 constant cast back to f32 (the values are
 * rounded to the nearest half, as qrt_f32_to_f16). */
static MlirValue rewrite_f16(state *s, MlirOperation obs) {
  MlirContext ctx = mlirOperationGetContext(obs);
  MlirValue x = mlirOperationGetOperand(obs, 0);
  MlirLocation loc = mlirOperationGetLocation(obs);
  int64_t numel;
  float *w = qcc_const_f32_copy(x, &numel);
  if (!w) {
    error_at(s, obs, "f16 applies to f32 constants (weights) only");
    return (MlirValue){NULL};
  }
  uint16_t *h = malloc((size_t)(numel ? numel : 1) * sizeof *h);
  for (int64_t i = 0; i < numel; ++i) h[i] = qrt_f32_to_f16(w[i]);
  qcc_builder b = qcc_builder_before(obs);
  MlirValue c = qcc_make_constant(&b, loc, with_elem(x, mlirF16TypeGet(ctx)), h, (size_t)numel * 2);
  MlirType ft = mlirValueGetType(x);
  MlirValue f = mlirOperationGetResult(qcc_build(&b, QCC_OP_cast, loc, 1, &c, 1, &ft, 0, NULL), 0);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(obs, 0), f);
  free(h);
  free(w);
  return f;
}

/* Bias correction (Nagel et al. 2019, "Data-Free Quantization", with
 * empirical input means): a layer y = W x + b whose weights are quantized to
 * Wq makes the expected error E[(Wq - W) x]_o = sum_{i,k} (Wq - W)[o][i][k] E[x_i]
 * in output channel o. E[x_i] is the mean of input channel i over calibration
 * samples and positions (qcc-calibrate's qcc.channel_mean on the input's
 * observer; zero padding is ignored, so border outputs of a padded conv get the
 * interior correction). delta[o] receives that error; false when the layer has
 * no means, or a layout this does not handle (nothing is corrected). */
static bool bias_error(MlirOperation user, const qinfo *a, const qinfo *w, int64_t nout, double *delta) {
  MlirAttribute ma = mlirOperationGetDiscardableAttributeByName(a->obs, mlirStringRefCreateFromCString("qcc.channel_mean"));
  if (mlirAttributeIsNull(ma) || w->spec.group || w->spec.bits != 8) return false;
  MlirValue wv = mlirOperationGetOperand(w->obs, 0);
  int64_t d[8], numel;
  int r = qcc_value_dims(wv, d);
  intptr_t nm = qcc_attr_as_f32s(ma, NULL, 0);
  bool conv = qcc_op_is(user, QCC_OP_conv2d);
  int64_t groups = conv ? qcc_get_i64(user, QCC_ATTR_group) : 1;
  if (groups < 1) groups = 1;
  bool nk = !conv && qcc_get_i64(user, QCC_ATTR_trans_b); /* gemm W is [N][K], else [K][N] */
  /* out: output channels; per_out: weights per output channel; cin: means expected */
  int64_t out, per_out, cin;
  if (conv) {
    if (r != 4) return false;
    out = d[0], per_out = d[1] * d[2] * d[3], cin = d[1] * groups;
  } else {
    if (r != 2 || !qcc_op_is(user, QCC_OP_gemm) || qcc_get_i64(user, QCC_ATTR_trans_a)) return false;
    out = nk ? d[0] : d[1], per_out = nk ? d[1] : d[0], cin = per_out;
  }
  if (out != nout || nm != cin || out % groups) return false;
  int want_axis = conv || nk ? 0 : 1;
  if (w->n != 1 && (w->n != out || w->axis != want_axis)) return false;
  float *wf = qcc_const_f32_copy(wv, &numel);
  if (!wf) return false;
  float *mean = malloc((size_t)nm * sizeof *mean), *wq = malloc((size_t)numel * sizeof *wq);
  int8_t *q = malloc((size_t)(numel ? numel : 1));
  bool ok = mean && wq && q;
  if (ok) {
    qcc_attr_as_f32s(ma, mean, nm);
    /* exactly the integers rewrite() stores, dequantized */
    int64_t ch = w->n, inner = w->n == 1 ? numel : (want_axis == 0 ? per_out : 1), outer = w->n == 1 ? 1 : (want_axis == 0 ? 1 : d[0]);
    qrt_dtype_t st = w->spec.is_signed ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
    ok = qrt_quantize_f32_reference(st, w->spec.qmin, w->spec.qmax, outer, ch, inner, wf, w->scale, w->zp, q) == QRT_OK &&
         qrt_dequantize_f32_reference(st, outer, ch, inner, q, w->scale, w->zp, wq) == QRT_OK;
  }
  if (ok) {
    int64_t per_group = out / groups;
    for (int64_t o = 0; o < out; ++o) {
      double e = 0;
      for (int64_t j = 0; j < per_out; ++j) {
        int64_t idx = conv || nk ? o * per_out + j : j * out + o;
        int64_t i = conv ? (o / per_group) * d[1] + j / (d[2] * d[3]) : j; /* input channel */
        e += ((double)wq[idx] - (double)wf[idx]) * (double)mean[i];
      }
      delta[o] = e;
    }
  }
  free(mean);
  free(wq);
  free(q);
  free(wf);
  return ok;
}

static void drop(MlirOperation obs) {
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(obs, 0), mlirOperationGetOperand(obs, 0));
}

static bool keep(MlirOperation op) { return qcc_op_is(op, QCC_OP_observe); }

static bool single_user_is(MlirValue v, MlirOperation user);

static void convert_one(state *s, MlirOperation obs) {
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 64;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
  }
  qinfo *qi = &s->v[s->n++];
  memset(qi, 0, sizeof *qi);
  qi->obs = obs;
  qi->axis = -1;
  MlirStringRef sp = qcc_get_str(obs, QCC_ATTR_spec);
  qcc_status_t st = qcc_qspec_parse(sp.data, sp.length, &qi->spec);
  if (st) {
    error_at(s, obs, "%s", qcc_status_message(st));
    qcc_status_free(st);
    return;
  }
  MlirValue x = mlirOperationGetOperand(obs, 0);
  bool ok = false;
  switch (qi->spec.kind) {
    case QCC_QSPEC_FLOAT: break;
    case QCC_QSPEC_F16:
      /* not a quant type: nothing downstream reads its parameters */
      if (mlirValueIsNull(rewrite_f16(s, obs))) drop(obs);
      return;
    case QCC_QSPEC_SHARED: {
      qinfo *src = mlirValueIsAOpResult(x) && mlirOperationGetNumOperands(mlirOpResultGetOwner(x)) > 0
                       ? info_of_value(s, mlirOperationGetOperand(mlirOpResultGetOwner(x), 0))
                       : NULL;
      ok = src && src->quantized && copy_params(qi, src);
      break;
    }
    case QCC_QSPEC_BIAS: {
      MlirOpOperand u = mlirValueGetFirstUse(mlirOperationGetResult(obs, 0));
      if (mlirOpOperandIsNull(u)) break;
      MlirOperation user = mlirOpOperandGetOwner(u);
      qinfo *a = info_of_value(s, mlirOperationGetOperand(user, 0));
      qinfo *w = mlirOperationGetNumOperands(user) > 1 ? info_of_value(s, mlirOperationGetOperand(user, 1)) : NULL;
      if (!a || !w || !a->quantized || !w->quantized || a->n != 1) break;
      int64_t d[8];
      if (qcc_value_dims(x, d) != 1 || (w->n != 1 && w->n != d[0])) break;
      if (!alloc_params(qi, w->n)) break;
      for (int c = 0; c < w->n; ++c) qi->scale[c] = a->scale[0] * w->scale[c], qi->zp[c] = 0;
      qi->axis = w->n > 1 ? 0 : -1;
      ok = true;
      if (s->bias_correction && single_user_is(mlirOperationGetResult(obs, 0), user) &&
          mlirOperationGetNumOperands(user) > 2 && qcc_value_dims(mlirOperationGetOperand(user, 2), d) == 1) {
        int64_t numel;
        float *b = qcc_const_f32_copy(x, &numel);
        double *delta = b ? malloc((size_t)numel * sizeof *delta) : NULL;
        if (delta && bias_error(user, a, w, numel, delta)) {
          for (int64_t o = 0; o < numel; ++o) b[o] = (float)((double)b[o] - delta[o]);
          qi->values = b, b = NULL;
        }
        free(b);
        free(delta);
      }
      break;
    }
    case QCC_QSPEC_QUANT:
      if (qi->spec.has_fixed) {
        ok = alloc_params(qi, 1);
        if (ok) qi->scale[0] = qi->spec.scale, qi->zp[0] = qi->spec.zero_point;
      } else if (!mlirOperationIsNull(qcc_defining_constant(x))) {
        if (!params_from_blocks(s, obs, qi, &ok)) ok = params_from_constant(s, obs, qi);
      } else {
        ok = params_from_attrs(s, obs, qi);
      }
      break;
  }
  qi->quantized = ok;
  if (ok) qi->dq = rewrite(s, obs, qi);
  else drop(obs);
}

static bool single_user_is(MlirValue v, MlirOperation user) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  return !mlirOpOperandIsNull(u) && mlirOpOperandIsNull(mlirOpOperandGetNextUse(u)) &&
         mlirOperationEqual(mlirOpOperandGetOwner(u), user);
}

/* concat annotated with shared inputs: quantize every input with the
 * parameters of the concat's (converted) output, so fusion can concatenate
 * the integers. */
static MlirWalkResult share_concat(MlirOperation op, void *ud) {
  (void)ud;
  if (!qcc_op_is(op, QCC_OP_concat)) return MlirWalkResultAdvance;
  qcc_op_annotation ann;
  if (!qcc_get_annotation(op, &ann) || ann.n_in < 1 || ann.in[0].kind != QCC_QSPEC_SHARED) return MlirWalkResultAdvance;
  MlirOpOperand u = mlirValueGetFirstUse(mlirOperationGetResult(op, 0));
  if (mlirOpOperandIsNull(u) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(u))) return MlirWalkResultAdvance;
  MlirOperation q = mlirOpOperandGetOwner(u);
  if (!qcc_op_is(q, QCC_OP_quantize)) return MlirWalkResultAdvance;
  MlirType qe = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetResult(q, 0)));
  qcc_builder b = qcc_builder_before(op);
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) {
    MlirValue x = mlirOperationGetOperand(op, i);
    /* x = dequantize(quantize(y)) used only here: quantize y with the concat's
     * parameters directly (the producer shares the concat's observer, whose
     * range covers every input), instead of requantizing. */
    MlirOperation dq = mlirValueIsAOpResult(x) ? mlirOpResultGetOwner(x) : (MlirOperation){NULL};
    if (!mlirOperationIsNull(dq) && qcc_op_is(dq, QCC_OP_dequantize) && single_user_is(x, op)) {
      MlirValue qv = mlirOperationGetOperand(dq, 0);
      MlirOperation qop = mlirValueIsAOpResult(qv) ? mlirOpResultGetOwner(qv) : (MlirOperation){NULL};
      if (!mlirOperationIsNull(qop) && qcc_op_is(qop, QCC_OP_quantize) && single_user_is(qv, dq)) {
        x = mlirOperationGetOperand(qop, 0);
        mlirOperationSetOperand(op, i, x); /* the old pair is dead now */
        mlirOperationDestroy(dq);
        mlirOperationDestroy(qop);
      }
    }
    int64_t d[8];
    int r = qcc_value_dims(x, d);
    MlirType qt = mlirRankedTensorTypeGet(r, d, qe, mlirAttributeGetNull());
    MlirLocation loc = mlirOperationGetLocation(op);
    MlirValue xq = mlirOperationGetResult(qcc_build(&b, QCC_OP_quantize, loc, 1, &x, 1, &qt, 0, NULL), 0);
    MlirType ft = mlirValueGetType(x);
    MlirValue xd = mlirOperationGetResult(qcc_build(&b, QCC_OP_dequantize, loc, 1, &xq, 1, &ft, 0, NULL), 0);
    mlirOperationSetOperand(op, i, xd);
  }
  return MlirWalkResultAdvance;
}

/* Bias correction on a conv2d or gemm (trans_b, beta 1) without a bias whose
 * input and weights were quantized: give it a zero bias, observed as "bias",
 * so convert_one quantizes it to int32 with the correction applied. Returns
 * the new observe op (destroy it after conversion) or a null op. */
static MlirOperation add_zero_bias(state *s, MlirOperation user) {
  MlirOperation none = {NULL};
  bool conv = qcc_op_is(user, QCC_OP_conv2d), gemm = qcc_op_is(user, QCC_OP_gemm);
  if ((!conv && !gemm) || mlirOperationGetNumOperands(user) != 2) return none;
  if (gemm && (qcc_get_i64(user, QCC_ATTR_trans_a) || qcc_get_f32(user, QCC_ATTR_alpha) != 1.0f)) return none;
  qinfo *a = info_of_value(s, mlirOperationGetOperand(user, 0)), *w = info_of_value(s, mlirOperationGetOperand(user, 1));
  if (!a || !w || !a->quantized || !w->quantized || a->n != 1) return none;
  if (mlirAttributeIsNull(mlirOperationGetDiscardableAttributeByName(a->obs, mlirStringRefCreateFromCString("qcc.channel_mean"))))
    return none;
  int64_t d[8];
  if (qcc_value_dims(mlirOperationGetOperand(w->obs, 0), d) < 2) return none;
  int64_t out = conv || qcc_get_i64(user, QCC_ATTR_trans_b) ? d[0] : d[1];
  if (out < 1 || out > MAXCH) return none;
  MlirContext ctx = mlirOperationGetContext(user);
  MlirLocation loc = mlirOperationGetLocation(user);
  qcc_builder b = qcc_builder_before(user);
  MlirType bt = mlirRankedTensorTypeGet(1, &out, mlirF32TypeGet(ctx), mlirAttributeGetNull());
  float *zeros = calloc((size_t)out, sizeof *zeros);
  if (!zeros) return none;
  MlirValue c = qcc_make_constant(&b, loc, bt, zeros, (size_t)out * sizeof *zeros);
  free(zeros);
  MlirNamedAttribute at[3] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("id")),
                            mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), -1)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("observer")),
                            mlirStringAttrGet(ctx, mlirStringRefCreateFromCString("bias"))),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("spec")),
                            mlirStringAttrGet(ctx, mlirStringRefCreateFromCString("bias"))),
  };
  MlirOperation obs = qcc_build(&b, QCC_OP_observe, loc, 1, &c, 1, &bt, 3, at);
  MlirValue ops[3] = {mlirOperationGetOperand(user, 0), mlirOperationGetOperand(user, 1), mlirOperationGetResult(obs, 0)};
  mlirOperationSetOperands(user, 3, ops);
  if (gemm) /* the bias adds as is */
    mlirOperationSetAttributeByName(user, mlirStringRefCreateFromCString("beta"), mlirFloatAttrDoubleGet(ctx, mlirF32TypeGet(ctx), 1.0));
  return obs;
}

static bool is_layer(MlirOperation op) { return qcc_op_is(op, QCC_OP_conv2d) || qcc_op_is(op, QCC_OP_gemm); }

static bool convert_observers(MlirOperation root, bool bias_correction) {
  struct { MlirOperation *v; size_t n; } o;
  o.v = qcc_collect_ops(root, keep, &o.n);
  state s = {0};
  s.bias_correction = bias_correction;
  /* Bias last: its parameters come from its user's input and weights, whose
   * observers may come later in program order (a constant shared by several
   * convs is defined, and observed, before all of them). */
  for (int pass_bias = 0; pass_bias < 2; ++pass_bias)
    for (size_t i = 0; i < o.n && !s.failed; ++i)
      if (qcc_str_eq(qcc_get_str(o.v[i], QCC_ATTR_observer), "bias") == (pass_bias == 1)) convert_one(&s, o.v[i]);
  /* Layers without a bias get one when bias correction has something to correct. */
  size_t nl = 0, nadd = 0;
  MlirOperation *layers = bias_correction && !s.failed ? qcc_collect_ops(root, is_layer, &nl) : NULL;
  MlirOperation *added = nl ? calloc(nl, sizeof *added) : NULL;
  for (size_t i = 0; added && i < nl && !s.failed; ++i) {
    MlirOperation obs = add_zero_bias(&s, layers[i]);
    if (mlirOperationIsNull(obs)) continue;
    added[nadd++] = obs;
    convert_one(&s, obs);
  }
  if (!s.failed) {
    for (size_t i = 0; i < o.n; ++i) mlirOperationDestroy(o.v[i]);
    for (size_t i = 0; i < nadd; ++i) mlirOperationDestroy(added[i]);
    mlirOperationWalk(root, share_concat, NULL, MlirWalkPreOrder);
  }
  for (size_t i = 0; i < s.n; ++i) free(s.v[i].scale), free(s.v[i].zp), free(s.v[i].values);
  free(s.v);
  free(o.v);
  free(layers);
  free(added);
  return !s.failed;
}

bool qcc_convert_observers(MlirOperation root) { return convert_observers(root, QCC_BIAS_CORRECTION_DEFAULT); }

typedef struct {
  bool bias_correction;
} convert_cfg;

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const convert_cfg *c = ud;
  if (!convert_observers(root, c->bias_correction)) mlirExternalPassSignalFailure(pass);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  convert_cfg *c = calloc(1, sizeof *c);
  c->bias_correction = QCC_BIAS_CORRECTION_DEFAULT;
  for (int i = 0; i < n; ++i) {
    qcc_status_t st = !strcmp(opts[i].key, "bias_correction")
                          ? qcc_option_bool("qcc-convert", &opts[i], &c->bias_correction)
                          : qcc_option_unknown("qcc-convert", opts[i].key, "bias_correction");
    if (st) {
      free(c);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_convert_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_convert_info = {
    "qcc-convert", "",
    "Turn observers into quantize/dequantize pairs with computed scale and zero point",
    "Before:  %o = \"qcc.observe\"(%x) {id = 3, observer = \"histogram\", spec = \"u8 affine ...\",\n"
    "           qcc.scale = array<f32: 0.0235>, qcc.zero_point = array<i64: 0>}\n"
    "After:   %q = \"qcc.quantize\"(%x) : ... -> tensor<...x!quant.uniform<u8:f32, 0.0235>>\n"
    "         %o = \"qcc.dequantize\"(%q) : ... -> tensor<...xf32>\n"
    "Weights are quantized now (an i8 qcc.constant, storage_cast, dequantize); bias becomes int32 with\n"
    "scale s_in * s_w per channel; shared outputs reuse their input's parameters.\n"
    "bias_correction=1 (the default): a conv2d/gemm bias b[o] becomes b[o] - sum_{i,k} (Wq - W)[o][i][k] * mean[i] before\n"
    "it is quantized (mean: the input's qcc.channel_mean from qcc-calibrate); a layer without a bias gets one.",
    "bias_correction=0|1: subtract the expected output error of the quantized weights from the bias\n"
    "  (Nagel et al. 2019, empirical input means; default 1)", create};
