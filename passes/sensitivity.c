/* qcc-sensitivity: for each layer and each precision it can take, the model's
 * output when only that layer is at that precision (everything else float),
 * against the float model on the same samples: output SQNR, top-1 agreement
 * and, with labels, accuracy. Stored on the layer op as
 *   qcc.sensitivity = {"int8" = array<f64: SQNR_DB, TOP1_AGREE, ACCURACY>, ...}
 * (accuracy -1 without labels), read by qcc-select-precision. precision.h
 * defines layers and precisions. Costs one evaluation per (layer, precision). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlir-c/BuiltinAttributes.h"
#include "passes.h"
#include "precision.h"

typedef struct {
  qcc_eval_options eval;
  bool allowed[QCC_PREC_COUNT]; /* candidates (default: all) */
} sens_cfg;

static void fail(MlirExternalPass pass, qcc_status_t st) {
  qcc_pass_report(qcc_status_annotate(st, "qcc-sensitivity"));
  mlirExternalPassSignalFailure(pass);
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
      else
        st = qcc_status_make(QCC_ERR_USAGE,
                             "qcc-sensitivity: unknown option '%s' (data, samples, labels, precisions, mean, std, layout)",
                             opts[i].key);
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
    "Values: output SQNR in dB (200 = identical), top-1 agreement with float, accuracy (-1 without labels).",
    "data=PATH: the samples (.npz with one array per input, .npy, or a folder; as qcc-calibrate)\n"
    "samples=N: use at most N samples (default: all)\n"
    "labels=KEY: integer labels stored under KEY in the .npz data (adds accuracy)\n"
    "precisions=P,P,...: the candidates (default: fp16,int8-wo,int8,int4-wo-g32,int4-wo-g64,int4-wo-g128)\n"
    "mean=, std=, layout=: image preprocessing, as qcc-calibrate",
    create};
