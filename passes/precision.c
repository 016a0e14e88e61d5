/* Per-layer precision: layers, precisions, applying a choice, measuring it.
 * Contracts in precision.h. */
#include "precision.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/Pass.h"
#include "pass_util.h"
#include "passes.h"
#include "pipeline.h"
#include "qcc.h"
#include "quantizer.h"

static const char *const kNames[QCC_PREC_COUNT] = {"fp32",        "fp16",        "int8-wo",      "int8",
                                                   "int4-wo-g32", "int4-wo-g64", "int4-wo-g128", "int8-dyn"};
static const int kRank[QCC_PREC_COUNT] = {0, 1, 2, 4, 7, 6, 5, 3};

int qcc_precision_rank(qcc_precision p) { return p >= 0 && p < QCC_PREC_COUNT ? kRank[p] : QCC_PREC_COUNT; }

const char *qcc_precision_name(qcc_precision p) { return p >= 0 && p < QCC_PREC_COUNT ? kNames[p] : "?"; }

static const char *const int4_methods[] = {"rtn", "awq", "gptq"};

bool qcc_int4_method_parse(const char *s, qcc_int4_method *out) {
  for (int i = 0; i < 3; ++i)
    if (!strcmp(s, int4_methods[i])) return *out = (qcc_int4_method)i, true;
  return false;
}

const char *qcc_int4_method_name(qcc_int4_method m) { return int4_methods[m]; }

bool qcc_precision_parse(const char *s, size_t n, qcc_precision *out) {
  for (int p = 0; p < QCC_PREC_COUNT; ++p)
    if (strlen(kNames[p]) == n && !memcmp(kNames[p], s, n)) {
      *out = (qcc_precision)p;
      return true;
    }
  return false;
}

qcc_status_t qcc_parse_precision_list(const char *pass, const char *text, bool allowed[QCC_PREC_COUNT]) {
  for (int p = 0; p < QCC_PREC_COUNT; ++p) allowed[p] = false;
  allowed[QCC_PREC_FP32] = true;
  const char *s = text;
  while (*s) {
    const char *e = strchr(s, ',');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    qcc_precision p;
    if (!qcc_precision_parse(s, len, &p))
      return qcc_status_make(QCC_ERR_USAGE,
                             "%s: unknown precision '%.*s' (" QCC_PRECISION_NAMES ")", pass, (int)len, s);
    allowed[p] = true;
    s += len + (e ? 1 : 0);
  }
  return NULL;
}

const char *qcc_printable(const char *s, char *buf, size_t n) {
  size_t i = 0;
  for (; s[i] && i + 1 < n; ++i) buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  buf[i] = 0;
  return buf;
}

static int group_of(qcc_precision p) {
  return p == QCC_PREC_INT4_G32 ? 32 : p == QCC_PREC_INT4_G64 ? 64 : p == QCC_PREC_INT4_G128 ? 128 : 0;
}

/* ------------------------------------------------------------------ layers */

static bool is_layer_kind(MlirOperation op) {
  return qcc_op_is(op, QCC_OP_conv2d) || qcc_op_is(op, QCC_OP_conv_transpose) || qcc_op_is(op, QCC_OP_gemm) ||
         qcc_op_is(op, QCC_OP_matmul);
}

static MlirOperation observer_of(MlirValue v) {
  if (!mlirValueIsAOpResult(v)) return (MlirOperation){NULL};
  MlirOperation d = mlirOpResultGetOwner(v);
  return qcc_op_is(d, QCC_OP_observe) ? d : (MlirOperation){NULL};
}

/* The layer's weight observer: operand 1 observed, on a constant. */
static MlirOperation weight_observer(MlirOperation op) {
  if (!is_layer_kind(op) || mlirOperationGetNumOperands(op) < 2) return (MlirOperation){NULL};
  MlirOperation o = observer_of(mlirOperationGetOperand(op, 1));
  if (mlirOperationIsNull(o) || mlirOperationIsNull(qcc_defining_constant(mlirOperationGetOperand(o, 0))))
    return (MlirOperation){NULL};
  return o;
}

static bool keep_layer(MlirOperation op) { return !mlirOperationIsNull(weight_observer(op)); }

