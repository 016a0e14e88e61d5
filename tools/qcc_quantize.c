/* qcc quantize: ONNX -> fold Conv-BN -> annotate -> observers -> calibrate ->
 * convert (QDQ), written as .mlir/.mlirbc; with --data/--labels it also
 * reports float and int8 top-1 accuracy and weight sizes.
 * qcc eval: top-1 accuracy or perplexity of a model on labelled data. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataset.h"
#include "executor.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "pipeline.h"
#include "plugin.h"
#include "cli.h"
#include "costs.h"
#include "precision.h"
#include "qcc.h"
#include "report.h"

/* Bytes of constants: all of them, and those stored as integers. */
static MlirWalkResult count_const(MlirOperation op, void *ud) {
  int64_t *b = ud;
  if (!qcc_op_is(op, QCC_OP_constant)) return MlirWalkResultAdvance;
  MlirType t = mlirValueGetType(mlirOperationGetResult(op, 0));
  if (!mlirShapedTypeHasStaticShape(t)) return MlirWalkResultAdvance;
  int64_t n = 1;
  for (intptr_t i = 0; i < mlirShapedTypeGetRank(t); ++i) n *= mlirShapedTypeGetDimSize(t, i);
  MlirType e = mlirShapedTypeGetElementType(t);
  int64_t bits = mlirTypeIsAInteger(e) ? mlirIntegerTypeGetWidth(e) : mlirTypeIsAF16(e) ? 16 : mlirTypeIsAF64(e) ? 64 : 32;
  /* 4-bit weights are held one per byte in the IR; stored two per byte */
  MlirOpOperand u = mlirValueGetFirstUse(mlirOperationGetResult(op, 0));
  if (!mlirOpOperandIsNull(u) && qcc_op_is(mlirOpOperandGetOwner(u), QCC_OP_storage_cast)) {
    MlirType qe = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetResult(mlirOpOperandGetOwner(u), 0)));
    if (mlirTypeIsAQuantizedType(qe) && mlirQuantizedTypeGetStorageTypeIntegralWidth(qe) < 8)
      bits = mlirQuantizedTypeGetStorageTypeIntegralWidth(qe);
  }
  b[0] += n * bits / 8;
  return MlirWalkResultAdvance;
}

static int64_t weight_bytes(MlirModule m) {
  int64_t b = 0;
  mlirOperationWalk(mlirModuleGetOperation(m), count_const, &b, MlirWalkPreOrder);
  return b;
}

typedef enum { METRIC_TOP1, METRIC_PERPLEXITY } eval_metric;

/* The metric of output 0 against labels on up to max_samples samples:
 *   top-1: output 0 is scores [batch, classes], one label per sample;
 *   perplexity: output 0 is logits [batch, ..., V]; every row of V logits
 *     (T per sample) has its label, the next token, stored [N, ..., T] (any
 *     shape with T labels per sample, in row order); *value is
 *     exp(mean over rows of logsumexp(row) - row[label]), in double.
 * *n samples and *rows rows evaluated. */
static qcc_status_t evaluate(MlirModule m, const char *data, const char *labels_key, long max_samples, int threads,
                             eval_metric metric, double *value, int64_t *n, int64_t *rows, double *secs) {
  qcc_executor *ex = NULL;
  qcc_dataset *ds = NULL;
  int64_t *labels = NULL, nl = 0;
  qcc_npy_tensor_t *in = NULL, out[16] = {{0}};
  const qcc_executor_options eo = {.threads = threads};
  qcc_status_t st = qcc_executor_create(m, &eo, &ex);
  if (!st && qcc_executor_num_outputs(ex) > 16) st = qcc_status_make(QCC_ERR_UNSUPPORTED, "evaluation needs at most 16 outputs");
  if (!st) st = qcc_dataset_open(data, ex, NULL, &ds);
  if (!st) st = qcc_dataset_labels(data, labels_key, &labels, &nl);
  if (st) goto done;
  int64_t bs = qcc_dataset_batch_size(ds), nb = qcc_dataset_num_batches(ds);
  if (max_samples > 0 && max_samples / bs < nb) nb = max_samples / bs > 0 ? max_samples / bs : 1;
  in = calloc((size_t)qcc_executor_num_inputs(ex) + 1, sizeof *in);
  int64_t correct = 0, nrows = 0;
  double ce = 0;
  double t0 = qcc_cli_now_s();
  for (int64_t b = 0; b < nb && !st; ++b) {
    st = qcc_dataset_batch(ds, b, in);
    if (!st) st = qcc_executor_run(ex, in, out);
    if (st) break;
    const qcc_npy_tensor_t *o = &out[0];
    if (metric == METRIC_TOP1 && (o->dtype != QCC_NPY_F32 || o->rank < 1 || o->shape[0] != bs)) {
      st = qcc_status_make(QCC_ERR_UNSUPPORTED, "evaluation needs output 0 to be f32 scores of shape [batch, classes]");
      break;
    }
    if (metric == METRIC_PERPLEXITY && (o->dtype != QCC_NPY_F32 || o->rank < 2 || o->shape[0] != bs)) {
      st = qcc_status_make(QCC_ERR_UNSUPPORTED, "--metric perplexity needs output 0 to be f32 logits of shape "
                                                "[batch, ..., vocabulary]");
      break;
    }
    /* top-1: a row per sample; perplexity: a row per position */
    int64_t classes = metric == METRIC_TOP1 ? qcc_npy_tensor_numel(o) / bs : o->shape[o->rank - 1];
    int64_t per = classes ? qcc_npy_tensor_numel(o) / bs / classes : 0; /* rows per sample */
    if (nl < nb * bs * per) {
      st = qcc_status_make(QCC_ERR_INVALID, "%s: %lld labels under '%s' for %lld samples of %lld row(s)", data,
                           (long long)nl, labels_key, (long long)(nb * bs), (long long)per);
      break;
    }
    for (int64_t i = 0; i < bs * per && !st; ++i) {
      const float *row = (const float *)o->data + i * classes;
      const int64_t lab = labels[b * bs * per + i];
      if (metric == METRIC_TOP1) {
        int64_t best = 0;
        for (int64_t c = 1; c < classes; ++c)
          if (row[c] > row[best]) best = c;
        correct += best == lab;
        continue;
      }
      if (lab < 0 || lab >= classes) {
        st = qcc_status_make(QCC_ERR_INVALID, "%s: label %lld under '%s' (row %lld) is outside the vocabulary [0, %lld)",
                             data, (long long)lab, labels_key, (long long)(b * bs * per + i), (long long)classes);
        break;
      }
      double mx = row[0], sum = 0;
      for (int64_t c = 1; c < classes; ++c) mx = row[c] > mx ? row[c] : mx;
      for (int64_t c = 0; c < classes; ++c) sum += exp((double)row[c] - mx);
      ce += mx + log(sum) - (double)row[lab];
    }
    nrows += bs * per;
    for (int i = 0; i < qcc_executor_num_outputs(ex); ++i) qcc_npy_tensor_free(&out[i]);
  }
  *secs = qcc_cli_now_s() - t0;
  *n = nb * bs;
  *rows = nrows;
  *value = metric == METRIC_TOP1 ? (double)correct / (double)(nb * bs) : exp(ce / (double)(nrows ? nrows : 1));
  if (!st && metric == METRIC_PERPLEXITY && !isfinite(*value))
    st = qcc_status_make(QCC_ERR_INVALID, "perplexity is not finite (non-finite logits in output 0)");
done:
  for (int i = 0; i < 16; ++i) qcc_npy_tensor_free(&out[i]);
  free(in);
  free(labels);
  qcc_dataset_close(ds);
  qcc_executor_destroy(ex);
  return st;
}

