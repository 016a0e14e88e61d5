/* qcc-calibrate{data=PATH samples=N}: run the observed graph on calibration
 * data with the executor and store each activation observer's parameters on
 * its qcc.observe op (qcc.scale, qcc.zero_point), for qcc-convert.
 *
 * Data (compiler/dataset.h): a .npz with one array per model input (under the
 * input's name), or a .npy for a single-input model; axis 0 counts samples,
 * fed in batches of the model's batch size. Observers update per
 * batch: memory is bins x observed tensors, whatever the number of samples.
 * Deterministic: same data, same order, same parameters. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dataset.h"
#include "executor.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/Diagnostics.h"
#include "npy.h"
#include "observers.h"
#include "pass_util.h"
#include "passes.h"
#include "qcc_dialect.h"
#include "precision.h"
#include "quantizer.h"

/* data=, samples= (0: all), mean=, std=, layout=: the options the precision
 * passes share (precision.h); labels= is theirs only. input_rows=N: keep N
 * input rows of each gemm/matmul layer for qcc-awq and qcc-gptq (0: none). */
typedef struct {
  qcc_eval_options e;
  long input_rows;
} calib_cfg;

/* At most this many rows kept per layer input (input_rows=), and values
 * (rows x channels) per layer. */
#define MAX_INPUT_ROWS 4096
#define MAX_ROW_VALUES ((int64_t)1 << 24)

typedef struct {
  MlirOperation op;
  int64_t id;
  qcc_quant_spec spec;
  qcc_observer *obs;
  char name[128]; /* for messages: the ONNX node name */
  /* Per-channel mean of the observed tensor when it is the input (operand 0)
   * of a conv2d/gemm/matmul with constant weights (for qcc-convert's bias
   * correction): sums over samples and positions, one double per channel. */
  int mean_axis;    /* -1: not collected */
  int64_t mean_n;   /* channels */
  double *mean_sum;
  double mean_count; /* values summed per channel */
  /* input_rows=N, when the channel axis is the last one (gemm, matmul): the
   * sum of |x| per channel and a uniform sample of N rows (reservoir sampling
   * with a fixed seed, so deterministic), for qcc-awq and qcc-gptq. */
  int64_t rows_cap;  /* 0: not collected */
  int64_t rows_kept;
  double rows_seen;
  double *abs_sum;
  float *rows;       /* [rows_cap][mean_n] */
  uint64_t rng;
} slot;

typedef struct {
  slot *v;
  size_t n, cap;
  int64_t batch; /* current batch index, for messages */
  long input_rows; /* input_rows= */
} cstate;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static slot *find(cstate *c, int64_t id) {
  for (size_t i = 0; i < c->n; ++i)
    if (c->v[i].id == id) return &c->v[i];
  return NULL;
}

/* Add one batch to the slot's per-channel sums (channel axis s->mean_axis). */
static void accumulate_mean(slot *s, const qcc_npy_tensor_t *t) {
  if (s->mean_axis < 0 || s->mean_axis >= t->rank) return;
  int64_t ch = t->shape[s->mean_axis], inner = 1, outer = 1;
  for (int i = s->mean_axis + 1; i < t->rank; ++i) inner *= t->shape[i];
  for (int i = 0; i < s->mean_axis; ++i) outer *= t->shape[i];
  if (ch < 1 || (s->mean_sum && ch != s->mean_n)) return;
  if (!s->mean_sum) {
    s->mean_sum = calloc((size_t)ch, sizeof *s->mean_sum);
    if (!s->mean_sum) return;
    s->mean_n = ch;
  }
  const float *x = t->data;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < ch; ++c) {
      const float *p = x + (o * ch + c) * inner;
      double acc = 0;
      for (int64_t i = 0; i < inner; ++i) acc += p[i];
      s->mean_sum[c] += acc;
    }
  s->mean_count += (double)(outer * inner);
}

/* Add one batch's rows (the channel axis is the last) to the |x| sums and the
 * row sample. */
