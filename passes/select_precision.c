/* qcc-select-precision: choose each layer's precision under a budget, from the
 * per-layer sensitivities (and, with a cost table, times) qcc-sensitivity
 * stored, then verify the whole model.
 *
 * 0. Candidates. With times (qcc.time_ms), a precision the table says is
 *    slower than a more precise candidate (qcc_precision_rank) is dropped,
 *    unless max-size is set and it is also smaller than every such one.
 * 1. Greedy order. Each layer's error at precision p is the noise power its
 *    sensitivity implies, e = 10^(-SQNR/10) (relative to the output's power;
 *    noise from different layers roughly adds). Starting from all fp32, the
 *    next step is always the move of one layer with the least added error
 *    per byte saved (per ms saved under max-latency). The steps give a
 *    sequence of choices C_0 (all fp32) ... C_T (every layer at its smallest,
 *    or fastest).
 * 2. Budget. max-size and max-latency pick the first C_k within them.
 *    min-sqnr and max-accuracy-drop are verified on the whole model (a
 *    converted copy run on the samples): the largest k whose choice meets
 *    them is found by bisection from that first k; backing off along the
 *    sequence raises the precision of the layers whose moves cost most.
 * 3. Faster at no cost in bytes (with times): each layer takes a faster
 *    candidate of no more bytes when the budget still holds (int8 over
 *    int8-wo when its kernel is faster); without an accuracy budget, the
 *    fastest such.
 * 4. Result: qcc.precision = "int8" ... on every layer op, and on the module
 *    qcc.precision_summary = {weight_bytes, float_weight_bytes, sqnr_db,
 *    top1_agree, accuracy, float_accuracy[, time_ms, float_time_ms]}.
 *    qcc-apply-precision applies it.
 * A budget no choice meets is an error naming the best achievable figures
 * and the layers responsible (those with the largest error in that choice;
 * for latency, the fastest choice and its slowest layers). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "pass_util.h"
#include "passes.h"
#include "precision.h"

typedef struct {
  qcc_eval_options eval;
  bool allowed[QCC_PREC_COUNT];
  double max_drop;    /* points; < 0: none */
  double min_sqnr;    /* dB; -inf: none */
  int64_t max_size;   /* bytes; 0: none */
  double max_latency; /* ms; 0: none */
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

/* t[i][p]: estimated ms of layer i at p (qcc.time_ms), < 0 when unknown. */
static double total_ms(double (*t)[QCC_PREC_COUNT], const qcc_precision *c, int n) {
  double ms = 0;
  for (int i = 0; i < n; ++i) ms += t[i][c[i]];
  return ms;
}

static bool meets(const sel_cfg *cfg, const qcc_eval_set *set, const qcc_eval_metrics *m) {
  if (m->sqnr_db < cfg->min_sqnr) return false;
  if (cfg->max_drop >= 0 && 100.0 * (qcc_eval_set_float_accuracy(set) - m->accuracy) > cfg->max_drop + 1e-9)
    return false;
  return true;
}

static void set_summary(MlirOperation root, int64_t bytes, int64_t fbytes, const qcc_eval_metrics *m,
                        const qcc_eval_set *set, bool times, double ms, double fms) {
  MlirContext ctx = mlirOperationGetContext(root);
  struct { const char *k; double v; } kv[] = {{"weight_bytes", (double)bytes}, {"float_weight_bytes", (double)fbytes},
                                             {"sqnr_db", m->sqnr_db},          {"top1_agree", m->top1_agree},
                                             {"accuracy", m->accuracy},         {"float_accuracy", qcc_eval_set_float_accuracy(set)},
                                             {"time_ms", ms},                   {"float_time_ms", fms}};
  const int nk = times ? 8 : 6;
  MlirNamedAttribute el[8];
  for (int i = 0; i < nk; ++i)
    el[i] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(kv[i].k)),
                                  mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), kv[i].v));
  mlirOperationSetDiscardableAttributeByName(root, mlirStringRefCreateFromCString("qcc.precision_summary"),
                                             mlirDictionaryAttrGet(ctx, nk, el));
}