/* --int4-method awq: calibration rows kept per layer for qcc-awq's search;
 * gptq: for qcc-gptq's H = 2 X^T X (qcc-calibrate's maximum: more rows, a
 * better estimate of H; K may exceed them, the damping covers it) */
#define QCC_AWQ_INPUT_ROWS 256
#define QCC_GPTQ_INPUT_ROWS 4096

/* ------------------------------------------------------------------ eval */
static void eval_usage(FILE *f) {
  fprintf(f,
          "usage: qcc eval MODEL.(onnx|mlir|mlirbc) --data DATA.npz --labels KEY [--metric top1|perplexity]\n"
          "                [--samples N] [--input-shape N=DIMS] [--threads K]\n"
          "                [--float FLOAT.onnx [--max-accuracy-drop P] [--calib DATA] [--quantizer Q] [-o FIXED]]\n"
          "  The model inputs are the arrays of DATA.npz stored under their names.\n"
          "  --threads K   run the convolutions and gemms on K threads (default 1; the same results\n"
          "                for every K)\n"
          "  top1 (default): accuracy of output 0 (scores [batch, classes]) against the integer labels\n"
          "    stored under KEY, one per sample.\n"
          "  perplexity: output 0 is logits [batch, ..., V]; KEY holds one label (the next token) per\n"
          "    row of V logits ([N, T] for a language model with T positions); prints\n"
          "    exp(mean cross-entropy) over all rows.\n"
          "  With --float (the model MODEL was quantized from; top1 only): float and quantized accuracy\n"
          "  and the decision (docs/precision.md, \"qcc eval\"): accepted when the drop is at most P points\n"
          "  (--max-accuracy-drop, default 1); else the precision is raised: FLOAT is quantized again\n"
          "  with that budget (qcc quantize --max-accuracy-drop P: sensitivity analysis and per-layer\n"
          "  precision selection), written to FIXED (default: MODEL's stem + .fixed.mlirbc), and the\n"
          "  layers whose precision changed are listed with the new accuracy.\n"
          "  --calib DATA           calibration data for the new quantization (default: the first 500\n"
          "                         samples of --data)\n"
          "  --quantizer Q          its quantizer (default: the target's, as qcc quantize)\n"
          "  exit status: 0 accepted or fixed; 4 when no precision choice meets the budget (the\n"
          "  error line gives the best achievable figures); other codes as for every subcommand.\n");
}

static int eval_decide(const char *model, const char *float_model, const char *data, const char *labels, long samples,
                       const char *max_drop, const char *calib, const char *quantizer, const char *fixed,
                       const qcc_input_shape *shapes, int ns);