/* dyn_ok, depthwise and macs of y (its weight has dims wd[0..wr)). MACs:
 * every output element of a conv2d, gemm or matmul takes weights/out_channels
 * of them (for conv_transpose every input element does, weights/in_channels). */
static void layer_shape(qcc_layer *y, int wr, const int64_t *wd) {
  MlirOperation op = y->op;
  int64_t od[8], xd[8];
  int orank = qcc_value_dims(mlirOperationGetResult(op, 0), od);
  int xrank = qcc_value_dims(mlirOperationGetOperand(op, 0), xd);
  const bool conv = qcc_op_is(op, QCC_OP_conv2d), convt = qcc_op_is(op, QCC_OP_conv_transpose);
  const int64_t *dims = convt ? xd : od;
  int rank = convt ? xrank : orank;
  int64_t per = rank > 0 ? dims[(conv || convt) ? (rank > 1 ? 1 : 0) : rank - 1] : 0;
  int64_t numel = 1;
  for (int k = 0; k < rank; ++k) numel *= dims[k] > 0 ? dims[k] : 1; /* a dynamic dimension counts 1 */
  y->macs = per > 0 ? numel / per * y->n_weights : 0;
  y->depthwise = conv && wr == 4 && wd[1] == 1 && xrank == 4 && qcc_get_i64(op, QCC_ATTR_group) == xd[1] &&
                 xd[1] == wd[0] && xd[1] > 1;
  if (qcc_op_is(op, QCC_OP_gemm))
    y->dyn_ok = wr == 2 && !qcc_get_i64(op, QCC_ATTR_trans_a) && qcc_get_f32(op, QCC_ATTR_alpha) == 1.0f &&
                (mlirOperationGetNumOperands(op) < 3 || (qcc_get_f32(op, QCC_ATTR_beta) == 1.0f && y->bias_elems > 0));
  else
    y->dyn_ok = qcc_op_is(op, QCC_OP_matmul) && wr == 2;
}

qcc_layer *qcc_layers_collect(MlirOperation root, int *n) {
  size_t cnt = 0;
  MlirOperation *ops = qcc_collect_ops(root, keep_layer, &cnt);
  qcc_layer *l = calloc(cnt + 1, sizeof *l);
  for (size_t i = 0; i < cnt && l; ++i) {
    qcc_layer *y = &l[i];
    y->op = ops[i];
    y->wobs = weight_observer(ops[i]);
    MlirStringRef nm = mlirIdentifierStr(mlirOperationGetName(ops[i]));
    y->kind = qcc_op_is(ops[i], QCC_OP_conv2d) ? "conv2d"
              : qcc_op_is(ops[i], QCC_OP_conv_transpose) ? "conv_transpose"
              : qcc_op_is(ops[i], QCC_OP_gemm) ? "gemm" : "matmul";
    MlirStringRef node = qcc_op_node_name(ops[i]);
    if (node.length) snprintf(y->name, sizeof y->name, "%.*s", (int)node.length, node.data);
    else snprintf(y->name, sizeof y->name, "%s#%zu", y->kind, i);
    (void)nm;
    int64_t d[8];
    int r = qcc_value_dims(mlirOperationGetOperand(y->wobs, 0), d);
    y->n_weights = 1;
    for (int k = 0; k < r; ++k) y->n_weights *= d[k];
    MlirStringRef sp = qcc_get_str(y->wobs, QCC_ATTR_spec);
    qcc_quant_spec q;
    qcc_status_t st = qcc_qspec_parse(sp.data, sp.length, &q);
    if (st) qcc_status_free(st), q.axis = -1;
    y->channels = q.axis >= 0 && q.axis < r ? d[q.axis] : 1;
    if (r == 2 && q.axis == 0) y->rows = d[0], y->cols = d[1];
    if (r == 2 && q.axis == 1) y->rows = d[1], y->cols = d[0], y->kn = true; /* matmul / gemm trans_b=0: [K][N] */
    if (mlirOperationGetNumOperands(ops[i]) > 2) {
      int64_t bd[8];
      int br = qcc_value_dims(mlirOperationGetOperand(ops[i], 2), bd);
      y->bias_elems = br == 1 ? bd[0] : 0;
    }
    y->has_int8 = !mlirOperationIsNull(observer_of(mlirOperationGetOperand(ops[i], 0)));
    layer_shape(y, r, d);
  }
  free(ops);
  *n = (int)cnt;
  return l;
}

