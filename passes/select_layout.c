/* qcc-select-layout: the layout of each int8 activation inside the graph.
 *
 * libqrt's int8 convolutions read their input as 4-byte lanes (4 channels of
 * one pixel) and, given NCHW, interleave 4 channel rows into lanes before
 * every convolution. A tensor in the blocked layout NCHW4C ([n][c/4][h][w][4],
 * qrt_q8.h) is already lanes: the convolution reading it copies rows of lanes,
 * and the one writing it stores lanes from its tile. This pass chooses, per
 * activation, NCHW or NCHW4C:
 *
 *  - values that hold the same bytes are one class: a qcc.storage_cast's
 *    operand and result, and the operands and result of a qcc.qadd whose
 *    operands have the result's shape (elementwise on bytes with per-tensor
 *    parameters: it gives the same bytes in any layout, as long as its
 *    operands and result agree);
 *  - a class is NCHW4C when every value in it is a rank-4 8-bit tensor with
 *    channels a multiple of 4, every producer is a qcc.qconv2d of one group (or
 *    the storage_cast / qadd inside the class), every reader is the input of a
 *    qcc.qconv2d of one group (or inside the class), and at least one
 *    convolution reads it; otherwise NCHW (graph inputs and outputs, pools,
 *    depthwise and grouped convolutions, weights, anything else).
 *
 * The choice is recorded on the op defining each NCHW4C value as
 * qcc.layout_group = k (i64, k >= 1: the class), and nowhere for NCHW. The
 * executor (so qcc compile's C, which makes the plan's calls) runs a class in
 * NCHW4C only when every convolution writing or reading it has weights packed
 * for a row that reads and writes lanes (qrt_q8_conv2d_layout_supported:
 * avx512vnni, dotprod); otherwise the whole class stays NCHW. Values are the
 * same in every layout: only the bytes' order changes, so outputs are
 * bit-identical with or without this pass. The public API is NCHW: graph
 * inputs and outputs never change layout (docs/codegen.md, "Layouts").
 *
 * remarks=1 reports each 4-D 8-bit activation (the op defining it) with its
 * layout and why. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/Dialect/Quant.h"
#include "pass_util.h"
#include "passes.h"

typedef struct {
  bool remarks;
} layout_cfg;

/* One op's first result: its class (union-find), and why it must be NCHW. */
typedef struct {
  MlirOperation op;
  int parent;
  const char *fixed; /* non-NULL: NCHW, the first reason found (on the class root after joining) */
  char fixed_buf[96];
  int conv_readers, conv_writers;
  int group; /* 1.. for NCHW4C classes (roots) */
} lnode;

typedef struct {
  lnode *v;
  size_t n;
  /* op pointer -> index, open addressing */
  int *table;
  size_t cap;
} lgraph;

static size_t hash_ptr(const void *p, size_t cap) { return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull % cap); }

static int index_of_op(const lgraph *g, MlirOperation op) {
  for (size_t h = hash_ptr(op.ptr, g->cap);; h = (h + 1) % g->cap) {
    if (g->table[h] < 0) return -1;
    if (g->v[g->table[h]].op.ptr == op.ptr) return g->table[h];
  }
}

/* The node of v (the result of a collected op), or -1: a block argument (a
 * graph input) or a result of an op this pass does not see. */
static int node_of(const lgraph *g, MlirValue v) {
  if (!mlirValueIsAOpResult(v) || mlirOpResultGetResultNumber(v) != 0) return -1;
  return index_of_op(g, mlirOpResultGetOwner(v));
}

static int find(lgraph *g, int i) {
  while (g->v[i].parent != i) i = g->v[i].parent = g->v[g->v[i].parent].parent;
  return i;
}

static void join(lgraph *g, int a, int b) {
  a = find(g, a), b = find(g, b);
  if (a == b) return;
  lnode *ra = &g->v[a], *rb = &g->v[b];
  rb->parent = a;
  ra->conv_readers += rb->conv_readers, ra->conv_writers += rb->conv_writers;
  if (!ra->fixed && rb->fixed) {
    memcpy(ra->fixed_buf, rb->fixed_buf, sizeof ra->fixed_buf);
    ra->fixed = ra->fixed_buf;
  }
}

static void fix(lgraph *g, int i, const char *why, MlirOperation by) {
  lnode *r = &g->v[find(g, i)];
  if (r->fixed) return;
  MlirIdentifier id = mlirOperationGetName(by);
  MlirStringRef nm = mlirIdentifierStr(id);
  snprintf(r->fixed_buf, sizeof r->fixed_buf, why, (int)nm.length, nm.data);
  r->fixed = r->fixed_buf;
}

