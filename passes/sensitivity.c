/* qcc-sensitivity: for each layer and each precision it can take, the model's
 * output when only that layer is at that precision (everything else float),
 * against the float model on the same samples: output SQNR, top-1 agreement
 * and, with labels, accuracy. Stored on the layer op as
 *   qcc.sensitivity = {"int8" = array<f64: SQNR_DB, TOP1_AGREE, ACCURACY>, ...}
 * (accuracy -1 without labels), read by qcc-select-precision. precision.h
 * defines layers and precisions. Costs one evaluation per (layer, precision).
 * With cost-table=FILE (costs.h) each layer also gets the estimated time of
 * each of its precisions, fp32 included:
 *   qcc.time_ms = {fp32 = 0.41 : f64, "int8" = 0.12 : f64, ...}
 * and the module qcc.cost_table = {path, target, source}, so the selection
 * and the precision file say which table their times come from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "costs.h"
#include "pass_util.h"
#include "passes.h"
#include "precision.h"

typedef struct {
  qcc_eval_options eval;
  bool allowed[QCC_PREC_COUNT]; /* candidates (default: all) */
  char cost_path[4096];         /* cost-table=, or "" */
  qcc_cost_table costs;
} sens_cfg;

static void fail(MlirExternalPass pass, qcc_status_t st) {
  qcc_pass_report(qcc_status_annotate(st, "qcc-sensitivity"));
  mlirExternalPassSignalFailure(pass);
}

static MlirNamedAttribute named(MlirContext ctx, const char *k, MlirAttribute v) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(k)), v);
}

static MlirAttribute str_attr(MlirContext ctx, const char *s) {
  return mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(s));
}

/* qcc.time_ms on every layer (each precision it can take, fp32 included) and
 * qcc.cost_table on the module. */