int qcc_cmd_eval(int argc, char **argv) {
  const char *model = NULL, *data = NULL, *labels = NULL;
  const char *float_model = NULL, *max_drop = NULL, *calib = NULL, *quantizer = NULL, *fixed = NULL;
  long samples = 0;
  int threads = 1;
  eval_metric metric = METRIC_TOP1;
  qcc_input_shape shapes[16];
  char names[16][256];
  int ns = 0;
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { eval_usage(stdout); return 0; }
    if (!strcmp(a, "--data") && i + 1 < argc) data = argv[++i];
    else if (!strcmp(a, "--labels") && i + 1 < argc) labels = argv[++i];
    else if (!strcmp(a, "--samples") && i + 1 < argc) samples = strtol(argv[++i], NULL, 10);
    else if (!strcmp(a, "--threads")) {
      qcc_status_t st = qcc_cli_threads("--threads", i + 1 < argc ? argv[++i] : NULL, &threads);
      if (st) return qcc_cli_fail(st);
    } else if (!strcmp(a, "--metric") && i + 1 < argc) {
      const char *v = argv[++i];
      if (!strcmp(v, "top1")) metric = METRIC_TOP1;
      else if (!strcmp(v, "perplexity")) metric = METRIC_PERPLEXITY;
      else return qcc_cli_errorf(QCC_ERR_USAGE, "qcc eval: unknown --metric '%s' (top1, perplexity)", v);
    } else if (!strcmp(a, "--float") && i + 1 < argc) float_model = argv[++i];
    else if (!strcmp(a, "--max-accuracy-drop") && i + 1 < argc) max_drop = argv[++i];
    else if (!strcmp(a, "--calib") && i + 1 < argc) calib = argv[++i];
    else if (!strcmp(a, "--quantizer") && i + 1 < argc) quantizer = argv[++i];
    else if (!strcmp(a, "-o") && i + 1 < argc) fixed = argv[++i];
    else if (!strcmp(a, "--input-shape") && i + 1 < argc && ns < 16) {
      qcc_status_t st = qcc_parse_input_shape(argv[++i], &shapes[ns], names[ns], sizeof names[ns]);
      if (st) return qcc_cli_fail(st);
      ns++;
    } else if (a[0] == '-') return qcc_cli_errorf(QCC_ERR_USAGE, "unknown or incomplete option '%s' for qcc eval (see qcc eval --help)", a);
    else if (!model) model = a;
    else return qcc_cli_errorf(QCC_ERR_USAGE, "unexpected argument '%s'", a);
  }
  if (!model || !data || !labels) { eval_usage(stderr); return QCC_ERR_USAGE; }
  if ((max_drop || calib || quantizer || fixed) && !float_model)
    return qcc_cli_errorf(QCC_ERR_USAGE, "--max-accuracy-drop, --calib, --quantizer and -o need --float FLOAT_MODEL (the model %s was quantized from)", model);
  if (float_model && metric != METRIC_TOP1)
    return qcc_cli_errorf(QCC_ERR_USAGE, "qcc eval: --float decides on top-1 accuracy; it does not take --metric perplexity");
  if (float_model) return eval_decide(model, float_model, data, labels, samples, max_drop, calib, quantizer, fixed, shapes, ns);
  MlirContext ctx;
  qcc_status_t st = qcc_context_create(NULL, &ctx);
  if (st) return qcc_cli_fail(st);
  MlirModule m = {NULL};
  st = qcc_cli_load_model(ctx, model, shapes, ns, &m);
  double value = 0, secs = 0;
  int64_t n = 0, rows = 0;
  if (!st) st = evaluate(m, data, labels, samples, threads, metric, &value, &n, &rows, &secs);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  qcc_context_destroy(ctx);
  if (st) return qcc_cli_fail(st);
  if (metric == METRIC_TOP1) printf("top-1 %.4f on %lld samples (%.1f ms)\n", value, (long long)n, secs * 1e3);
  else
    printf("perplexity %.4f (cross-entropy %.4f nats) on %lld samples, %lld tokens (%.1f ms)\n", value, log(value),
           (long long)n, (long long)rows, secs * 1e3);
  return 0;
}

/* ---------------------------------------------- eval: accept or raise */

/* Precision of each layer (conv2d, conv_transpose, gemm, matmul by ONNX node
 * name) as the module runs it: fused int8 ops, QDQ int8, weight-only, fp16
 * (an f16 constant cast to f32) or fp32. */
typedef struct {
  char name[128];
  char prec[16];
} layer_prec;

static const char *weight_precision(MlirOperation op) {
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k == QCC_OP_qconv2d || k == QCC_OP_qgemm || k == QCC_OP_qmatmul) return "int8";
  if (k == QCC_OP_qgemm_dynamic) return "int8-dynamic";
  if (k != QCC_OP_conv2d && k != QCC_OP_gemm && k != QCC_OP_matmul && k != QCC_OP_conv_transpose) return NULL;
  MlirValue w = mlirOperationGetOperand(op, 1);
  if (!mlirValueIsAOpResult(w)) return NULL;
  MlirOperation d = mlirOpResultGetOwner(w);
  if (qcc_op_is(d, QCC_OP_cast)) return "fp16";
  if (!qcc_op_is(d, QCC_OP_dequantize)) return qcc_op_is(d, QCC_OP_constant) ? "fp32" : NULL;
  MlirType e = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(d, 0)));
  if (!mlirTypeIsAQuantizedType(e)) return NULL;
  if (mlirQuantizedTypeGetStorageTypeIntegralWidth(e) < 8) return "int4-wo";
  MlirValue x = mlirOperationGetOperand(op, 0);
  bool xq = mlirValueIsAOpResult(x) && qcc_op_is(mlirOpResultGetOwner(x), QCC_OP_dequantize);
  return xq ? "int8" : "int8-wo";
}

static int layer_precisions(MlirModule m, layer_prec **out) {
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(qcc_module_main(m), 0));
  int n = 0;
  *out = NULL;
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    const char *p = weight_precision(op);
    char chosen[16];
    /* what qcc-select-precision / qcc-apply-precision chose, when they ran */
    MlirAttribute pa = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("qcc.precision"));
    qcc_op_kind k = qcc_op_get_kind(op);
    bool layer = k == QCC_OP_conv2d || k == QCC_OP_gemm || k == QCC_OP_matmul || k == QCC_OP_conv_transpose;
    if (layer && !mlirAttributeIsNull(pa) && mlirAttributeIsAString(pa)) {
      MlirStringRef v = mlirStringAttrGetValue(pa);
      snprintf(chosen, sizeof chosen, "%.*s", (int)v.length, v.data);
      p = chosen;
    }
    MlirStringRef nm;
    if (!p || qcc_location_names(mlirOperationGetLocation(op), &nm, 1) < 1) continue;
    layer_prec *np = realloc(*out, (size_t)(n + 1) * sizeof *np);
    if (!np) break;
    *out = np;
    snprintf(np[n].name, sizeof np[n].name, "%.*s", (int)nm.length, nm.data);
    snprintf(np[n].prec, sizeof np[n].prec, "%s", p);
    n++;
  }
  return n;
}