/* A rank-4 tensor of 8-bit elements (per-tensor quantized, or the i8/ui8
 * storage a storage_cast gives) whose channels fill whole lanes. */
static bool blockable_type(MlirType t) {
  if (!mlirTypeIsARankedTensor(t) || mlirShapedTypeGetRank(t) != 4) return false;
  const int64_t c = mlirShapedTypeGetDimSize(t, 1);
  if (mlirShapedTypeIsDynamicSize(c) || c < 4 || c % 4) return false;
  MlirType e = mlirShapedTypeGetElementType(t);
  if (mlirTypeIsAUniformQuantizedType(e)) return mlirIntegerTypeGetWidth(mlirQuantizedTypeGetStorageType(e)) == 8;
  return mlirTypeIsAInteger(e) && mlirIntegerTypeGetWidth(e) == 8;
}

static bool same_shape(MlirValue a, MlirValue b) {
  MlirType ta = mlirValueGetType(a), tb = mlirValueGetType(b);
  if (!mlirTypeIsARankedTensor(ta) || !mlirTypeIsARankedTensor(tb)) return false;
  const intptr_t r = mlirShapedTypeGetRank(ta);
  if (r != mlirShapedTypeGetRank(tb)) return false;
  for (intptr_t d = 0; d < r; d++)
    if (mlirShapedTypeGetDimSize(ta, d) != mlirShapedTypeGetDimSize(tb, d)) return false;
  return true;
}

static bool one_group_conv(MlirOperation op) { return qcc_op_is(op, QCC_OP_qconv2d) && qcc_get_i64(op, QCC_ATTR_group) == 1; }

/* A qadd that works on bytes alike in any layout: two operands of its result's shape. */
static bool layout_free_add(MlirOperation op) {
  if (!qcc_op_is(op, QCC_OP_qadd) || mlirOperationGetNumOperands(op) != 2 || mlirOperationGetNumResults(op) != 1)
    return false;
  MlirValue y = mlirOperationGetResult(op, 0);
  return same_shape(mlirOperationGetOperand(op, 0), y) && same_shape(mlirOperationGetOperand(op, 1), y);
}

static bool keep_all(MlirOperation op) { (void)op; return true; }