static void accumulate_rows(slot *s, const qcc_npy_tensor_t *t) {
  if (s->rows_cap <= 0 || s->mean_axis != t->rank - 1 || !s->mean_sum || t->shape[s->mean_axis] != s->mean_n) return;
  const int64_t k = s->mean_n, nrows = qcc_npy_tensor_numel(t) / (k ? k : 1);
  if (!s->abs_sum) {
    s->abs_sum = calloc((size_t)k, sizeof *s->abs_sum);
    s->rows = malloc((size_t)(s->rows_cap * k) * sizeof *s->rows);
    s->rng = 0x9e3779b97f4a7c15ull;
    if (!s->abs_sum || !s->rows) {
      free(s->abs_sum), free(s->rows);
      s->abs_sum = NULL, s->rows = NULL, s->rows_cap = 0;
      return;
    }
  }
  const float *x = t->data;
  for (int64_t r = 0; r < nrows; ++r) {
    const float *row = x + r * k;
    for (int64_t i = 0; i < k; ++i) s->abs_sum[i] += fabs((double)row[i]);
    int64_t slot_i = -1;
    if (s->rows_kept < s->rows_cap) {
      slot_i = s->rows_kept++;
    } else { /* keep row number `seen` with probability cap / (seen + 1) */
      s->rng = s->rng * 6364136223846793005ull + 1442695040888963407ull;
      uint64_t j = (s->rng >> 11) % (uint64_t)(s->rows_seen + 1);
      if (j < (uint64_t)s->rows_cap) slot_i = (int64_t)j;
    }
    if (slot_i >= 0) memcpy(s->rows + slot_i * k, row, (size_t)k * sizeof *row);
    s->rows_seen += 1;
  }
}

static qcc_status_t on_observe(void *ud, int64_t id, const qcc_npy_tensor_t *t) {
  cstate *c = ud;
  slot *s = find(c, id);
  if (!s || t->dtype != QCC_NPY_F32) return NULL;
  accumulate_mean(s, t);
  accumulate_rows(s, t);
  if (!s->obs) return NULL;
  qcc_status_t st = qcc_observer_update(s->obs, t->data, t->shape, t->rank);
  if (st && s->name[0]) return qcc_status_annotate(st, "calibration batch %lld, tensor observed at '%s'", (long long)c->batch, s->name);
  if (st) return qcc_status_annotate(st, "calibration batch %lld", (long long)c->batch);
  return NULL;
}

static qcc_observer_kind kind_of(const char *o, bool *ok) {
  *ok = true;
  if (!strcmp(o, "minmax")) return QCC_OBSERVER_MINMAX;
  if (!strcmp(o, "moving_avg")) return QCC_OBSERVER_MOVING_AVG_MINMAX;
  if (!strcmp(o, "histogram")) return QCC_OBSERVER_HISTOGRAM;
  if (!strcmp(o, "percentile")) return QCC_OBSERVER_PERCENTILE;
  if (!strcmp(o, "entropy")) return QCC_OBSERVER_ENTROPY;
  *ok = false;
  return QCC_OBSERVER_MINMAX;
}

static bool weight_is_constant(MlirValue w) {
  if (!mlirValueIsAOpResult(w)) return false;
  MlirOperation d = mlirOpResultGetOwner(w);
  if (qcc_op_is(d, QCC_OP_observe)) {
    w = mlirOperationGetOperand(d, 0);
    if (!mlirValueIsAOpResult(w)) return false;
    d = mlirOpResultGetOwner(w);
  }
  return qcc_op_is(d, QCC_OP_constant);
}

/* The channel axis of an observed value's first use as operand 0 of a layer
 * with constant weights: conv2d (NCHW) 1, gemm the K axis of a, matmul the
 * last axis; -1 when it feeds no such layer. */
static int layer_input_axis(MlirOperation obs) {
  MlirValue y = mlirOperationGetResult(obs, 0);
  for (MlirOpOperand u = mlirValueGetFirstUse(y); !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
    MlirOperation user = mlirOpOperandGetOwner(u);
    if (mlirOpOperandGetOperandNumber(u) != 0 || mlirOperationGetNumOperands(user) < 2) continue;
    if (!weight_is_constant(mlirOperationGetOperand(user, 1))) continue;
    MlirType t = mlirValueGetType(y);
    if (!mlirTypeIsARankedTensor(t)) continue;
    int r = (int)mlirShapedTypeGetRank(t);
    if (qcc_op_is(user, QCC_OP_conv2d) && r == 4) return 1;
    if (qcc_op_is(user, QCC_OP_gemm) && r == 2) return qcc_get_i64(user, QCC_ATTR_trans_a) ? 0 : 1;
    if (qcc_op_is(user, QCC_OP_matmul) && r >= 1) return r - 1;
  }
  return -1;
}

