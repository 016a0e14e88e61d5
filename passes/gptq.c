/* qcc-gptq: int4 weights with error compensation (GPTQ: Frantar et al. 2023,
 * "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained
 * Transformers").
 *
 * For a layer y = x W^T (W [N][K]) and calibration rows X [rows][K], the
 * output error of a quantized W' on those rows is
 *   sum_o (w'_o - w_o)^T X^T X (w'_o - w_o),
 * a quadratic form in H = 2 X^T X / rows, the same for every output channel.
 * GPTQ quantizes the K columns of W in order; after column i is rounded, the
 * columns not yet quantized absorb its error e_i = (w_i - q_i) / U_ii through
 * the row i of U, the upper Cholesky factor of H^-1 (w_j -= e_i U_ij, j > i):
 * the least-squares optimal update of the remaining weights (the Optimal
 * Brain Surgeon step), done for all output channels at once.
 *
 * H gets a damping of damp * mean(diag H) on its diagonal, so it is positive
 * definite when K exceeds the rows kept or some inputs never vary; an input
 * that is zero on every row (a zero diagonal) gets diagonal 1: its column is
 * rounded to nearest and passes no error on. Each block of G columns takes its
 * scale and zero point, per output channel, when its first column is reached
 * (qcc-convert's rule, qcc_qparams_from_range of the block's min/max, on the
 * weights as updated so far), and every code stays in the u4 range. The
 * result is the int4 group layout the kernels take: the weight constant
 * becomes the dequantized values and the observer records the block
 * parameters (qcc.block_scale, qcc.block_zero_point), which qcc-convert then
 * uses as they are, so the stored codes are GPTQ's.
 *
 * Runs after qcc-apply-precision (on the layers whose weight observer has a
 * u4 group spec) and before qcc-convert, on the rows qcc-calibrate{input_rows=N}
 * kept (qcc.input_rows); it removes them, as qcc-awq does. */
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
#include "qrt/qrt_f32.h"
#include "qrt/qrt_quant.h"
#include "quantizer.h"

#define GPTQ_DAMP_DEFAULT 0.01
#define GPTQ_DAMP_RETRIES 4 /* damping x10 each time the Cholesky factorization fails */
#define GPTQ_BATCH 128      /* columns per lazy batch (a multiple of every group size) */

static MlirAttribute attr(MlirOperation op, const char *name) {
  return mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name));
}

static void set_attr(MlirOperation op, const char *name, MlirAttribute a) {
  mlirOperationSetDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name), a);
}

/* y [m][n] = alpha a' b, a' = a [m][k] or (ta) the transpose of a [k][m];
 * b [k][n]; leading dimensions lda, ldb, ldy. libqrt's float gemm. */
static bool gemm(int ta, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b,
                 int64_t ldb, float *y, int64_t ldy) {
  size_t ss = qrt_f32_gemm_scratch_size(m, n, k);
  void *scratch = malloc(ss ? ss : 1);
  bool ok = scratch && qrt_f32_gemm(ta, 0, m, n, k, alpha, a, lda, b, ldb, 0.0f, NULL, 0, 0, y, ldy, scratch, ss) == QRT_OK;
  free(scratch);
  return ok;
}

/* hf [k][k] = 2 X^T X / rows over x [rows][k] (float accumulation, as GPTQ's
 * reference; made exactly symmetric) and h the same in double. */
static bool hessian(const float *x, int64_t rows, int64_t k, float *hf, double *h) {
  if (!gemm(1, k, k, rows, rows > 0 ? 2.0f / (float)rows : 0.0f, x, k, x, k, hf, k)) return false;
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = i; j < k; ++j) hf[j * k + i] = hf[i * k + j], h[i * k + j] = h[j * k + i] = hf[i * k + j];
  return true;
}

/* In place: a [k][k] symmetric becomes its lower Cholesky factor L (a = L L^T,
 * upper triangle zeroed). false if a is not positive definite. */
static bool cholesky(double *a, int64_t k) {
  for (int64_t j = 0; j < k; ++j) {
    double d = a[j * k + j];
    for (int64_t p = 0; p < j; ++p) d -= a[j * k + p] * a[j * k + p];
    if (!(d > 0) || !isfinite(d)) return false;
    d = sqrt(d);
    a[j * k + j] = d;
    for (int64_t i = j + 1; i < k; ++i) {
      double s = a[i * k + j];
      const double *ai = a + i * k, *aj = a + j * k;
      for (int64_t p = 0; p < j; ++p) s -= ai[p] * aj[p];
      a[i * k + j] = s / d;
    }
    for (int64_t i = 0; i < j; ++i) a[i * k + j] = 0;
  }
  return true;
}

