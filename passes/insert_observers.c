/* qcc-insert-observers: put a qcc.observe op on every tensor the annotation
 * says is quantized. The observe op carries the spec (its `spec` attribute)
 * and the statistic to collect (`observer`), so the IR after this pass says
 * everything calibration and conversion need:
 *   observer = minmax | moving_avg | histogram | percentile | entropy
 *                       collected by qcc-calibrate (weights: computed by qcc-convert)
 *            = fixed    parameters are in the spec (sigmoid, tanh, softmax)
 *            = shared   the result reuses its op's operand-0 parameters
 *            = bias     int32 with scale s(operand 0) * s(operand 1) of its user
 * Specs with observer=dynamic (the dynamic quantizer's activations) get no
 * observer: they are quantized at run time (qcc-fuse-qdq makes qgemm_dynamic).
 * Input edges: the observed value is the operand; an operand that is already
 * an observe result (its producer's output spec) is not observed twice; one
 * observe serves every consumer that wants the same spec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "pass_util.h"
#include "passes.h"
#include "qcc_dialect.h"
#include "quantizer.h"

typedef struct {
  MlirValue v;
  MlirOperation obs;
  char spec[128];
} seen_t;

typedef struct {
  seen_t *seen;
  size_t n, cap;
  int64_t next_id;
} state;

static const char *observer_of(const qcc_quant_spec *q) {
  switch (q->kind) {
    case QCC_QSPEC_SHARED: return "shared";
    case QCC_QSPEC_BIAS: return "bias";
    case QCC_QSPEC_F16: return "f16";
    default: break;
  }
  if (q->has_fixed) return "fixed";
  return q->observer[0] ? q->observer : "minmax";
}

static MlirOperation make_observe(state *s, MlirValue v, const qcc_quant_spec *q, MlirLocation loc) {
  MlirContext ctx = mlirValueGetContext(v);
  qcc_builder b = {ctx, {NULL}, {NULL}};
  if (mlirValueIsAOpResult(v)) {
    MlirOperation def = mlirOpResultGetOwner(v);
    b.block = mlirOperationGetBlock(def);
    b.before = mlirOperationGetNextInBlock(def);
  } else {
    b.block = mlirBlockArgumentGetOwner(v);
    b.before = mlirBlockGetFirstOperation(b.block);
  }
  char spec[128];
  qcc_qspec_format(q, spec, sizeof spec);
  MlirNamedAttribute attrs[3] = {
      qcc_attr_str(ctx, QCC_ATTR_observer, observer_of(q)),
      qcc_attr_str(ctx, QCC_ATTR_spec, spec),
      qcc_attr_i64(ctx, QCC_ATTR_id, s->next_id++),
  };
  MlirType t = mlirValueGetType(v);
  return qcc_build(&b, QCC_OP_observe, loc, 1, &v, 1, &t, 3, attrs);
}

static MlirOperation find_seen(state *s, MlirValue v, const char *spec) {
  for (size_t i = 0; i < s->n; ++i)
    if (mlirValueEqual(s->seen[i].v, v) && !strcmp(s->seen[i].spec, spec)) return s->seen[i].obs;
  return (MlirOperation){NULL};
}

static void remember(state *s, MlirValue v, MlirOperation obs, const char *spec) {
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 64;
    s->seen = realloc(s->seen, s->cap * sizeof *s->seen);
  }
  s->seen[s->n].v = v;
  s->seen[s->n].obs = obs;
  snprintf(s->seen[s->n].spec, sizeof s->seen[s->n].spec, "%s", spec);
  s->n++;
}

static bool keep(MlirOperation op) { return qcc_op_get_kind(op) != QCC_OP_NONE; }

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  (void)ud;
  struct { MlirOperation *v; size_t n; } ops;
  ops.v = qcc_collect_ops(root, keep, &ops.n);
  state s = {0};
  /* Continue numbering after observers already present (a second run). */
  for (size_t i = 0; i < ops.n; ++i)
    if (qcc_op_is(ops.v[i], QCC_OP_observe)) {
      int64_t id = qcc_get_i64(ops.v[i], QCC_ATTR_id);
      if (id >= s.next_id) s.next_id = id + 1;
    }
  for (size_t i = 0; i < ops.n; ++i) {
    MlirOperation op = ops.v[i];
    qcc_op_annotation ann;
    if (!qcc_get_annotation(op, &ann)) continue;
    MlirLocation loc = mlirOperationGetLocation(op);
    for (int k = 0; k < ann.n_in && k < mlirOperationGetNumOperands(op); ++k) {
      if (ann.in[k].kind == QCC_QSPEC_FLOAT || ann.in[k].kind == QCC_QSPEC_SHARED) continue;
      if (!strcmp(ann.in[k].observer, "dynamic")) continue; /* quantized at run time: qcc-fuse-qdq */
      MlirValue v = mlirOperationGetOperand(op, k);
      if (mlirValueIsAOpResult(v) && qcc_op_is(mlirOpResultGetOwner(v), QCC_OP_observe)) continue;
      char spec[128];
      qcc_qspec_format(&ann.in[k], spec, sizeof spec);
      MlirOperation obs = ann.in[k].kind == QCC_QSPEC_BIAS ? (MlirOperation){NULL} : find_seen(&s, v, spec);
      if (mlirOperationIsNull(obs)) {
        obs = make_observe(&s, v, &ann.in[k], loc);
        if (ann.in[k].kind != QCC_QSPEC_BIAS) remember(&s, v, obs, spec);
      }
      mlirOperationSetOperand(op, k, mlirOperationGetResult(obs, 0));
    }
    if (ann.out.kind == QCC_QSPEC_FLOAT || mlirOperationGetNumResults(op) != 1) continue;
    if (ann.out.kind == QCC_QSPEC_SHARED) {
      /* Shares operand 0's parameters, so only when operand 0 is quantized. */
      MlirValue x = mlirOperationGetOperand(op, 0);
      if (!mlirValueIsAOpResult(x) || !qcc_op_is(mlirOpResultGetOwner(x), QCC_OP_observe)) continue;
    }
    MlirValue r = mlirOperationGetResult(op, 0);
    if (mlirOpOperandIsNull(mlirValueGetFirstUse(r))) continue;
    MlirOperation obs = make_observe(&s, r, &ann.out, loc);
    mlirValueReplaceAllUsesExcept(r, mlirOperationGetResult(obs, 0), 1, &obs);
  }
  free(s.seen);
  free(ops.v);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  if (n) return qcc_status_make(QCC_ERR_USAGE, "qcc-insert-observers takes no options (got '%s')", opts[0].key);
  *out = qcc_make_external_pass(&qcc_pass_insert_observers_info, &type_id, run, NULL);
  return NULL;
}

const qcc_pass_info qcc_pass_insert_observers_info = {
    "qcc-insert-observers", "",
    "Insert a qcc.observe op on every tensor the annotation quantizes",
    "Before:  %y = \"qcc.relu\"(%x) {qcc.qin = [\"u8 affine observer=histogram\"], qcc.qout = \"u8 affine observer=histogram\"}\n"
    "After:   %o = \"qcc.observe\"(%x) {id = 0, observer = \"histogram\", spec = \"u8 affine observer=histogram\"}\n"
    "         %y = \"qcc.relu\"(%o) {...}\n"
    "         %p = \"qcc.observe\"(%y) {id = 1, observer = \"histogram\", spec = \"u8 affine observer=histogram\"}\n"
    "Observer kinds: minmax, moving_avg, histogram, percentile, entropy (statistics, by qcc-calibrate),\n"
    "fixed (parameters in the spec), shared (operand 0's parameters), bias (s_in * s_w, int32).",
    "", create};