static qcc_status_t store_times(MlirOperation root, const sens_cfg *cfg, const qcc_layer *L, int n) {
  MlirContext ctx = mlirOperationGetContext(root);
  for (int i = 0; i < n; ++i) {
    MlirNamedAttribute el[QCC_PREC_COUNT];
    int ne = 0;
    for (int p = 0; p < QCC_PREC_COUNT; ++p) {
      if (p != QCC_PREC_FP32 && (!cfg->allowed[p] || !qcc_precision_allowed(&L[i], p))) continue;
      double ms;
      if (!qcc_cost_layer_ms(&cfg->costs, &L[i], p, &ms))
        return qcc_status_make(QCC_ERR_INVALID, "cost table %s has no entry ops.%s.%s (layer '%s'): add it, or leave %s "
                               "out of precisions=", cfg->cost_path, qcc_cost_op_name(qcc_cost_op_of(&L[i])),
                               qcc_precision_name(p), L[i].name, qcc_precision_name(p));
      el[ne++] = named(ctx, qcc_precision_name(p), mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), ms));
    }
    mlirOperationSetDiscardableAttributeByName(L[i].op, mlirStringRefCreateFromCString("qcc.time_ms"),
                                               mlirDictionaryAttrGet(ctx, ne, el));
  }
  MlirNamedAttribute t[3] = {named(ctx, "path", str_attr(ctx, cfg->cost_path)),
                             named(ctx, "target", str_attr(ctx, cfg->costs.target)),
                             named(ctx, "source", str_attr(ctx, cfg->costs.source))};
  mlirOperationSetDiscardableAttributeByName(root, mlirStringRefCreateFromCString("qcc.cost_table"),
                                             mlirDictionaryAttrGet(ctx, 3, t));
  return NULL;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const sens_cfg *cfg = ud;
  qcc_eval_config ec = qcc_eval_options_config(&cfg->eval);
  qcc_eval_set *set = NULL;
  qcc_status_t st = qcc_eval_set_create(root, &ec, &set);
  if (st) return fail(pass, st);
  int n = 0;
  qcc_layer *layers = qcc_layers_collect(root, &n);
  qcc_precision *prec = calloc((size_t)n + 1, sizeof *prec);
  MlirContext ctx = mlirOperationGetContext(root);
  const bool tty = isatty(2);
  int total = 0, done = 0;
  for (int i = 0; i < n; ++i)
    for (int p = QCC_PREC_FP16; p < QCC_PREC_COUNT; ++p) total += cfg->allowed[p] && qcc_precision_allowed(&layers[i], p);
  for (int i = 0; i < n && !st; ++i) {
    MlirNamedAttribute el[QCC_PREC_COUNT];
    int ne = 0;
    for (int p = QCC_PREC_FP16; p < QCC_PREC_COUNT && !st; ++p) {
      if (!cfg->allowed[p] || !qcc_precision_allowed(&layers[i], p)) continue;
      for (int k = 0; k < n; ++k) prec[k] = QCC_PREC_FP32;
      prec[i] = (qcc_precision)p;
      qcc_eval_metrics m;
      st = qcc_eval_precisions(root, prec, n, set, &m);
      if (st) {
        st = qcc_status_annotate(st, "layer '%s' at %s", layers[i].name, qcc_precision_name(p));
        break;
      }
      double v[3] = {m.sqnr_db, m.top1_agree, m.accuracy};
      el[ne++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(qcc_precision_name(p))),
                                       mlirDenseF64ArrayGet(ctx, 3, v));
      ++done;
      if (tty) fprintf(stderr, "\rqcc: sensitivity: %d/%d (layer, precision) pairs", done, total);
    }
    if (!st)
      mlirOperationSetDiscardableAttributeByName(layers[i].op, mlirStringRefCreateFromCString("qcc.sensitivity"),
                                                 mlirDictionaryAttrGet(ctx, ne, el));
  }
  if (tty && total) fprintf(stderr, "\n");
  if (!st && cfg->cost_path[0]) st = store_times(root, cfg, layers, n);
  free(prec);
  free(layers);
  qcc_eval_set_destroy(set);
  if (st) fail(pass, st);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  sens_cfg *c = calloc(1, sizeof *c);
  qcc_eval_options_init(&c->eval);
  for (int p = 0; p < QCC_PREC_COUNT; ++p) c->allowed[p] = true;
  for (int i = 0; i < n; ++i) {
    bool handled;
    qcc_status_t st = qcc_eval_option("qcc-sensitivity", opts[i].key, opts[i].value, &c->eval, &handled);
    if (!st && !handled) {
      if (!strcmp(opts[i].key, "precisions")) st = qcc_parse_precision_list("qcc-sensitivity", opts[i].value, c->allowed);
      else if (!strcmp(opts[i].key, "cost-table") && strlen(opts[i].value) >= sizeof c->cost_path)
        st = qcc_status_make(QCC_ERR_USAGE, "qcc-sensitivity: cost-table path longer than %zu bytes", sizeof c->cost_path - 1);
      else if (!strcmp(opts[i].key, "cost-table")) {
        snprintf(c->cost_path, sizeof c->cost_path, "%s", opts[i].value);
        st = qcc_cost_table_load(c->cost_path, &c->costs);
      } else
        st = qcc_option_unknown("qcc-sensitivity", opts[i].key,
                                "data, samples, labels, precisions, cost-table, mean, std, layout, int4_method");
    }
    if (st) {
      free(c);
      return st;
    }
  }
  if (!c->eval.data[0]) {
    free(c);
    return qcc_status_make(QCC_ERR_USAGE, "qcc-sensitivity needs data=FILE (the samples to measure on)");
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_sensitivity_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_sensitivity_info = {
    "qcc-sensitivity", "",
    "Measure each layer's effect on the output at each precision, with every other layer float",
    "On a calibrated module (after qcc-calibrate). For every layer (conv, gemm, matmul with an observed\n"
    "constant weight) and every precision it can take, converts a copy with only that layer at that\n"
    "precision and runs it on the samples against the float model.\n"
    "After:   \"qcc.conv2d\"(...) {qcc.sensitivity = {fp16 = array<f64: 112.3, 1.0, -1.0>,\n"
    "           int8 = array<f64: 38.2, 1.0, -1.0>, \"int8-wo\" = array<f64: 45.1, 1.0, -1.0>}}\n"
    "Values: output SQNR in dB (200 = identical), top-1 agreement with float, accuracy (-1 without labels).\n"
    "With cost-table=F also qcc.time_ms = {fp32 = 0.41 : f64, ...}: each precision's estimated time (costs.h).",
    "data=PATH: the samples (.npz with one array per input, .npy, or a folder; as qcc-calibrate)\n"
    "samples=N: use at most N samples (default: all)\n"
    "labels=KEY: integer labels stored under KEY in the .npz data (adds accuracy)\n"
    "precisions=P,P,...: the candidates (default: fp16,int8-wo,int8,int4-wo-g32,int4-wo-g64,int4-wo-g128,int8-dyn)\n"
    "cost-table=FILE: a cost table (docs/precision.md): store each precision's estimated time too\n"
    "mean=, std=, layout=: image preprocessing, as qcc-calibrate\n"
    "int4_method=rtn|awq|gptq: measure int4 layers as made by round to nearest (default), qcc-awq or\n"
    "  qcc-gptq (both need qcc-calibrate{input_rows=N})",
    create};