bool qcc_precision_allowed(const qcc_layer *l, qcc_precision p) {
  int g = group_of(p);
  if (g) return l->rows > 0 && l->cols % g == 0;
  if (p == QCC_PREC_INT8) return l->has_int8;
  if (p == QCC_PREC_INT8_DYN) return l->dyn_ok;
  return p >= 0 && p < QCC_PREC_COUNT;
}

int64_t qcc_precision_bytes(const qcc_layer *l, qcc_precision p) {
  const int64_t w = l->n_weights, bias = 4 * l->bias_elems;
  int g = group_of(p);
  switch (p) {
    case QCC_PREC_FP32: return 4 * w + bias;
    case QCC_PREC_FP16: return 2 * w + bias;
    case QCC_PREC_INT8:
    case QCC_PREC_INT8_DYN:
    case QCC_PREC_INT8_WO: return w + 4 * l->channels + bias;
    default: return (w + 1) / 2 + 5 * (w / (g ? g : 1)) + bias;
  }
}

/* ------------------------------------------------------------------- apply */

static void drop_observer(MlirOperation obs) {
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(obs, 0), mlirOperationGetOperand(obs, 0));
  mlirOperationDestroy(obs);
}

static void set_spec(MlirOperation obs, const char *spec, const char *observer) {
  MlirContext ctx = mlirOperationGetContext(obs);
  mlirOperationSetAttributeByName(obs, mlirStringRefCreateFromCString("spec"),
                                  mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(spec)));
  mlirOperationSetAttributeByName(obs, mlirStringRefCreateFromCString("observer"),
                                  mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(observer)));
}

/* The op producing v, looking through Relu/Clip (activations an int8
 * producer applies as its output clamp). */
static MlirOperation producer_of(MlirValue v) {
  while (mlirValueIsAOpResult(v)) {
    MlirOperation d = mlirOpResultGetOwner(v);
    if (!qcc_is_fusable_activation(d)) return d;
    v = mlirOperationGetOperand(d, 0);
  }
  return (MlirOperation){NULL};
}

static bool is_observe(MlirOperation op) { return qcc_op_is(op, QCC_OP_observe); }

typedef struct {
  MlirOperation *ops;
  int n;
  const qcc_precision *prec;
} layer_map;

static int layer_index(const layer_map *m, MlirOperation op) {
  for (int i = 0; i < m->n; ++i)
    if (mlirOperationEqual(m->ops[i], op)) return i;
  return -1;
}

