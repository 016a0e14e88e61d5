/* qcc-equalize: cross-layer equalization (Nagel et al. 2019, "Data-Free
 * Quantization Through Weight Equalization and Bias Correction", section 4.1).
 *
 * For two consecutive layers, layer 1 (conv2d or gemm) whose output channel i
 * is input channel i of layer 2, with nothing between them or only ops that
 * commute with a positive per-channel scale (ReLU, max/average pooling:
 * f(x / s) = f(x) / s for s > 0), and possibly a flatten (axis 1) right
 * before a gemm layer 2, whose input channel i is then the inputs
 * i*HW .. (i+1)*HW - 1:
 *   r1[i] = max |W1 output channel i|, r2[i] = max |W2 input channel i|
 *   s[i]  = sqrt(r1[i] * r2[i]) / r2[i]        (1 when r1[i] or r2[i] is 0)
 *   W1[i] /= s[i], b1[i] /= s[i], W2[:, i] *= s[i]
 * which leaves the float function unchanged and gives both channels the range
 * sqrt(r1 r2): a per-tensor weight grid then fits every channel better (the
 * depthwise convolutions of MobileNet-style networks have channel ranges that
 * differ by orders of magnitude). A layer in two pairs (layer 2 of one, layer
 * 1 of the next) is rescaled by both, so the pairs are swept in graph order
 * `iterations` times or until no scale moves by more than 1e-6.
 *
 * Layer 2's input channel i is W2[o][i % cpg][...] for the output channels o
 * of group i / cpg (cpg = W2's dim 1): depthwise and grouped convolutions are
 * handled. gemm: trans_b = 1 weights are [N][K] (output channel = row), else
 * [K][N]; its bias (C) must be [N] (or absent). Pairs are skipped when a
 * weight or bias is not an f32 constant used by that layer alone, or when an
 * intermediate result has another user.
 *
 * relu6=1 also equalizes across Clip(min = 0, max = M) by replacing it with a
 * ReLU, as the paper does for MobileNetV2: the float function then changes
 * wherever a value was above M (never, in networks whose activations stay
 * below M). Without it such pairs are left alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinTypes.h"
#include "pass_util.h"
#include "passes.h"
#include "qcc.h"
#include "quantizer.h"

typedef struct {
  int iterations;
  bool relu6;
} eq_cfg;

typedef struct {
  MlirOperation op;
  float *w, *b;      /* working copies (b NULL without a bias) */
  int64_t nw, nb;
  int64_t wd[8];     /* weight dims */
  int wr;
  bool gemm, trans_b;
  bool changed;
} eq_layer;

#define EQ_MAX_CHAIN 4
typedef struct {
  int l1, l2;                      /* indices into the layer list */
  int64_t kpc;                     /* layer 2 (gemm after a flatten): inputs per channel */
  MlirOperation chain[EQ_MAX_CHAIN]; /* the ops between them */
  int n_chain;
} eq_pair;

static bool is_layer(MlirOperation op) {
  if (qcc_op_is(op, QCC_OP_conv2d)) return true;
  return qcc_op_is(op, QCC_OP_gemm) && !qcc_get_i64(op, QCC_ATTR_trans_a);
}

/* The f32 constant feeding operand i of op, used by op alone; null otherwise. */
static bool own_constant(MlirOperation op, intptr_t i) {
  MlirValue v = mlirOperationGetOperand(op, i);
  if (mlirOperationIsNull(qcc_defining_constant(v))) return false;
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (!mlirOpOperandIsNull(mlirOpOperandGetNextUse(u))) return false;
  return mlirTypeIsAF32(mlirShapedTypeGetElementType(mlirValueGetType(v)));
}

/* Output channels of the layer (its weight's output dim). */
static int64_t out_channels(const eq_layer *L) { return L->gemm ? (L->trans_b ? L->wd[0] : L->wd[1]) : L->wd[0]; }

