/* qcc-annotate: ask a quantizer how each op's tensors are quantized and
 * write the answer on the op (qcc.qin / qcc.qout, see quantizer.h).
 * keep_float patterns (ONNX node-name globs, or op:TYPE) leave matching ops
 * float whatever the quantizer says. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/Diagnostics.h"
#include "pass_util.h"
#include "passes.h"
#include "qcc_dialect.h"
#include "quantizer.h"

typedef struct {
  const qcc_quantizer_info *q;
  qcc_quantizer_options qo;
  char observer[32];
  char keep[1024]; /* comma-separated patterns */
} annotate_cfg;

/* op:TYPE matches the qcc op name or the ONNX op type it came from, ignoring
 * case and '_' and a trailing "2d" (op:Conv matches qcc.conv2d). */
static void norm(const char *s, size_t n, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < cap; ++i)
    if (s[i] != '_') out[o++] = (char)tolower((unsigned char)s[i]);
  out[o] = 0;
  if (o > 2 && !strcmp(out + o - 2, "2d")) out[o - 2] = 0;
}

static bool keep_float(const annotate_cfg *c, MlirOperation op) {
  if (!c->keep[0]) return false;
  MlirStringRef nm = qcc_op_node_name(op);
  char name[512];
  snprintf(name, sizeof name, "%.*s", (int)nm.length, nm.data);
  MlirIdentifier opn = mlirOperationGetName(op);
  MlirStringRef on = mlirIdentifierStr(opn);
  char opname[64];
  const char *dot = memchr(on.data, '.', on.length);
  size_t off = dot ? (size_t)(dot - on.data) + 1 : 0;
  norm(on.data + off, on.length - off, opname, sizeof opname);
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", c->keep);
  for (char *save, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
    if (!strncmp(p, "op:", 3)) {
      char want[64];
      norm(p + 3, strlen(p + 3), want, sizeof want);
      if (!strcmp(want, opname)) return true;
    } else if (name[0] && !fnmatch(p, name, 0)) {
      return true;
    }
  }
  return false;
}

static MlirWalkResult visit(MlirOperation op, void *ud) {
  const annotate_cfg *c = ud;
  if (qcc_op_get_kind(op) == QCC_OP_NONE || qcc_op_is(op, QCC_OP_constant)) return MlirWalkResultAdvance;
  qcc_op_annotation ann;
  memset(&ann, 0, sizeof ann);
  ann.n_in = (int)mlirOperationGetNumOperands(op);
  if (ann.n_in > QCC_QANN_MAX_IN) return MlirWalkResultAdvance;
  for (int i = 0; i < QCC_QANN_MAX_IN; ++i) ann.in[i].axis = -1;
  ann.out.axis = -1;
  if (keep_float(c, op)) {
    /* Explicitly float: consumers that want a quantized input still get one. */
    qcc_set_annotation(op, &ann);
    mlirOperationSetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("qcc.keep_float"),
                                               mlirUnitAttrGet(mlirOperationGetContext(op)));
    return MlirWalkResultAdvance;
  }
  if (c->q->annotate(op, &c->qo, &ann, c->q->user_data)) qcc_set_annotation(op, &ann);
  return MlirWalkResultAdvance;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  mlirOperationWalk(root, visit, ud, MlirWalkPreOrder);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  annotate_cfg *c = calloc(1, sizeof *c);
  c->q = qcc_quantizer_lookup("x86");
  for (int i = 0; i < n; ++i) {
    const char *k = opts[i].key, *v = opts[i].value;
    if (!strcmp(k, "quantizer")) {
      c->q = qcc_quantizer_lookup(v);
      if (!c->q) {
        char names[512] = "";
        for (int j = 0, o = 0; j < qcc_quantizer_count() && o < (int)sizeof names; ++j)
          o += snprintf(names + o, sizeof names - (size_t)o, "%s%s", j ? ", " : "", qcc_quantizer_at(j)->name);
        free(c);
        return qcc_status_make(QCC_ERR_USAGE, "qcc-annotate: unknown quantizer '%s' (known: %s)", v, names);
      }
    } else if (!strcmp(k, "observer")) {
      static const char *known[] = {"minmax", "moving_avg", "histogram", "percentile", "entropy"};
      bool ok = false;
      for (size_t j = 0; j < sizeof known / sizeof *known; ++j) ok |= !strcmp(v, known[j]);
      if (!ok || strlen(v) >= sizeof c->observer) {
        free(c);
        return qcc_status_make(QCC_ERR_USAGE, "qcc-annotate: unknown observer '%s' (known: minmax, moving_avg, histogram, percentile, entropy)", v);
      }
      snprintf(c->observer, sizeof c->observer, "%s", v);
    } else if (!strcmp(k, "reduce_range")) {
      qcc_status_t st = qcc_option_bool("qcc-annotate", &opts[i], &c->qo.reduce_range);
      if (st) {
        free(c);
        return st;
      }
    } else if (!strcmp(k, "keep_float")) {
      if (strlen(v) >= sizeof c->keep) {
        free(c);
        return qcc_status_make(QCC_ERR_USAGE, "qcc-annotate: keep_float patterns too long");
      }
      snprintf(c->keep, sizeof c->keep, "%s", v);
    } else {
      free(c);
      return qcc_option_unknown("qcc-annotate", k, "quantizer, observer, reduce_range, keep_float");
    }
  }
  c->qo.observer = c->observer;
  *out = qcc_make_external_pass_owned(&qcc_pass_annotate_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_annotate_info = {
    "qcc-annotate", "",
    "Annotate each op with how its tensors are quantized (a quantizer's decision)",
    "Before:  %y = \"qcc.conv2d\"(%x, %w, %b) {...}\n"
    "After:   %y = \"qcc.conv2d\"(%x, %w, %b) {..., qcc.qin = [\"u8 affine observer=histogram\",\n"
    "           \"s8 symmetric axis=0 observer=minmax\", \"bias\"], qcc.qout = \"u8 affine observer=histogram\"}\n"
    "A conv2d/gemm/matmul/add whose only user is relu or clip(0, x) keeps a float result: the\n"
    "activation's output is quantized and fusion folds the clamp into the quantized op.\n"
    "Spec strings: float | shared (operand 0's parameters) | bias (int32, s_in * s_w) |\n"
    "  TYPE [affine|symmetric] [axis=N] [group=G] [range=LO:HI] [scale=S zp=Z] [observer=NAME]\n"
    "  with TYPE u8, s8, u4, s4 or i32 (passes/quantizer.h). x86: u8 affine activations, s8\n"
    "  symmetric per-channel weights; arm: s8 affine activations; per-tensor: per-tensor weights.\n"
    "  Shared: max_pool, reshape, flatten, transpose, squeeze, unsqueeze, slice. Fixed: sigmoid and\n"
    "  softmax outputs scale 1/256 (zp 0 for u8, -128 for s8), tanh 1/128 (zp 128 / 0).",
    "quantizer=NAME: x86 (default), arm, per-tensor, or one a plugin registered\n"
    "observer=NAME: activation observer (minmax, moving_avg, histogram, percentile, entropy)\n"
    "reduce_range=0|1: 7-bit activations (accuracy/speed trade; kernels are exact either way)\n"
    "keep_float=P,...: leave ops float whose ONNX node name matches a glob, or op:TYPE",
    create};