qcc_status_t qcc_precision_apply(MlirOperation root, const qcc_precision *prec, int n) {
  int nl = 0;
  qcc_layer *layers = qcc_layers_collect(root, &nl);
  if (!layers) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  if (nl != n) {
    free(layers);
    return qcc_status_make(QCC_ERR_USAGE, "precision choice for %d layers, the module has %d", n, nl);
  }
  for (int i = 0; i < n; ++i)
    if (!qcc_precision_allowed(&layers[i], prec[i])) {
      qcc_status_t st = qcc_status_make(QCC_ERR_USAGE, "layer '%s' (%s) cannot be %s", layers[i].name,
                                        layers[i].kind, qcc_precision_name(prec[i]));
      free(layers);
      return st;
    }
  layer_map m = {calloc((size_t)n + 1, sizeof(MlirOperation)), n, prec};
  for (int i = 0; i < n; ++i) m.ops[i] = layers[i].op;
  /* Weights. */
  for (int i = 0; i < n; ++i) {
    char spec[96];
    int g = group_of(prec[i]);
    switch (prec[i]) {
      case QCC_PREC_FP32: drop_observer(layers[i].wobs); break;
      case QCC_PREC_FP16: set_spec(layers[i].wobs, "f16", "f16"); break;
      case QCC_PREC_INT8:
      case QCC_PREC_INT8_WO: break; /* the quantizer's own weight spec */
      case QCC_PREC_INT8_DYN: {     /* the same weights; the input quantized per row at run time */
        qcc_op_annotation ann;
        if (qcc_get_annotation(layers[i].op, &ann) && ann.n_in > 0) {
          ann.in[0].kind = QCC_QSPEC_QUANT;
          qcc_qspec_set_type(&ann.in[0], 8, false);
          snprintf(ann.in[0].observer, sizeof ann.in[0].observer, "dynamic");
          for (int k = 2; k < ann.n_in; ++k) ann.in[k].kind = QCC_QSPEC_FLOAT; /* the bias stays float */
          ann.out.kind = QCC_QSPEC_FLOAT;
          qcc_set_annotation(layers[i].op, &ann);
        }
        break;
      }
      default:
        snprintf(spec, sizeof spec, "u4 affine axis=%d group=%d", layers[i].kn ? 1 : 0, g);
        set_spec(layers[i].wobs, spec, "minmax");
        break;
    }
  }
  /* Activations and the remaining constants, in program order: keep an
   * observer on the input or output of an int8 layer, or on the output of a
   * non-layer op whose observed inputs are all kept. */
  size_t no = 0;
  MlirOperation *obs = qcc_collect_ops(root, is_observe, &no);
  bool *kept = calloc(no + 1, sizeof *kept);
  for (size_t i = 0; i < no; ++i) {
    MlirValue x = mlirOperationGetOperand(obs[i], 0);
    bool constant = !mlirOperationIsNull(qcc_defining_constant(x));
    MlirStringRef ob = qcc_get_str(obs[i], QCC_ATTR_observer);
    bool keep = false;
    /* users of the observed value */
    for (MlirOpOperand u = mlirValueGetFirstUse(mlirOperationGetResult(obs[i], 0)); !mlirOpOperandIsNull(u);
         u = mlirOpOperandGetNextUse(u)) {
      MlirOperation user = mlirOpOperandGetOwner(u);
      int li = layer_index(&m, user);
      if (li >= 0) {
        unsigned k = mlirOpOperandGetOperandNumber(u);
        /* weights were decided above; bias follows its layer (qcc-convert
         * drops it when the input or weight is float) */
        if (k == 1 || (qcc_str_eq(ob, "bias") && prec[li] != QCC_PREC_INT8_DYN)) keep = true;
        else keep |= prec[li] == QCC_PREC_INT8;
      } else if (constant) {
        /* a constant operand of a non-layer op: quantized with that op's other inputs */
        for (intptr_t j = 0; j < mlirOperationGetNumOperands(user); ++j) {
          MlirOperation o2 = observer_of(mlirOperationGetOperand(user, j));
          for (size_t t = 0; t < i && !mlirOperationIsNull(o2); ++t)
            if (mlirOperationEqual(obs[t], o2) && kept[t]) keep = true;
        }
      }
    }
    if (!constant && !keep) {
      MlirOperation p = producer_of(x);
      int li = mlirOperationIsNull(p) ? -1 : layer_index(&m, p);
      if (li >= 0) {
        keep = prec[li] == QCC_PREC_INT8;
      } else if (!mlirOperationIsNull(p) && !qcc_op_is(p, QCC_OP_constant)) {
        /* a non-layer producer: all its non-constant inputs observed and kept */
        bool all = mlirOperationGetNumOperands(p) > 0;
        for (intptr_t j = 0; j < mlirOperationGetNumOperands(p) && all; ++j) {
          MlirValue in = mlirOperationGetOperand(p, j);
          MlirOperation o2 = observer_of(in);
          if (mlirOperationIsNull(o2)) {
            all = false;
            break;
          }
          if (!mlirOperationIsNull(qcc_defining_constant(mlirOperationGetOperand(o2, 0)))) continue;
          bool found = false;
          for (size_t t = 0; t < i; ++t)
            if (mlirOperationEqual(obs[t], o2)) found = kept[t];
          all = found;
        }
        keep = all;
      }
    }
    kept[i] = keep;
  }
  /* Weight observers of fp32 layers are gone already (not in obs). */
  for (size_t i = 0; i < no; ++i)
    if (!kept[i]) drop_observer(obs[i]);
  free(kept);
  free(obs);
  free(m.ops);
  free(layers);
  return NULL;
}

/* -------------------------------------------------------------- evaluation */

struct qcc_eval_set {
  int nin, nout;
  int64_t n_batches, batch;
  qcc_npy_tensor_t *inputs; /* [n_batches][nin], owned copies */
  float *ref;               /* output 0 of every batch, concatenated */
  int64_t out_numel;        /* per batch */
  int64_t rows, classes;    /* output 0 as [rows][classes] per batch */
  int64_t *labels;          /* [n_batches * batch] or NULL */
  double float_accuracy;
  qcc_int4_method int4;     /* qcc_eval_config's */
};