/* Accuracy of a model file on the labelled data; *layers its layers. */
static qcc_status_t eval_file(MlirContext ctx, const char *path, const qcc_input_shape *shapes, int ns, const char *data,
                              const char *labels, long samples, double *acc, int64_t *n, layer_prec **layers, int *nl) {
  MlirModule m = {NULL};
  double secs;
  int64_t rows = 0;
  qcc_status_t st = qcc_cli_load_model(ctx, path, shapes, ns, &m);
  if (!st) st = evaluate(m, data, labels, samples, 1, METRIC_TOP1, acc, n, &rows, &secs);
  if (!st && layers) *nl = layer_precisions(m, layers);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  return st ? qcc_status_annotate(st, "%s", path) : NULL;
}

int qcc_cmd_quantize(int argc, char **argv);

/* qcc eval MODEL --float FLOAT: the seeds' decision loop. Accept when the
 * drop is at most max_drop points; else quantize FLOAT again under that
 * budget (qcc quantize --max-accuracy-drop: qcc-sensitivity +
 * qcc-select-precision, the same code) and say what changed. */
static int eval_decide(const char *model, const char *float_model, const char *data, const char *labels, long samples,
                       const char *max_drop, const char *calib, const char *quantizer, const char *fixed,
                       const qcc_input_shape *shapes, int ns) {
  char *end;
  double p = max_drop ? strtod(max_drop, &end) : 1.0;
  if (max_drop && (*end || !(p >= 0)))
    return qcc_cli_errorf(QCC_ERR_USAGE, "--max-accuracy-drop needs a number of points >= 0, got '%s'", max_drop);
  MlirContext ctx;
  qcc_status_t st = qcc_context_create(NULL, &ctx);
  if (st) return qcc_cli_fail(st);
  double fa = 0, qa = 0, na = 0;
  int64_t n = 0;
  layer_prec *before = NULL, *after = NULL;
  int nb = 0, nafter = 0, rc = 0;
  st = eval_file(ctx, float_model, shapes, ns, data, labels, samples, &fa, &n, NULL, NULL);
  if (!st) st = eval_file(ctx, model, shapes, ns, data, labels, samples, &qa, &n, &before, &nb);
  if (st) { rc = qcc_cli_fail(st); goto done; }
  double drop = (fa - qa) * 100.0;
  printf("top-1 on %lld samples: float %.4f, quantized %.4f (%+.2f points)\n", (long long)n, fa, qa, -drop);
  if (drop <= p + 1e-9) {
    printf("accepted: the drop (%.2f points) is within --max-accuracy-drop %g\n", drop > 0 ? drop : 0.0, p);
    goto done;
  }
  char out[4096], pbuf[64], sbuf[32];
  if (fixed) snprintf(out, sizeof out, "%s", fixed);
  else {
    size_t stem = strlen(model) - (qcc_cli_ends_with(model, ".mlirbc") ? 7 : qcc_cli_ends_with(model, ".mlir") ? 5
                                   : qcc_cli_ends_with(model, ".onnx") ? 5 : 0);
    snprintf(out, sizeof out, "%.*s.fixed.mlirbc", (int)stem, model);
  }
  snprintf(pbuf, sizeof pbuf, "%g", p);
  snprintf(sbuf, sizeof sbuf, "%ld", samples > 0 ? samples : 1000);
  const char *qargv[20] = {float_model, "--calib", calib ? calib : data, "--data", data, "--labels", labels,
                           "--max-accuracy-drop", pbuf, "--eval-samples", sbuf, "-o", out};
  int qargc = 13;
  if (!calib) qargv[qargc++] = "--calib-samples", qargv[qargc++] = "500"; /* the labelled data: 500 samples are plenty */
  if (quantizer) qargv[qargc++] = "--quantizer", qargv[qargc++] = quantizer;
  printf("not accepted: the drop (%.2f points) exceeds %g; raising precision:\n  qcc quantize", drop, p);
  for (int i = 0; i < qargc; ++i) printf(" %s", qargv[i]);
  printf("\n");
  fflush(stdout);
  rc = qcc_cmd_quantize(qargc, (char **)qargv);
  if (rc) goto done; /* its error line says why (an unmeetable budget: the best figures) */
  st = eval_file(ctx, out, shapes, ns, data, labels, samples, &na, &n, &after, &nafter);
  if (st) { rc = qcc_cli_fail(st); goto done; }
  int changed = 0;
  for (int i = 0; i < nafter; ++i) {
    const char *old = "?";
    for (int j = 0; j < nb; ++j)
      if (!strcmp(before[j].name, after[i].name)) old = before[j].prec;
    if (strcmp(old, after[i].prec)) {
      printf("  layer %-24s %s -> %s\n", after[i].name, old, after[i].prec);
      changed++;
    }
  }
  printf("fixed: %s: %d layer%s changed precision; top-1 %.4f (%+.2f points from float, was %+.2f)\n", out, changed,
         changed == 1 ? "" : "s", na, (na - fa) * 100.0, -drop);
  if ((fa - na) * 100.0 > p + 1e-9) {
    rc = qcc_cli_errorf(QCC_ERR_INVALID, "%s: top-1 %.4f is still %.2f points below float on these %lld samples "
                                         "(the budget was met on the --eval-samples the selection used); use more samples",
                        out, na, (fa - na) * 100.0, (long long)n);
  }
done:
  free(before);
  free(after);
  qcc_context_destroy(ctx);
  return rc;
}

