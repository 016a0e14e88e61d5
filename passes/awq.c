/* qcc-awq: activation-aware int4 weights (AWQ: Lin et al. 2023,
 * "Activation-aware Weight Quantization for LLM Compression and
 * Acceleration").
 *
 * Round-to-nearest gives every input channel k of a layer y = x W^T the same
 * relative weight error; the output error of channel k is that error times
 * |x_k|, so the few channels with large activations dominate it. AWQ scales
 * W's column k by s_k before quantizing and x_k by 1/s_k: in float the layer
 * is unchanged (x diag(1/s) * diag(s) W^T), but Q(W diag(s)) / s gives the
 * salient channels a finer grid. s_k = m_k^alpha with m_k = mean |x_k| over
 * calibration rows (qcc-calibrate{input_rows=N}: qcc.input_absmean), alpha
 * searched on a grid of `grid` values in [0, 1) for the least squared output
 * error sum_rows ||x (Q(W diag(s)) diag(1/s) - W)^T||^2 on the rows qcc-calibrate
 * kept (qcc.input_rows). alpha = 0 is round-to-nearest, so on those rows the
 * result is never worse than RTN. The quantization is exactly qcc-convert's
 * (per block min/max, qcc_qparams_from_range, qrt_quantize_f32_reference).
 *
 * Runs after qcc-apply-precision (it acts on the layers whose weight observer
 * has a u4 group spec) and before qcc-convert. 1/s goes into the producer of
 * x when that is a layer_norm whose result only this layer reads (its scale
 * and bias are divided by s), else a qcc.mul by the constant vector 1/s is
 * inserted before the layer. With clip=1 (the default) each block of G scaled
 * weights is then clamped to the fraction of its largest |w| with the least
 * output error of the block (AWQ's clipping search). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "observers.h"
#include "pass_util.h"
#include "passes.h"
#include "precision.h"
#include "qrt/qrt_quant.h"
#include "quantizer.h"

#define AWQ_GRID_DEFAULT 20
#define AWQ_CLIP_DEFAULT 1

typedef struct {
  int grid;
  bool clip;
} awq_cfg;

static MlirAttribute attr(MlirOperation op, const char *name) {
  return mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name));
}

static void set_attr(MlirOperation op, const char *name, MlirAttribute a) {
  mlirOperationSetDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name), a);
}

/* w[N][K] quantized in blocks of g along K and dequantized, exactly as
 * qcc-convert stores a "u4 affine axis=0 group=g" constant (qcc-gptq's
 * round-to-nearest reference too). */
bool qcc_int4_fake_quant(const float *w, int64_t n, int64_t k, const qcc_quant_spec *spec, float *out) {
  const int g = spec->group;
  const int64_t nb = n * (k / g);
  float *scale = malloc((size_t)nb * sizeof *scale);
  int32_t *zp = malloc((size_t)nb * sizeof *zp);
  uint8_t *q = malloc((size_t)(n * k));
  bool ok = scale && zp && q;
  qcc_qspec os = {spec->qmin, spec->qmax, spec->bits, spec->symmetric, QCC_QSPEC_MIN_SCALE};
  for (int64_t b = 0; ok && b < nb; ++b) {
    float mn = INFINITY, mx = -INFINITY;
    for (int j = 0; j < g; ++j) mn = fminf(mn, w[b * g + j]), mx = fmaxf(mx, w[b * g + j]);
    qcc_status_t st = qcc_qparams_from_range(mn, mx, &os, &scale[b], &zp[b]);
    if (st) qcc_status_free(st), ok = false;
  }
  qrt_dtype_t dt = spec->is_signed ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
  ok = ok && qrt_quantize_f32_reference(dt, spec->qmin, spec->qmax, 1, nb, g, w, scale, zp, q) == QRT_OK &&
       qrt_dequantize_f32_reference(dt, 1, nb, g, q, scale, zp, out) == QRT_OK;
  free(scale);
  free(zp);
  free(q);
  return ok;
}

