/* qcc compare FLOAT QUANT: run the float model and its quantized version on
 * the same inputs and report, per ONNX node of the float model (graph order),
 * how far the quantized graph's value of that node's output is from the
 * float one: SQNR, mean and max absolute difference (docs/compare.md).
 *
 * How values are matched. Both graphs run in the executor with an after_step
 * hook (executor.h). An op's ONNX node names come from its location
 * (qcc_location_names): one name for an imported op, several for an op that
 * passes made from several nodes (qcc-fold-conv-bn: [conv, bn]; qcc-fuse-qdq:
 * [conv, bn, relu]). Such an op computes the output of the LAST node of its
 * names, so its value is compared with that node's float value, and the other
 * nodes are reported as fused into it. In QDQ form a node's name is carried by
 * its op and by the quantize/dequantize after it: the last value computed under
 * the name (the dequantized one) is the one compared. The float model runs
 * with activation fusion off so every Relu/Clip has its own value. Nodes with
 * no step of their own (views such as Flatten, what folds to a constant) are
 * not listed. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dataset.h"
#include "executor.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "qcc.h"

enum { NODE_COMPARED, NODE_FUSED, NODE_ABSENT, NODE_NOT_FLOAT };

typedef struct {
  char name[256];
  const char *op;       /* the float op's kind */
  int status;
  char fused_into[256]; /* NODE_FUSED: the node whose value carries it */
  char with[512];       /* NODE_COMPARED: the other nodes fused into this one */
  bool seen;            /* the float graph computed it */
  float *ref, *got;     /* this sample's float and quantized values */
  int64_t n_ref, n_got;
  int64_t shape_mismatch;
  double s_ref2, s_err2, s_abs, max_abs;
  int64_t count;
} node_t;

typedef struct {
  node_t *nodes;
  int n_nodes;
  int *fnode, n_fops; /* float op index -> node, or -1 */
  int *qnode, n_qops; /* quant op index -> node whose value it computes, or -1 */
  MlirType *qtype;    /* quant op index -> element type of result 0 */
} cmp_t;

static void compare_usage(FILE *f) {
  fprintf(f,
          "usage: qcc compare FLOAT_MODEL QUANT_MODEL (--input NAME=FILE.npy ... | --data DATA.npz [--samples N])\n"
          "                   [--format table|json] [--sort order|sqnr] [-o FILE] [--input-shape N=DIMS]\n"
          "  Runs both models on the same inputs and reports, per ONNX node of FLOAT_MODEL (graph order),\n"
          "  the SQNR (dB), mean and max absolute difference between the quantized and the float value of\n"
          "  the node's output, accumulated over all samples. Nodes fused into another op (a conv's\n"
          "  BatchNormalization and activation) are listed as fused into the node whose value carries\n"
          "  them (docs/compare.md).\n"
          "  --input NAME=FILE.npy  the value of input NAME (one sample); repeat for every input\n"
          "  --data DATA.npz        samples, one array per input under its name (batches of the model's batch)\n"
          "  --samples N            at most N samples of --data (default: all)\n"
          "  --format table|json    (default table)\n"
          "  --sort sqnr            worst SQNR first (default: graph order)\n"
          "  -o FILE                write the report to FILE instead of stdout\n"
          "  --input-shape N=DIMS   (.onnx) fix an input's shape\n");
}

static const char *op_kind_name(MlirOperation op) {
  qcc_op_kind k = qcc_op_get_kind(op);
  return k == QCC_OP_NONE ? NULL : qcc_op_info_get(k)->name;
}

static int find_node(const cmp_t *c, MlirStringRef nm) {
  for (int i = 0; i < c->n_nodes; ++i)
    if (strlen(c->nodes[i].name) == nm.length && !memcmp(c->nodes[i].name, nm.data, nm.length)) return i;
  return -1;
}