/* -------------------------------------------------------------- quantize */
static void quantize_usage(FILE *f) {
  fprintf(f,
          "usage: qcc quantize MODEL.onnx --calib DATA -o OUT.(mlir|mlirbc) [options]\n"
          "  Folds Conv-BN, annotates with a quantizer, observes, calibrates, converts to the QDQ form and\n"
          "  fuses it into int8 ops (qconv2d, qgemm, ...) run by libqrt's integer kernels.\n"
          "  --calib DATA           calibration samples: .npz (one array per input) or .npy (one input);\n"
          "                         a folder of .npy files or of images (png, jpg, ...); not needed by\n"
          "                         --quantizer dynamic\n"
          "  --mean M[,M,M] --std S[,S,S]   image folders: (pixel / 255 - mean) / std per channel\n"
          "  --layout nchw|nhwc     image folders: the model input's layout (default nchw)\n"
          "  --calib-samples N      use at most N calibration samples (default: all)\n"
          "  --target T             x86-64-v3, x86-64-v4-vnni, x86-64-v4-amx, generic, native (x86\n"
          "                         quantizer) or\n"
          "                         aarch64, aarch64-dotprod (arm quantizer); default native\n"
          "  --quantizer Q          x86, arm, per-tensor, dynamic (Linear layers, activations quantized\n"
          "                         at run time), or a plugin's (overrides the target's default)\n"
          "  --load-plugin=LIB.so   load a qcc plugin (its quantizers and passes; repeatable)\n"
          "  --observer O           activation observer: minmax, moving_avg, histogram (default),\n"
          "                         percentile, entropy\n"
          "  --reduce-range         7-bit activations (an accuracy/speed option)\n"
          "  --bias-correction, --no-bias-correction   subtract each conv/gemm layer's expected weight\n"
          "                         quantization error (from calibration input means) from its bias\n"
          "                         (default on; qcc-convert{bias_correction=...}; docs/quantization.md)\n"
          "  --equalize, --no-equalize   cross-layer equalization of consecutive conv/gemm layers before\n"
          "                         annotation (qcc-equalize; docs/quantization.md, section 6): for\n"
          "                         per-tensor weights (default on with --quantizer per-tensor, off otherwise)\n"
          "  --equalize-relu6       also equalize across Clip(0, M), made a Relu (qcc-equalize{relu6=1})\n"
          "  --keep-float PATTERN   leave ops float: ONNX node-name glob or op:TYPE (repeatable)\n"
          "  --input-shape N=DIMS   fix an input's shape (e.g. the batch)\n"
          "  --data DATA.npz --labels KEY   report float and quantized top-1 accuracy on labelled data\n"
          "  --no-fuse              stop at the QDQ form (quantize/dequantize around float ops)\n"
          "  --remarks              name every op left in QDQ form by fusion, and why\n"
          "  --emit=onnx            write OUT.onnx: the QDQ form as ONNX QuantizeLinear/DequantizeLinear\n"
          "                         (implies --no-fuse; docs/qdq-export.md)\n"
          "  --print-pipeline       print the pass pipeline qcc-opt would run, then continue\n"
          "Mixed precision (docs/precision.md): with a budget, each conv/gemm/matmul layer gets one of\n"
          "fp32, fp16, int8-wo, int8, int8-dyn, int4-wo-g32/64/128, measured on --data (or --calib) samples, and\n"
          "OUT's stem + .precision.json lists every layer's precision, bytes and sensitivities.\n"
          "  --max-accuracy-drop P  top-1 at most P points below float (needs --data/--labels)\n"
          "  --min-sqnr D           output SQNR against float at least D dB\n"
          "  --max-size BYTES       weights at most BYTES (suffix k or M: 1024s)\n"
          "  --max-latency MS       the layers' estimated time at most MS milliseconds (cost table)\n"
          "  --cost-table FILE      per-layer times from FILE (default: the shipped table of --target;\n"
          "                         `qcc cost-table` measures one); recorded in the precision file\n"
          "  --precisions P,P,...   candidate precisions (default: all)\n"
          "  --eval-samples N       samples for the sensitivity analysis and checks (default 1000)\n"
          "  --report DIR           write DIR/report.json and DIR/report.html (per-layer sensitivity,\n"
          "                         precisions, sizes, accuracy; needs a budget or --precision-file)\n"
          "  --precision-file F     apply the precisions F names (a .precision.json, edited or not);\n"
          "                         it overrides the automatic choice for the layers it lists\n"
          "  --int4-method M        rtn (round to nearest, default), awq: int4 layers get activation-aware\n"
          "                         per-input-channel scales searched on the calibration data (qcc-awq),\n"
          "                         or gptq: each weight column's rounding error is compensated by the\n"
          "                         columns after it, through the calibration inputs' Hessian (qcc-gptq);\n"
          "                         recorded in the precision file\n");
}

/* "300000", "64k", "1.5M" -> bytes; -1 if malformed */
static int64_t parse_size(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v > 0)) return -1;
  if (*end == 'k' || *end == 'K') v *= 1024, end++;
  else if (*end == 'M') v *= 1024.0 * 1024.0, end++;
  return *end ? -1 : (int64_t)v;
}

static bool plain_token(const char *s) { return !strpbrk(s, "' {},"); }

/* "estimated layer time: ..." from the summary qcc-select-precision left (times only with a cost table). */
static void print_estimated_time(MlirModule m, const char *costs) {
  MlirAttribute sum = mlirOperationGetDiscardableAttributeByName(mlirModuleGetOperation(m),
                                                                 mlirStringRefCreateFromCString("qcc.precision_summary"));
  if (mlirAttributeIsNull(sum) || !mlirAttributeIsADictionary(sum)) return;
  MlirAttribute t = mlirDictionaryAttrGetElementByName(sum, mlirStringRefCreateFromCString("time_ms"));
  MlirAttribute f = mlirDictionaryAttrGetElementByName(sum, mlirStringRefCreateFromCString("float_time_ms"));
  if (mlirAttributeIsNull(t) || mlirAttributeIsNull(f) || !mlirAttributeIsAFloat(t) || !mlirAttributeIsAFloat(f)) return;
  printf("estimated layer time: %.4g ms, float %.4g ms (cost table %s)\n", mlirFloatAttrGetValueDouble(t),
         mlirFloatAttrGetValueDouble(f), costs);
}

