/* qcc-select-precision: choose each layer's precision under a budget, from the
 * per-layer sensitivities qcc-sensitivity stored, then verify the whole model.
 *
 * 1. Greedy order. Each layer's error at precision p is the noise power its
 *    sensitivity implies, e = 10^(-SQNR/10) (relative to the output's power;
 *    noise from different layers roughly adds). Starting from all fp32, the
 *    next step is always the move of one layer to a smaller precision with the
 *    least added error per byte saved. The steps give a sequence of choices
 *    C_0 (all fp32) ... C_T (every layer at its smallest), weights shrinking.
 * 2. Budget. max-size picks the first C_k small enough. min-sqnr and
 *    max-accuracy-drop are verified on the whole model (a converted copy run
 *    on the samples): the largest k whose choice meets them is found by
 *    bisection from the smallest k the size allows; backing off along the
 *    sequence raises the precision of the layers whose moves cost most.
 * 3. Result: qcc.precision = "int8" ... on every layer op, and on the module
 *    qcc.precision_summary = {weight_bytes, float_weight_bytes, sqnr_db,
 *    top1_agree, accuracy, float_accuracy}. qcc-apply-precision applies it.
 * A budget no choice meets is an error naming the best achievable figures
 * and the layers responsible (those with the largest error in that choice). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "passes.h"
#include "precision.h"

typedef struct {
  qcc_eval_options eval;
  bool allowed[QCC_PREC_COUNT];
  double max_drop;  /* points; < 0: none */
  double min_sqnr;  /* dB; -inf: none */
  int64_t max_size; /* bytes; 0: none */
} sel_cfg;

static void fail(MlirExternalPass pass, qcc_status_t st) {
  qcc_pass_report(qcc_status_annotate(st, "qcc-select-precision"));
  mlirExternalPassSignalFailure(pass);
}

static double noise_of(double sqnr_db) { return pow(10.0, -sqnr_db / 10.0); }

static int64_t total_bytes(const qcc_layer *l, const qcc_precision *c, int n) {
  int64_t b = 0;
  for (int i = 0; i < n; ++i) b += qcc_precision_bytes(&l[i], c[i]);
  return b;
}

static bool meets(const sel_cfg *cfg, const qcc_eval_set *set, const qcc_eval_metrics *m) {
  if (m->sqnr_db < cfg->min_sqnr) return false;
  if (cfg->max_drop >= 0 && 100.0 * (qcc_eval_set_float_accuracy(set) - m->accuracy) > cfg->max_drop + 1e-9)
    return false;
  return true;
}

static void set_summary(MlirOperation root, int64_t bytes, int64_t fbytes, const qcc_eval_metrics *m,
                        const qcc_eval_set *set) {
  MlirContext ctx = mlirOperationGetContext(root);
  struct { const char *k; double v; } kv[] = {{"weight_bytes", (double)bytes}, {"float_weight_bytes", (double)fbytes},
                                             {"sqnr_db", m->sqnr_db},          {"top1_agree", m->top1_agree},
                                             {"accuracy", m->accuracy},         {"float_accuracy", qcc_eval_set_float_accuracy(set)}};
  MlirNamedAttribute el[6];
  for (int i = 0; i < 6; ++i)
    el[i] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(kv[i].k)),
                                  mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), kv[i].v));
  mlirOperationSetDiscardableAttributeByName(root, mlirStringRefCreateFromCString("qcc.precision_summary"),
                                             mlirDictionaryAttrGet(ctx, 6, el));
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const sel_cfg *cfg = ud;
  int n = 0;
  qcc_layer *L = qcc_layers_collect(root, &n);
  qcc_status_t st = NULL;
  qcc_eval_set *set = NULL;
  /* e[i][p]: error of layer i at p; < 0: not a candidate */
  double (*e)[QCC_PREC_COUNT] = calloc((size_t)n + 1, sizeof *e);
  qcc_precision *cur = calloc((size_t)n + 1, sizeof *cur), *seq_layer_prec = NULL;
  int *seq_layer = NULL, T = 0;
  for (int i = 0; i < n && !st; ++i)
    for (int p = 0; p < QCC_PREC_COUNT && !st; ++p) {
      qcc_eval_metrics m;
      if (p == QCC_PREC_FP32) e[i][p] = 0;
      else if (!cfg->allowed[p] || !qcc_precision_allowed(&L[i], p)) e[i][p] = -1;
      else if (!qcc_layer_sensitivity(L[i].op, p, &m))
        st = qcc_status_make(QCC_ERR_USAGE, "layer '%s' has no sensitivity for %s: run qcc-sensitivity first (with the "
                             "same precisions)", L[i].name, qcc_precision_name(p));
      else e[i][p] = noise_of(m.sqnr_db);
    }
  qcc_eval_config ec = qcc_eval_options_config(&cfg->eval);
  if (!st) st = qcc_eval_set_create(root, &ec, &set);
  if (!st && cfg->max_drop >= 0 && !qcc_eval_set_has_labels(set))
    st = qcc_status_make(QCC_ERR_USAGE, "max-accuracy-drop needs labels=KEY");
  /* 1. the greedy sequence */
  seq_layer = calloc((size_t)n * QCC_PREC_COUNT + 1, sizeof *seq_layer);
  seq_layer_prec = calloc((size_t)n * QCC_PREC_COUNT + 1, sizeof *seq_layer_prec);
  for (int i = 0; i < n; ++i) cur[i] = QCC_PREC_FP32;
  while (!st) {
    int bi = -1, bp = -1;
    double best = INFINITY;
    int64_t best_saved = 0;
    for (int i = 0; i < n; ++i)
      for (int p = 0; p < QCC_PREC_COUNT; ++p) {
        if (e[i][p] < 0) continue;
        int64_t saved = qcc_precision_bytes(&L[i], cur[i]) - qcc_precision_bytes(&L[i], p);
        if (saved <= 0) continue;
        double r = (e[i][p] - e[i][cur[i]]) / (double)saved;
        if (r < best || (r == best && saved > best_saved)) best = r, bi = i, bp = p, best_saved = saved;
      }
    if (bi < 0) break;
    seq_layer[T] = bi, seq_layer_prec[T] = (qcc_precision)bp, ++T;
    cur[bi] = (qcc_precision)bp;
  }
  /* choice after k steps, into cur */