static int main_ops(MlirModule m, MlirOperation **out) {
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(qcc_module_main(m), 0));
  int n = 0, cap = 0;
  *out = NULL;
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    if (n == cap) {
      MlirOperation *grown = realloc(*out, (size_t)(cap ? 2 * cap : 256) * sizeof **out);
      if (!grown) return -1;
      *out = grown, cap = cap ? 2 * cap : 256;
    }
    (*out)[n++] = op;
  }
  return n;
}

/* One node per float op that has a name and is not a constant, keyed by its
 * last name; then each quantized op is pointed at the node its value is. */
static qcc_status_t build(cmp_t *c, MlirModule fm, MlirModule qm) {
  MlirOperation *fops, *qops;
  c->n_fops = main_ops(fm, &fops);
  c->n_qops = main_ops(qm, &qops);
  if (c->n_fops >= 0 && c->n_qops >= 0) {
    c->nodes = calloc((size_t)c->n_fops + 1, sizeof *c->nodes);
    c->fnode = malloc(((size_t)c->n_fops + 1) * sizeof(int));
    c->qnode = malloc(((size_t)c->n_qops + 1) * sizeof(int));
    c->qtype = calloc((size_t)c->n_qops + 1, sizeof(MlirType));
  }
  if (!c->nodes || !c->fnode || !c->qnode || !c->qtype) {
    free(fops), free(qops);
    c->n_fops = c->n_qops = 0;
    return qcc_status_make(QCC_ERR_INTERNAL, "qcc compare: out of memory");
  }
  MlirStringRef nm[16];
  for (int i = 0; i < c->n_fops; ++i) {
    c->fnode[i] = -1;
    const char *kind = op_kind_name(fops[i]);
    int k = qcc_location_names(mlirOperationGetLocation(fops[i]), nm, 16);
    if (!kind || !strcmp(kind, "constant") || k < 1 || k > 16) continue;
    MlirStringRef last = nm[k - 1];
    if (find_node(c, last) >= 0) continue;
    node_t *n = &c->nodes[c->n_nodes];
    snprintf(n->name, sizeof n->name, "%.*s", (int)last.length, last.data);
    n->op = kind;
    n->status = NODE_ABSENT;
    c->fnode[i] = c->n_nodes++;
  }
  int matched = 0;
  for (int i = 0; i < c->n_qops; ++i) {
    c->qnode[i] = -1;
    int k = qcc_location_names(mlirOperationGetLocation(qops[i]), nm, 16);
    if (!op_kind_name(qops[i]) || qcc_op_is(qops[i], QCC_OP_constant) || k < 1 || k > 16) continue;
    int last = find_node(c, nm[k - 1]);
    if (last < 0) continue;
    node_t *L = &c->nodes[last];
    c->qnode[i] = last;
    if (mlirOperationGetNumResults(qops[i]) > 0) {
      /* an op on the integer storage (max_pool, concat ...): the storage_cast
       * after it says which quant type the integers are */
      MlirValue r = mlirOperationGetResult(qops[i], 0);
      MlirOpOperand u = mlirValueGetFirstUse(r);
      if (!mlirTypeIsAQuantizedType(mlirShapedTypeGetElementType(mlirValueGetType(r))) && !mlirOpOperandIsNull(u) &&
          qcc_op_is(mlirOpOperandGetOwner(u), QCC_OP_storage_cast))
        r = mlirOperationGetResult(mlirOpOperandGetOwner(u), 0);
      c->qtype[i] = mlirShapedTypeGetElementType(mlirValueGetType(r));
    }
    if (L->status == NODE_ABSENT) L->status = NODE_COMPARED, matched++;
    for (int j = 0; j < k - 1; ++j) {
      int f = find_node(c, nm[j]);
      if (f < 0 || f == last) continue;
      c->nodes[f].status = NODE_FUSED;
      snprintf(c->nodes[f].fused_into, sizeof c->nodes[f].fused_into, "%s", L->name);
      size_t o = strlen(L->with);
      if (!strstr(L->with, c->nodes[f].name) && o + nm[j].length + 3 < sizeof L->with)
        snprintf(L->with + o, sizeof L->with - o, "%s%.*s", o ? ", " : "", (int)nm[j].length, nm[j].data);
    }
  }
  free(fops);
  free(qops);
  if (!matched)
    return qcc_status_make(QCC_ERR_INVALID, "no node of the float model appears in the quantized model: "
                                            "give the float model it was quantized from (qcc quantize FLOAT ...)");
  return NULL;
}