/* sum over rows r and outputs o of (x_r . d_o)^2: x [rows][k], d [n][k]. */
static double output_error(const float *x, int64_t rows, const float *d, int64_t n, int64_t k) {
  double e = 0;
  for (int64_t o = 0; o < n; ++o) {
    const float *dv = d + o * k;
    for (int64_t r = 0; r < rows; ++r) {
      const float *xv = x + r * k;
      float acc[8] = {0};
      int64_t i = 0;
      for (; i + 8 <= k; i += 8)
        for (int j = 0; j < 8; ++j) acc[j] += xv[i + j] * dv[i + j];
      double dot = 0;
      for (int j = 0; j < 8; ++j) dot += acc[j];
      for (; i < k; ++i) dot += (double)xv[i] * dv[i];
      e += dot * dot;
    }
  }
  return e;
}

/* s_k = m_k^alpha, m clamped to 1e-4 of its largest value, then divided by
 * sqrt(max s * min s) so the scales straddle 1 (as AWQ's reference does). */
static void scales_for(const float *m, int64_t k, double alpha, float *s) {
  float mmax = 0;
  for (int64_t i = 0; i < k; ++i) mmax = fmaxf(mmax, m[i]);
  double lo = INFINITY, hi = 0;
  for (int64_t i = 0; i < k; ++i) {
    double v = pow(fmax((double)m[i], 1e-4 * (mmax > 0 ? mmax : 1)), alpha);
    s[i] = (float)v;
    lo = fmin(lo, v), hi = fmax(hi, v);
  }
  double norm = sqrt(lo * hi);
  for (int64_t i = 0; i < k; ++i) s[i] = (float)(s[i] / norm);
}

typedef struct {
  double alpha, rtn_error, error, ref; /* ref: sum of squared float outputs over the rows */
} awq_result;

/* The best alpha for w [n][k] (row-major, N by K) on rows x [rows][k] with
 * channel magnitudes m; s receives its scales. */
static bool search(const float *w, int64_t n, int64_t k, const qcc_quant_spec *spec, const float *x, int64_t rows,
                   const float *m, int grid, float *s, awq_result *res) {
  float *ws = malloc((size_t)(n * k) * sizeof *ws), *wq = malloc((size_t)(n * k) * sizeof *wq);
  float *cand = malloc((size_t)k * sizeof *cand);
  bool ok = ws && wq && cand;
  res->alpha = 0, res->error = INFINITY;
  for (int step = 0; ok && step < grid; ++step) {
    double alpha = (double)step / grid;
    scales_for(m, k, alpha, cand);
    for (int64_t o = 0; o < n; ++o)
      for (int64_t i = 0; i < k; ++i) ws[o * k + i] = w[o * k + i] * cand[i];
    ok = qcc_int4_fake_quant(ws, n, k, spec, wq);
    /* the layer computes (x / s) . Q(w s): its error against x . w */
    for (int64_t o = 0; ok && o < n; ++o)
      for (int64_t i = 0; i < k; ++i) wq[o * k + i] = wq[o * k + i] / cand[i] - w[o * k + i];
    double e = ok ? output_error(x, rows, wq, n, k) : INFINITY;
    if (step == 0) res->rtn_error = e;
    if (e < res->error) res->error = e, res->alpha = alpha, memcpy(s, cand, (size_t)k * sizeof *s);
  }
  if (ok) { /* the reference output energy, to state errors relative to it */
    memcpy(wq, w, (size_t)(n * k) * sizeof *wq);
    res->ref = output_error(x, rows, wq, n, k);
  }
  free(ws);
  free(wq);
  free(cand);
  return ok;
}