/* Up to 3 layers, worst first by key[i][cur[i]] (> 0 only), as "'a' at p (detail), ..." into who. */
static void name_worst(const qcc_layer *L, int n, const qcc_precision *cur, double (*key)[QCC_PREC_COUNT], bool ms,
                       char *who, size_t cap) {
  int worst[3] = {-1, -1, -1};
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < n; ++i) {
      bool taken = false;
      for (int q = 0; q < r; ++q) taken |= worst[q] == i;
      if (!taken && key[i][cur[i]] > 0 && (worst[r] < 0 || key[i][cur[i]] > key[worst[r]][cur[worst[r]]])) worst[r] = i;
    }
  who[0] = 0;
  for (int r = 0; r < 3 && worst[r] >= 0; ++r) {
    size_t o = strlen(who);
    if (ms)
      snprintf(who + o, cap - o, "%s'%s' at %s (%.4g ms)", r ? ", " : "", L[worst[r]].name,
               qcc_precision_name(cur[worst[r]]), key[worst[r]][cur[worst[r]]]);
    else
      snprintf(who + o, cap - o, "%s'%s' at %s", r ? ", " : "", L[worst[r]].name, qcc_precision_name(cur[worst[r]]));
  }
}

/* The module's qcc.cost_table path, for messages. */
static void cost_table_name(MlirOperation root, char *out, size_t n) {
  snprintf(out, n, "?");
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(root, mlirStringRefCreateFromCString("qcc.cost_table"));
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d)) return;
  MlirAttribute p = mlirDictionaryAttrGetElementByName(d, mlirStringRefCreateFromCString("path"));
  if (!mlirAttributeIsNull(p) && mlirAttributeIsAString(p)) {
    MlirStringRef s = mlirStringAttrGetValue(p);
    snprintf(out, n, "%.*s", (int)s.length, s.data);
  }
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const sel_cfg *cfg = ud;
  int n = 0;
  qcc_layer *L = qcc_layers_collect(root, &n);
  qcc_status_t st = NULL;
  qcc_eval_set *set = NULL;
  /* e[i][p]: error of layer i at p; < 0: not a candidate. t[i][p]: its estimated ms, < 0: unknown. */
  double (*e)[QCC_PREC_COUNT] = calloc((size_t)n + 1, sizeof *e);
  double (*t)[QCC_PREC_COUNT] = calloc((size_t)n + 1, sizeof *t);
  qcc_precision *cur = calloc((size_t)n + 1, sizeof *cur), *seq_layer_prec = NULL;
  int *seq_layer = NULL, T = 0;
  bool times = n > 0;
  for (int i = 0; i < n && !st; ++i)
    for (int p = 0; p < QCC_PREC_COUNT && !st; ++p) {
      qcc_eval_metrics m;
      if (!qcc_layer_time(L[i].op, p, &t[i][p])) t[i][p] = -1;
      if (p == QCC_PREC_FP32) e[i][p] = 0, times &= t[i][p] >= 0;
      else if (!cfg->allowed[p] || !qcc_precision_allowed(&L[i], p)) e[i][p] = -1;
      else if (!qcc_layer_sensitivity(L[i].op, p, &m))
        st = qcc_status_make(QCC_ERR_USAGE, "layer '%s' has no sensitivity for %s: run qcc-sensitivity first (with the "
                             "same precisions)", L[i].name, qcc_precision_name(p));
      else e[i][p] = noise_of(m.sqnr_db);
    }
  if (!st && cfg->max_latency > 0 && !times)
    st = qcc_status_make(QCC_ERR_USAGE, "max-latency needs estimated times: run qcc-sensitivity with cost-table=FILE");
  /* With times: a candidate without one is not a candidate, and neither is one
   * the table says is slower than a more precise candidate (unless, under a
   * size budget, it is also smaller than every such one). */
  for (int i = 0; i < n && !st && times; ++i) {
    for (int p = 1; p < QCC_PREC_COUNT; ++p)
      if (t[i][p] < 0) e[i][p] = -1;
    bool drop[QCC_PREC_COUNT] = {false};
    for (int p = 1; p < QCC_PREC_COUNT; ++p)
      for (int q = 0; q < QCC_PREC_COUNT && e[i][p] >= 0; ++q)
        if (q != p && e[i][q] >= 0 && qcc_precision_rank(q) < qcc_precision_rank(p) && t[i][q] < t[i][p] &&
            (cfg->max_size == 0 || qcc_precision_bytes(&L[i], q) <= qcc_precision_bytes(&L[i], p)))
          drop[p] = true;
    for (int p = 1; p < QCC_PREC_COUNT; ++p)
      if (drop[p]) e[i][p] = -1;
  }
  qcc_eval_config ec = qcc_eval_options_config(&cfg->eval);
  if (!st) st = qcc_eval_set_create(root, &ec, &set);
  if (!st && cfg->max_drop >= 0 && !qcc_eval_set_has_labels(set))
    st = qcc_status_make(QCC_ERR_USAGE, "max-accuracy-drop needs labels=KEY");
  /* 1. the greedy sequence: by added error per byte saved, or per ms saved
   *    under a latency budget */
  const bool by_time = cfg->max_latency > 0;
  seq_layer = calloc((size_t)n * QCC_PREC_COUNT + 1, sizeof *seq_layer);
  seq_layer_prec = calloc((size_t)n * QCC_PREC_COUNT + 1, sizeof *seq_layer_prec);
  for (int i = 0; i < n; ++i) cur[i] = QCC_PREC_FP32;
  while (!st) {
    int bi = -1, bp = -1;
    double best = INFINITY, best_saved = 0;
    for (int i = 0; i < n; ++i)
      for (int p = 0; p < QCC_PREC_COUNT; ++p) {
        if (e[i][p] < 0) continue;
        double saved = by_time ? t[i][cur[i]] - t[i][p]
                               : (double)(qcc_precision_bytes(&L[i], cur[i]) - qcc_precision_bytes(&L[i], p));
        if (saved <= 0) continue;
        double r = (e[i][p] - e[i][cur[i]]) / saved;
        if (r < best || (r == best && saved > best_saved)) best = r, bi = i, bp = p, best_saved = saved;
      }
    if (bi < 0 || T >= n * QCC_PREC_COUNT) break;
    seq_layer[T] = bi, seq_layer_prec[T] = (qcc_precision)bp, ++T;
    cur[bi] = (qcc_precision)bp;
  }
  /* choice after k steps, into cur */