static int find_or_load(eq_layer **ls, int *n, MlirOperation op) {
  for (int i = 0; i < *n; ++i)
    if (mlirOperationEqual((*ls)[i].op, op)) return i;
  eq_layer L;
  memset(&L, 0, sizeof L);
  L.op = op;
  L.gemm = qcc_op_is(op, QCC_OP_gemm);
  L.trans_b = L.gemm && qcc_get_i64(op, QCC_ATTR_trans_b);
  intptr_t nops = mlirOperationGetNumOperands(op);
  if (!own_constant(op, 1) || (nops > 2 && !own_constant(op, 2))) return -1;
  L.wr = qcc_value_dims(mlirOperationGetOperand(op, 1), L.wd);
  if (L.gemm ? L.wr != 2 : L.wr != 4) return -1;
  L.w = qcc_const_f32_copy(mlirOperationGetOperand(op, 1), &L.nw);
  if (!L.w) return -1;
  if (nops > 2) {
    int64_t bd[8];
    int br = qcc_value_dims(mlirOperationGetOperand(op, 2), bd);
    L.b = qcc_const_f32_copy(mlirOperationGetOperand(op, 2), &L.nb);
    if (!L.b || br != 1 || L.nb != out_channels(&L)) {
      free(L.w), free(L.b);
      return -1;
    }
  }
  eq_layer *grown = realloc(*ls, (size_t)(*n + 1) * sizeof **ls);
  if (!grown) {
    free(L.w), free(L.b);
    return -1;
  }
  *ls = grown;
  (*ls)[*n] = L;
  return (*n)++;
}

/* Ops that commute with a positive per-channel scale: f(x / s) = f(x) / s. */
static bool is_homogeneous(const eq_cfg *cfg, MlirOperation op) {
  switch (qcc_op_get_kind(op)) {
    case QCC_OP_relu: case QCC_OP_max_pool: case QCC_OP_avg_pool: case QCC_OP_global_avg_pool: return true;
    case QCC_OP_clip:
      return cfg->relu6 && qcc_get_f32(op, QCC_ATTR_min) == 0.0f && qcc_get_f32(op, QCC_ATTR_max) > 0.0f;
    default: return false;
  }
}

/* Index of the weight element for (output channel o, input channel i, spatial k). */
static inline int64_t widx(const eq_layer *L, int64_t o, int64_t i, int64_t k) {
  if (L->gemm) return L->trans_b ? o * L->wd[1] + i : i * L->wd[1] + o;
  int64_t hw = L->wd[2] * L->wd[3];
  return (o * L->wd[1] + i) * hw + k;
}
static inline int64_t spatial(const eq_layer *L) { return L->gemm ? 1 : L->wd[2] * L->wd[3]; }
static inline int64_t in_per_group(const eq_layer *L) { return L->gemm ? (L->trans_b ? L->wd[1] : L->wd[0]) : L->wd[1]; }

/* Range of input channel c of layer 2 (and the output channels reading it). */
static void in_channel_span(const eq_layer *L, int64_t c, int64_t *o0, int64_t *o1, int64_t *ic) {
  int64_t cpg = in_per_group(L), O = out_channels(L);
  if (L->gemm) { *o0 = 0, *o1 = O, *ic = c; return; }
  int64_t groups = qcc_get_i64(L->op, QCC_ATTR_group);
  if (groups < 1) groups = 1;
  int64_t opg = O / groups, g = c / cpg;
  *o0 = g * opg, *o1 = (g + 1) * opg, *ic = c % cpg;
}