/* AWQ's weight clipping: each block of g weights of ws [n][k] (already
 * scaled by s) is clamped to [-c max|w|, c max|w|], c in {1, 0.95, ..., 0.55},
 * the c with the least sum_rows (xs_r . (Q(clamped) - w))^2 over that block
 * (xs: the rows divided by s), and ws keeps the clamped values. The clamp
 * changes the float weights on purpose: qcc-convert then takes its block
 * ranges from them. */
#define CLIP_STEPS 10
static bool clip_search(float *ws, int64_t n, int64_t k, const qcc_quant_spec *spec, const float *xs, int64_t rows) {
  const int g = spec->group;
  qcc_quant_spec one = *spec;
  float *xg = malloc((size_t)(rows * g) * sizeof *xg), *c = malloc((size_t)g * sizeof *c);
  float *q = malloc((size_t)g * sizeof *q), *best = malloc((size_t)g * sizeof *best);
  bool ok = xg && c && q && best;
  for (int64_t b = 0; ok && b < k / g; ++b) {
    for (int64_t r = 0; r < rows; ++r) memcpy(xg + r * g, xs + r * k + b * g, (size_t)g * sizeof *xg);
    for (int64_t o = 0; ok && o < n; ++o) {
      float *w = ws + o * k + b * g, amax = 0;
      for (int j = 0; j < g; ++j) amax = fmaxf(amax, fabsf(w[j]));
      double best_e = INFINITY;
      for (int step = 0; ok && step < CLIP_STEPS; ++step) {
        float lim = amax * (float)(1.0 - step / 20.0);
        for (int j = 0; j < g; ++j) c[j] = fminf(fmaxf(w[j], -lim), lim);
        ok = qcc_int4_fake_quant(c, 1, g, &one, q);
        for (int j = 0; j < g; ++j) q[j] -= w[j];
        double e = ok ? output_error(xg, rows, q, 1, g) : INFINITY;
        if (e < best_e) best_e = e, memcpy(best, c, (size_t)g * sizeof *best);
      }
      memcpy(w, best, (size_t)g * sizeof *w);
    }
  }
  free(xg);
  free(c);
  free(q);
  free(best);
  return ok;
}

/* The output error of quantizing ws [n][k] (= w diag(s), maybe clipped)
 * against w, on rows x. */
static bool final_error(const float *w, const float *ws, const float *s, int64_t n, int64_t k,
                        const qcc_quant_spec *spec, const float *x, int64_t rows, double *out) {
  float *wq = malloc((size_t)(n * k) * sizeof *wq);
  bool ok = wq && qcc_int4_fake_quant(ws, n, k, spec, wq);
  for (int64_t o = 0; ok && o < n; ++o)
    for (int64_t i = 0; i < k; ++i) wq[o * k + i] = wq[o * k + i] / s[i] - w[o * k + i];
  if (ok) *out = output_error(x, rows, wq, n, k);
  free(wq);
  return ok;
}

static bool single_use(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  return !mlirOpOperandIsNull(u) && mlirOpOperandIsNull(mlirOpOperandGetNextUse(u));
}

/* A new f32 constant like v's type with data, before op. */
static MlirValue constant_like(MlirOperation before, MlirValue v, const float *data, int64_t numel) {
  qcc_builder b = qcc_builder_before(before);
  return qcc_make_constant(&b, mlirOperationGetLocation(before), mlirValueGetType(v), data, (size_t)numel * sizeof *data);
}

/* Divide operand i of op (an f32 constant of k values) by s. */
static bool divide_operand(MlirOperation op, int i, const float *s, int64_t k) {
  MlirValue v = mlirOperationGetOperand(op, i);
  int64_t numel;
  float *c = qcc_const_f32_copy(v, &numel);
  if (!c || numel != k) {
    free(c);
    return false;
  }
  for (int64_t j = 0; j < k; ++j) c[j] /= s[j];
  mlirOperationSetOperand(op, i, constant_like(op, v, c, k));
  free(c);
  return true;
}