/* u [k][k] = the upper Cholesky factor of h^-1 (h^-1 = u^T u), from the lower
 * factor l of h: h^-1 = l^-T l^-1, factored again. false if that fails. */
static bool inverse_upper_factor(const double *l, int64_t k, double *u) {
  double *li = calloc((size_t)(k * k), sizeof *li); /* l^-1, lower */
  if (!li) return false;
  for (int64_t j = 0; j < k; ++j) {
    li[j * k + j] = 1.0 / l[j * k + j];
    for (int64_t i = j + 1; i < k; ++i) {
      double s = 0;
      for (int64_t p = j; p < i; ++p) s += l[i * k + p] * li[p * k + j];
      li[i * k + j] = -s / l[i * k + i];
    }
  }
  /* h^-1 [i][j] = sum_p li[p][i] li[p][j], p >= max(i, j) */
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j <= i; ++j) u[i * k + j] = 0;
  for (int64_t p = 0; p < k; ++p) {
    const double *lp = li + p * k;
    for (int64_t i = 0; i <= p; ++i) {
      const double a = lp[i];
      if (a == 0) continue;
      double *ui = u + i * k;
      for (int64_t j = 0; j <= i; ++j) ui[j] += a * lp[j];
    }
  }
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < i; ++j) u[j * k + i] = u[i * k + j];
  free(li);
  if (!cholesky(u, k)) return false;
  for (int64_t i = 0; i < k; ++i) /* transpose: upper */
    for (int64_t j = 0; j < i; ++j) u[j * k + i] = u[i * k + j], u[i * k + j] = 0;
  return true;
}

/* sum_o d_o^T hf d_o * rows / 2 = sum over the rows r and outputs o of
 * (x_r . d_o)^2, from hf = 2 X^T X / rows (N K^2 instead of rows N K); v is
 * [n][k] scratch. */
static double quad_error(const float *hf, int64_t k, const float *d, int64_t n, int64_t rows, float *v) {
  if (!gemm(0, n, k, k, 1.0f, d, k, hf, k, v, k)) return NAN;
  double e = 0;
  for (int64_t i = 0; i < n * k; ++i) e += (double)d[i] * v[i];
  return e * (double)rows / 2;
}

typedef struct {
  double rtn_error, error, ref, damp; /* errors on the rows; damp: the damping factor that worked */
  int64_t dead;                       /* inputs zero on every row */
} gptq_result;

/* The GPTQ loop on w [n][k] (row-major, N by K) with u the upper factor of
 * H^-1 (uf: the same in float): wq receives the dequantized weights, scale/zp
 * [n * k/g] the block parameters (block b of channel o at o * (k/g) + b).
 * Lazy batches (GPTQ's): within a batch of GPTQ_BATCH columns each error
 * goes to the later columns of the batch at once; the columns after the
 * batch get all of the batch's errors at its end, by one gemm. A group never
 * straddles batches, so its parameters see every earlier error. */