#define CHOICE(k)                                                        \
  do {                                                                   \
    for (int i_ = 0; i_ < n; ++i_) cur[i_] = QCC_PREC_FP32;              \
    for (int s_ = 0; s_ < (k); ++s_) cur[seq_layer[s_]] = seq_layer_prec[s_]; \
  } while (0)
  char table[512];
  cost_table_name(root, table, sizeof table);
  int lo = 0;
  if (!st && (cfg->max_size > 0 || by_time)) {
    lo = -1;
    for (int k = 0; k <= T && lo < 0; ++k) {
      CHOICE(k);
      if ((cfg->max_size == 0 || total_bytes(L, cur, n) <= cfg->max_size) &&
          (!by_time || total_ms(t, cur, n) <= cfg->max_latency))
        lo = k;
    }
    if (lo < 0) {
      /* the smallest and the fastest choice of the candidates, layer by layer */
      qcc_precision *small = calloc((size_t)n + 1, sizeof *small), *fast = calloc((size_t)n + 1, sizeof *fast);
      for (int i = 0; i < n; ++i)
        for (int p = 0; p < QCC_PREC_COUNT; ++p) {
          if (e[i][p] < 0) continue;
          if (qcc_precision_bytes(&L[i], p) < qcc_precision_bytes(&L[i], small[i])) small[i] = (qcc_precision)p;
          if (times && t[i][p] < t[i][fast[i]]) fast[i] = (qcc_precision)p;
        }
      char who[900];
      if (cfg->max_size > 0 && total_bytes(L, small, n) > cfg->max_size) {
        st = qcc_status_make(QCC_ERR_INVALID,
                             "max-size=%lld cannot be met: the smallest choice of the allowed precisions has %lld bytes "
                             "of weights", (long long)cfg->max_size, (long long)total_bytes(L, small, n));
      } else if (total_ms(t, fast, n) > cfg->max_latency) {
        name_worst(L, n, fast, t, true, who, sizeof who);
        st = qcc_status_make(QCC_ERR_INVALID,
                             "max-latency=%g ms cannot be met: the fastest choice of the allowed precisions takes %.4g ms "
                             "(estimated with cost table %s); slowest layers: %s", cfg->max_latency,
                             total_ms(t, fast, n), table, who);
      } else {
        CHOICE(T);
        name_worst(L, n, cur, t, true, who, sizeof who);
        st = qcc_status_make(QCC_ERR_INVALID,
                             "max-size=%lld and max-latency=%g ms cannot be met together: the fastest choice along the "
                             "greedy order takes %.4g ms with %lld bytes of weights (cost table %s); slowest layers: %s",
                             (long long)cfg->max_size, cfg->max_latency, total_ms(t, cur, n),
                             (long long)total_bytes(L, cur, n), table, who);
      }
      free(small);
      free(fast);
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
    /* the budget fails already at the least quantization the size and latency allow */
    char who[900], acc[96] = "";
    name_worst(L, n, cur, e, false, who, sizeof who);
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
  }
  if (!st) CHOICE(k);
  /* 3. Faster at no cost in bytes: a layer whose candidate q is faster and not
   *    larger than its choice takes q (int8 over int8-wo when the int8 kernel
   *    is faster). Without an accuracy budget every layer takes its fastest
   *    such q. With one, all fastest at once if the budget still holds; else
   *    layer by layer (least added error first), each trying its faster
   *    candidates fastest first and keeping the first that holds it. */
  if (!st && times) {
    qcc_precision *fastest = calloc((size_t)n + 1, sizeof *fastest), *trial = calloc((size_t)n + 1, sizeof *trial);
    bool *done = calloc((size_t)n + 1, sizeof *done);
    int nf = 0;
    for (int i = 0; i < n; ++i) {
      fastest[i] = cur[i];
      for (int p = 0; p < QCC_PREC_COUNT; ++p)
        if (e[i][p] >= 0 && t[i][p] < t[i][fastest[i]] &&
            qcc_precision_bytes(&L[i], p) <= qcc_precision_bytes(&L[i], cur[i]))
          fastest[i] = (qcc_precision)p;
      nf += fastest[i] != cur[i];
    }
    qcc_eval_metrics mf;
    if (nf) {
      memcpy(trial, fastest, (size_t)n * sizeof *trial);
      st = qcc_eval_precisions(root, trial, n, set, &mf);
      if (!st && (!quality || meets(cfg, set, &mf))) memcpy(cur, trial, (size_t)n * sizeof *cur), mk = mf, nf = 0;
    }
    for (int r = 0; r < nf && !st; ++r) {
      int bi = -1;
      for (int i = 0; i < n; ++i)
        if (!done[i] && fastest[i] != cur[i] &&
            (bi < 0 || e[i][fastest[i]] - e[i][cur[i]] < e[bi][fastest[bi]] - e[bi][cur[bi]]))
          bi = i;
      if (bi < 0) break;
      done[bi] = true;
      const qcc_precision was = cur[bi];
      bool tried[QCC_PREC_COUNT] = {false};
      for (;;) { /* the fastest untried candidate faster than `was` and not larger */
        int q = -1;
        for (int p = 0; p < QCC_PREC_COUNT; ++p)
          if (!tried[p] && e[bi][p] >= 0 && t[bi][p] < t[bi][was] &&
              qcc_precision_bytes(&L[bi], p) <= qcc_precision_bytes(&L[bi], was) && (q < 0 || t[bi][p] < t[bi][q]))
            q = p;
        if (q < 0) break;
        tried[q] = true;
        memcpy(trial, cur, (size_t)n * sizeof *trial);
        trial[bi] = (qcc_precision)q;
        st = qcc_eval_precisions(root, trial, n, set, &mf);
        if (st) break;
        if (meets(cfg, set, &mf)) {
          memcpy(cur, trial, (size_t)n * sizeof *cur), mk = mf;
          break;
        }
      }
    }
    free(fastest);
    free(trial);
    free(done);
  }
  if (!st) {
    MlirContext ctx = mlirOperationGetContext(root);
    for (int i = 0; i < n; ++i)
      mlirOperationSetDiscardableAttributeByName(
          L[i].op, mlirStringRefCreateFromCString("qcc.precision"),
          mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(qcc_precision_name(cur[i]))));
    qcc_precision *fp = calloc((size_t)n + 1, sizeof *fp);
    set_summary(root, total_bytes(L, cur, n), total_bytes(L, fp, n), &mk, set, times, times ? total_ms(t, cur, n) : 0,
                times ? total_ms(t, fp, n) : 0);
    free(fp);
  }