int qcc_cmd_quantize(int argc, char **argv) {
  const char *model = NULL, *out = NULL, *calib = NULL, *target = "native", *quantizer = NULL, *observer = NULL;
  const char *data = NULL, *labels = NULL, *mean = NULL, *std = NULL, *layout = NULL;
  long calib_samples = 0, eval_samples = 1000;
  const char *max_drop = NULL, *min_sqnr = NULL, *precisions = NULL, *precision_file = NULL, *report_dir = NULL;
  int64_t max_size = 0;
  const char *max_latency = NULL, *cost_table = NULL;
  int bias_correction = -1; /* -1: qcc-convert's default */
  qcc_int4_method int4 = QCC_INT4_RTN; /* --int4-method */
  int equalize = -1;        /* -1: on for the per-tensor quantizer; 2: relu6=1 */
  bool reduce = false, print_pipeline = false, no_fuse = false, emit_onnx = false, remarks = false;
  char keep[1024] = "";
  qcc_input_shape shapes[16];
  char names[16][256];
  int ns = 0;
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { quantize_usage(stdout); return 0; }
    if (!strcmp(a, "-o") && has) out = argv[++i];
    else if (!strcmp(a, "--calib") && has) calib = argv[++i];
    else if (!strcmp(a, "--calib-samples") && has) {
      char *end;
      calib_samples = strtol(argv[++i], &end, 10);
      if (*end || calib_samples < 1) return qcc_cli_errorf(QCC_ERR_USAGE, "--calib-samples needs a positive count, got '%s'", argv[i]);
    } else if (!strcmp(a, "--target") && has) target = argv[++i];
    else if (!strcmp(a, "--quantizer") && has) quantizer = argv[++i];
    else if (!strncmp(a, "--load-plugin", 13) && (a[13] == '=' || (!a[13] && has))) {
      qcc_status_t st = qcc_load_plugin(a[13] ? a + 14 : argv[++i]);
      if (st) return qcc_cli_fail(st);
    }
    else if (!strcmp(a, "--observer") && has) observer = argv[++i];
    else if (!strcmp(a, "--mean") && has) mean = argv[++i];
    else if (!strcmp(a, "--std") && has) std = argv[++i];
    else if (!strcmp(a, "--layout") && has) layout = argv[++i];
    else if (!strcmp(a, "--reduce-range")) reduce = true;
    else if (!strcmp(a, "--bias-correction")) bias_correction = 1;
    else if (!strcmp(a, "--no-bias-correction")) bias_correction = 0;
    else if (!strcmp(a, "--equalize")) equalize = equalize == 2 ? 2 : 1;
    else if (!strcmp(a, "--equalize-relu6")) equalize = 2;
    else if (!strcmp(a, "--no-equalize")) equalize = 0;
    else if (!strcmp(a, "--print-pipeline")) print_pipeline = true;
    else if (!strcmp(a, "--no-fuse")) no_fuse = true;
    else if (!strcmp(a, "--remarks")) remarks = true;
    else if (!strncmp(a, "--emit", 6) && (a[6] == '=' || (!a[6] && has))) {
      const char *e = a[6] ? a + 7 : argv[++i];
      if (strcmp(e, "onnx") && strcmp(e, "mlir")) return qcc_cli_errorf(QCC_ERR_USAGE, "--emit %s: qcc quantize emits mlir (the default) or onnx", e);
      emit_onnx = !strcmp(e, "onnx");
    }
    else if (!strcmp(a, "--keep-float") && has) {
      const char *p = argv[++i];
      if (strpbrk(p, "',{}") || strlen(keep) + strlen(p) + 2 >= sizeof keep)
        return qcc_cli_errorf(QCC_ERR_USAGE, "--keep-float '%s': patterns may not contain quotes, commas or braces", p);
      if (keep[0]) strcat(keep, ",");
      strcat(keep, p);
    } else if (!strcmp(a, "--max-accuracy-drop") && has) max_drop = argv[++i];
    else if (!strcmp(a, "--min-sqnr") && has) min_sqnr = argv[++i];
    else if (!strcmp(a, "--precisions") && has) precisions = argv[++i];
    else if (!strncmp(a, "--int4-method", 13) && (a[13] == '=' || (!a[13] && has))) {
      const char *m = a[13] ? a + 14 : argv[++i];
      if (!qcc_int4_method_parse(m, &int4))
        return qcc_cli_errorf(QCC_ERR_USAGE, "--int4-method '%s': unknown method (" QCC_INT4_METHOD_NAMES ")", m);
    }
    else if (!strcmp(a, "--precision-file") && has) precision_file = argv[++i];
    else if (!strcmp(a, "--report") && has) report_dir = argv[++i];
    else if (!strcmp(a, "--cost-table") && has) cost_table = argv[++i];
    else if (!strcmp(a, "--max-latency") && has) {
      max_latency = argv[++i];
      char *end;
      double v = strtod(max_latency, &end);
      if (end == max_latency || *end || !(v > 0) || !isfinite(v))
        return qcc_cli_errorf(QCC_ERR_USAGE, "--max-latency needs a number of milliseconds > 0 (e.g. 0.5), got '%s'", max_latency);
    } else if (!strcmp(a, "--max-size") && has) {
      max_size = parse_size(argv[++i]);
      if (max_size < 1) return qcc_cli_errorf(QCC_ERR_USAGE, "--max-size needs a byte count (e.g. 300000, 64k, 1.5M), got '%s'", argv[i]);
    } else if (!strcmp(a, "--eval-samples") && has) {
      char *end;
      eval_samples = strtol(argv[++i], &end, 10);
      if (*end || eval_samples < 1) return qcc_cli_errorf(QCC_ERR_USAGE, "--eval-samples needs a positive count, got '%s'", argv[i]);
    } else if (!strcmp(a, "--data") && has) data = argv[++i];
    else if (!strcmp(a, "--labels") && has) labels = argv[++i];
    else if (!strcmp(a, "--input-shape") && has && ns < 16) {
      qcc_status_t st = qcc_parse_input_shape(argv[++i], &shapes[ns], names[ns], sizeof names[ns]);
      if (st) return qcc_cli_fail(st);
      ns++;
    } else if (a[0] == '-') return qcc_cli_errorf(QCC_ERR_USAGE, "unknown or incomplete option '%s' for qcc quantize (see qcc quantize --help)", a);
    else if (!model) model = a;
    else return qcc_cli_errorf(QCC_ERR_USAGE, "unexpected argument '%s'", a);
  }
  bool dynamic = quantizer && !strcmp(quantizer, "dynamic");
  if (!model || (!calib && !dynamic) || !out) { quantize_usage(stderr); return QCC_ERR_USAGE; }
  if (emit_onnx != qcc_cli_ends_with(out, ".onnx"))
    return qcc_cli_errorf(QCC_ERR_USAGE, emit_onnx ? "-o %s: --emit=onnx writes .onnx" : "-o %s: write .onnx with --emit=onnx", out);
  no_fuse |= emit_onnx; /* ONNX gets the QDQ form */
  if (!emit_onnx && !qcc_cli_ends_with(out, ".mlir") && !qcc_cli_ends_with(out, ".mlirbc"))
    return qcc_cli_errorf(QCC_ERR_USAGE, "-o %s: qcc quantize writes .mlir or .mlirbc", out);
  if (!data != !labels) return qcc_cli_errorf(QCC_ERR_USAGE, "--data and --labels go together");
  const char *tq;
  if (!strcmp(target, "native") || !strcmp(target, "generic") || !strcmp(target, "x86-64-v3") ||
      !strcmp(target, "x86-64-v4-vnni") || !strcmp(target, "x86-64-v4-amx"))
    tq = "x86";
  else if (!strcmp(target, "aarch64") || !strcmp(target, "aarch64-dotprod"))
    tq = "arm";
  else
    return qcc_cli_errorf(QCC_ERR_USAGE, "unknown target '%s' (x86-64-v3, x86-64-v4-vnni, x86-64-v4-amx, aarch64, aarch64-dotprod, generic, native)", target);
  if (!quantizer) quantizer = tq;
  if (calib && strpbrk(calib, "'")) return qcc_cli_errorf(QCC_ERR_USAGE, "--calib path may not contain a quote");

  if (equalize < 0) equalize = !strcmp(quantizer, "per-tensor");
  char pipeline[4096];
  int o = snprintf(pipeline, sizeof pipeline, "qcc-fold-conv-bn,%sqcc-fuse-layer-norm,qcc-fuse-gelu,qcc-cse,qcc-annotate{quantizer=%s",
                   equalize == 2 ? "qcc-equalize{relu6=1}," : equalize ? "qcc-equalize," : "", quantizer);
  if (observer) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " observer=%s", observer);
  if (reduce) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " reduce_range=1");
  if (keep[0]) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " keep_float='%s'", keep);
  o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, "},qcc-insert-observers");
  if (calib) { /* the dynamic quantizer has nothing to calibrate */
    o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, ",qcc-calibrate{data='%s'", calib);
    if (calib_samples) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " samples=%ld", calib_samples);
    if (int4 != QCC_INT4_RTN)
      o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " input_rows=%d",
                    int4 == QCC_INT4_AWQ ? QCC_AWQ_INPUT_ROWS : QCC_GPTQ_INPUT_ROWS);
    const char *extra[3][2] = {{"mean", mean}, {"std", std}, {"layout", layout}};
    for (int k = 0; k < 3; ++k) {
      if (!extra[k][1]) continue;
      if (strpbrk(extra[k][1], "' {}")) return qcc_cli_errorf(QCC_ERR_USAGE, "--%s '%s': bad value", extra[k][0], extra[k][1]);
      o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " %s=%s", extra[k][0], extra[k][1]);
    }
    o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, "}");
  }
  const bool budget = max_drop || min_sqnr || max_size || max_latency;
  if (report_dir && !budget && !precision_file)
    return qcc_cli_errorf(QCC_ERR_USAGE, "--report needs a mixed-precision budget (--max-accuracy-drop, --min-sqnr, --max-size, --max-latency) or --precision-file");
  if (cost_table && !budget) return qcc_cli_errorf(QCC_ERR_USAGE, "--cost-table needs a mixed-precision budget (--max-accuracy-drop, --min-sqnr, --max-size, --max-latency)");
  char prec_json[4096] = "";
  if (budget || precision_file) {
    if (!calib) return qcc_cli_errorf(QCC_ERR_USAGE, "mixed precision needs --calib (int8 layers use its activation ranges)");
    if (max_drop && !labels) return qcc_cli_errorf(QCC_ERR_USAGE, "--max-accuracy-drop needs --data DATA.npz --labels KEY");
    const char *strs[] = {max_drop, min_sqnr, precision_file, data, labels, out, cost_table};
    for (int k = 0; k < 7; ++k)
      if (strs[k] && !plain_token(strs[k])) return qcc_cli_errorf(QCC_ERR_USAGE, "'%s': mixed-precision options may not contain quotes, spaces, commas or braces", strs[k]);
    if (precisions && strpbrk(precisions, "' {}")) return qcc_cli_errorf(QCC_ERR_USAGE, "--precisions '%s': names separated by commas", precisions);
    /* OUT's stem + .precision.json */
    size_t stem = strlen(out) - (qcc_cli_ends_with(out, ".mlirbc") ? 7 : qcc_cli_ends_with(out, ".mlir") ? 5 : qcc_cli_ends_with(out, ".onnx") ? 5 : 0);
    if (stem + 16 >= sizeof prec_json) return qcc_cli_errorf(QCC_ERR_USAGE, "-o path too long");
    snprintf(prec_json, sizeof prec_json, "%.*s.precision.json", (int)stem, out);
  }
  char costs[4096] = "";
  if (budget) { /* the cost table: explicit, else the target's shipped one (without it: no times) */
    if (cost_table) snprintf(costs, sizeof costs, "%s", cost_table);
    else {
      qcc_status_t cst = qcc_cost_table_default_path(target, costs, sizeof costs);
      if (cst && max_latency) return qcc_cli_fail(cst);
      if (cst) {
        fprintf(stderr, "qcc: note: no estimated times (%s)\n", qcc_status_message(cst));
        qcc_status_free(cst);
        costs[0] = 0;
      } else if (!plain_token(costs)) {
        return qcc_cli_errorf(QCC_ERR_USAGE, "the cost table's path '%s' has quotes, spaces, commas or braces: give "
                              "--cost-table FILE", costs);
      }
    }
  }
  if (budget) {
    const char *ed = data ? data : calib;
    char common[2048];
    snprintf(common, sizeof common, "data=%s samples=%ld%s%s%s%s%s%s", ed, eval_samples, labels ? " labels=" : "",
             labels ? labels : "", precisions ? " precisions=" : "", precisions ? precisions : "",
             int4 != QCC_INT4_RTN ? " int4_method=" : "", int4 != QCC_INT4_RTN ? qcc_int4_method_name(int4) : "");
    o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, ",qcc-sensitivity{%s%s%s},qcc-select-precision{%s", common,
                  costs[0] ? " cost-table=" : "", costs, common);
    if (max_drop) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " max-accuracy-drop=%s", max_drop);
    if (min_sqnr) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " min-sqnr=%s", min_sqnr);
    if (max_size) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " max-size=%lld", (long long)max_size);
    if (max_latency) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " max-latency=%s", max_latency);
    o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, "}");
  }
  if (budget || precision_file) {
    o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, ",qcc-apply-precision{write=%s", prec_json);
    if (precision_file) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " file=%s", precision_file);
    if (int4 != QCC_INT4_RTN) o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, " int4_method=%s", qcc_int4_method_name(int4));
    o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, "}");
  }
  if (int4 != QCC_INT4_RTN) {
    if (!calib)
      return qcc_cli_errorf(QCC_ERR_USAGE, "--int4-method %s needs --calib (it works on the calibration inputs)",
                            qcc_int4_method_name(int4));
    o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, ",qcc-%s", qcc_int4_method_name(int4));
  }
  o += snprintf(pipeline + o, sizeof pipeline - (size_t)o, ",qcc-convert%s,%sqcc-dce",
                bias_correction < 0 ? "" : bias_correction ? "{bias_correction=1}" : "{bias_correction=0}",
                no_fuse ? "" : remarks ? "qcc-fuse-qdq{remarks=1}," : "qcc-fuse-qdq,");
  if ((size_t)o >= sizeof pipeline) return qcc_cli_errorf(QCC_ERR_USAGE, "options too long");
  if (print_pipeline) printf("pipeline: %s\n", pipeline);

  MlirContext ctx;
  qcc_status_t st = qcc_context_create(NULL, &ctx);
  if (st) return qcc_cli_fail(st);
  MlirModule m = {NULL};
  double t0 = qcc_cli_now_s();
  st = qcc_cli_load_model(ctx, model, shapes, ns, &m);
  int64_t fbytes = st ? 0 : weight_bytes(m);
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  if (!st) st = qcc_pipeline_add(pm, pipeline);
  if (!st) st = qcc_pipeline_run(pm, m);
  mlirPassManagerDestroy(pm);
  if (!st) st = emit_onnx ? qcc_export_onnx(m, out, NULL) : qcc_module_write_file(m, out, NULL);
  double tq_s = qcc_cli_now_s() - t0;
  if (st) {
    if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
    qcc_context_destroy(ctx);
    return qcc_cli_fail(st);
  }
  int64_t qbytes = weight_bytes(m);
  printf("quantized %s -> %s (%s quantizer, %.2f s)\n", model, out, quantizer, tq_s);
  printf("weights: float %.1f KiB, quantized %.1f KiB (%.2fx smaller)\n", fbytes / 1024.0, qbytes / 1024.0,
         qbytes ? (double)fbytes / (double)qbytes : 0.0);
  if (prec_json[0]) printf("precisions: %s\n", prec_json);
  print_estimated_time(m, costs);
  int rc = 0;
  qcc_report_extra extra = {.model = model};
  if (data) {
    MlirModule fm = {NULL};
    double fa = 0, qa = 0, fs = 0, qs = 0;
    int64_t n = 0, rows = 0;
    st = qcc_cli_load_model(ctx, model, shapes, ns, &fm);
    if (!st) st = evaluate(fm, data, labels, 0, 1, METRIC_TOP1, &fa, &n, &rows, &fs);
    if (!st) st = evaluate(m, data, labels, 0, 1, METRIC_TOP1, &qa, &n, &rows, &qs);
    if (!mlirModuleIsNull(fm)) mlirModuleDestroy(fm);
    if (st) rc = qcc_cli_fail(st);
    else
      printf("top-1 on %lld samples: float %.4f, %s %.4f (%+.2f points)\n", (long long)n, fa,
             prec_json[0] ? "mixed" : "int8", qa, (qa - fa) * 100.0);
    if (!st) extra.has_accuracy = extra.has_float_accuracy = true, extra.accuracy = qa, extra.float_accuracy = fa,
             extra.accuracy_samples = n;
  }
  if (!rc && report_dir) {
    st = qcc_report_write(report_dir, prec_json, &extra);
    if (st) rc = qcc_cli_fail(st);
    else printf("report: %s/report.html, %s/report.json\n", report_dir, report_dir);
  }
  mlirModuleDestroy(m);
  qcc_context_destroy(ctx);
  return rc;
}