static bool quantize_columns(const float *w, int64_t n, int64_t k, const qcc_quant_spec *spec, const double *u,
                             const float *uf, float *wq, float *scale, int32_t *zp) {
  const int g = spec->group;
  const int64_t nb = k / g, bs = GPTQ_BATCH % g ? g : GPTQ_BATCH;
  double *wd = malloc((size_t)(n * k) * sizeof *wd);
  float *col = malloc((size_t)n * sizeof *col), *cs = malloc((size_t)n * sizeof *cs), *dq = malloc((size_t)n * sizeof *dq);
  float *err = malloc((size_t)(n * bs) * sizeof *err), *upd = malloc((size_t)(n * k) * sizeof *upd);
  int32_t *cz = malloc((size_t)n * sizeof *cz);
  uint8_t *q = malloc((size_t)n);
  bool ok = wd && col && cs && dq && err && upd && cz && q;
  qcc_qspec os = {spec->qmin, spec->qmax, spec->bits, spec->symmetric, QCC_QSPEC_MIN_SCALE};
  qrt_dtype_t dt = spec->is_signed ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
  for (int64_t i = 0; ok && i < n * k; ++i) wd[i] = w[i];
  for (int64_t i1 = 0; ok && i1 < k; i1 += bs) {
    const int64_t i2 = i1 + bs < k ? i1 + bs : k;
    for (int64_t i = i1; ok && i < i2; ++i) {
      const int64_t b = i / g;
      if (i % g == 0) /* the block's parameters, from the weights as they are now */
        for (int64_t o = 0; ok && o < n; ++o) {
          float mn = INFINITY, mx = -INFINITY;
          for (int j = 0; j < g; ++j) {
            float v = (float)wd[o * k + i + j];
            mn = fminf(mn, v), mx = fmaxf(mx, v);
          }
          qcc_status_t st = qcc_qparams_from_range(mn, mx, &os, &scale[o * nb + b], &zp[o * nb + b]);
          if (st) qcc_status_free(st), ok = false;
        }
      for (int64_t o = 0; ok && o < n; ++o)
        col[o] = (float)wd[o * k + i], cs[o] = scale[o * nb + b], cz[o] = zp[o * nb + b];
      /* column i of every channel, as qcc-convert quantizes (per channel: inner 1) */
      ok = ok && qrt_quantize_f32_reference(dt, spec->qmin, spec->qmax, 1, n, 1, col, cs, cz, q) == QRT_OK &&
           qrt_dequantize_f32_reference(dt, 1, n, 1, q, cs, cz, dq) == QRT_OK;
      const double *ui = u + i * k;
      for (int64_t o = 0; ok && o < n; ++o) {
        wq[o * k + i] = dq[o];
        const double e = (wd[o * k + i] - (double)dq[o]) / ui[i];
        err[o * bs + (i - i1)] = (float)e;
        double *wo = wd + o * k;
        for (int64_t j = i + 1; j < i2; ++j) wo[j] -= e * ui[j];
      }
    }
    if (ok && i2 < k) { /* the later columns: W[:, i2:] -= E U[i1:i2, i2:] */
      ok = gemm(0, n, k - i2, i2 - i1, 1.0f, err, bs, uf + i1 * k + i2, k, upd, k - i2);
      for (int64_t o = 0; ok && o < n; ++o)
        for (int64_t j = i2; j < k; ++j) wd[o * k + j] -= upd[o * (k - i2) + j - i2];
    }
  }
  free(wd);
  free(col);
  free(cs);
  free(dq);
  free(err);
  free(upd);
  free(cz);
  free(q);
  return ok;
}

/* GPTQ on w [n][k] with rows x: wq, scale, zp as quantize_columns; res the
 * output errors of round-to-nearest and of GPTQ on the rows. */
static qcc_status_t gptq(const char *name, const float *w, int64_t n, int64_t k, const qcc_quant_spec *spec,
                         const float *x, int64_t rows, double damp, float *wq, float *scale, int32_t *zp,
                         gptq_result *res) {
  double *h = malloc((size_t)(k * k) * sizeof *h), *a = malloc((size_t)(k * k) * sizeof *a);
  double *u = malloc((size_t)(k * k) * sizeof *u);
  float *hf = malloc((size_t)(k * k) * sizeof *hf), *uf = malloc((size_t)(k * k) * sizeof *uf);
  float *d = malloc((size_t)(n * k) * sizeof *d), *v = malloc((size_t)(n * k) * sizeof *v);
  qcc_status_t st = h && a && u && hf && uf && d && v
                        ? NULL
                        : qcc_status_make(QCC_ERR_INTERNAL, "qcc-gptq: layer '%s': out of memory", name);
  if (!st && !hessian(x, rows, k, hf, h)) st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-gptq: layer '%s': gemm failed", name);
  if (!st) {
    double mean = 0;
    res->dead = 0;
    for (int64_t i = 0; i < k; ++i) {
      res->dead += h[i * k + i] == 0;
      mean += (h[i * k + i] == 0 ? 1 : h[i * k + i]) / (double)k;
    }
    bool ok = false;
    for (int t = 0; !ok && t <= GPTQ_DAMP_RETRIES; ++t, damp *= 10) {
      memcpy(a, h, (size_t)(k * k) * sizeof *a);
      for (int64_t i = 0; i < k; ++i) a[i * k + i] += (a[i * k + i] == 0 ? 1 : 0) + damp * mean;
      ok = cholesky(a, k) && inverse_upper_factor(a, k, u);
      res->damp = damp;
    }
    if (!ok)
      st = qcc_status_make(QCC_ERR_INVALID,
                           "qcc-gptq: layer '%s': the input Hessian is not positive definite even with damping %g "
                           "(non-finite calibration rows?)",
                           name, res->damp);
  }
  for (int64_t i = 0; !st && i < k * k; ++i) uf[i] = (float)u[i];
  if (!st && !quantize_columns(w, n, k, spec, u, uf, wq, scale, zp))
    st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-gptq: layer '%s': quantization failed", name);
  if (!st && !qcc_int4_fake_quant(w, n, k, spec, d))
    st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-gptq: layer '%s': quantization failed", name);
  if (!st) {
    for (int64_t i = 0; i < n * k; ++i) d[i] -= w[i];
    res->rtn_error = quad_error(hf, k, d, n, rows, v);
    for (int64_t i = 0; i < n * k; ++i) d[i] = wq[i] - w[i];
    res->error = quad_error(hf, k, d, n, rows, v);
    res->ref = quad_error(hf, k, w, n, rows, v);
  }
  free(h);
  free(a);
  free(u);
  free(hf);
  free(uf);
  free(d);
  free(v);
  return st;
}