#define CHOICE(k)                                                        \
  do {                                                                   \
    for (int i_ = 0; i_ < n; ++i_) cur[i_] = QCC_PREC_FP32;              \
    for (int s_ = 0; s_ < (k); ++s_) cur[seq_layer[s_]] = seq_layer_prec[s_]; \
  } while (0)
  int lo = 0;
  if (!st && cfg->max_size > 0) {
    lo = -1;
    for (int k = 0; k <= T && lo < 0; ++k) {
      CHOICE(k);
      if (total_bytes(L, cur, n) <= cfg->max_size) lo = k;
    }
    if (lo < 0) {
      CHOICE(T);
      st = qcc_status_make(QCC_ERR_INVALID,
                           "max-size=%lld cannot be met: the smallest choice of the allowed precisions has %lld bytes of "
                           "weights", (long long)cfg->max_size, (long long)total_bytes(L, cur, n));
    }
  }
  const bool quality = cfg->max_drop >= 0 || cfg->min_sqnr > -INFINITY;
  int k = lo;
  qcc_eval_metrics mk = {0};
  if (!st) {
    CHOICE(lo);
    st = qcc_eval_precisions(root, cur, n, set, &mk);
  }
  if (!st && quality && !meets(cfg, set, &mk)) {
    /* the budget fails already at the least quantization the size allows */
    int worst[3] = {-1, -1, -1};
    for (int r = 0; r < 3; ++r)
      for (int i = 0; i < n; ++i) {
        bool taken = false;
        for (int q = 0; q < r; ++q) taken |= worst[q] == i;
        if (!taken && e[i][cur[i]] > 0 && (worst[r] < 0 || e[i][cur[i]] > e[worst[r]][cur[worst[r]]])) worst[r] = i;
      }
    char who[900] = "";
    for (int r = 0; r < 3 && worst[r] >= 0; ++r)
      snprintf(who + strlen(who), sizeof who - strlen(who), "%s'%s' at %s", r ? ", " : "", L[worst[r]].name,
               qcc_precision_name(cur[worst[r]]));
    char acc[96] = "";
    if (mk.accuracy >= 0)
      snprintf(acc, sizeof acc, ", accuracy %.2f%% (float %.2f%%)", 100 * mk.accuracy,
               100 * qcc_eval_set_float_accuracy(set));
    st = qcc_status_make(QCC_ERR_INVALID,
                         "the budget cannot be met: the best choice within it reaches SQNR %.2f dB%s with %lld bytes "
                         "of weights; largest errors: %s",
                         mk.sqnr_db, acc, (long long)total_bytes(L, cur, n), who[0] ? who : "(none: every layer is fp32)");
  }
  if (!st && quality) {
    /* largest k in [lo, T] meeting the budget: bisection, assuming the error grows along the sequence */
    qcc_eval_metrics mt;
    CHOICE(T);
    st = qcc_eval_precisions(root, cur, n, set, &mt);
    if (!st && meets(cfg, set, &mt)) {
      k = T, mk = mt;
    } else {
      int good = lo, bad = T;
      while (!st && bad - good > 1) {
        int mid = good + (bad - good) / 2;
        qcc_eval_metrics mm;
        CHOICE(mid);
        st = qcc_eval_precisions(root, cur, n, set, &mm);
        if (st) break;
        if (meets(cfg, set, &mm)) good = mid, mk = mm;
        else bad = mid;
      }
      k = good;
    }
  } else if (!st && !quality) {
    k = lo; /* only a size budget: the least quantization that fits */
  }
  if (!st) {
    CHOICE(k);
    MlirContext ctx = mlirOperationGetContext(root);
    for (int i = 0; i < n; ++i)
      mlirOperationSetDiscardableAttributeByName(
          L[i].op, mlirStringRefCreateFromCString("qcc.precision"),
          mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(qcc_precision_name(cur[i]))));
    qcc_precision *fp = calloc((size_t)n + 1, sizeof *fp);
    set_summary(root, total_bytes(L, cur, n), total_bytes(L, fp, n), &mk, set);
    free(fp);
  }