/* x / s on the layer's input: folded into a layer_norm that only this layer
 * reads (scale and bias over the last axis, constants), else a qcc.mul by
 * 1/s before the layer. Returns "layer_norm" or "mul". */
static const char *scale_input(MlirOperation layer, const float *s, int64_t k) {
  MlirValue x = mlirOperationGetOperand(layer, 0);
  MlirOperation p = mlirValueIsAOpResult(x) ? mlirOpResultGetOwner(x) : (MlirOperation){NULL};
  if (!mlirOperationIsNull(p) && qcc_op_is(p, QCC_OP_layer_norm) && single_use(x)) {
    int64_t d[8], numel = 0;
    int r = qcc_value_dims(x, d);
    intptr_t no = mlirOperationGetNumOperands(p);
    int64_t axis = qcc_get_i64(p, QCC_ATTR_axis);
    bool ok = r >= 1 && d[r - 1] == k && (axis < 0 ? axis + r : axis) == r - 1;
    for (intptr_t i = 1; ok && i < no; ++i) {
      float *c = qcc_const_f32_copy(mlirOperationGetOperand(p, i), &numel);
      ok = c && numel == k;
      free(c);
    }
    if (ok) {
      for (intptr_t i = 1; i < no; ++i) divide_operand(p, (int)i, s, k);
      return "layer_norm";
    }
  }
  MlirContext ctx = mlirOperationGetContext(layer);
  float *inv = malloc((size_t)k * sizeof *inv);
  for (int64_t j = 0; j < k; ++j) inv[j] = 1.0f / s[j];
  qcc_builder b = qcc_builder_before(layer);
  MlirLocation loc = mlirOperationGetLocation(layer);
  MlirType vt = mlirRankedTensorTypeGet(1, &k, mlirF32TypeGet(ctx), mlirAttributeGetNull());
  MlirValue c = qcc_make_constant(&b, loc, vt, inv, (size_t)k * sizeof *inv);
  free(inv);
  MlirValue ops[2] = {x, c};
  MlirType xt = mlirValueGetType(x);
  MlirValue y = mlirOperationGetResult(qcc_build(&b, QCC_OP_mul, loc, 2, ops, 1, &xt, 0, NULL), 0);
  mlirOperationSetOperand(layer, 0, y);
  return "mul";
}