/* One int4 layer: GPTQ, then its weight constant becomes the dequantized
 * weights and its observer keeps the block parameters. */
static qcc_status_t gptq_layer(const qcc_layer *l, const qcc_quant_spec *spec, double damp) {
  MlirAttribute ar = attr(l->op, "qcc.input_rows");
  if (mlirAttributeIsNull(ar))
    return qcc_status_make(QCC_ERR_INVALID,
                           "qcc-gptq: layer '%s' is int4 but its input rows were not kept (no qcc.input_rows): run "
                           "qcc-calibrate{input_rows=N} before it",
                           l->name);
  const int64_t n = l->rows, k = l->cols, g = spec->group;
  intptr_t nr = qcc_attr_as_f32s(ar, NULL, 0);
  if (nr < k || nr % k)
    return qcc_status_make(QCC_ERR_INVALID, "qcc-gptq: layer '%s': qcc.input_rows has %ld values, expected a multiple of %lld",
                           l->name, (long)nr, (long long)k);
  MlirValue wv = mlirOperationGetOperand(l->wobs, 0);
  int64_t numel;
  float *w = qcc_const_f32_copy(wv, &numel);
  float *x = malloc((size_t)nr * sizeof *x), *wnk = malloc((size_t)(n * k) * sizeof *wnk);
  float *wq = malloc((size_t)(n * k) * sizeof *wq), *scale = malloc((size_t)(n * k / g) * sizeof *scale);
  int32_t *zp = malloc((size_t)(n * k / g) * sizeof *zp);
  int64_t *zp64 = malloc((size_t)(n * k / g) * sizeof *zp64);
  gptq_result res = {0, 0, 0, 0, 0};
  qcc_status_t st = NULL;
  if (!w || numel != n * k || !x || !wnk || !wq || !scale || !zp || !zp64) {
    st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-gptq: layer '%s': cannot read its weights", l->name);
  } else {
    qcc_attr_as_f32s(ar, x, nr);
    for (int64_t o = 0; o < n; ++o) /* [N][K] view: w is [K][N] when kn */
      for (int64_t i = 0; i < k; ++i) wnk[o * k + i] = l->kn ? w[i * n + o] : w[o * k + i];
    st = gptq(l->name, wnk, n, k, spec, x, nr / k, damp, wq, scale, zp, &res);
  }
  if (!st) {
    for (int64_t o = 0; o < n; ++o) /* back to the constant's layout */
      for (int64_t i = 0; i < k; ++i) w[l->kn ? i * n + o : o * k + i] = wq[o * k + i];
    qcc_builder b = qcc_builder_before(l->wobs);
    MlirValue c = qcc_make_constant(&b, mlirOperationGetLocation(l->wobs), mlirValueGetType(wv), w, (size_t)numel * sizeof *w);
    mlirOperationSetOperand(l->wobs, 0, c);
    MlirContext ctx = mlirOperationGetContext(l->op);
    for (int64_t i = 0; i < n * k / g; ++i) zp64[i] = zp[i];
    set_attr(l->wobs, "qcc.block_scale", mlirDenseF32ArrayGet(ctx, (intptr_t)(n * k / g), scale));
    set_attr(l->wobs, "qcc.block_zero_point", mlirDenseI64ArrayGet(ctx, (intptr_t)(n * k / g), zp64));
    MlirType f32 = mlirF32TypeGet(ctx);
    double ref = res.ref > 0 ? res.ref : 1;
    set_attr(l->op, "qcc.gptq_rtn_error", mlirFloatAttrDoubleGet(ctx, f32, res.rtn_error / ref));
    set_attr(l->op, "qcc.gptq_error", mlirFloatAttrDoubleGet(ctx, f32, res.error / ref));
    if (res.dead) set_attr(l->op, "qcc.gptq_dead_inputs", mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), res.dead));
  }
  free(w);
  free(x);
  free(wnk);
  free(wq);
  free(scale);
  free(zp);
  free(zp64);
  return st;
}