#undef CHOICE
  free(seq_layer);
  free(seq_layer_prec);
  free(cur);
  free(e);
  free(t);
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
      } else if (!strcmp(k, "max-latency")) {
        st = parse_double(k, v, 0, &c->max_latency);
        if (!st && !(c->max_latency > 0))
          st = qcc_status_make(QCC_ERR_USAGE, "qcc-select-precision: max-latency must be a number of ms > 0, got '%s'", v);
      } else
        st = qcc_option_unknown("qcc-select-precision", k,
                                "max-accuracy-drop, min-sqnr, max-size, max-latency, precisions, data, samples, labels, "
                                "mean, std, layout, int4_method");
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
  if (c->max_drop < 0 && c->min_sqnr == -INFINITY && c->max_size == 0 && c->max_latency == 0) {
    free(c);
    return qcc_status_make(QCC_ERR_USAGE, "qcc-select-precision needs a budget: max-accuracy-drop=POINTS, min-sqnr=DB, "
                                          "max-size=BYTES or max-latency=MS");
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_select_precision_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_select_precision_info = {
    "qcc-select-precision", "",
    "Choose each layer's precision under an accuracy, SQNR, size or latency budget (after qcc-sensitivity)",
    "Greedy by added output noise per byte saved (per ms saved under max-latency; 10^(-SQNR/10) from each\n"
    "layer's sensitivity), then the whole model is verified on the samples and layers are raised back along\n"
    "the greedy order until the budget holds. With times (qcc-sensitivity{cost-table=}) a precision slower\n"
    "than a more precise one is never chosen (unless max-size needs its bytes), and a layer takes a faster\n"
    "precision of no more bytes when the budget still holds.\n"
    "After:   \"qcc.gemm\"(...) {qcc.precision = \"int4-wo-g32\", qcc.sensitivity = {...}}\n"
    "         module attributes {qcc.precision_summary = {accuracy = 0.9127, weight_bytes = 1.1e5, ...}}",
    "max-accuracy-drop=P: at most P points of top-1 below float (needs labels)\n"
    "min-sqnr=D: output SQNR against float at least D dB\n"
    "max-size=BYTES: weights (and biases) at most BYTES\n"
    "max-latency=MS: the layers' estimated time at most MS milliseconds (needs qcc-sensitivity{cost-table=})\n"
    "precisions=P,P,...: the candidates (default: all; fp32 is always one)\n"
    "data=, samples=, labels=, mean=, std=, layout=, int4_method=: the samples and the int4 method, as\n"
    "  qcc-sensitivity",
    create};