static MlirWalkResult collect(MlirOperation op, void *ud) {
  cstate *c = ud;
  if (!qcc_op_is(op, QCC_OP_observe)) return MlirWalkResultAdvance;
  MlirValue x = mlirOperationGetOperand(op, 0);
  if (mlirValueIsAOpResult(x) && qcc_op_is(mlirOpResultGetOwner(x), QCC_OP_constant)) return MlirWalkResultAdvance;
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->v = realloc(c->v, c->cap * sizeof *c->v);
  }
  slot *s = &c->v[c->n++];
  memset(s, 0, sizeof *s);
  s->op = op;
  s->id = qcc_get_i64(op, QCC_ATTR_id);
  MlirStringRef nm = qcc_op_node_name(op);
  snprintf(s->name, sizeof s->name, "%.*s", (int)nm.length, nm.data);
  s->mean_axis = layer_input_axis(op);
  MlirType t = mlirValueGetType(x);
  if (c->input_rows > 0 && s->mean_axis >= 0 && mlirTypeIsARankedTensor(t) && s->mean_axis == mlirShapedTypeGetRank(t) - 1) {
    int64_t k = mlirShapedTypeGetDimSize(t, s->mean_axis);
    s->rows_cap = k > 0 ? c->input_rows : 0;
    if (k > 0 && s->rows_cap * k > MAX_ROW_VALUES) s->rows_cap = MAX_ROW_VALUES / k;
  }
  return MlirWalkResultAdvance;
}

/* input_rows=: qcc.input_absmean and qcc.input_rows on every gemm/matmul that
 * reads the observed value as operand 0 with constant weights. */
static void set_layer_rows(MlirContext ctx, const slot *s) {
  if (!s->abs_sum || s->rows_kept < 1 || s->rows_seen < 1) return;
  float *m = malloc((size_t)s->mean_n * sizeof *m);
  if (!m) return;
  for (int64_t k = 0; k < s->mean_n; ++k) m[k] = (float)(s->abs_sum[k] / s->rows_seen);
  MlirAttribute am = mlirDenseF32ArrayGet(ctx, (intptr_t)s->mean_n, m);
  MlirAttribute ar = mlirDenseF32ArrayGet(ctx, (intptr_t)(s->rows_kept * s->mean_n), s->rows);
  free(m);
  MlirValue y = mlirOperationGetResult(s->op, 0);
  for (MlirOpOperand u = mlirValueGetFirstUse(y); !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
    MlirOperation user = mlirOpOperandGetOwner(u);
    if (mlirOpOperandGetOperandNumber(u) != 0 || mlirOperationGetNumOperands(user) < 2) continue;
    if (!(qcc_op_is(user, QCC_OP_gemm) || qcc_op_is(user, QCC_OP_matmul))) continue;
    if (!weight_is_constant(mlirOperationGetOperand(user, 1))) continue;
    mlirOperationSetDiscardableAttributeByName(user, mlirStringRefCreateFromCString("qcc.input_absmean"), am);
    mlirOperationSetDiscardableAttributeByName(user, mlirStringRefCreateFromCString("qcc.input_rows"), ar);
  }
}

/* Fail the pass with st (taken over), prefixed: qcc_pipeline_run returns it,
 * so the user sees one line and st's exit code (I/O, invalid data ...). */