/* Float values of v (f32 as is; 8/32-bit integers of a quant type dequantized
 * with its scale and zero point); NULL when v is not a real-valued tensor. */
static float *to_float(const qcc_npy_tensor_t *v, MlirType e, int64_t *n) {
  *n = qcc_npy_tensor_numel(v);
  float *out = malloc((size_t)(*n ? *n : 1) * sizeof *out);
  if (!out) return NULL;
  if (v->dtype == QCC_NPY_F32) {
    memcpy(out, v->data, (size_t)*n * sizeof *out);
    return out;
  }
  bool q = !mlirTypeIsNull(e) && mlirTypeIsAQuantizedType(e);
  bool per_axis = q && mlirTypeIsAUniformQuantizedPerAxisType(e);
  if (!q || (!per_axis && !mlirTypeIsAUniformQuantizedType(e)) ||
      (v->dtype != QCC_NPY_I8 && v->dtype != QCC_NPY_U8 && v->dtype != QCC_NPY_I32)) {
    free(out);
    return NULL;
  }
  int64_t inner = 1, ch = 1;
  if (per_axis) {
    int axis = (int)mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(e);
    if (axis < 0 || axis >= v->rank) { free(out); return NULL; }
    ch = v->shape[axis];
    for (int d = axis + 1; d < v->rank; ++d) inner *= v->shape[d];
  }
  for (int64_t i = 0; i < *n; ++i) {
    int64_t c = per_axis ? (i / inner) % ch : 0;
    double s = per_axis ? mlirUniformQuantizedPerAxisTypeGetScale(e, c) : mlirUniformQuantizedTypeGetScale(e);
    int64_t zp = per_axis ? mlirUniformQuantizedPerAxisTypeGetZeroPoint(e, c) : mlirUniformQuantizedTypeGetZeroPoint(e);
    int64_t x = v->dtype == QCC_NPY_I8 ? ((const int8_t *)v->data)[i]
                : v->dtype == QCC_NPY_U8 ? ((const uint8_t *)v->data)[i]
                                         : ((const int32_t *)v->data)[i];
    out[i] = (float)((double)(x - zp) * s);
  }
  return out;
}

static qcc_status_t float_step(void *ud, int op_index, int result, const qcc_npy_tensor_t *v) {
  cmp_t *c = ud;
  if (result || op_index >= c->n_fops || c->fnode[op_index] < 0) return NULL;
  node_t *n = &c->nodes[c->fnode[op_index]];
  n->seen = true;
  free(n->ref);
  n->ref = v->dtype == QCC_NPY_F32 ? to_float(v, (MlirType){NULL}, &n->n_ref) : NULL;
  if (v->dtype != QCC_NPY_F32) n->status = NODE_NOT_FLOAT;
  return NULL;
}

static qcc_status_t quant_step(void *ud, int op_index, int result, const qcc_npy_tensor_t *v) {
  cmp_t *c = ud;
  if (result || op_index >= c->n_qops || c->qnode[op_index] < 0) return NULL;
  node_t *n = &c->nodes[c->qnode[op_index]];
  int64_t k;
  float *f = to_float(v, c->qtype[op_index], &k);
  if (!f) return NULL; /* an integer value under the name (e.g. a shape): keep the last real one */
  free(n->got);
  n->got = f, n->n_got = k;
  return NULL;
}

/* After both runs of a sample: accumulate every compared node. */
static void accumulate(cmp_t *c) {
  for (int i = 0; i < c->n_nodes; ++i) {
    node_t *n = &c->nodes[i];
    if (n->status == NODE_COMPARED && n->ref && n->got) {
      if (n->n_ref != n->n_got) {
        n->shape_mismatch = 1;
      } else {
        for (int64_t j = 0; j < n->n_ref; ++j) {
          double r = n->ref[j], d = (double)n->got[j] - r, a = fabs(d);
          n->s_ref2 += r * r, n->s_err2 += d * d, n->s_abs += a;
          if (a > n->max_abs || isnan(a)) n->max_abs = a;
        }
        n->count += n->n_ref;
      }
    }
    free(n->ref), free(n->got);
    n->ref = n->got = NULL;
  }
}