#undef CHOICE
  free(seq_layer);
  free(seq_layer_prec);
  free(cur);
  free(e);
  free(L);
  qcc_eval_set_destroy(set);
  if (st) fail(pass, st);
}

static _Alignas(8) char type_id;

static qcc_status_t parse_double(const char *key, const char *v, double lo, double *out) {
  char *end;
  double d = strtod(v, &end);
  if (*end || !(d >= lo) || !isfinite(d))
    return qcc_status_make(QCC_ERR_USAGE, "qcc-select-precision: %s must be a number >= %g, got '%s'", key, lo, v);
  *out = d;
  return NULL;
}

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  sel_cfg *c = calloc(1, sizeof *c);
  qcc_eval_options_init(&c->eval);
  for (int p = 0; p < QCC_PREC_COUNT; ++p) c->allowed[p] = true;
  c->max_drop = -1;
  c->min_sqnr = -INFINITY;
  for (int i = 0; i < n; ++i) {
    bool handled;
    const char *k = opts[i].key, *v = opts[i].value;
    qcc_status_t st = qcc_eval_option("qcc-select-precision", k, v, &c->eval, &handled);
    if (!st && !handled) {
      if (!strcmp(k, "precisions")) st = qcc_parse_precision_list("qcc-select-precision", v, c->allowed);
      else if (!strcmp(k, "max-accuracy-drop")) st = parse_double(k, v, 0, &c->max_drop);
      else if (!strcmp(k, "min-sqnr")) st = parse_double(k, v, -1000, &c->min_sqnr);
      else if (!strcmp(k, "max-size")) {
        double d;
        st = parse_double(k, v, 1, &d);
        c->max_size = (int64_t)d;
      } else
        st = qcc_status_make(QCC_ERR_USAGE,
                             "qcc-select-precision: unknown option '%s' (max-accuracy-drop, min-sqnr, max-size, "
                             "precisions, data, samples, labels, mean, std, layout)", k);
    }
    if (st) {
      free(c);
      return st;
    }
  }
  if (!c->eval.data[0]) {
    free(c);
    return qcc_status_make(QCC_ERR_USAGE, "qcc-select-precision needs data=FILE (the samples to verify on)");
  }
  if (c->max_drop < 0 && c->min_sqnr == -INFINITY && c->max_size == 0) {
    free(c);
    return qcc_status_make(QCC_ERR_USAGE,
                           "qcc-select-precision needs a budget: max-accuracy-drop=POINTS, min-sqnr=DB or max-size=BYTES");
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_select_precision_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_select_precision_info = {
    "qcc-select-precision", "",
    "Choose each layer's precision under an accuracy, SQNR or size budget (after qcc-sensitivity)",
    "Greedy by added output noise per byte saved (10^(-SQNR/10) from each layer's sensitivity), then the\n"
    "whole model is verified on the samples and layers are raised back along the greedy order until\n"
    "the budget holds.\n"
    "After:   \"qcc.gemm\"(...) {qcc.precision = \"int4-wo-g32\", qcc.sensitivity = {...}}\n"
    "         module attributes {qcc.precision_summary = {accuracy = 0.9127, weight_bytes = 1.1e5, ...}}",
    "max-accuracy-drop=P: at most P points of top-1 below float (needs labels)\n"
    "min-sqnr=D: output SQNR against float at least D dB\n"
    "max-size=BYTES: weights (and biases) at most BYTES\n"
    "precisions=P,P,...: the candidates (default: all; fp32 is always one)\n"
    "data=, samples=, labels=, mean=, std=, layout=: the samples, as qcc-sensitivity",
    create};