static void fail(MlirExternalPass pass, qcc_status_t st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(MlirExternalPass pass, qcc_status_t st, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  qcc_pass_report(qcc_status_annotate(st, "%s", buf));
  mlirExternalPassSignalFailure(pass);
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const calib_cfg *cfg = ud;
  cstate c = {0};
  c.input_rows = cfg->input_rows;
  qcc_executor *ex = NULL;
  qcc_dataset *ds = NULL;
  qcc_npy_tensor_t *inputs = NULL, *outputs = NULL;
  int nin = 0, nout = 0;
  mlirOperationWalk(root, collect, &c, MlirWalkPreOrder);
  for (size_t i = 0; i < c.n; ++i) {
    slot *s = &c.v[i];
    MlirStringRef sp = qcc_get_str(s->op, QCC_ATTR_spec), ob = qcc_get_str(s->op, QCC_ATTR_observer);
    qcc_status_t st = qcc_qspec_parse(sp.data, sp.length, &s->spec);
    if (st) {
      fail(pass, st, "observer %lld", (long long)s->id);
      goto done;
    }
    char o[32];
    snprintf(o, sizeof o, "%.*s", (int)ob.length, ob.data);
    bool ok;
    qcc_observer_kind k = kind_of(o, &ok);
    if (!ok) continue; /* fixed, shared, bias: nothing to collect */
    qcc_observer_config oc;
    qcc_observer_config_init(&oc, k);
    st = qcc_observer_create(&oc, &s->obs);
    if (st) {
      fail(pass, st, "observer %lld", (long long)s->id);
      goto done;
    }
  }

  MlirModule m = mlirModuleFromOperation(root);
  if (mlirModuleIsNull(m)) {
    fail(pass, qcc_status_make(QCC_ERR_USAGE, "it runs on a module"), "qcc-calibrate");
    goto done;
  }
  qcc_executor_options eo = {.observe = on_observe, .observe_user_data = &c};
  qcc_status_t st = qcc_executor_create(m, &eo, &ex);
  if (st) {
    fail(pass, st, "calibration");
    goto done;
  }
  st = qcc_dataset_open(cfg->e.data, ex, &cfg->e.dopts, &ds);
  if (st) {
    fail(pass, st, "calibration data");
    goto done;
  }
  nin = qcc_executor_num_inputs(ex);
  nout = qcc_executor_num_outputs(ex);
  inputs = calloc((size_t)nin + 1, sizeof *inputs);
  outputs = calloc((size_t)nout + 1, sizeof *outputs);
  int64_t mb = qcc_dataset_batch_size(ds), nbatches = qcc_dataset_num_batches(ds);
  if (cfg->e.samples > 0 && cfg->e.samples / mb < nbatches) nbatches = cfg->e.samples / mb > 0 ? cfg->e.samples / mb : 1;
  bool tty = isatty(2);
  double last_line = now_s();
  for (int64_t b = 0; b < nbatches; ++b) {
    c.batch = b;
    st = qcc_dataset_batch(ds, b, inputs);
    if (!st) st = qcc_executor_run(ex, inputs, outputs);
    for (int i = 0; i < nout; ++i) qcc_npy_tensor_free(&outputs[i]);
    if (st) {
      fail(pass, st, "calibration");
      goto done;
    }
    if (tty && (b % 16 == 0 || b + 1 == nbatches))
      fprintf(stderr, "\rqcc: calibrating: %lld/%lld samples", (long long)((b + 1) * mb), (long long)(nbatches * mb));
    else if (!tty && now_s() - last_line >= 10.0) { /* plain lines, at most one per 10 s */
      fprintf(stderr, "qcc: calibrating: %lld/%lld samples\n", (long long)((b + 1) * mb), (long long)(nbatches * mb));
      last_line = now_s();
    }
  }
  if (tty) fprintf(stderr, "\n");
  /* Parameters onto the observe ops. */
  MlirContext ctx = mlirOperationGetContext(root);
  for (size_t i = 0; i < c.n; ++i) {
    slot *s = &c.v[i];
    if (s->mean_sum && s->mean_count > 0) { /* per-channel input means, for bias correction */
      float *m = malloc((size_t)s->mean_n * sizeof *m);
      if (m) {
        for (int64_t k = 0; k < s->mean_n; ++k) m[k] = (float)(s->mean_sum[k] / s->mean_count);
        mlirOperationSetDiscardableAttributeByName(s->op, mlirStringRefCreateFromCString("qcc.channel_mean"),
                                                   mlirDenseF32ArrayGet(ctx, (intptr_t)s->mean_n, m));
        free(m);
      }
    }
    set_layer_rows(ctx, s);
    if (!s->obs) continue;
    if (qcc_observer_num_batches(s->obs) == 0) continue; /* never ran (dead branch): convert will say */
    /* qcc's default minimum scale (observers.h; PyTorch's eps would zero tiny ranges) */
    qcc_qspec os = {s->spec.qmin, s->spec.qmax, s->spec.bits, s->spec.symmetric, QCC_QSPEC_MIN_SCALE};
    float scale;
    int32_t zp;
    st = qcc_observer_qparams(s->obs, &os, &scale, &zp);
    if (st) {
      fail(pass, st, "observer %lld at '%s'", (long long)s->id, s->name);
      goto done;
    }
    int64_t z64 = zp;
    mlirOperationSetDiscardableAttributeByName(s->op, mlirStringRefCreateFromCString("qcc.scale"), mlirDenseF32ArrayGet(ctx, 1, &scale));
    mlirOperationSetDiscardableAttributeByName(s->op, mlirStringRefCreateFromCString("qcc.zero_point"), mlirDenseI64ArrayGet(ctx, 1, &z64));
  }
done:
  qcc_dataset_close(ds);
  free(inputs);
  free(outputs);
  if (ex) qcc_executor_destroy(ex);
  for (size_t i = 0; i < c.n; ++i) qcc_observer_destroy(c.v[i].obs), free(c.v[i].mean_sum), free(c.v[i].abs_sum), free(c.v[i].rows);
  free(c.v);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  calib_cfg *c = calloc(1, sizeof *c);
  qcc_eval_options_init(&c->e);
  for (int i = 0; i < n; ++i) {
    bool handled = false;
    qcc_status_t st = NULL;
    if (!strcmp(opts[i].key, "input_rows")) {
      long rows;
      handled = true;
      if (!(st = qcc_option_long("qcc-calibrate", &opts[i], 0, MAX_INPUT_ROWS, &rows))) c->input_rows = rows;
    } else if (strcmp(opts[i].key, "labels") && strcmp(opts[i].key, "int4_method")) {
      st = qcc_eval_option("qcc-calibrate", opts[i].key, opts[i].value, &c->e, &handled);
    }
    if (!st && !handled)
      st = qcc_option_unknown("qcc-calibrate", opts[i].key, "data, samples, mean, std, layout, input_rows");
    if (st) {
      free(c);
      return st;
    }
  }
  if (!c->e.data[0]) { free(c); return qcc_status_make(QCC_ERR_USAGE, "qcc-calibrate needs data=FILE.npz or FILE.npy"); }
  *out = qcc_make_external_pass_owned(&qcc_pass_calibrate_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_calibrate_info = {
    "qcc-calibrate", "",
    "Run the observed graph on calibration data and store each observer's scale and zero point",
    "Before:  %o = \"qcc.observe\"(%x) {id = 3, observer = \"histogram\", spec = \"u8 affine observer=histogram\"}\n"
    "After:   %o = \"qcc.observe\"(%x) {id = 3, ..., qcc.scale = array<f32: 0.0235>, qcc.zero_point = array<i64: 0>}\n"
    "Observers on constants (weights) are left to qcc-convert, which computes them from the values.\n"
    "An observed tensor that is the input of a conv2d, gemm or matmul with constant weights also gets\n"
    "qcc.channel_mean = array<f32: ...>, its mean per input channel over samples and positions (one\n"
    "sum per channel, whatever the number of samples), for qcc-convert's bias correction.\n"
    "With input_rows=N, each gemm/matmul with constant weights whose input has its channels on the last\n"
    "axis gets qcc.input_absmean = array<f32: ...> (mean |x| per input channel over all rows) and\n"
    "qcc.input_rows = array<f32: ...> (up to N rows of K values, row-major, a uniform sample of the rows\n"
    "by reservoir sampling with a fixed seed; at most 2^24 values per layer), for qcc-awq and qcc-gptq.",
    "data=PATH: .npz with one array per model input (axis 0 = samples), .npy for one input, or a\n"
    "  folder of .npy files or of images (png, jpg, bmp ...; JPEG decoded by libjpeg-turbo, the others by stb_image; resized to the input)\n"
    "samples=N: use at most N samples (default: all)\n"
    "mean=M[,M,M], std=S[,S,S]: images become (pixel / 255 - mean) / std per channel (default 0, 1)\n"
    "layout=nchw|nhwc: the image input's layout (default nchw)\n"
    "input_rows=N: keep N input rows (and mean |x|) of each gemm/matmul layer for qcc-awq and qcc-gptq (default 0, max 4096)",
    create};