static double sqnr_of(const node_t *n) {
  if (n->s_err2 == 0) return INFINITY;
  return 10.0 * log10(n->s_ref2 / n->s_err2);
}

static bool has_stats(const node_t *n) { return n->status == NODE_COMPARED && n->count > 0 && !n->shape_mismatch; }

static int by_sqnr(const void *a, const void *b) {
  const node_t *x = *(const node_t *const *)a, *y = *(const node_t *const *)b;
  bool hx = has_stats(x), hy = has_stats(y);
  if (hx != hy) return hx ? -1 : 1;
  if (!hx) return 0;
  double sx = sqnr_of(x), sy = sqnr_of(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

static const char *note_of(const node_t *n, char *buf, size_t len) {
  switch (n->status) {
    case NODE_FUSED: snprintf(buf, len, "fused into %s", n->fused_into); break;
    case NODE_ABSENT: snprintf(buf, len, "not in the quantized graph"); break;
    case NODE_NOT_FLOAT: snprintf(buf, len, "not a float value"); break;
    default:
      if (n->shape_mismatch) snprintf(buf, len, "sizes differ between the graphs");
      else if (!n->count) snprintf(buf, len, "no quantized value");
      else if (n->with[0]) snprintf(buf, len, "with %s", n->with);
      else buf[0] = 0;
  }
  return buf;
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

static void print_report(FILE *f, bool json, node_t **order, int n, const char *fpath, const char *qpath, int64_t samples) {
  char note[600];
  int compared = 0, fused = 0, absent = 0;
  for (int i = 0; i < n; ++i) {
    compared += has_stats(order[i]);
    fused += order[i]->status == NODE_FUSED;
    absent += order[i]->status == NODE_ABSENT;
  }
  if (json) {
    fprintf(f, "{\n  \"float_model\": ");
    json_str(f, fpath);
    fprintf(f, ",\n  \"quantized_model\": ");
    json_str(f, qpath);
    fprintf(f, ",\n  \"samples\": %lld,\n  \"compared\": %d, \"fused\": %d, \"absent\": %d,\n  \"nodes\": [", (long long)samples,
            compared, fused, absent);
    for (int i = 0; i < n; ++i) {
      const node_t *x = order[i];
      static const char *st[] = {"compared", "fused", "absent", "not_float"};
      fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
      json_str(f, x->name);
      fprintf(f, ", \"op\": \"%s\", \"status\": \"%s\"", x->op, has_stats(x) || x->status != NODE_COMPARED ? st[x->status] : "no_value");
      if (has_stats(x)) {
        double s = sqnr_of(x);
        if (isfinite(s)) fprintf(f, ", \"sqnr_db\": %.4f", s);
        else fprintf(f, ", \"sqnr_db\": null, \"identical\": true");
        fprintf(f, ", \"mean_abs_diff\": %.6g, \"max_abs_diff\": %.6g, \"values\": %lld", x->s_abs / (double)x->count, x->max_abs,
                (long long)x->count);
        if (x->with[0]) fprintf(f, ", \"with\": "), json_str(f, x->with);
      }
      if (x->status == NODE_FUSED) fprintf(f, ", \"fused_into\": "), json_str(f, x->fused_into);
      fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
    return;
  }
  fprintf(f, "%s vs %s: %lld sample%s; %d nodes compared, %d fused into another, %d not in the quantized graph\n", fpath, qpath,
          (long long)samples, samples == 1 ? "" : "s", compared, fused, absent);
  int w = 4; /* the node column fits the longest name */
  for (int i = 0; i < n; ++i)
    if ((int)strlen(order[i]->name) > w) w = (int)strlen(order[i]->name);
  fprintf(f, "%-*s %-16s %10s %12s %12s  %s\n", w, "node", "op", "sqnr_db", "mean_abs", "max_abs", "note");
  for (int i = 0; i < n; ++i) {
    const node_t *x = order[i];
    note_of(x, note, sizeof note);
    if (has_stats(x)) {
      double s = sqnr_of(x);
      char sb[32];
      if (isfinite(s)) snprintf(sb, sizeof sb, "%.2f", s);
      else snprintf(sb, sizeof sb, "inf");
      fprintf(f, "%-*s %-16s %10s %12.4g %12.4g", w, x->name, x->op, sb, x->s_abs / (double)x->count, x->max_abs);
    } else {
      fprintf(f, "%-*s %-16s %10s %12s %12s", w, x->name, x->op, "-", "-", "-");
    }
    fprintf(f, "%s%s\n", note[0] ? "  " : "", note);
  }
}

/* The models must have the same inputs (names, dtypes, shapes). */
static qcc_status_t check_inputs(const qcc_executor *fx, const qcc_executor *qx, const char *qpath, int *qorder) {
  if (qcc_executor_num_inputs(fx) != qcc_executor_num_inputs(qx))
    return qcc_status_make(QCC_ERR_INVALID, "%s has %d inputs, the float model %d: compare needs the float model it was quantized from",
                           qpath, qcc_executor_num_inputs(qx), qcc_executor_num_inputs(fx));
  for (int i = 0; i < qcc_executor_num_inputs(fx); ++i) {
    const char *nm = qcc_executor_input_name(fx, i);
    int j = qcc_executor_find_input(qx, nm);
    qcc_npy_tensor_t a, b;
    qcc_executor_input_spec(fx, i, &a);
    if (j >= 0) qcc_executor_input_spec(qx, j, &b);
    bool ok = j >= 0 && a.dtype == b.dtype && a.rank == b.rank;
    for (int d = 0; ok && d < a.rank; ++d) ok = a.shape[d] == b.shape[d];
    if (!ok)
      return qcc_status_make(QCC_ERR_INVALID, "%s: input '%s' %s: compare needs the float model it was quantized from", qpath, nm,
                             j < 0 ? "is missing" : "has another dtype or shape than the float model's");
    qorder[i] = j;
  }
  return NULL;
}

/* --input NAME=FILE.npy into ins[] (float executor's order). */
static qcc_status_t read_inputs(const qcc_executor *fx, char **specs, int ns, qcc_npy_tensor_t *ins) {
  int nin = qcc_executor_num_inputs(fx);
  char err[512];
  for (int k = 0; k < ns; ++k) {
    char *eq = strchr(specs[k], '=');
    int idx = -1;
    while (eq && idx < 0) {
      *eq = 0;
      idx = qcc_executor_find_input(fx, specs[k]);
      *eq = '=';
      if (idx < 0) eq = strchr(eq + 1, '=');
    }
    if (idx < 0) return qcc_status_make(QCC_ERR_USAGE, "--input %s: no model input of that name (give NAME=FILE.npy)", specs[k]);
    if (ins[idx].data) return qcc_status_make(QCC_ERR_USAGE, "input '%s' given twice", qcc_executor_input_name(fx, idx));
    if (qcc_npy_read_file(eq + 1, &ins[idx], err, sizeof err)) return qcc_status_make(QCC_ERR_INVALID, "input '%s': %s", qcc_executor_input_name(fx, idx), err);
  }
  for (int i = 0; i < nin; ++i) {
    qcc_npy_tensor_t spec;
    qcc_executor_input_spec(fx, i, &spec);
    if (!ins[i].data && spec.nbytes)
      return qcc_status_make(QCC_ERR_USAGE, "missing input '%s': give --input %s=FILE.npy or --data DATA.npz", qcc_executor_input_name(fx, i),
                             qcc_executor_input_name(fx, i));
  }
  return NULL;
}

/* Runs both executors on one sample (float order in ins) and accumulates. */
static qcc_status_t run_sample(cmp_t *c, qcc_executor *fx, qcc_executor *qx, const qcc_npy_tensor_t *ins, const int *qorder,
                               qcc_npy_tensor_t *qins, qcc_npy_tensor_t *outs) {
  qcc_status_t st = qcc_executor_run(fx, ins, outs);
  for (int i = 0; !st && i < qcc_executor_num_outputs(fx); ++i) qcc_npy_tensor_free(&outs[i]);
  if (st) return qcc_status_annotate(st, "float model");
  for (int i = 0; i < qcc_executor_num_inputs(fx); ++i) qins[qorder[i]] = ins[i];
  st = qcc_executor_run(qx, qins, outs);
  for (int i = 0; !st && i < qcc_executor_num_outputs(qx); ++i) qcc_npy_tensor_free(&outs[i]);
  if (st) return qcc_status_annotate(st, "quantized model");
  accumulate(c);
  return NULL;
}

int qcc_cmd_compare(int argc, char **argv) {
  const char *fpath = NULL, *qpath = NULL, *data = NULL, *out = NULL;
  char *specs[16];
  int ns = 0, nshape = 0;
  long samples = 0;
  bool json = false, sort = false;
  qcc_input_shape shapes[16];
  char names[16][256];
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { compare_usage(stdout); return 0; }
    if (!strcmp(a, "--input") && has) {
      if (ns == 16) return qcc_cli_errorf(QCC_ERR_USAGE, "too many --input options");
      specs[ns++] = argv[++i];
    } else if (!strcmp(a, "--data") && has) data = argv[++i];
    else if (!strcmp(a, "--samples") && has) {
      char *end;
      samples = strtol(argv[++i], &end, 10);
      if (*end || samples < 1) return qcc_cli_errorf(QCC_ERR_USAGE, "--samples needs a positive count, got '%s'", argv[i]);
    } else if (!strcmp(a, "--format") && has) {
      const char *v = argv[++i];
      if (strcmp(v, "table") && strcmp(v, "json")) return qcc_cli_errorf(QCC_ERR_USAGE, "--format %s: table or json", v);
      json = !strcmp(v, "json");
    } else if (!strcmp(a, "--sort") && has) {
      const char *v = argv[++i];
      if (strcmp(v, "order") && strcmp(v, "sqnr")) return qcc_cli_errorf(QCC_ERR_USAGE, "--sort %s: order or sqnr", v);
      sort = !strcmp(v, "sqnr");
    } else if (!strcmp(a, "-o") && has) out = argv[++i];
    else if (!strcmp(a, "--input-shape") && has && nshape < 16) {
      qcc_status_t st = qcc_parse_input_shape(argv[++i], &shapes[nshape], names[nshape], sizeof names[nshape]);
      if (st) return qcc_cli_fail(st);
      nshape++;
    } else if (a[0] == '-') return qcc_cli_errorf(QCC_ERR_USAGE, "unknown or incomplete option '%s' for qcc compare (see qcc compare --help)", a);
    else if (!fpath) fpath = a;
    else if (!qpath) qpath = a;
    else return qcc_cli_errorf(QCC_ERR_USAGE, "unexpected argument '%s'", a);
  }
  if (!fpath || !qpath) { compare_usage(stderr); return QCC_ERR_USAGE; }
  if (!data == !ns) return qcc_cli_errorf(QCC_ERR_USAGE, "give the inputs either with --input NAME=FILE.npy or with --data DATA.npz");
  if (samples && !data) return qcc_cli_errorf(QCC_ERR_USAGE, "--samples goes with --data");

  MlirContext ctx;
  qcc_status_t st = qcc_context_create(NULL, &ctx);
  if (st) return qcc_cli_fail(st);
  MlirModule fm = {NULL}, qm = {NULL};
  cmp_t c;
  memset(&c, 0, sizeof c);
  qcc_executor *fx = NULL, *qx = NULL;
  qcc_dataset *ds = NULL;
  qcc_npy_tensor_t *ins = NULL, *qins = NULL, *outs = NULL;
  int *qorder = NULL;
  int64_t done = 0;
  st = qcc_cli_load_model(ctx, fpath, shapes, nshape, &fm);
  if (st) st = qcc_status_annotate(st, "%s", fpath);
  if (!st) {
    st = qcc_cli_load_model(ctx, qpath, shapes, nshape, &qm);
    if (st) st = qcc_status_annotate(st, "%s", qpath);
  }
  qcc_executor_options fo = {.no_activation_fusion = true, .after_step = float_step, .step_user_data = &c};
  qcc_executor_options qo = {.after_step = quant_step, .step_user_data = &c};
  if (!st) st = qcc_executor_create(fm, &fo, &fx);
  if (!st) st = qcc_executor_create(qm, &qo, &qx);
  if (st) goto done;
  int nin = qcc_executor_num_inputs(fx), nout = qcc_executor_num_outputs(fx);
  if (qcc_executor_num_outputs(qx) > nout) nout = qcc_executor_num_outputs(qx);
  ins = calloc((size_t)nin + 1, sizeof *ins);
  qins = calloc((size_t)nin + 1, sizeof *qins);
  outs = calloc((size_t)nout + 1, sizeof *outs);
  qorder = calloc((size_t)nin + 1, sizeof *qorder);
  if (!ins || !qins || !outs || !qorder) { st = qcc_status_make(QCC_ERR_INTERNAL, "qcc compare: out of memory"); goto done; }
  st = check_inputs(fx, qx, qpath, qorder);
  if (!st) st = build(&c, fm, qm);
  if (st) goto done;
  if (ns) {
    st = read_inputs(fx, specs, ns, ins);
    if (!st) st = run_sample(&c, fx, qx, ins, qorder, qins, outs);
    if (!st) done = 1;
    for (int i = 0; i < nin; ++i) qcc_npy_tensor_free(&ins[i]);
  } else {
    st = qcc_dataset_open(data, fx, NULL, &ds);
    if (st) goto done;
    int64_t bs = qcc_dataset_batch_size(ds), nb = qcc_dataset_num_batches(ds);
    if (samples > 0 && (samples + bs - 1) / bs < nb) nb = (samples + bs - 1) / bs;
    if (nb < 1) { st = qcc_status_make(QCC_ERR_INVALID, "%s: no complete batch of %lld samples", data, (long long)bs); goto done; }
    for (int64_t b = 0; b < nb && !st; ++b) {
      st = qcc_dataset_batch(ds, b, ins);
      if (!st) st = run_sample(&c, fx, qx, ins, qorder, qins, outs);
      done += bs;
    }
  }
  if (st) goto done;
  node_t **order = malloc(((size_t)c.n_nodes + 1) * sizeof *order);
  if (!order) { st = qcc_status_make(QCC_ERR_INTERNAL, "qcc compare: out of memory"); goto done; }
  int n = 0;
  for (int i = 0; i < c.n_nodes; ++i)
    if (c.nodes[i].seen) order[n++] = &c.nodes[i];
  if (sort) qsort(order, (size_t)n, sizeof *order, by_sqnr);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f) {
    print_report(f, json, order, n, fpath, qpath, done);
    fclose(f);
  }
  if (!f) st = qcc_status_make(QCC_ERR_INTERNAL, "qcc compare: out of memory");
  else if (out) st = qcc_write_file_atomic(out, buf, len);
  else fwrite(buf, 1, len, stdout);
  free(buf);
  free(order);
done:
  for (int i = 0; i < c.n_nodes; ++i) free(c.nodes[i].ref), free(c.nodes[i].got);
  free(c.nodes), free(c.fnode), free(c.qnode), free(c.qtype);
  free(ins), free(qins), free(outs), free(qorder);
  qcc_dataset_close(ds);
  qcc_executor_destroy(fx);
  qcc_executor_destroy(qx);
  if (!mlirModuleIsNull(fm)) mlirModuleDestroy(fm);
  if (!mlirModuleIsNull(qm)) mlirModuleDestroy(qm);
  qcc_context_destroy(ctx);
  return st ? qcc_cli_fail(st) : 0;
}