/* One int4 layer: search, then rewrite its weight constant and its input. */
static qcc_status_t awq_layer(const qcc_layer *l, const qcc_quant_spec *spec, int grid, bool clip) {
  MlirAttribute am = attr(l->op, "qcc.input_absmean"), ar = attr(l->op, "qcc.input_rows");
  if (mlirAttributeIsNull(am) || mlirAttributeIsNull(ar))
    return qcc_status_make(QCC_ERR_INVALID,
                           "qcc-awq: layer '%s' is int4 but has no activation statistics (qcc.input_absmean, "
                           "qcc.input_rows): run qcc-calibrate{input_rows=N} before it",
                           l->name);
  const int64_t n = l->rows, k = l->cols;
  intptr_t nm = qcc_attr_as_f32s(am, NULL, 0), nr = qcc_attr_as_f32s(ar, NULL, 0);
  if (nm != k || nr < k || nr % k)
    return qcc_status_make(QCC_ERR_INVALID,
                           "qcc-awq: layer '%s': qcc.input_absmean has %ld values and qcc.input_rows %ld, expected %lld "
                           "and a multiple of %lld",
                           l->name, (long)nm, (long)nr, (long long)k, (long long)k);
  MlirValue wv = mlirOperationGetOperand(l->wobs, 0);
  int64_t numel;
  float *w = qcc_const_f32_copy(wv, &numel);
  float *m = malloc((size_t)k * sizeof *m), *x = malloc((size_t)nr * sizeof *x);
  float *wnk = malloc((size_t)(n * k) * sizeof *wnk), *s = malloc((size_t)k * sizeof *s);
  qcc_status_t st = NULL;
  awq_result res = {0, 0, 0, 0};
  if (!w || numel != n * k || !m || !x || !wnk || !s) {
    st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-awq: layer '%s': cannot read its weights", l->name);
  } else {
    qcc_attr_as_f32s(am, m, nm);
    qcc_attr_as_f32s(ar, x, nr);
    for (int64_t o = 0; o < n; ++o) /* [N][K] view: w is [K][N] when kn */
      for (int64_t i = 0; i < k; ++i) wnk[o * k + i] = l->kn ? w[i * n + o] : w[o * k + i];
    if (!search(wnk, n, k, spec, x, nr / k, m, grid, s, &res))
      st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-awq: layer '%s': quantization failed", l->name);
  }
  const int64_t rows = nr / k;
  float *ws = st ? NULL : malloc((size_t)(n * k) * sizeof *ws), *xs = NULL;
  if (!st && !ws) st = qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  if (!st) {
    for (int64_t o = 0; o < n; ++o)
      for (int64_t i = 0; i < k; ++i) ws[o * k + i] = wnk[o * k + i] * s[i];
  }
  if (!st && clip) {
    xs = malloc((size_t)nr * sizeof *xs);
    for (int64_t j = 0; xs && j < nr; ++j) xs[j] = x[j] / s[j % k];
    if (!xs || !clip_search(ws, n, k, spec, xs, rows) || !final_error(wnk, ws, s, n, k, spec, x, rows, &res.error))
      st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-awq: layer '%s': clipping search failed", l->name);
  }
  if (!st && (res.alpha > 0 || clip)) {
    for (int64_t o = 0; o < n; ++o) /* back to the constant's layout */
      for (int64_t i = 0; i < k; ++i) w[l->kn ? i * n + o : o * k + i] = ws[o * k + i];
    mlirOperationSetOperand(l->wobs, 0, constant_like(l->wobs, wv, w, numel));
    if (res.alpha > 0) scale_input(l->op, s, k);
  }
  free(ws);
  free(xs);
  if (!st) {
    MlirContext ctx = mlirOperationGetContext(l->op);
    MlirType f32 = mlirF32TypeGet(ctx);
    double ref = res.ref > 0 ? res.ref : 1;
    set_attr(l->op, "qcc.awq_alpha", mlirFloatAttrDoubleGet(ctx, f32, res.alpha));
    set_attr(l->op, "qcc.awq_rtn_error", mlirFloatAttrDoubleGet(ctx, f32, res.rtn_error / ref));
    set_attr(l->op, "qcc.awq_error", mlirFloatAttrDoubleGet(ctx, f32, res.error / ref));
  }
  free(w);
  free(m);
  free(x);
  free(wnk);
  free(s);
  return st;
}

static bool has_rows(MlirOperation op) {
  return !mlirAttributeIsNull(attr(op, "qcc.input_rows")) || !mlirAttributeIsNull(attr(op, "qcc.input_absmean"));
}

qcc_status_t qcc_awq_apply(MlirOperation root, int grid, bool clip) {
  if (grid <= 0) grid = AWQ_GRID_DEFAULT;
  int n = 0;
  qcc_layer *L = qcc_layers_collect(root, &n);
  qcc_status_t st = L ? NULL : qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  /* Last layer first: a layer's rewrite touches its input's producer, never
   * a later layer. */
  for (int i = n - 1; i >= 0 && !st; --i) {
    MlirStringRef sp = qcc_get_str(L[i].wobs, QCC_ATTR_spec);
    qcc_quant_spec q;
    qcc_status_t ps = qcc_qspec_parse(sp.data, sp.length, &q);
    if (ps) {
      qcc_status_free(ps);
      continue;
    }
    if (q.kind == QCC_QSPEC_QUANT && q.group > 0 && q.bits == 4 && L[i].rows > 0 && L[i].cols % q.group == 0)
      st = awq_layer(&L[i], &q, grid, clip);
  }
  free(L);
  qcc_drop_input_rows(root);
  return st;
}