qcc_status_t qcc_gptq_apply(MlirOperation root, double damp) {
  if (!(damp > 0)) damp = GPTQ_DAMP_DEFAULT;
  int n = 0;
  qcc_layer *L = qcc_layers_collect(root, &n);
  qcc_status_t st = L ? NULL : qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  for (int i = 0; i < n && !st; ++i) {
    MlirStringRef sp = qcc_get_str(L[i].wobs, QCC_ATTR_spec);
    qcc_quant_spec q;
    qcc_status_t ps = qcc_qspec_parse(sp.data, sp.length, &q);
    if (ps) {
      qcc_status_free(ps);
      continue;
    }
    if (q.kind == QCC_QSPEC_QUANT && q.group > 0 && q.bits == 4 && L[i].rows > 0 && L[i].cols % q.group == 0)
      st = gptq_layer(&L[i], &q, damp);
  }
  free(L);
  qcc_drop_input_rows(root);
  return st;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  qcc_status_t st = qcc_gptq_apply(root, *(const double *)ud);
  if (st) {
    qcc_pass_report(st);
    mlirExternalPassSignalFailure(pass);
  }
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  double *damp = malloc(sizeof *damp);
  *damp = GPTQ_DAMP_DEFAULT;
  for (int i = 0; i < n; ++i) {
    qcc_status_t st = !strcmp(opts[i].key, "damp")
                          ? qcc_option_double("qcc-gptq", &opts[i], 0, 1, "a fraction in (0, 1] of the mean input energy", damp)
                          : qcc_option_unknown("qcc-gptq", opts[i].key, "damp");
    if (st) {
      free(damp);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_gptq_info, &type_id, run, damp);
  return NULL;
}

const qcc_pass_info qcc_pass_gptq_info = {
    "qcc-gptq", "",
    "int4 weights with error compensation (GPTQ): each column's rounding error goes to the columns not yet quantized",
    "After qcc-apply-precision, before qcc-convert, on a module qcc-calibrate{input_rows=N} calibrated.\n"
    "For each layer whose weight observer has a u4 group spec, with X the kept input rows:\n"
    "H = 2 X^T X / rows + damp * mean(diag) * I (an input that is zero on every row gets diagonal 1),\n"
    "U the upper Cholesky factor of H^-1 (in double); the columns of W [N][K] are quantized in order,\n"
    "each block of G columns with the scale and zero point of its current min/max (as qcc-convert),\n"
    "and column i's error (w - q) / U_ii is taken from columns j > i by U_ij. The weight constant\n"
    "becomes the dequantized weights; its observer keeps qcc.block_scale and qcc.block_zero_point\n"
    "(N * K/G each), which qcc-convert uses, so the stored int4 codes are GPTQ's. The layer records\n"
    "the output errors on the rows relative to the output energy (qcc.gptq_rtn_error: round to\n"
    "nearest; qcc.gptq_error) and qcc.gptq_dead_inputs when some inputs were zero on every row.\n"
    "qcc.input_absmean and qcc.input_rows are removed from every layer.\n"
    "Before:  %wo = \"qcc.observe\"(%w) {spec = \"u4 affine axis=0 group=32\", ...}\n"
    "         %y = \"qcc.gemm\"(%x, %wo) {..., qcc.input_rows = array<f32: ...>}\n"
    "After:   %wo = \"qcc.observe\"(%w_gptq) {spec = \"u4 affine axis=0 group=32\", ...,\n"
    "                qcc.block_scale = array<f32: ...>, qcc.block_zero_point = array<i64: ...>}\n"
    "         %y = \"qcc.gemm\"(%x, %wo) {..., qcc.gptq_error = 0.0019 : f32, qcc.gptq_rtn_error = 0.0061 : f32}",
    "damp=F: the damping added to H's diagonal, as a fraction of its mean (default 0.01; multiplied by 10\n"
    "  up to 4 times if H is still not positive definite)",
    create};