static qcc_status_t copy_tensor(const qcc_npy_tensor_t *t, qcc_npy_tensor_t *out) {
  *out = *t;
  out->data = malloc(t->nbytes ? t->nbytes : 1);
  if (!out->data) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  memcpy(out->data, t->data, t->nbytes);
  return NULL;
}

static int64_t argmax_row(const float *r, int64_t n) {
  int64_t b = 0;
  for (int64_t i = 1; i < n; ++i)
    if (r[i] > r[b]) b = i;
  return b;
}

void qcc_eval_set_destroy(qcc_eval_set *s) {
  if (!s) return;
  for (int64_t i = 0; s->inputs && i < s->n_batches * s->nin; ++i) qcc_npy_tensor_free(&s->inputs[i]);
  free(s->inputs);
  free(s->ref);
  free(s->labels);
  free(s);
}

int64_t qcc_eval_set_samples(const qcc_eval_set *s) { return s->n_batches * s->batch; }
bool qcc_eval_set_has_labels(const qcc_eval_set *s) { return s->labels != NULL; }
double qcc_eval_set_float_accuracy(const qcc_eval_set *s) { return s->labels ? s->float_accuracy : -1; }

/* Runs ex on every batch of s; out gets output 0 of all batches (n_batches x out_numel floats). */
static qcc_status_t run_all(qcc_executor *ex, const qcc_eval_set *s, float *out) {
  qcc_npy_tensor_t *outs = calloc((size_t)s->nout + 1, sizeof *outs);
  if (!outs) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  qcc_status_t st = NULL;
  for (int64_t b = 0; b < s->n_batches && !st; ++b) {
    st = qcc_executor_run(ex, &s->inputs[b * s->nin], outs);
    if (!st) {
      if (outs[0].dtype != QCC_NPY_F32 || (int64_t)(outs[0].nbytes / 4) != s->out_numel)
        st = qcc_status_make(QCC_ERR_UNSUPPORTED, "the model's first output must be float32 to compare precisions");
      else
        memcpy(out + b * s->out_numel, outs[0].data, outs[0].nbytes);
    }
    for (int i = 0; i < s->nout; ++i) qcc_npy_tensor_free(&outs[i]);
  }
  free(outs);
  return st;
}

static double accuracy_of(const qcc_eval_set *s, const float *out) {
  int64_t ok = 0, total = 0;
  for (int64_t b = 0; b < s->n_batches; ++b)
    for (int64_t r = 0; r < s->rows; ++r) {
      const float *row = out + b * s->out_numel + r * s->classes;
      ok += argmax_row(row, s->classes) == s->labels[b * s->batch + r];
      total++;
    }
  return total ? (double)ok / (double)total : 0;
}