/* One equalization of a pair; returns the largest |s - 1|. */
static double equalize_pair(eq_layer *a, eq_layer *b, int64_t kpc) {
  int64_t C = out_channels(a), K = spatial(a), K2 = spatial(b) * kpc, inA = in_per_group(a);
  double worst = 0;
  for (int64_t c = 0; c < C; ++c) {
    double r1 = 0, r2 = 0;
    for (int64_t i = 0; i < inA; ++i)
      for (int64_t k = 0; k < K; ++k) r1 = fmax(r1, fabs(a->w[widx(a, c, i, k)]));
    int64_t o0, o1, ic;
    in_channel_span(b, c, &o0, &o1, &ic);
    /* a gemm after a flatten: channel c is inputs c*kpc .. (c+1)*kpc - 1 */
#define W2(o, k) b->w[kpc > 1 ? widx(b, o, c * kpc + k, 0) : widx(b, o, ic, k)]
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t k = 0; k < K2; ++k) r2 = fmax(r2, fabs(W2(o, k)));
    if (!(r1 > 0) || !(r2 > 0) || !isfinite(r1) || !isfinite(r2)) continue;
    double s = sqrt(r1 * r2) / r2;
    if (fabs(s - 1.0) > worst) worst = fabs(s - 1.0);
    for (int64_t i = 0; i < inA; ++i)
      for (int64_t k = 0; k < K; ++k) a->w[widx(a, c, i, k)] = (float)((double)a->w[widx(a, c, i, k)] / s);
    if (a->b) a->b[c] = (float)((double)a->b[c] / s);
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t k = 0; k < K2; ++k) W2(o, k) = (float)((double)W2(o, k) * s);
#undef W2
  }
  a->changed = b->changed = true;
  return worst;
}