/* The statistics are consumed, on every layer (fp32 ones too: they are not
 * layers any more, and would carry the rows into the output). */
void qcc_drop_input_rows(MlirOperation root) {
  size_t nops = 0;
  MlirOperation *ops = qcc_collect_ops(root, has_rows, &nops);
  for (size_t i = 0; i < nops; ++i) {
    mlirOperationRemoveDiscardableAttributeByName(ops[i], mlirStringRefCreateFromCString("qcc.input_absmean"));
    mlirOperationRemoveDiscardableAttributeByName(ops[i], mlirStringRefCreateFromCString("qcc.input_rows"));
  }
  free(ops);
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const awq_cfg *cfg = ud;
  qcc_status_t st = qcc_awq_apply(root, cfg->grid, cfg->clip);
  if (st) {
    qcc_pass_report(st);
    mlirExternalPassSignalFailure(pass);
  }
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  awq_cfg *c = calloc(1, sizeof *c);
  c->grid = AWQ_GRID_DEFAULT;
  c->clip = AWQ_CLIP_DEFAULT;
  for (int i = 0; i < n; ++i) {
    qcc_status_t st;
    long grid;
    if (!strcmp(opts[i].key, "grid")) {
      if (!(st = qcc_option_long("qcc-awq", &opts[i], 1, 1000, &grid))) c->grid = (int)grid;
    } else if (!strcmp(opts[i].key, "clip")) {
      st = qcc_option_bool("qcc-awq", &opts[i], &c->clip);
    } else {
      st = qcc_option_unknown("qcc-awq", opts[i].key, "grid, clip");
    }
    if (st) {
      free(c);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_awq_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_awq_info = {
    "qcc-awq", "",
    "Activation-aware int4 weights: scale each input channel by mean|x|^alpha before group quantization",
    "After qcc-apply-precision, before qcc-convert, on a module qcc-calibrate{input_rows=N} calibrated.\n"
    "For each layer whose weight observer has a u4 group spec: s_k = mean|x_k|^alpha (normalized),\n"
    "alpha in {0, 1/grid, ..., (grid-1)/grid} minimizing the output error of Q(W diag(s)) diag(1/s) on\n"
    "the calibration rows; W becomes W diag(s) and x becomes x / s (folded into a layer_norm that only\n"
    "this layer reads, else a qcc.mul by 1/s). alpha = 0 (round-to-nearest) leaves the layer as it is.\n"
    "clip=1 then clamps each block of G weights to c * max|w| (c from 1 down to 0.55) for the least\n"
    "output error of that block on the rows (AWQ's clipping; the float weights change, on purpose).\n"
    "The layer records qcc.awq_alpha and the output errors relative to the output energy\n"
    "(qcc.awq_rtn_error, qcc.awq_error); qcc.input_absmean and qcc.input_rows are removed.\n"
    "Before:  %y = \"qcc.gemm\"(%x, %wo) {..., qcc.input_absmean = array<f32: ...>, qcc.input_rows = ...}\n"
    "After:   %c = \"qcc.constant\"() {value = dense<1/s>}\n"
    "         %xs = \"qcc.mul\"(%x, %c)\n"
    "         %wo = \"qcc.observe\"(%w_times_s) {spec = \"u4 affine axis=0 group=32\", ...}\n"
    "         %y = \"qcc.gemm\"(%xs, %wo) {..., qcc.awq_alpha = 0.5 : f32, ...}",
    "grid=N: the number of alpha values tried (default 20)\n"
    "clip=0|1: then clamp each block of weights to the fraction c of its largest |w| (c = 1, 0.95, ...,\n"
    "  0.55) with the least output error on the rows (default 1; clip=0 keeps the float model exact)", create};