qcc_status_t qcc_eval_set_create(MlirOperation root, const qcc_eval_config *cfg, qcc_eval_set **out) {
  *out = NULL;
  qcc_eval_set *s = calloc(1, sizeof *s);
  if (!s) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  s->int4 = cfg->int4;
  qcc_executor *ex = NULL;
  qcc_dataset *ds = NULL;
  MlirModule m = mlirModuleFromOperation(root);
  qcc_status_t st = qcc_executor_create(m, NULL, &ex);
  if (!st) st = qcc_dataset_open(cfg->data, ex, &cfg->dopts, &ds);
  if (!st) {
    s->nin = qcc_executor_num_inputs(ex);
    s->nout = qcc_executor_num_outputs(ex);
    s->batch = qcc_dataset_batch_size(ds);
    s->n_batches = qcc_dataset_num_batches(ds);
    if (cfg->samples > 0 && cfg->samples / s->batch < s->n_batches)
      s->n_batches = cfg->samples / s->batch > 0 ? cfg->samples / s->batch : 1;
    if (s->n_batches < 1) st = qcc_status_make(QCC_ERR_INVALID, "%s: no samples to evaluate on", cfg->data);
  }
  if (!st) {
    qcc_npy_tensor_t spec;
    qcc_executor_output_spec(ex, 0, &spec);
    s->out_numel = (int64_t)(spec.nbytes / 4);
    s->classes = spec.rank ? spec.shape[spec.rank - 1] : 1;
    s->rows = s->classes ? s->out_numel / s->classes : 0;
    s->inputs = calloc((size_t)(s->n_batches * s->nin) + 1, sizeof *s->inputs);
    s->ref = malloc((size_t)(s->n_batches * s->out_numel) * sizeof(float) + 1);
    if (!s->inputs || !s->ref) st = qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  }
  qcc_npy_tensor_t *batch = s->nin ? calloc((size_t)s->nin, sizeof *batch) : NULL;
  for (int64_t b = 0; !st && b < s->n_batches; ++b) {
    st = qcc_dataset_batch(ds, b, batch);
    for (int i = 0; !st && i < s->nin; ++i) st = copy_tensor(&batch[i], &s->inputs[b * s->nin + i]);
  }
  free(batch);
  if (!st) st = run_all(ex, s, s->ref);
  if (!st && cfg->labels) {
    int64_t nl = 0;
    st = qcc_dataset_labels(cfg->data, cfg->labels, &s->labels, &nl);
    if (!st && s->rows != s->batch)
      st = qcc_status_make(QCC_ERR_USAGE, "labels need a first output of one row per sample ([batch, classes])");
    if (!st && nl < s->n_batches * s->batch)
      st = qcc_status_make(QCC_ERR_INVALID, "%s: '%s' has %lld labels for %lld samples", cfg->data, cfg->labels,
                           (long long)nl, (long long)(s->n_batches * s->batch));
    if (!st) s->float_accuracy = accuracy_of(s, s->ref);
  }
  qcc_dataset_close(ds);
  qcc_executor_destroy(ex);
  if (st) {
    qcc_eval_set_destroy(s);
    return st;
  }
  *out = s;
  return NULL;
}

/* qcc-fuse-qdq on root (int8-dyn exists only fused: qgemm_dynamic). */
static qcc_status_t fuse_module(MlirOperation root) {
  MlirContext ctx = mlirOperationGetContext(root);
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  qcc_status_t st = qcc_pipeline_add(pm, "qcc-fuse-qdq");
  if (!st) st = qcc_pipeline_run(pm, mlirModuleFromOperation(root));
  mlirPassManagerDestroy(pm);
  return st;
}

qcc_status_t qcc_eval_precisions(MlirOperation root, const qcc_precision *prec, int n, qcc_eval_set *set,
                                 qcc_eval_metrics *out) {
  MlirOperation clone = mlirOperationClone(root);
  qcc_status_t st = qcc_precision_apply(clone, prec, n);
  if (!st && set->int4 == QCC_INT4_AWQ) st = qcc_awq_apply(clone, 0, true);
  if (!st && set->int4 == QCC_INT4_GPTQ) st = qcc_gptq_apply(clone, 0);
  if (!st && !qcc_convert_observers(clone)) {
    st = qcc_pass_take_report();
    if (!st) st = qcc_status_make(QCC_ERR_INVALID, "converting the mixed-precision module failed");
  }
  bool dyn = false;
  for (int i = 0; i < n; ++i) dyn |= prec[i] == QCC_PREC_INT8_DYN;
  if (!st && dyn) st = fuse_module(clone);
  qcc_executor *ex = NULL;
  if (!st) st = qcc_executor_create(mlirModuleFromOperation(clone), NULL, &ex);
  float *y = NULL;
  if (!st) {
    y = malloc((size_t)(set->n_batches * set->out_numel) * sizeof *y + 1);
    st = y ? run_all(ex, set, y) : qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  }
  if (!st) {
    double sig = 0, noise = 0;
    int64_t agree = 0, rows = 0;
    const int64_t total = set->n_batches * set->out_numel;
    for (int64_t i = 0; i < total; ++i) {
      double r = set->ref[i], d = r - (double)y[i];
      sig += r * r;
      noise += d * d;
    }
    for (int64_t b = 0; b < set->n_batches; ++b)
      for (int64_t r = 0; r < set->rows; ++r, ++rows) {
        const float *a = set->ref + b * set->out_numel + r * set->classes, *q = y + b * set->out_numel + r * set->classes;
        agree += argmax_row(a, set->classes) == argmax_row(q, set->classes);
      }
    out->sqnr_db = noise > 0 ? (sig > 0 ? 10.0 * log10(sig / noise) : -200.0) : 200.0;
    if (out->sqnr_db > 200.0) out->sqnr_db = 200.0;
    if (!isfinite(out->sqnr_db)) out->sqnr_db = -200.0; /* NaN outputs */
    out->top1_agree = rows ? (double)agree / (double)rows : 1.0;
    out->accuracy = set->labels ? accuracy_of(set, y) : -1;
  }
  free(y);
  qcc_executor_destroy(ex);
  mlirOperationDestroy(clone);
  return st;
}