static void remark(MlirOperation op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void remark(MlirOperation op, const char *fmt, ...) {
  char buf[300], msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  MlirStringRef nm = mlirIdentifierStr(mlirOperationGetName(op));
  snprintf(msg, sizeof msg, "remark: qcc-select-layout: %.*s result: %s", (int)nm.length, nm.data, buf);
  mlirEmitError(mlirOperationGetLocation(op), msg);
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  const layout_cfg *cfg = ud;
  MlirContext ctx = mlirOperationGetContext(root);
  MlirStringRef attr = mlirStringRefCreateFromCString(QCC_ATTR_LAYOUT_GROUP);
  size_t n;
  MlirOperation *ops = qcc_collect_ops(root, keep_all, &n);
  lgraph g = {calloc(n ? n : 1, sizeof(lnode)), n, NULL, 2 * n + 1};
  g.table = malloc(g.cap * sizeof(int));
  if (!g.v || !g.table) {
    mlirEmitError(mlirOperationGetLocation(root), "qcc-select-layout: out of memory");
    mlirExternalPassSignalFailure(pass);
    goto done;
  }
  for (size_t h = 0; h < g.cap; h++) g.table[h] = -1;
  for (size_t i = 0; i < n; i++) {
    lnode *v = &g.v[i];
    v->op = ops[i], v->parent = (int)i;
    mlirOperationRemoveDiscardableAttributeByName(ops[i], attr); /* a second run decides again */
    size_t h = hash_ptr(ops[i].ptr, g.cap);
    while (g.table[h] >= 0) h = (h + 1) % g.cap;
    g.table[h] = (int)i;
  }
  /* producers: what may write a class's bytes */
  for (size_t i = 0; i < n; i++) {
    MlirOperation op = ops[i];
    if (mlirOperationGetNumResults(op) < 1) continue;
    if (!blockable_type(mlirValueGetType(mlirOperationGetResult(op, 0)))) {
      fix(&g, (int)i, "not a 4-D 8-bit tensor with channels a multiple of 4 (written by %.*s)", op);
      continue;
    }
    if (one_group_conv(op)) g.v[i].conv_writers++;
    else if (!qcc_op_is(op, QCC_OP_storage_cast) && !layout_free_add(op))
      fix(&g, (int)i, "written by %.*s, which writes NCHW", op);
  }
  /* readers: join the classes of byte-preserving ops, fix the others */
  for (size_t i = 0; i < n; i++) {
    MlirOperation op = ops[i];
    const intptr_t no = mlirOperationGetNumOperands(op);
    for (intptr_t k = 0; k < no; k++) {
      const int j = node_of(&g, mlirOperationGetOperand(op, k));
      if (j < 0) continue;
      if (k == 0 && one_group_conv(op)) g.v[find(&g, j)].conv_readers++;
      else if (qcc_op_is(op, QCC_OP_storage_cast) || layout_free_add(op)) join(&g, (int)i, j);
      else if (qcc_op_is(op, QCC_OP_qconv2d) && k == 0) fix(&g, j, "read by a grouped or depthwise %.*s (NCHW)", op);
      else fix(&g, j, "read by %.*s, which reads NCHW", op);
    }
  }
  int groups = 0;
  for (size_t i = 0; i < n; i++) {
    lnode *r = &g.v[find(&g, (int)i)];
    if (r->fixed || r->group) continue;
    if (!r->conv_readers || !r->conv_writers) {
      snprintf(r->fixed_buf, sizeof r->fixed_buf, "%s", r->conv_readers ? "no convolution writes it" : "no convolution reads it");
      r->fixed = r->fixed_buf;
      continue;
    }
    r->group = ++groups;
  }
  for (size_t i = 0; i < n; i++) {
    MlirOperation op = ops[i];
    const lnode *r = &g.v[find(&g, (int)i)];
    if (r->group)
      mlirOperationSetDiscardableAttributeByName(op, attr, mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), r->group));
    if (!cfg->remarks || mlirOperationGetNumResults(op) < 1 || qcc_op_is(op, QCC_OP_storage_cast) ||
        qcc_op_is(op, QCC_OP_constant))
      continue;
    MlirType t = mlirValueGetType(mlirOperationGetResult(op, 0));
    if (!mlirTypeIsARankedTensor(t) || mlirShapedTypeGetRank(t) != 4) continue;
    MlirType e = mlirShapedTypeGetElementType(t);
    if (!mlirTypeIsAUniformQuantizedType(e) && !(mlirTypeIsAInteger(e) && mlirIntegerTypeGetWidth(e) == 8)) continue;
    if (r->group)
      remark(op, "nchw4c (group %d: written by %d convolution%s, read by %d)", r->group, r->conv_writers,
             r->conv_writers == 1 ? "" : "s", r->conv_readers);
    else
      remark(op, "nchw (%s)", r->fixed);
  }
done:
  free(g.v);
  free(g.table);
  free(ops);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  layout_cfg *c = calloc(1, sizeof *c);
  if (!c) return qcc_status_make(QCC_ERR_INTERNAL, "qcc-select-layout: out of memory");
  for (int i = 0; i < n; ++i) {
    qcc_status_t st = !strcmp(opts[i].key, "remarks") ? qcc_option_bool("qcc-select-layout", &opts[i], &c->remarks)
                                                      : qcc_option_unknown("qcc-select-layout", opts[i].key, "remarks");
    if (st) {
      free(c);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_select_layout_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_select_layout_info = {
    "qcc-select-layout", "",
    "Choose NCHW or the blocked NCHW4C layout for each int8 activation between convolutions",
    "NCHW4C ([n][c/4][h][w][4]) is the 4-byte lanes libqrt's int8 conv tiles read and write.\n"
    "A class of values holding the same bytes (joined by storage_cast and same-shape qadd) is NCHW4C when\n"
    "only one-group qconv2d write it, at least one reads it, nothing else reads it, and its channels\n"
    "are a multiple of 4; the ops defining it get qcc.layout_group = k. Graph inputs, outputs, pools,\n"
    "depthwise convolutions stay NCHW. The executor and qcc compile keep a class NCHW unless every\n"
    "convolution of it is packed for a lane row (avx512vnni, dotprod). Values do not change.\n"
    "Before:  %y = \"qcc.qconv2d\"(%x, %w1, %b1) {group = 1 : i64, ...}\n"
    "         %z = \"qcc.qconv2d\"(%y, %w2, %b2) {group = 1 : i64, ...}\n"
    "After:   %y = \"qcc.qconv2d\"(%x, %w1, %b1) {group = 1 : i64, ..., qcc.layout_group = 1 : i64}\n"
    "         %z = \"qcc.qconv2d\"(%y, %w2, %b2) {group = 1 : i64, ...}   (%z: a graph output, NCHW)",
    "remarks=0|1: report each 4-D int8 activation's layout and why", create};