/* Operand i of op becomes a new constant holding data; the old one goes. */
static void replace_constant(MlirOperation op, intptr_t i, const float *data, int64_t n) {
  MlirValue old = mlirOperationGetOperand(op, i);
  MlirOperation c = qcc_defining_constant(old);
  qcc_builder b = qcc_builder_before(op);
  MlirValue nv = qcc_make_constant(&b, mlirOperationGetLocation(c), mlirValueGetType(old), data, (size_t)n * sizeof *data);
  mlirOperationSetOperand(op, i, nv);
  if (mlirOpOperandIsNull(mlirValueGetFirstUse(old))) mlirOperationDestroy(c);
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  const eq_cfg *cfg = ud;
  size_t n;
  MlirOperation *ops = qcc_collect_ops(root, is_layer, &n);
  eq_layer *ls = NULL;
  eq_pair *ps = NULL;
  int nl = 0, np = 0;
  for (size_t k = 0; k < n; ++k) {
    /* l1 -> (relu, pools; a flatten right before a gemm) -> l2, each the only user of the last */
    eq_pair pr;
    memset(&pr, 0, sizeof pr);
    pr.kpc = 1;
    MlirOperation prev = ops[k], next = qcc_single_user(prev);
    bool flat = false;
    while (!mlirOperationIsNull(next) && pr.n_chain < EQ_MAX_CHAIN && !is_layer(next)) {
      if (qcc_op_is(next, QCC_OP_flatten) && qcc_get_i64(next, QCC_ATTR_axis) == 1) flat = true;
      else if (flat || !is_homogeneous(cfg, next)) break;
      pr.chain[pr.n_chain++] = prev = next;
      next = qcc_single_user(prev);
    }
    if (mlirOperationIsNull(next) || !is_layer(next) || (flat && !qcc_op_is(next, QCC_OP_gemm)) ||
        !mlirValueEqual(mlirOperationGetOperand(next, 0), mlirOperationGetResult(prev, 0)))
      continue;
    pr.l1 = find_or_load(&ls, &nl, ops[k]);
    pr.l2 = pr.l1 < 0 ? -1 : find_or_load(&ls, &nl, next);
    if (pr.l1 < 0 || pr.l2 < 0) continue;
    /* layer 2's input channels must be layer 1's output channels (kpc each after a flatten) */
    const eq_layer *b = &ls[pr.l2];
    int64_t c1 = out_channels(&ls[pr.l1]), groups = b->gemm ? 1 : qcc_get_i64(next, QCC_ATTR_group);
    int64_t in2 = in_per_group(b) * (groups > 0 ? groups : 1);
    if (flat) {
      if (in2 % c1) continue;
      pr.kpc = in2 / c1;
    } else if (in2 != c1) {
      continue;
    }
    eq_pair *grown = realloc(ps, (size_t)(np + 1) * sizeof *ps);
    if (!grown) break; /* out of memory: equalize the pairs found so far */
    ps = grown;
    ps[np++] = pr;
  }
  for (int it = 0; it < cfg->iterations && np; ++it) {
    double worst = 0;
    for (int p = 0; p < np; ++p) worst = fmax(worst, equalize_pair(&ls[ps[p].l1], &ls[ps[p].l2], ps[p].kpc));
    if (worst < 1e-6) break;
  }
  for (int p = 0; p < np; ++p)
    for (int j = 0; j < ps[p].n_chain; ++j) {
      MlirOperation act = ps[p].chain[j];
      if (!qcc_op_is(act, QCC_OP_clip)) continue;
      qcc_builder b = qcc_builder_before(act); /* relu6=1: Clip(0, M) -> Relu */
      MlirValue x = mlirOperationGetOperand(act, 0);
      MlirType t = mlirValueGetType(mlirOperationGetResult(act, 0));
      MlirOperation r = qcc_build(&b, QCC_OP_relu, mlirOperationGetLocation(act), 1, &x, 1, &t, 0, NULL);
      mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(act, 0), mlirOperationGetResult(r, 0));
      mlirOperationDestroy(act);
    }
  for (int i = 0; i < nl; ++i) {
    if (ls[i].changed) {
      replace_constant(ls[i].op, 1, ls[i].w, ls[i].nw);
      if (ls[i].b) replace_constant(ls[i].op, 2, ls[i].b, ls[i].nb);
    }
    free(ls[i].w), free(ls[i].b);
  }
  free(ls);
  free(ps);
  free(ops);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  eq_cfg *c = calloc(1, sizeof *c);
  c->iterations = 50;
  for (int i = 0; i < n; ++i) {
    qcc_status_t st;
    long it;
    if (!strcmp(opts[i].key, "iterations")) {
      if (!(st = qcc_option_long("qcc-equalize", &opts[i], 1, 1000, &it))) c->iterations = (int)it;
    } else if (!strcmp(opts[i].key, "relu6")) {
      st = qcc_option_bool("qcc-equalize", &opts[i], &c->relu6);
    } else {
      st = qcc_option_unknown("qcc-equalize", opts[i].key, "iterations, relu6");
    }
    if (st) {
      free(c);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_equalize_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_equalize_info = {
    "qcc-equalize", "",
    "Cross-layer equalization: rescale consecutive conv2d/gemm layers so their per-channel weight ranges match",
    "Before:  %y = \"qcc.conv2d\"(%x, %w1, %b1)  %r = \"qcc.relu\"(%y)  %z = \"qcc.conv2d\"(%r, %w2, %b2)\n"
    "After:   the same ops on new constants: w1[i] / s[i], b1[i] / s[i], w2[:, i] * s[i] with\n"
    "         s[i] = sqrt(r1[i] * r2[i]) / r2[i], r1[i] = max|w1[i]|, r2[i] = max|w2[:, i]| (Nagel et al.\n"
    "         2019). The float function is unchanged (ReLU is positively homogeneous); both layers'\n"
    "         channel i then has the weight range sqrt(r1[i] r2[i]), which per-tensor weight\n"
    "         quantization needs. Depthwise and grouped convs and gemm (trans_b 0 or 1) are handled;\n"
    "         run it after qcc-fold-conv-bn.",
    "iterations=N: sweeps over all pairs (default 50; stops early when no scale moves by 1e-6)\n"
    "relu6=0|1: also equalize across Clip(0, M) by replacing it with Relu, as the paper does for\n"
    "  MobileNetV2 (changes the float function where values exceed M; default 0)", create};