/* ----------------------------------------------------------------- options */

void qcc_eval_options_init(qcc_eval_options *o) {
  memset(o, 0, sizeof *o);
  qcc_dataset_options_init(&o->dopts);
}

qcc_status_t qcc_eval_option(const char *pass, const char *key, const char *value, qcc_eval_options *o, bool *handled) {
  *handled = true;
  if (!strcmp(key, "mean") || !strcmp(key, "std")) {
    qcc_status_t st = qcc_dataset_parse_floats(key, value, key[0] == 'm' ? o->dopts.mean : o->dopts.std);
    if (!st && key[0] == 's')
      for (int k = 0; k < 3 && !st; ++k)
        if (!(o->dopts.std[k] != 0.0f)) st = qcc_status_make(QCC_ERR_USAGE, "%s: std must not be 0", pass);
    return st;
  }
  if (!strcmp(key, "layout")) {
    if (strcmp(value, "nchw") && strcmp(value, "nhwc"))
      return qcc_status_make(QCC_ERR_USAGE, "%s: layout is nchw or nhwc, got '%s'", pass, value);
    o->dopts.nhwc = value[1] == 'h';
    return NULL;
  }
  if (!strcmp(key, "data") || !strcmp(key, "labels")) {
    char *dst = key[0] == 'd' ? o->data : o->labels;
    size_t cap = key[0] == 'd' ? sizeof o->data : sizeof o->labels;
    if (strlen(value) >= cap)
      return qcc_status_make(QCC_ERR_USAGE, "%s: %s too long", pass, key[0] == 'd' ? "data path" : "labels key");
    snprintf(dst, cap, "%s", value);
    return NULL;
  }
  if (!strcmp(key, "int4_method")) {
    if (!qcc_int4_method_parse(value, &o->int4))
      return qcc_status_make(QCC_ERR_USAGE, "%s: unknown int4_method '%s' (" QCC_INT4_METHOD_NAMES ")", pass, value);
    return NULL;
  }
  if (!strcmp(key, "samples")) {
    char *end;
    o->samples = strtol(value, &end, 10);
    if (*end || o->samples < 1)
      return qcc_status_make(QCC_ERR_USAGE, "%s: samples must be a positive count, got '%s'", pass, value);
    return NULL;
  }
  *handled = false;
  return NULL;
}

qcc_eval_config qcc_eval_options_config(const qcc_eval_options *o) {
  qcc_eval_config c = {o->data, o->samples, o->labels[0] ? o->labels : NULL, o->dopts, o->int4};
  return c;
}

bool qcc_layer_time(MlirOperation op, qcc_precision p, double *ms) {
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("qcc.time_ms"));
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d)) return false;
  MlirAttribute v = mlirDictionaryAttrGetElementByName(d, mlirStringRefCreateFromCString(qcc_precision_name(p)));
  if (mlirAttributeIsNull(v) || !mlirAttributeIsAFloat(v)) return false;
  *ms = mlirFloatAttrGetValueDouble(v);
  return true;
}

bool qcc_layer_sensitivity(MlirOperation op, qcc_precision p, qcc_eval_metrics *out) {
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("qcc.sensitivity"));
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d)) return false;
  MlirAttribute v = mlirDictionaryAttrGetElementByName(d, mlirStringRefCreateFromCString(qcc_precision_name(p)));
  if (mlirAttributeIsNull(v) || !mlirAttributeIsADenseF64Array(v) || mlirDenseArrayGetNumElements(v) != 3) return false;
  out->sqnr_db = mlirDenseF64ArrayGetElement(v, 0);
  out->top1_agree = mlirDenseF64ArrayGetElement(v, 1);
  out->accuracy = mlirDenseF64ArrayGetElement(v, 2);
  return true;
}
