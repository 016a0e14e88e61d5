/* codegen.c — emit @main as straight-line C over libqrt (qcc compile).
 *
 * The executor's plan is the input: codegen reads it (executor_internal.h,
 * read-only) and prints, for every step, the call its run function would
 * make, with the step's decoded parameters as constants. Which kernel a step
 * runs is decided here by the same conditions the plan functions use
 * (executor_ops.c, executor_qops.c); a step kind this file does not know is
 * refused, never guessed. Memory, weights and the file formats:
 * docs/codegen.md. */
#define _GNU_SOURCE
#include "codegen.h"

#include <math.h>
#include <stdarg.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor_internal.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "qcc.h"
#include "qrt/qrt_q8.h"

/* The emitter prints these structs field by field: a new field must be
 * emitted too (the asserts fail when a struct changes size). */
_Static_assert(sizeof(qrt_conv2d_params_t) == 11 * 8 + 2 * 4, "codegen: update decl_conv");
_Static_assert(sizeof(qrt_conv_transpose2d_params_t) == 13 * 8 + 2 * 4, "codegen: update the conv_transpose emitter");
_Static_assert(sizeof(qrt_pool2d_params_t) == 10 * 8 + 2 * 4, "codegen: update decl_pool");
_Static_assert(sizeof(qrt_resize_params_t) == 4 * 4 + 2 * 8, "codegen: update the resize emitter");
_Static_assert(sizeof(qrt_q8_act_t) == 12, "codegen: update decl_act");
_Static_assert(sizeof(qrt_q8_output_t) == 20, "codegen: update decl_out");
_Static_assert(sizeof(qrt_q8_weights_t) == 40, "codegen: update decl_weights");
_Static_assert(sizeof(qrt_q8_matrix_t) == 56, "codegen: update the qmatmul emitter");

/* The parameters executor_qops.c keeps in s->packed for the quantized ops
 * without packed weights (its q8_params; same layout, checked by size). */
typedef struct {
  qrt_q8_act_t a, b;
  qrt_q8_output_t y;
  qrt_q8_weights_t w;
  uint8_t table[256];
} cg_q8_params;

/* ------------------------------------------------------------ text buffer */

typedef struct {
  char *p;
  size_t n, cap;
  bool oom;
} sbuf;

static void sb_vprintf(sbuf *b, const char *fmt, va_list ap) {
  if (b->oom) return;
  va_list ap2;
  va_copy(ap2, ap);
  int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap2);
  va_end(ap2);
  if (k < 0) { b->oom = true; return; }
  if (!b->p || b->n + (size_t)k + 1 > b->cap) {
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < b->n + (size_t)k + 1) nc *= 2;
    char *np = realloc(b->p, nc);
    if (!np) { b->oom = true; return; }
    b->p = np, b->cap = nc;
    vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
  }
  b->n += (size_t)k;
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(b, fmt, ap);
  va_end(ap);
}

static char *sb_take(sbuf *b) {
  if (b->oom) { free(b->p); return NULL; }
  if (!b->p) return strdup("");
  return b->p;
}

/* ------------------------------------------------------------- the state */

typedef struct {
  long long aofs; /* ACT roots: offset in the arena (qcc-plan-memory), -1 when none */
  int direct_out; /* ACT roots written straight into outputs[k]; -1 */
  long long wofs; /* CONST roots: offset in the weights blob, -1 until read */
} cg_root;

typedef struct {
  qcc_executor *ex;
  const char *name;
  cg_root *roots;
  size_t *scratch_off; /* per step: its scratch's offset in the arena (0 when it has none) */
  size_t arena_end, lower_bound;
  int max_threads;  /* NAME_MAX_THREADS */
  size_t pool_off;  /* the thread pool's offset in the arena (max_threads > 1) */
  sbuf decl, body;
  unsigned char *blob;
  size_t blob_n, blob_cap;
  int n_calls;
  int step; /* the step being emitted */
  char packed_name[64]; /* the step's packed weights, once added */
  qcc_status_t err;     /* first failure while printing a step */
} cg;

static qcc_status_t no_memory(void) { return qcc_status_make(QCC_ERR_INTERNAL, "codegen: out of memory"); }

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

/* ------------------------------------------------------------- the blob */

static qcc_status_t blob_add(cg *c, const void *data, size_t n, long long *out) {
  size_t off = align64(c->blob_n);
  if (off + n > c->blob_cap) {
    size_t nc = c->blob_cap ? c->blob_cap : 65536;
    while (nc < off + n) nc *= 2;
    unsigned char *nb = realloc(c->blob, nc);
    if (!nb) return no_memory();
    c->blob = nb, c->blob_cap = nc;
  }
  memset(c->blob + c->blob_n, 0, off - c->blob_n);
  if (n) memcpy(c->blob + off, data, n);
  c->blob_n = off + n;
  *out = (long long)off;
  return NULL;
}

/* ------------------------------------------------------ the memory plan */

static bool is_observe(const ex_step *s) { return s->kind == QCC_OP_observe; }

static bool module_i64(MlirOperation mop, const char *name, int64_t *out) {
  MlirAttribute a = mlirOperationGetAttributeByName(mop, mlirStringRefCreateFromCString(name));
  return !mlirAttributeIsNull(a) && qcc_attr_as_i64(a, out);
}

static qcc_status_t plan_mismatch(const ex_step *s, const char *what) {
  return qcc_status_make(QCC_ERR_INVALID,
                         "%s: codegen: the memory plan (qcc-plan-memory) does not fit the executor's plan: %s; run "
                         "qcc-plan-memory again on this module", s->where, what);
}

/* The arena offsets qcc-plan-memory attached (passes/plan_memory.c plans
 * them; codegen.h names the attributes), checked against the plan being
 * printed: the same target and thread count, an offset for every buffer the
 * steps write, room for each tensor and scratch, and in-place results at
 * their operand's offset. Activation roots that are outputs of @main are
 * written into the caller's buffers instead (offset -1). */
static qcc_status_t read_memory_plan(cg *c, MlirModule m, const char *target, int max_threads) {
  qcc_executor *ex = c->ex;
  MlirOperation mop = mlirModuleGetOperation(m);
  int64_t size, bound, threads;
  MlirAttribute ta = mlirOperationGetAttributeByName(mop, mlirStringRefCreateFromCString(QCC_PLAN_TARGET));
  MlirStringRef pt;
  if (!module_i64(mop, QCC_PLAN_ARENA_SIZE, &size) || !module_i64(mop, QCC_PLAN_LOWER_BOUND, &bound) ||
      !module_i64(mop, QCC_PLAN_THREADS, &threads) || mlirAttributeIsNull(ta) || !qcc_attr_as_str(ta, &pt) || size < 0)
    return qcc_status_make(QCC_ERR_INVALID, "codegen: the module has no memory plan: run qcc-plan-memory{target=%s "
                           "max_threads=%d} first (qcc compile does)", target, max_threads);
  if (threads != max_threads || !qcc_str_eq(pt, target))
    return qcc_status_make(QCC_ERR_INVALID, "codegen: the memory plan was made for target %.*s and %lld threads, not "
                           "%s and %d: run qcc-plan-memory{target=%s max_threads=%d} again", (int)pt.length, pt.data,
                           (long long)threads, target, max_threads, target, max_threads);
  c->arena_end = (size_t)size;
  c->lower_bound = (size_t)bound;
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(qcc_module_main(m), 0));
  int n_ops = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
    n_ops++;
  MlirOperation *ops = malloc(sizeof *ops * (size_t)(n_ops + 1));
  if (!ops) return no_memory();
  n_ops = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
    ops[n_ops++] = op;
  for (int i = 0; i < ex->n_slots; i++) c->roots[i] = (cg_root){-1, -1, -1};
  for (int k = 0; k < ex->n_outputs; k++) {
    int r = ex->slots[ex->output_slots[k]].root;
    if (ex->slots[r].kind == EX_SLOT_ACT && c->roots[r].direct_out < 0) c->roots[r].direct_out = k;
  }
  qcc_status_t st = NULL;
  for (int i = 0; i < ex->n_steps && !st; i++) {
    ex_step *s = &ex->steps[i];
    c->scratch_off[i] = 0;
    if (is_observe(s)) continue;
    if (s->op_index < 0 || s->op_index >= n_ops) { st = plan_mismatch(s, "the op is not in @main"); break; }
    MlirOperation op = ops[s->op_index];
    int64_t offs[QCC_MAX_VARIADIC + 8], bytes[QCC_MAX_VARIADIC + 8], scr[2];
    MlirAttribute oa = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(QCC_PLAN_OFFSET));
    MlirAttribute ba = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(QCC_PLAN_BYTES));
    if (s->n_out > QCC_MAX_VARIADIC + 8 || mlirAttributeIsNull(oa) || mlirAttributeIsNull(ba) ||
        qcc_attr_as_i64s(oa, offs, QCC_MAX_VARIADIC + 8) != s->n_out ||
        qcc_attr_as_i64s(ba, bytes, QCC_MAX_VARIADIC + 8) != s->n_out) {
      st = plan_mismatch(s, "no " QCC_PLAN_OFFSET " and " QCC_PLAN_BYTES " for each result");
      break;
    }
    for (int j = 0; j < s->n_out && !st; j++) {
      int o = s->out[j];
      ex_slot *os = &ex->slots[o];
      if (os->root != o || os->kind != EX_SLOT_ACT) continue;
      if (c->roots[o].direct_out >= 0) {
        if (offs[j] != -1) st = plan_mismatch(s, "an output of @main has an arena offset");
        continue;
      }
      if (offs[j] < 0 || bytes[j] < (int64_t)os->nbytes || offs[j] > size - (int64_t)os->nbytes) {
        st = plan_mismatch(s, "a result has no room in the arena");
        continue;
      }
      c->roots[o].aofs = offs[j];
      if (j == 0 && s->inplace && c->roots[ex->slots[s->in[0]].root].aofs != offs[j])
        st = plan_mismatch(s, "the step runs in place but its result is not at its operand's offset");
    }
    if (st || !s->scratch) continue;
    MlirAttribute sa = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(QCC_PLAN_SCRATCH));
    if (mlirAttributeIsNull(sa) || qcc_attr_as_i64s(sa, scr, 2) != 2 || scr[0] < 0 || scr[1] < (int64_t)s->scratch ||
        scr[0] > size - (int64_t)s->scratch)
      st = plan_mismatch(s, "its scratch has no room in the arena");
    else
      c->scratch_off[i] = (size_t)scr[0];
  }
  free(ops);
  return st;
}

/* ------------------------------------------------------- value printing */

static void fmt_f32(float f, char *buf, size_t n) {
  if (isnan(f)) snprintf(buf, n, "%sNAN", signbit(f) ? "-" : "");
  else if (isinf(f)) snprintf(buf, n, "%sINFINITY", f < 0 ? "-" : "");
  else snprintf(buf, n, "%af", (double)f);
}

static void fmt_f64(double f, char *buf, size_t n) {
  if (isnan(f)) snprintf(buf, n, "%s(double)NAN", signbit(f) ? "-" : "");
  else if (isinf(f)) snprintf(buf, n, "%s(double)INFINITY", f < 0 ? "-" : "");
  else snprintf(buf, n, "%a", f);
}

/* An array constant at file scope, named s<step>_<what>; returns the name. */
static const char *decl_i64s(cg *c, const char *what, const int64_t *v, int64_t n, char *name, size_t nn) {
  snprintf(name, nn, "s%d_%s", c->step, what);
  sb_printf(&c->decl, "static const int64_t %s[%lld] = {", name, (long long)(n > 0 ? n : 1));
  for (int64_t i = 0; i < n; i++) sb_printf(&c->decl, "%s%lld", i ? ", " : "", (long long)v[i]);
  if (n <= 0) sb_printf(&c->decl, "0");
  sb_printf(&c->decl, "};\n");
  return name;
}

static const char *decl_f32s(cg *c, const char *what, const float *v, int64_t n, char *name, size_t nn) {
  snprintf(name, nn, "s%d_%s", c->step, what);
  sb_printf(&c->decl, "static const float %s[%lld] = {", name, (long long)(n > 0 ? n : 1));
  char f[64];
  for (int64_t i = 0; i < n; i++) {
    fmt_f32(v[i], f, sizeof f);
    sb_printf(&c->decl, "%s%s", i ? ", " : "", f);
  }
  if (n <= 0) sb_printf(&c->decl, "0");
  sb_printf(&c->decl, "};\n");
  return name;
}

static const char *decl_i32s(cg *c, const char *what, const int32_t *v, int64_t n, char *name, size_t nn) {
  snprintf(name, nn, "s%d_%s", c->step, what);
  sb_printf(&c->decl, "static const int32_t %s[%lld] = {", name, (long long)(n > 0 ? n : 1));
  for (int64_t i = 0; i < n; i++) sb_printf(&c->decl, "%s%ld", i ? ", " : "", (long)v[i]);
  if (n <= 0) sb_printf(&c->decl, "0");
  sb_printf(&c->decl, "};\n");
  return name;
}

static const char *decl_conv(cg *c, const qrt_conv2d_params_t *p, char *name, size_t nn) {
  char lo[64], hi[64];
  fmt_f32(p->output_min, lo, sizeof lo);
  fmt_f32(p->output_max, hi, sizeof hi);
  snprintf(name, nn, "s%d_conv", c->step);
  sb_printf(&c->decl,
            "static const qrt_conv2d_params_t %s = {.groups = %lld, .kernel_h = %lld, .kernel_w = %lld, "
            ".stride_h = %lld, .stride_w = %lld, .pad_top = %lld, .pad_left = %lld, .pad_bottom = %lld, "
            ".pad_right = %lld, .dilation_h = %lld, .dilation_w = %lld, .output_min = %s, .output_max = %s};\n",
            name, (long long)p->groups, (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h,
            (long long)p->stride_w, (long long)p->pad_top, (long long)p->pad_left, (long long)p->pad_bottom,
            (long long)p->pad_right, (long long)p->dilation_h, (long long)p->dilation_w, lo, hi);
  return name;
}

static const char *decl_pool(cg *c, const qrt_pool2d_params_t *p, char *name, size_t nn) {
  snprintf(name, nn, "s%d_pool", c->step);
  sb_printf(&c->decl,
            "static const qrt_pool2d_params_t %s = {.kernel_h = %lld, .kernel_w = %lld, .stride_h = %lld, "
            ".stride_w = %lld, .pad_top = %lld, .pad_left = %lld, .pad_bottom = %lld, .pad_right = %lld, "
            ".dilation_h = %lld, .dilation_w = %lld, .ceil_mode = %d, .count_include_pad = %d};\n",
            name, (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w,
            (long long)p->pad_top, (long long)p->pad_left, (long long)p->pad_bottom, (long long)p->pad_right,
            (long long)p->dilation_h, (long long)p->dilation_w, p->ceil_mode, p->count_include_pad);
  return name;
}

static const char *decl_act(cg *c, const char *what, const qrt_q8_act_t *a, char *name, size_t nn) {
  char sc[64];
  fmt_f32(a->scale, sc, sizeof sc);
  snprintf(name, nn, "s%d_%s", c->step, what);
  sb_printf(&c->decl, "static const qrt_q8_act_t %s = {(qrt_dtype_t)%d, %s, %ld};\n", name, (int)a->type, sc,
            (long)a->zero_point);
  return name;
}

static const char *decl_out(cg *c, const qrt_q8_output_t *y, char *name, size_t nn) {
  char sc[64];
  fmt_f32(y->scale, sc, sizeof sc);
  snprintf(name, nn, "s%d_y", c->step);
  sb_printf(&c->decl, "static const qrt_q8_output_t %s = {(qrt_dtype_t)%d, %s, %ld, %ld, %ld};\n", name,
            (int)y->type, sc, (long)y->zero_point, (long)y->qmin, (long)y->qmax);
  return name;
}

static const char *decl_weights(cg *c, const qrt_q8_weights_t *w, char *name, size_t nn) {
  char sn[64] = "NULL", zn[64] = "NULL";
  if (w->scales) decl_f32s(c, "wscale", w->scales, w->n_scales, sn, sizeof sn);
  if (w->zero_points) decl_i32s(c, "wzero", w->zero_points, w->n_zero_points, zn, sizeof zn);
  snprintf(name, nn, "s%d_w", c->step);
  sb_printf(&c->decl, "static const qrt_q8_weights_t %s = {(qrt_dtype_t)%d, %lld, %s, %lld, %s};\n", name,
            (int)w->type, (long long)w->n_scales, sn, (long long)w->n_zero_points, zn);
  return name;
}

/* ----------------------------------------------------------- addresses */

/* The C expression for slot i's data: inputs[k], outputs[k], ACT(offset) in
 * the arena, CST(offset) in the weights; "NULL" for an absent operand. A
 * failure is kept in c->err (the first one) and gives "". */
static const char *operand(cg *c, int slot, char *buf, size_t n) {
  buf[0] = 0;
  if (slot < 0) { snprintf(buf, n, "NULL"); return buf; }
  qcc_executor *ex = c->ex;
  int r = ex->slots[slot].root;
  ex_slot *rs = &ex->slots[r];
  switch (rs->kind) {
    case EX_SLOT_INPUT:
      for (int k = 0; k < ex->n_inputs; k++)
        if (ex->slots[ex->input_slots[k]].root == r) { snprintf(buf, n, "inputs[%d]", k); return buf; }
      break;
    case EX_SLOT_CONST:
      if (c->roots[r].wofs < 0) {
        qcc_status_t st = blob_add(c, rs->data, rs->nbytes, &c->roots[r].wofs);
        if (st) { if (!c->err) c->err = st; else qcc_status_free(st); return buf; }
      }
      snprintf(buf, n, "CST(%lld)", c->roots[r].wofs);
      return buf;
    case EX_SLOT_ACT:
      if (c->roots[r].direct_out >= 0) { snprintf(buf, n, "outputs[%d]", c->roots[r].direct_out); return buf; }
      if (c->roots[r].aofs >= 0) { snprintf(buf, n, "ACT(%lld)", c->roots[r].aofs); return buf; }
      break;
  }
  if (!c->err) c->err = qcc_status_make(QCC_ERR_INTERNAL, "codegen: slot %d has no address", slot);
  return buf;
}

/* The step's packed weights, added to the blob (once per step). */
static const char *packed_operand(cg *c, const ex_step *s) {
  if (!c->packed_name[0]) {
    long long off;
    qcc_status_t st = blob_add(c, s->packed, s->packed_size, &off);
    if (st) { if (!c->err) c->err = st; else qcc_status_free(st); return ""; }
    snprintf(c->packed_name, sizeof c->packed_name, "CST(%lld)", off);
  }
  return c->packed_name;
}

/* The step's scratch: its own arena buffer (the arena's start when it needs none). */
static void scratch_addr(cg *c, int i, size_t plus, char *buf, size_t n) {
  snprintf(buf, n, "ACT(%zu)", c->scratch_off[i] + plus);
}

/* One kernel call: `st = CALL; if (st != QRT_OK) return fail(...)`. */
__attribute__((format(printf, 2, 3))) static void call(cg *c, const char *fmt, ...) {
  sb_printf(&c->body, "  st = ");
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(&c->body, fmt, ap);
  va_end(ap);
  sb_printf(&c->body, ";\n  if (st != QRT_OK) return %s_fail(ctx, %d, st);\n", c->name, c->step);
  c->n_calls++;
}

/* ------------------------------------------------------------ the steps */

#define SLOT(j) (&ex->slots[s->in[j]])
#define OSLOT(j) (&ex->slots[s->out[j]])
#define LL(x) ((long long)(x))

static bool all_f32(qcc_executor *ex, const ex_step *s) {
  for (int j = 0; j < s->n_in; j++)
    if (s->in[j] >= 0 && SLOT(j)->dtype != QCC_NPY_F32) return false;
  for (int j = 0; j < s->n_out; j++)
    if (OSLOT(j)->dtype != QCC_NPY_F32) return false;
  return true;
}

static bool is_const(qcc_executor *ex, int slot) {
  return slot >= 0 && ex->slots[ex->slots[slot].root].kind == EX_SLOT_CONST;
}

static size_t esize(const ex_slot *s) { return qcc_npy_dtype_size(s->dtype); }

static qcc_status_t unsupported(const ex_step *s, const char *what) {
  return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: %s", s->where, what);
}

/* C expression of the zero point operand i of an ONNX integer op (read at run
 * time, as the executor's zero_point_at). */
static qcc_status_t zero_point_expr(cg *c, const ex_step *s, int i, char *buf, size_t n) {
  qcc_executor *ex = c->ex;
  if (i >= s->n_in || s->in[i] < 0) { snprintf(buf, n, "0"); return NULL; }
  char a[64];
  operand(c, s->in[i], a, sizeof a);
  snprintf(buf, n, "(int32_t)((const %s *)%s)[0]", SLOT(i)->dtype == QCC_NPY_U8 ? "uint8_t" : "int8_t", a);
  return NULL;
}

/* One step being printed: its operand names (filled as calls name them). */
typedef struct {
  cg *c;
  ex_step *s;
  int i;
  cg_q8_params *q; /* executor_qops.c's parameter block, for the ops that have one */
  char in[QCC_MAX_VARIADIC + 8][64], out[QCC_MAX_VARIADIC + 8][64], scr[64];
} cg_step;

/* The names the emitters below use; IN(j) addresses operand j when a call
 * names it, so a constant gets a place in the weights only when it is read at
 * run time (the weights a packed buffer replaces are not); PK() is the step's
 * packed buffer. */
#define STEP_LOCALS                                                              \
  cg *c = t->c;                                                                  \
  qcc_executor *ex = c->ex;                                                      \
  ex_step *s = t->s;                                                             \
  const int i = t->i;                                                            \
  cg_q8_params *q = t->q;                                                        \
  char(*in)[64] = t->in, (*out)[64] = t->out, *scr = t->scr;                     \
  char n1[64], n2[64], n3[64], n4[64], n5[64], f1[64], f2[64];                   \
  (void)ex, (void)i, (void)q, (void)in, (void)out, (void)scr, (void)n1, (void)n2, \
      (void)n3, (void)n4, (void)n5, (void)f1, (void)f2;
#undef IN /* executor_internal.h's IN reads data; here it names the operand */
#define IN(j) operand(c, s->in[j], in[j], sizeof in[j])
#define PK() packed_operand(c, s)

/* Float compute: convolutions, gemm/matmul, elementwise, normalizations, pools,
 * reductions, resize. *done is false for any other step. */
static qcc_status_t emit_float(cg_step *t, bool *done) {
  STEP_LOCALS
  *done = true;
  switch (s->kind) {
    /* ---------------------------------------------------------- float */
    case QCC_OP_conv2d:
      decl_conv(c, &s->u.conv.p, n1, sizeof n1);
      if (s->packed)
        call(c, "qrt_f32_conv2d_packed_mt(P, &%s, %lld, %lld, %lld, %lld, %s, %lld, %s, %s, %s, %zu)", n1, LL(s->u.conv.n),
             LL(s->u.conv.c_in), LL(s->u.conv.h), LL(s->u.conv.w), IN(0), LL(s->u.conv.c_out), PK(), out[0], scr,
             s->scratch);
      else
        call(c, "qrt_f32_conv2d(&%s, %lld, %lld, %lld, %lld, %s, %lld, %s, %s, %s, %s, %zu)", n1, LL(s->u.conv.n),
             LL(s->u.conv.c_in), LL(s->u.conv.h), LL(s->u.conv.w), IN(0), LL(s->u.conv.c_out), IN(1),
             s->n_in > 2 ? IN(2) : "NULL", out[0], scr, s->scratch);
      return NULL;
    case QCC_OP_conv_transpose: {
      const qrt_conv_transpose2d_params_t *p = &s->u.convt.p;
      fmt_f32(p->output_min, f1, sizeof f1);
      fmt_f32(p->output_max, f2, sizeof f2);
      snprintf(n1, sizeof n1, "s%d_convt", i);
      sb_printf(&c->decl,
                "static const qrt_conv_transpose2d_params_t %s = {.groups = %lld, .kernel_h = %lld, .kernel_w = %lld, "
                ".stride_h = %lld, .stride_w = %lld, .pad_top = %lld, .pad_left = %lld, .pad_bottom = %lld, "
                ".pad_right = %lld, .dilation_h = %lld, .dilation_w = %lld, .output_padding_h = %lld, "
                ".output_padding_w = %lld, .output_min = %s, .output_max = %s};\n",
                n1, LL(p->groups), LL(p->kernel_h), LL(p->kernel_w), LL(p->stride_h), LL(p->stride_w),
                LL(p->pad_top), LL(p->pad_left), LL(p->pad_bottom), LL(p->pad_right), LL(p->dilation_h),
                LL(p->dilation_w), LL(p->output_padding_h), LL(p->output_padding_w), f1, f2);
      call(c, "qrt_f32_conv_transpose2d(&%s, %lld, %lld, %lld, %lld, %s, %lld, %s, %s, %s)", n1, LL(s->u.convt.n),
           LL(s->u.convt.c_in), LL(s->u.convt.h), LL(s->u.convt.w), IN(0), LL(s->u.convt.c_out), IN(1),
           s->n_in > 2 ? IN(2) : "NULL", out[0]);
      return NULL;
    }
    case QCC_OP_gemm:
    case QCC_OP_matmul:
      if (s->kind == QCC_OP_gemm || SLOT(1)->rank <= 2) {
        const char *cexpr = s->n_in > 2 ? IN(2) : "NULL";
        fmt_f32(s->u.gemm.alpha, f1, sizeof f1);
        fmt_f32(s->u.gemm.beta, f2, sizeof f2);
        if (ex_is_wo_gemm(s))
          call(c, "qrt_wo_gemm(%lld, %lld, %lld, %s, %lld, %s, %s, %lld, %s, %zu)", LL(s->u.gemm.m), LL(s->u.gemm.n),
               LL(s->u.gemm.k), IN(0), LL(s->u.gemm.lda), PK(), out[0], LL(s->u.gemm.n), scr, s->scratch);
        else if (s->packed)
          call(c, "qrt_f32_gemm_packed_b_mt(P, %d, %lld, %lld, %lld, %s, %s, %lld, %s, %s, %s, %lld, %lld, %s, %lld, %s, %zu)",
               s->u.gemm.ta, LL(s->u.gemm.m), LL(s->u.gemm.n), LL(s->u.gemm.k), f1, IN(0), LL(s->u.gemm.lda), PK(), f2,
               cexpr, LL(s->u.gemm.csm), LL(s->u.gemm.csn), out[0], LL(s->u.gemm.n), scr, s->scratch);
        else
          call(c, "qrt_f32_gemm_mt(P, %d, %d, %lld, %lld, %lld, %s, %s, %lld, %s, %lld, %s, %s, %lld, %lld, %s, %lld, %s, %zu)",
               s->u.gemm.ta, s->u.gemm.tb, LL(s->u.gemm.m), LL(s->u.gemm.n), LL(s->u.gemm.k), f1, IN(0),
               LL(s->u.gemm.lda), IN(1), LL(s->u.gemm.ldb), f2, cexpr, LL(s->u.gemm.csm), LL(s->u.gemm.csn), out[0],
               LL(s->u.gemm.n), scr, s->scratch);
        return NULL;
      }
      decl_i64s(c, "batch", s->u.mm.bshape, s->u.mm.brank, n1, sizeof n1);
      decl_i64s(c, "as", s->u.mm.as, s->u.mm.brank, n2, sizeof n2);
      decl_i64s(c, "bs", s->u.mm.bs, s->u.mm.brank, n3, sizeof n3);
      call(c, "qrt_f32_matmul_mt(P, %lld, %s, %s, %s, %s, %s, %lld, %lld, %lld, %s, %s, %zu)", LL(s->u.mm.brank), n1, IN(0),
           n2, IN(1), n3, LL(s->u.mm.m), LL(s->u.mm.n), LL(s->u.mm.k), out[0], scr, s->scratch);
      return NULL;
    case QCC_OP_add: case QCC_OP_sub: case QCC_OP_mul: case QCC_OP_div: case QCC_OP_max: case QCC_OP_min:
    case QCC_OP_pow: case QCC_OP_prelu:
      decl_i64s(c, "shape", s->u.bin.shape, s->u.bin.rank, n1, sizeof n1);
      decl_i64s(c, "sa", s->u.bin.sa, s->u.bin.rank, n2, sizeof n2);
      decl_i64s(c, "sb", s->u.bin.sb, s->u.bin.rank, n3, sizeof n3);
      if (all_f32(ex, s) && ex_binary_clamps(s)) {
        char lo[48], hi[48];
        fmt_f32(s->u.bin.lo, lo, sizeof lo);
        fmt_f32(s->u.bin.hi, hi, sizeof hi);
        call(c, "qrt_f32_binary_clamp_mt(P, (qrt_binary_op_t)%d, %lld, %s, %s, %s, %s, %s, %s, %s, %s)", (int)s->u.bin.op,
             LL(s->u.bin.rank), n1, IN(0), n2, IN(1), n3, lo, hi, out[0]);
      } else if (all_f32(ex, s))
        call(c, "qrt_f32_binary_mt(P, (qrt_binary_op_t)%d, %lld, %s, %s, %s, %s, %s, %s)", (int)s->u.bin.op,
             LL(s->u.bin.rank), n1, IN(0), n2, IN(1), n3, out[0]);
      else if (s->u.bin.op == QRT_BINARY_POW && s->ty != s->ty2)
        call(c, "qrt_pow_typed((qrt_type_t)%d, (qrt_type_t)%d, %lld, %s, %s, %s, %s, %s, %s)", (int)s->ty,
             (int)s->ty2, LL(s->u.bin.rank), n1, IN(0), n2, IN(1), n3, out[0]);
      else
        call(c, "qrt_binary_typed((qrt_binary_op_t)%d, (qrt_type_t)%d, %lld, %s, %s, %s, %s, %s, %s)",
             (int)s->u.bin.op, (int)s->ty, LL(s->u.bin.rank), n1, IN(0), n2, IN(1), n3, out[0]);
      return NULL;
    case QCC_OP_where:
      decl_i64s(c, "shape", s->u.bin.shape, s->u.bin.rank, n1, sizeof n1);
      decl_i64s(c, "sa", s->u.bin.sa, s->u.bin.rank, n2, sizeof n2);
      decl_i64s(c, "sb", s->u.bin.sb, s->u.bin.rank, n3, sizeof n3);
      decl_i64s(c, "sc", s->u.bin.sc, s->u.bin.rank, n4, sizeof n4);
      if (OSLOT(0)->dtype == QCC_NPY_F32)
        call(c, "qrt_f32_where(%lld, %s, %s, %s, %s, %s, %s, %s, %s)", LL(s->u.bin.rank), n1, IN(0), n2, IN(1), n3,
             IN(2), n4, out[0]);
      else
        call(c, "qrt_where_bytes(%zu, %lld, %s, %s, %s, %s, %s, %s, %s, %s)", esize(OSLOT(0)), LL(s->u.bin.rank), n1,
             IN(0), n2, IN(1), n3, IN(2), n4, out[0]);
      return NULL;
    case QCC_OP_relu: case QCC_OP_leaky_relu: case QCC_OP_clip: case QCC_OP_sigmoid: case QCC_OP_tanh:
    case QCC_OP_hard_sigmoid: case QCC_OP_hard_swish: case QCC_OP_gelu: case QCC_OP_erf: case QCC_OP_exp:
    case QCC_OP_log: case QCC_OP_sqrt: case QCC_OP_neg: case QCC_OP_abs:
      fmt_f32(s->u.un.alpha, f1, sizeof f1);
      fmt_f32(s->u.un.beta, f2, sizeof f2);
      if (all_f32(ex, s))
        call(c, "qrt_f32_unary_mt(P, (qrt_unary_op_t)%d, %s, %s, %lld, %s, %s)", (int)s->u.un.op, f1, f2,
             LL(OSLOT(0)->numel), IN(0), out[0]);
      else if (s->kind == QCC_OP_clip)
        call(c, "qrt_clip_typed((qrt_type_t)%d, %lld, %s, %s, %s, %s)", (int)s->ty, LL(OSLOT(0)->numel), IN(0), f1,
             f2, out[0]);
      else
        call(c, "qrt_unary_typed((qrt_unary_op_t)%d, (qrt_type_t)%d, %lld, %s, %s)", (int)s->u.un.op, (int)s->ty,
             LL(OSLOT(0)->numel), IN(0), out[0]);
      return NULL;
    case QCC_OP_softmax:
    case QCC_OP_log_softmax:
      call(c, "qrt_f32_%s%lld, %lld, %lld, %s, %s)", s->kind == QCC_OP_softmax ? "softmax_mt(P, " : "log_softmax(",
           LL(s->u.ax.outer), LL(s->u.ax.axis), LL(s->u.ax.inner), IN(0), out[0]);
      return NULL;
    case QCC_OP_layer_norm: {
      char sc2[64];
      const char *scale = IN(1), *bias = s->n_in > 2 ? IN(2) : "NULL";
      if (s->u.ln.xs || (s->n_in > 2 && s->u.ln.xb)) decl_i64s(c, "shape", s->u.ln.shape, s->u.ln.rank, n1, sizeof n1);
      if (s->u.ln.xs) {
        decl_i64s(c, "ss", s->u.ln.ss, s->u.ln.rank, n2, sizeof n2);
        call(c, "qrt_broadcast_copy(4, %lld, %s, %s, %s, %s)", LL(s->u.ln.rank), n1, IN(1), n2, scr);
        scale = scr;
      }
      if (s->n_in > 2 && s->u.ln.xb) {
        decl_i64s(c, "bs", s->u.ln.bs, s->u.ln.rank, n3, sizeof n3);
        scratch_addr(c, i, align64((size_t)s->u.ln.inner * sizeof(float)), sc2, sizeof sc2);
        call(c, "qrt_broadcast_copy(4, %lld, %s, %s, %s, %s)", LL(s->u.ln.rank), n1, IN(2), n3, sc2);
        bias = sc2;
      }
      fmt_f32(s->u.ln.eps, f1, sizeof f1);
      call(c, "qrt_f32_layer_norm_mt(P, %lld, %lld, %s, %s, %s, %s, %s, NULL, NULL)", LL(s->u.ln.outer), LL(s->u.ln.inner),
           IN(0), scale, bias, f1, out[0]);
      return NULL;
    }
    case QCC_OP_batch_norm:
      fmt_f32(s->u.ax.eps, f1, sizeof f1);
      call(c, "qrt_f32_batch_norm(%lld, %lld, %lld, %s, %s, %s, %s, %s, %s, %s)", LL(s->u.ax.outer), LL(s->u.ax.axis),
           LL(s->u.ax.inner), IN(0), IN(1), IN(2), IN(3), IN(4), f1, out[0]);
      return NULL;
    case QCC_OP_max_pool:
    case QCC_OP_avg_pool:
    case QCC_OP_global_avg_pool:
      if (s->kind == QCC_OP_global_avg_pool) {
        call(c, "qrt_f32_global_avg_pool(%lld, %lld, %lld, %s, %s)", LL(s->u.pool.n), LL(s->u.pool.c),
             LL(s->u.pool.h), IN(0), out[0]);
        return NULL;
      }
      decl_pool(c, &s->u.pool.p, n1, sizeof n1);
      if (SLOT(0)->dtype != QCC_NPY_F32 || OSLOT(0)->dtype != QCC_NPY_F32)
        call(c, "qrt_max_pool2d_typed((qrt_type_t)%d, &%s, %lld, %lld, %lld, %lld, %s, %s)", (int)s->ty, n1,
             LL(s->u.pool.n), LL(s->u.pool.c), LL(s->u.pool.h), LL(s->u.pool.w), IN(0), out[0]);
      else
        call(c, "qrt_f32_%s_pool2d(&%s, %lld, %lld, %lld, %lld, %s, %s)", s->kind == QCC_OP_max_pool ? "max" : "avg",
             n1, LL(s->u.pool.n), LL(s->u.pool.c), LL(s->u.pool.h), LL(s->u.pool.w), IN(0), out[0]);
      return NULL;
    case QCC_OP_reduce_mean:
    case QCC_OP_reduce_sum:
      decl_i64s(c, "shape", s->u.red.shape, s->u.red.rank, n1, sizeof n1);
      call(c, "qrt_f32_reduce((qrt_reduce_op_t)%d, %lld, %s, 0x%xu, %s, %s)", (int)s->u.red.op, LL(s->u.red.rank), n1,
           (unsigned)s->u.red.mask, IN(0), out[0]);
      return NULL;
    case QCC_OP_resize: {
      const qrt_resize_params_t *p = &s->u.rs.p;
      char d1[64], d2[64];
      fmt_f64(p->scale_h, d1, sizeof d1);
      fmt_f64(p->scale_w, d2, sizeof d2);
      snprintf(n1, sizeof n1, "s%d_resize", i);
      sb_printf(&c->decl,
                "static const qrt_resize_params_t %s = {.mode = (qrt_resize_mode_t)%d, .coord = (qrt_resize_coord_t)%d, "
                ".nearest = (qrt_resize_nearest_t)%d, .scale_h = %s, .scale_w = %s};\n",
                n1, (int)p->mode, (int)p->coord, (int)p->nearest, d1, d2);
      call(c, "qrt_f32_resize(&%s, %lld, %lld, %lld, %lld, %s, %lld, %lld, %s)", n1, LL(s->u.rs.n), LL(s->u.rs.c),
           LL(s->u.rs.h), LL(s->u.rs.w), IN(0), LL(s->u.rs.oh), LL(s->u.rs.ow), out[0]);
      return NULL;
    }
    default:
      *done = false;
      return NULL;
  }
}

/* Data movement (any element type) and casts. *done is false for any other step. */
static qcc_status_t emit_data(cg_step *t, bool *done) {
  STEP_LOCALS
  *done = true;
  switch (s->kind) {
    /* --------------------------------------------------- data movement */
    case QCC_OP_transpose:
      decl_i64s(c, "shape", s->u.dm.in_shape, s->u.dm.rank, n1, sizeof n1);
      decl_i64s(c, "perm", s->u.dm.a, s->u.dm.rank, n2, sizeof n2);
      call(c, "qrt_transpose(%zu, %lld, %s, %s, %s, %s)", esize(SLOT(0)), LL(s->u.dm.rank), n1, n2, IN(0), out[0]);
      return NULL;
    case QCC_OP_concat:
    case QCC_OP_split: {
      bool cat = s->kind == QCC_OP_concat;
      int n = cat ? s->n_in : s->n_out;
      decl_i64s(c, "sizes", s->lbuf, n, n1, sizeof n1);
      sb_printf(&c->body, "  {\n    %s const parts[%d] = {", cat ? "const void *" : "void *", n);
      for (int j = 0; j < n; j++) sb_printf(&c->body, "%s%s", j ? ", " : "", cat ? IN(j) : out[j]);
      sb_printf(&c->body, "};\n  ");
      if (cat)
        call(c, "qrt_concat(%zu, %lld, %lld, %d, parts, %s, %s)", esize(OSLOT(0)), LL(s->u.ax.outer),
             LL(s->u.ax.inner), n, n1, out[0]);
      else
        call(c, "qrt_split(%zu, %lld, %lld, %s, %d, parts, %s)", esize(SLOT(0)), LL(s->u.ax.outer), LL(s->u.ax.inner),
             IN(0), n, n1);
      sb_printf(&c->body, "  }\n");
      return NULL;
    }
    case QCC_OP_slice:
      decl_i64s(c, "shape", s->u.dm.in_shape, s->u.dm.rank, n1, sizeof n1);
      decl_i64s(c, "starts", s->u.dm.a, s->u.dm.rank, n2, sizeof n2);
      decl_i64s(c, "steps", s->u.dm.b, s->u.dm.rank, n3, sizeof n3);
      decl_i64s(c, "out_shape", s->u.dm.out_shape, s->u.dm.rank, n4, sizeof n4);
      call(c, "qrt_slice(%zu, %lld, %s, %s, %s, %s, %s, %s)", esize(SLOT(0)), LL(s->u.dm.rank), n1, n2, n3, n4, IN(0),
           out[0]);
      return NULL;
    case QCC_OP_pad:
      decl_i64s(c, "shape", s->u.pad.in_shape, s->u.pad.rank, n1, sizeof n1);
      decl_i64s(c, "pads", s->u.pad.pads, 2 * s->u.pad.rank, n2, sizeof n2);
      snprintf(n3, sizeof n3, "s%d_value", i);
      sb_printf(&c->decl, "static const uint64_t %s = 0x%llxull;\n", n3, (unsigned long long)s->u.pad.value);
      call(c, "qrt_pad(%zu, (qrt_pad_mode_t)%d, %lld, %s, %s, &%s, %s, %s)", esize(SLOT(0)), (int)s->u.pad.mode,
           LL(s->u.pad.rank), n1, n2, n3, IN(0), out[0]);
      return NULL;
    case QCC_OP_gather: {
      int64_t n = SLOT(1)->numel;
      const char *idx = IN(1);
      if (SLOT(1)->dtype == QCC_NPY_I32) {
        /* int32 indices widened into the scratch, as the executor does */
        sb_printf(&c->body,
                  "  for (int64_t j = 0; j < %lld; j++) ((int64_t *)%s)[j] = ((const int32_t *)%s)[j];\n",
                  LL(n), scr, IN(1));
        idx = scr;
      }
      call(c, "qrt_gather(%zu, %lld, %lld, %lld, %s, %lld, %s, %s)", esize(SLOT(0)), LL(s->u.ax.outer),
           LL(s->u.ax.axis), LL(s->u.ax.inner), IN(0), LL(n), idx, out[0]);
      return NULL;
    }
    case QCC_OP_expand:
      decl_i64s(c, "shape", s->u.bin.shape, s->u.bin.rank, n1, sizeof n1);
      decl_i64s(c, "sa", s->u.bin.sa, s->u.bin.rank, n2, sizeof n2);
      call(c, "qrt_broadcast_copy(%zu, %lld, %s, %s, %s, %s)", esize(SLOT(0)), LL(s->u.bin.rank), n1, IN(0), n2,
           out[0]);
      return NULL;
    case QCC_OP_cast:
      if (s->u.cast.from == s->u.cast.to) {
        sb_printf(&c->body, "  memcpy(%s, %s, %zu);\n", out[0], IN(0), OSLOT(0)->nbytes);
        c->n_calls++;
      } else {
        call(c, "qrt_cast_typed((qrt_type_t)%d, (qrt_type_t)%d, %lld, %s, %s)", (int)s->u.cast.from, (int)s->u.cast.to,
             LL(OSLOT(0)->numel), IN(0), out[0]);
      }
      return NULL;
    default:
      *done = false;
      return NULL;
  }
}

/* Quantization and the quantized ops (qrt_quant.h, qrt_q8.h). *done is false for any other step. */
static qcc_status_t emit_quant(cg_step *t, bool *done) {
  STEP_LOCALS
  *done = true;
  switch (s->kind) {
    /* ---------------------------------------------------- quantization */
    case QCC_OP_quantize:
    case QCC_OP_dequantize:
    case QCC_OP_fake_quant:
      decl_f32s(c, "scales", s->fbuf, s->u.q.ch, n1, sizeof n1);
      decl_i32s(c, "zero_points", s->ibuf, s->u.q.ch, n2, sizeof n2);
      if (s->kind != QCC_OP_dequantize)
        call(c, "qrt_quantize_f32_%s(qrt_dtype_t)%d, %ld, %ld, %lld, %lld, %lld, %s, %s, %s, %s)",
             s->kind == QCC_OP_quantize ? "mt(P, " : "reference(", (int)s->u.q.storage, (long)s->u.q.qmin, (long)s->u.q.qmax, LL(s->u.q.outer), LL(s->u.q.ch),
             LL(s->u.q.inner), IN(0), n1, n2, s->kind == QCC_OP_quantize ? out[0] : scr);
      if (s->kind != QCC_OP_quantize)
        call(c, "qrt_dequantize_f32_reference((qrt_dtype_t)%d, %lld, %lld, %lld, %s, %s, %s, %s)", (int)s->u.q.storage,
             LL(s->u.q.outer), LL(s->u.q.ch), LL(s->u.q.inner), s->kind == QCC_OP_dequantize ? IN(0) : scr, n1, n2,
             out[0]);
      return NULL;
    case QCC_OP_qconv2d: {
      bool bias = s->n_in > 2 && s->in[2] >= 0;
      decl_conv(c, &s->u.conv.p, n1, sizeof n1);
      if (is_const(ex, s->in[1]) && (!bias || is_const(ex, s->in[2]))) {
        qrt_layout_t xl, yl; /* the plan's layouts (qcc-select-layout), as the executor runs them */
        ex_conv_layouts(ex, s, &xl, &yl);
        if (xl != QRT_LAYOUT_NCHW || yl != QRT_LAYOUT_NCHW) {
          call(c, "qrt_q8_conv2d_packed_layout_mt(P, &%s, %lld, %lld, %lld, %lld, %s, %s, %lld, %s, %s, %s, %s, %zu)", n1,
               LL(s->u.conv.n), LL(s->u.conv.c_in), LL(s->u.conv.h), LL(s->u.conv.w), IN(0),
               xl == QRT_LAYOUT_NCHW4C ? "QRT_LAYOUT_NCHW4C" : "QRT_LAYOUT_NCHW", LL(s->u.conv.c_out), PK(), out[0],
               yl == QRT_LAYOUT_NCHW4C ? "QRT_LAYOUT_NCHW4C" : "QRT_LAYOUT_NCHW", scr, s->scratch);
          return NULL;
        }
        call(c, "qrt_q8_conv2d_packed_mt(P, &%s, %lld, %lld, %lld, %lld, %s, %lld, %s, %s, %s, %zu)", n1, LL(s->u.conv.n),
             LL(s->u.conv.c_in), LL(s->u.conv.h), LL(s->u.conv.w), IN(0), LL(s->u.conv.c_out), PK(), out[0], scr,
             s->scratch);
        return NULL;
      }
      if (!s->packed || s->packed_size != sizeof(cg_q8_params))
        return qcc_status_make(QCC_ERR_INTERNAL, "%s: codegen: unexpected parameter block", s->where);
      q = s->packed;
      decl_act(c, "a", &q->a, n2, sizeof n2);
      decl_weights(c, &q->w, n3, sizeof n3);
      decl_out(c, &q->y, n4, sizeof n4);
      call(c, "qrt_q8_conv2d(&%s, %lld, %lld, %lld, %lld, &%s, %s, %lld, &%s, %s, %s, &%s, %s, %s, %zu)", n1,
           LL(s->u.conv.n), LL(s->u.conv.c_in), LL(s->u.conv.h), LL(s->u.conv.w), n2, IN(0), LL(s->u.conv.c_out), n3,
           IN(1), bias ? IN(2) : "NULL", n4, out[0], scr, s->scratch);
      return NULL;
    }
    case QCC_OP_qgemm:
      call(c, "qrt_q8_gemm_packed_mt(P, %lld, %lld, %lld, %s, %lld, %s, %s, %lld, %s, %zu)", LL(s->u.gemm.m),
           LL(s->u.gemm.n), LL(s->u.gemm.k), IN(0), LL(s->u.gemm.k), PK(), out[0], LL(s->u.gemm.n), scr, s->scratch);
      return NULL;
    case QCC_OP_qgemm_dynamic: {
      /* scratch: x as u8 rows, then M scales and M zero points, then the gemm's; the rows of
       * an input an earlier Linear quantized are that step's (executor.c, dq_src) */
      int64_t m = s->u.gemm.m, n = s->u.gemm.n, k = s->u.gemm.k;
      const int q = s->dq_src ? s->dq_src - 1 : i;
      size_t off = align64((size_t)(m * k)), used = ex_dq_rows_bytes(m, k);
      char xq[64], xs[64], xz[64], rest[64];
      scratch_addr(c, q, 0, xq, sizeof xq);
      scratch_addr(c, q, off, xs, sizeof xs);
      scratch_addr(c, q, off + (size_t)m * sizeof(float), xz, sizeof xz);
      scratch_addr(c, i, used, rest, sizeof rest);
      if (!s->dq_src)
        call(c, "qrt_q8_dynamic_quantize_rows_mt(P, QRT_DTYPE_U8, 0, %lld, %lld, %s, %s, %s, %s)", LL(m), LL(k), IN(0),
             xq, xs, xz);
      call(c, "qrt_q8_gemm_dynamic_packed_mt(P, %lld, %lld, %lld, %s, %lld, %s, %s, 1, %s, %s, %lld, %s, %zu)", LL(m), LL(n),
           LL(k), xq, LL(k), xs, xz, PK(), out[0], LL(n), rest, s->scratch - used);
      return NULL;
    }
    case QCC_OP_qmatmul:
    case QCC_OP_matmul_integer: {
      bool integer = s->kind == QCC_OP_matmul_integer;
      decl_i64s(c, "batch", s->u.mm.bshape, s->u.mm.brank, n1, sizeof n1);
      decl_i64s(c, "as", s->u.mm.as, s->u.mm.brank, n2, sizeof n2);
      decl_i64s(c, "bs", s->u.mm.bs, s->u.mm.brank, n3, sizeof n3);
      char za[128], zb[128];
      if (integer) {
        QCC_RETURN_IF_ERROR(zero_point_expr(c, s, 2, za, sizeof za));
        QCC_RETURN_IF_ERROR(zero_point_expr(c, s, 3, zb, sizeof zb));
      } else {
        snprintf(za, sizeof za, "%ld", (long)q->a.zero_point);
        snprintf(zb, sizeof zb, "%ld", (long)q->b.zero_point);
      }
      fmt_f32(q->a.scale, f1, sizeof f1);
      fmt_f32(q->b.scale, f2, sizeof f2);
      sb_printf(&c->body, "  {\n    const int32_t za = %s, zb = %s;\n", za, zb);
      if (!integer) sb_printf(&c->body, "    static const float sa = %s, sb = %s;\n", f1, f2);
      sb_printf(&c->body, "    const qrt_q8_matrix_t a = {(qrt_dtype_t)%d, %s, %s, %s, &za, NULL, 0};\n",
                (int)q->a.type, IN(0), n2, integer ? "NULL" : "&sa");
      sb_printf(&c->body, "    const qrt_q8_matrix_t b = {(qrt_dtype_t)%d, %s, %s, %s, &zb, NULL, 0};\n  ",
                (int)q->b.type, IN(1), n3, integer ? "NULL" : "&sb");
      if (integer) {
        call(c, "qrt_q8_matmul_integer(%lld, %s, %lld, %lld, %lld, &a, &b, %s)", LL(s->u.mm.brank), n1, LL(s->u.mm.m),
             LL(s->u.mm.n), LL(s->u.mm.k), out[0]);
      } else {
        decl_out(c, &q->y, n4, sizeof n4);
        call(c, "qrt_q8_matmul(%lld, %s, %lld, %lld, %lld, &a, &b, &%s, %s)", LL(s->u.mm.brank), n1, LL(s->u.mm.m),
             LL(s->u.mm.n), LL(s->u.mm.k), n4, out[0]);
      }
      sb_printf(&c->body, "  }\n");
      return NULL;
    }
    case QCC_OP_conv_integer: {
      char za[128], zb[128];
      QCC_RETURN_IF_ERROR(zero_point_expr(c, s, 2, za, sizeof za));
      QCC_RETURN_IF_ERROR(zero_point_expr(c, s, 3, zb, sizeof zb));
      decl_conv(c, &s->u.conv.p, n1, sizeof n1);
      sb_printf(&c->body, "  {\n    const int32_t za = %s, zb = %s;\n", za, zb);
      sb_printf(&c->body, "    const qrt_q8_weights_t wq = {(qrt_dtype_t)%d, 0, NULL, 1, &zb};\n  ", (int)q->b.type);
      call(c, "qrt_q8_conv_integer(&%s, %lld, %lld, %lld, %lld, (qrt_dtype_t)%d, za, %s, %lld, &wq, %s, %s)", n1,
           LL(s->u.conv.n), LL(s->u.conv.c_in), LL(s->u.conv.h), LL(s->u.conv.w), (int)q->a.type, IN(0),
           LL(s->u.conv.c_out), IN(1), out[0]);
      sb_printf(&c->body, "  }\n");
      return NULL;
    }
    case QCC_OP_dynamic_quantize:
      call(c, "qrt_q8_dynamic_quantize_linear(%lld, %s, %s, %s, %s)", LL(SLOT(0)->numel), IN(0), out[0], out[1],
           out[2]);
      return NULL;
    case QCC_OP_qadd:
    case QCC_OP_qmul:
      decl_i64s(c, "shape", s->u.bin.shape, s->u.bin.rank, n1, sizeof n1);
      decl_i64s(c, "sa", s->u.bin.sa, s->u.bin.rank, n2, sizeof n2);
      decl_i64s(c, "sb", s->u.bin.sb, s->u.bin.rank, n3, sizeof n3);
      decl_act(c, "a", &q->a, n4, sizeof n4);
      decl_act(c, "b", &q->b, n5, sizeof n5);
      decl_out(c, &q->y, f1, sizeof f1);
      call(c, "qrt_q8_binary_mt(P, %s, %lld, %s, &%s, %s, %s, &%s, %s, %s, &%s, %s)",
           s->kind == QCC_OP_qadd ? "QRT_Q8_ADD" : "QRT_Q8_MUL", LL(s->u.bin.rank), n1, n4, IN(0), n2, n5, IN(1), n3,
           f1, out[0]);
      return NULL;
    case QCC_OP_qavg_pool:
    case QCC_OP_qglobal_avg_pool:
      decl_act(c, "a", &q->a, n2, sizeof n2);
      decl_out(c, &q->y, n3, sizeof n3);
      if (s->kind == QCC_OP_qglobal_avg_pool) {
        call(c, "qrt_q8_global_avg_pool(%lld, %lld, %lld, &%s, %s, &%s, %s)", LL(s->u.pool.n), LL(s->u.pool.c),
             LL(s->u.pool.h), n2, IN(0), n3, out[0]);
      } else {
        decl_pool(c, &s->u.pool.p, n1, sizeof n1);
        call(c, "qrt_q8_avg_pool2d(&%s, %lld, %lld, %lld, %lld, &%s, %s, &%s, %s)", n1, LL(s->u.pool.n),
             LL(s->u.pool.c), LL(s->u.pool.h), LL(s->u.pool.w), n2, IN(0), n3, out[0]);
      }
      return NULL;
    case QCC_OP_lut:
      snprintf(n1, sizeof n1, "s%d_table", i);
      sb_printf(&c->decl, "static const uint8_t %s[256] = {", n1);
      for (int b = 0; b < 256; b++) sb_printf(&c->decl, "%s%u", b ? (b % 32 ? ", " : ",\n  ") : "", q->table[b]);
      sb_printf(&c->decl, "};\n");
      call(c, "qrt_q8_lut(%lld, %s, %s, %s)", LL(SLOT(0)->numel), n1, IN(0), out[0]);
      return NULL;
    default:
      *done = false;
      return NULL;
  }
}

#undef PK
#undef IN
#undef STEP_LOCALS

static qcc_status_t emit_step(cg *c, int i) {
  ex_step *s = &c->ex->steps[i];
  c->step = i;
  c->packed_name[0] = 0;
  if (s->n_in > QCC_MAX_VARIADIC + 8 || s->n_out > QCC_MAX_VARIADIC + 8) return unsupported(s, "too many operands");
  /* the comment names the op and its location (no comment terminator inside) */
  sb_printf(&c->body, "\n  /* %d: ", i);
  for (const char *p = s->where; *p; p++) {
    if (p[0] == '*' && p[1] == '/') { sb_printf(&c->body, "* "); continue; }
    sb_printf(&c->body, "%c", (unsigned char)*p >= 32 ? *p : ' ');
  }
  sb_printf(&c->body, " */\n");
  if (is_observe(s)) {
    sb_printf(&c->body, "  /* observe: an identity at run time */\n");
    return NULL;
  }
  cg_step t; /* 34 KB of operand names */
  memset(&t, 0, sizeof t);
  t.c = c, t.s = s, t.i = i;
  for (int j = 0; j < s->n_out; j++) operand(c, s->out[j], t.out[j], sizeof t.out[j]);
  scratch_addr(c, i, 0, t.scr, sizeof t.scr);
  switch (s->kind) {
    case QCC_OP_qadd: case QCC_OP_qmul: case QCC_OP_qavg_pool: case QCC_OP_qglobal_avg_pool: case QCC_OP_lut:
    case QCC_OP_qmatmul: case QCC_OP_matmul_integer: case QCC_OP_conv_integer:
      if (!s->packed || s->packed_size != sizeof(cg_q8_params))
        return qcc_status_make(QCC_ERR_INTERNAL, "%s: codegen: unexpected parameter block", s->where);
      t.q = s->packed;
      break;
    default: break;
  }
  qcc_status_t (*const emitters[])(cg_step *, bool *) = {emit_float, emit_data, emit_quant};
  for (size_t k = 0; k < sizeof emitters / sizeof emitters[0]; k++) {
    bool done = false;
    qcc_status_t st = emitters[k](&t, &done);
    if (st || done) return st;
  }
  return unsupported(s, "qcc compile has no emitter for this op yet (the executor runs it)");
}

/* ------------------------------------------------------------- the files */

static const char *npy_descr(qcc_npy_dtype_t t) {
  switch (t) {
    case QCC_NPY_BOOL: return "|b1";
    case QCC_NPY_I8: return "|i1";
    case QCC_NPY_U8: return "|u1";
    case QCC_NPY_I16: return "<i2";
    case QCC_NPY_U16: return "<u2";
    case QCC_NPY_I32: return "<i4";
    case QCC_NPY_U32: return "<u4";
    case QCC_NPY_I64: return "<i8";
    case QCC_NPY_U64: return "<u8";
    case QCC_NPY_F16: return "<f2";
    case QCC_NPY_F32: return "<f4";
    case QCC_NPY_F64: return "<f8";
    default: return "?";
  }
}

/* A C string literal's contents for s. */
static void c_string(sbuf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') sb_printf(b, "\\%c", *p);
    else if (*p < 32 || *p >= 127) sb_printf(b, "\\%03o", *p);
    else sb_printf(b, "%c", *p);
  }
}

/* Text for a comment: no comment terminator, printable ASCII. */
static void c_comment(sbuf *b, const char *s) {
  for (const char *p = s; *p; p++) {
    if (p[0] == '*' && p[1] == '/') { sb_printf(b, "* "); continue; }
    sb_printf(b, "%c", (unsigned char)*p >= 32 && (unsigned char)*p < 127 ? *p : '?');
  }
}

static void shape_text(sbuf *b, const ex_slot *s) {
  sb_printf(b, "[");
  for (int d = 0; d < s->rank; d++) sb_printf(b, "%s%lld", d ? ", " : "", LL(s->shape[d]));
  sb_printf(b, "]");
}

/* The quantization of a value's element type, for the header. */
static void quant_text(sbuf *b, MlirType t) {
  MlirType e = mlirShapedTypeGetElementType(t);
  if (!mlirTypeIsAQuantizedType(e)) { sb_printf(b, "not quantized"); return; }
  sb_printf(b, "quantized %s%u, real = (q - zero_point) * scale, ",
            mlirQuantizedTypeIsSigned(e) ? "s" : "u", mlirQuantizedTypeGetStorageTypeIntegralWidth(e));
  if (mlirTypeIsAUniformQuantizedType(e)) {
    sb_printf(b, "scale %.9g, zero point %lld", mlirUniformQuantizedTypeGetScale(e),
              LL(mlirUniformQuantizedTypeGetZeroPoint(e)));
  } else if (mlirTypeIsAUniformQuantizedPerAxisType(e)) {
    intptr_t n = mlirUniformQuantizedPerAxisTypeGetNumDims(e);
    sb_printf(b, "per axis %d: scales {", (int)mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(e));
    for (intptr_t i = 0; i < n; i++) sb_printf(b, "%s%.9g", i ? ", " : "", mlirUniformQuantizedPerAxisTypeGetScale(e, i));
    sb_printf(b, "}, zero points {");
    for (intptr_t i = 0; i < n; i++)
      sb_printf(b, "%s%lld", i ? ", " : "", LL(mlirUniformQuantizedPerAxisTypeGetZeroPoint(e, i)));
    sb_printf(b, "}");
  } else {
    sb_printf(b, "(an unsupported quant type)");
  }
}

static void io_doc(cg *c, sbuf *h, const char *what, int k, const char *name, int slot, MlirType t) {
  const ex_slot *s = &c->ex->slots[slot];
  sb_printf(h, " *   %s %d \"", what, k);
  c_comment(h, name);
  sb_printf(h, "\": %s%s ", s->bf16 ? "bfloat16 bits as " : "", qcc_npy_dtype_name(s->dtype));
  shape_text(h, s);
  sb_printf(h, ", %zu bytes; ", s->nbytes);
  quant_text(h, t);
  sb_printf(h, "\n");
}

static void runner_table(cg *c, sbuf *r, const char *what, int n, const int *slots, char *const *names) {
  sb_printf(r, "static const qcc_runner_tensor %s_%s[] = {\n", c->name, what);
  for (int k = 0; k < n; k++) {
    const ex_slot *s = &c->ex->slots[slots[k]];
    sb_printf(r, "  {\"");
    c_string(r, names[k]);
    sb_printf(r, "\", \"%s\", %d, {", npy_descr(s->dtype), s->rank);
    for (int d = 0; d < s->rank; d++) sb_printf(r, "%s%lld", d ? ", " : "", LL(s->shape[d]));
    sb_printf(r, "%s}, %zuu},\n", s->rank ? "" : "0", s->nbytes);
  }
  if (!n) sb_printf(r, "  {\"\", \"\", 0, {0}, 0u},\n");
  sb_printf(r, "};\n");
}

/* NAME.qrt.h: the int8 conv/Linear rows the packed weights name, whether any
 * is packed for the scalar reference or depthwise or is a convolution packed
 * for the amx row or a Linear that runs the amx row's tiles, and the Linear tiles the
 * driver calls for each qgemm's rows (runtime/src/qrt_plan.h). A step that
 * packs at run time (weights computed by the graph) may take any row: then
 * the header restricts nothing. */
static void plan_header(cg *c, bool all, sbuf *b) {
  qcc_executor *ex = c->ex;
  unsigned rows = 0;
  bool scalar = false, dw = false, amx_conv = false, amx_gemm = false;
  uint64_t tiles = 0;
  bool any = all;
  for (int i = 0; i < ex->n_steps && !any; i++) {
    const ex_step *s = &ex->steps[i];
    qrt_q8_packed_info_t in;
    if (s->kind == QCC_OP_qconv2d && !ex_q8_packed_step(s)) any = true;
    if (!ex_q8_packed_step(s) || qrt_q8_packed_info(s->packed, s->packed_size, &in) != QRT_OK) continue;
    if (in.kind == QRT_Q8_PACKED_DWCONV) dw = true;
    else if (in.variant == QRT_ISA_SCALAR) scalar = true;
    else rows |= 1u << in.variant;
    if (in.kind == QRT_Q8_PACKED_CONV && in.variant == QRT_ISA_AMX) amx_conv = true;
    uint64_t t = 0;
    if (in.kind == QRT_Q8_PACKED_GEMM || in.kind == QRT_Q8_PACKED_GEMM_DYNAMIC) {
      if (qrt_q8_gemm_uses_amx(s->packed, s->packed_size, s->u.gemm.m)) amx_gemm = true;
      if (qrt_q8_gemm_tiles_used(s->packed, s->packed_size, s->u.gemm.m, &t) == QRT_OK) tiles |= t;
    }
  }
  sb_printf(b, "/* %s.qrt.h — generated by `qcc compile`: the int8 kernels %s.c calls\n"
               " * (runtime/src/qrt_plan.h); the libqrt sources that read it are compiled with\n"
               " * it for this model's library. Do not edit. */\n", c->name, c->name);
  if (any) {
    sb_printf(b, "/* %s: every row and tile is kept */\n",
              all ? "qcc compile --all-kernels" : "a step packs its weights at run time");
    return;
  }
  sb_printf(b, "#define QRT_PLAN_Q8_ROWS 0x%xu /* rows:", rows);
  for (int l = 0; l < 32; l++)
    if (rows >> l & 1) sb_printf(b, " %s", qrt_isa_name((qrt_isa_t)l));
  sb_printf(b, "%s */\n#define QRT_PLAN_Q8_SCALAR %d\n#define QRT_PLAN_Q8_DWCONV %d\n", rows ? "" : " none", scalar,
            dw);
  sb_printf(b, "#define QRT_PLAN_Q8_AMX_CONV %d\n#define QRT_PLAN_Q8_AMX_GEMM %d\n", amx_conv, amx_gemm);
  sb_printf(b, "#define QRT_PLAN_Q8_GEMM_TILES 0x%llxull /* rows x panels:", (unsigned long long)tiles);
  for (int k = 0; k < 64; k++)
    if (tiles >> k & 1) sb_printf(b, " %dx%d", k / 8 + 1, k % 8 + 1);
  sb_printf(b, "%s */\n", tiles ? "" : " none");
}

static qcc_status_t emit_files(cg *c, MlirModule m, const qcc_codegen_options *o, qcc_codegen_result *res) {
  qcc_executor *ex = c->ex;
  const char *N = c->name, *model = o->model_path ? o->model_path : "(a module)";
  const char *target = o->target ? o->target : "native";
  const qcc_target *tgt = qcc_target_find(target);
  MlirOperation f = qcc_module_main(m);
  MlirBlock blk = mlirRegionGetFirstBlock(mlirOperationGetRegion(f, 0));
  MlirOperation ret = mlirBlockGetTerminator(blk);
  size_t wsize = c->blob_n;

  /* ---- NAME.h */
  sbuf h = {0};
  char upper[80];
  size_t ul = 0;
  for (const char *p = N; *p && ul + 1 < sizeof upper; p++) upper[ul++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
  upper[ul] = 0;
  sb_printf(&h, "/* %s.h — generated by `qcc compile` from ", N);
  c_comment(&h, model);
  sb_printf(&h, " (target %s). Do not edit.\n *\n", target);
  sb_printf(&h,
            " * Inputs and outputs, in the order of NAME_run's arrays. The batch size is\n"
            " * fixed at compile time: every shape is exact. Each buffer is contiguous,\n"
            " * row-major (C order), dims as listed: the model's own layout (ONNX image\n"
            " * tensors are NCHW); no transposes happen at the boundary.\n");
  for (int k = 0; k < ex->n_inputs; k++)
    io_doc(c, &h, "input ", k, ex->input_names[k], ex->input_slots[k],
           mlirValueGetType(mlirBlockGetArgument(blk, k)));
  for (int k = 0; k < ex->n_outputs; k++)
    io_doc(c, &h, "output", k, ex->output_names[k], ex->output_slots[k],
           mlirValueGetType(mlirOperationGetOperand(ret, k)));
  sb_printf(&h,
            " *\n * Memory: the caller owns the context and the arena (%s_arena_size() bytes,\n"
            " * any alignment: %s_init aligns it to 64 bytes). The arena holds every\n"
            " * intermediate tensor and the kernels' scratch, at offsets planned at\n"
            " * compile time from liveness: %zu bytes planned; the busiest step needs\n"
            " * %zu bytes live at once (the lower bound for this schedule).\n",
            N, N, c->arena_end, c->lower_bound);
  if (o->weights_file)
    sb_printf(&h,
              " * Weights: %zu bytes in the file %s.weights, which the caller loads\n"
              " * (64-byte aligned, unchanged while contexts use it) and passes to %s_init.\n",
              wsize, N, N);
  else
    sb_printf(&h, " * Weights: %zu bytes, embedded in lib%s.a (.incbin of %s.weights.bin).\n", wsize, N, N);
  sb_printf(&h,
            " * Outputs are written straight into the caller's buffers, which must not\n"
            " * overlap the inputs or the arena.\n *\n"
            " * Threads: %s_init(..., threads) with 1 <= threads <= %s_MAX_THREADS (qcc\n"
            " * compile --max-threads; the arena holds each thread's kernel scratch). With\n"
            " * threads > 1 it starts threads - 1 POSIX threads (a libqrt qrt_pool_t kept in\n"
            " * the arena; link with -lpthread) and %s_run splits the convolutions and\n"
            " * gemms among them and the calling thread; the outputs are the same bytes for\n"
            " * every thread count. %s_deinit stops them. %s.c has no mutable global\n"
            " * state, allocates nothing and does no I/O: contexts with their own arenas\n"
            " * may run in parallel; one %s_run at a time per context.\n *\n"
            " * Kernels: libqrt (in the library), built with the scalar variants and those\n"
            " * of the level the weights were packed for (x86: AVX2, AVX-512, VNNI;\n"
            " * aarch64: NEON, dot product), which it picks on a CPU that has that level,\n"
            " * as the executor does; on others, or with QRT_ISA=scalar, the scalar ones.\n"
            " * Packed weights keep the variant they were packed for: %s\n */\n",
            N, upper, N, N, N, N,
            qcc_target_is_cross(tgt)
                ? "here\n * the portable scalar one for float layers (the target's architecture is not\n"
                  " * the compiling machine's) and the target's rows for int8 layers (NEON for\n"
                  " * aarch64, which every ARMv8-A CPU has; dot product for aarch64-dotprod)."
                : qcc_target_plan_isa(tgt) == QRT_ISA_SCALAR
                ? "here\n * the portable scalar one (--target=generic), so this library runs on any\n"
                  " * CPU of the architecture."
                : qcc_target_plan_isa(tgt) == QRT_ISA_NATIVE
                ? "here\n * the best one of the machine that compiled the model (--target=native), so\n"
                  " * this library needs a CPU with at least that ISA level (--target=generic\n"
                  " * does not)."
                : "here\n * the best one of the machine that compiled the model up to the target's\n"
                  " * level, so this library needs a CPU with at least that ISA level.");
  sb_printf(&h, "#ifndef %s_H\n#define %s_H\n#include <stddef.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
            upper, upper);
  sb_printf(&h, "#define %s_NUM_INPUTS %d\n#define %s_NUM_OUTPUTS %d\n", upper, ex->n_inputs, upper, ex->n_outputs);
  sb_printf(&h, "#define %s_ARENA_SIZE %zuu /* = %s_arena_size() */\n", upper, res->arena_size, N);
  sb_printf(&h, "#define %s_ARENA_LOWER_BOUND %zuu\n", upper, c->lower_bound);
  sb_printf(&h, "#define %s_MAX_THREADS %d\n", upper, c->max_threads);
  sb_printf(&h, "#define %s_WEIGHTS_SIZE %zuu\n", upper, wsize);
  for (int k = 0; k < ex->n_inputs; k++) {
    sb_printf(&h, "#define %s_INPUT_%d_NAME \"", upper, k);
    c_string(&h, ex->input_names[k]);
    sb_printf(&h, "\"\n#define %s_INPUT_%d_BYTES %zuu\n", upper, k, ex->slots[ex->input_slots[k]].nbytes);
  }
  for (int k = 0; k < ex->n_outputs; k++) {
    sb_printf(&h, "#define %s_OUTPUT_%d_NAME \"", upper, k);
    c_string(&h, ex->output_names[k]);
    sb_printf(&h, "\"\n#define %s_OUTPUT_%d_BYTES %zuu\n", upper, k, ex->slots[ex->output_slots[k]].nbytes);
  }
  sb_printf(&h,
            "\n/* The caller's context: set by %s_init, read by %s_run. */\n"
            "typedef struct {\n"
            "  unsigned char *arena;         /* the arena, 64-byte aligned */\n"
            "  const unsigned char *weights; /* the weights */\n"
            "  int failed_step;              /* after a failed %s_run: its step (see %s.c), else -1 */\n"
            "  void *pool;                   /* the thread pool (in the arena); NULL with one thread */\n"
            "} %s_ctx;\n\n",
            N, N, N, N, N);
  sb_printf(&h, "/* Bytes of arena %s_init needs (%s_ARENA_SIZE). */\nsize_t %s_arena_size(void);\n", N, upper, N);
  if (o->weights_file)
    sb_printf(&h,
              "/* Bind ctx to arena (%s_arena_size() bytes) and weights (the contents of\n"
              " * %s.weights, %s_WEIGHTS_SIZE bytes, 64-byte aligned), running on `threads`\n"
              " * threads. 0; -1 for a NULL or misaligned argument or a thread count out of\n"
              " * range; 2 when the system refuses a thread. */\n"
              "int %s_init(%s_ctx *ctx, void *arena, const void *weights, int threads);\n",
              N, N, upper, N, N);
  else
    sb_printf(&h,
              "/* Bind ctx to arena (%s_arena_size() bytes) and the embedded weights,\n"
              " * running on `threads` threads. 0; -1 for a NULL argument or a thread count\n"
              " * out of range; 2 when the system refuses a thread. */\n"
              "int %s_init(%s_ctx *ctx, void *arena, int threads);\n",
              N, N, N);
  sb_printf(&h,
            "/* Run the model: inputs[i] and outputs[i] point at the buffers described\n"
            " * above. 0 on success; -1 for a NULL argument; otherwise the libqrt status\n"
            " * (1 invalid argument, 2 unsupported, 3 buffer too small) of the kernel that\n"
            " * failed, with ctx->failed_step set. */\n"
            "int %s_run(%s_ctx *ctx, const void *const *inputs, void *const *outputs);\n"
            "/* Stop the threads %s_init started (none with one thread); ctx and arena may\n"
            " * then be freed or given to %s_init again. */\n"
            "void %s_deinit(%s_ctx *ctx);\n\n",
            N, N, N, N, N, N);
  sb_printf(&h, "#ifdef __cplusplus\n}\n#endif\n#endif /* %s_H */\n", upper);

  /* ---- NAME.c */
  sbuf src = {0};
  sb_printf(&src, "/* %s.c — generated by `qcc compile` from ", N);
  c_comment(&src, model);
  sb_printf(&src,
            " (target %s). Do not edit.\n"
            " * One libqrt call per step of the plan, in order, with every shape, stride\n"
            " * and parameter a constant (docs/codegen.md). %d calls; %d ops were\n"
            " * evaluated at compile time. ACT(o) is byte o of the arena, CST(o) byte o\n"
            " * of the weights. */\n",
            target, c->n_calls, ex->n_folded);
  sb_printf(&src,
            "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
            "#include \"%s.h\"\n#include \"qrt/qrt.h\"\n#include \"qrt/qrt_data.h\"\n#include \"qrt/qrt_f32.h\"\n"
            "#include \"qrt/qrt_int.h\"\n#include \"qrt/qrt_pool.h\"\n#include \"qrt/qrt_q8.h\"\n#include \"qrt/qrt_quant.h\"\n"
            "#include \"qrt/qrt_wo.h\"\n\n",
            N);
  if (!o->weights_file) sb_printf(&src, "extern const unsigned char %s_weights[]; /* %s.weights.S */\n\n", N, N);
  sb_printf(&src,
            "/* The API: qcc compile links this file and libqrt into one object with\n"
            " * GCC's -fwhole-program LTO, which keeps only externally_visible functions\n"
            " * global (docs/codegen.md, \"The build\"). */\n"
            "#if defined(__GNUC__) && !defined(__clang__)\n#define QCC_API __attribute__((externally_visible))\n"
            "#else\n#define QCC_API\n#endif\n\n");
  sb_printf(&src, "/* ---- parameters of the steps */\n");
  if (c->decl.p) sb_printf(&src, "%s", c->decl.p);
  sb_printf(&src, "\nQCC_API size_t %s_arena_size(void) { return %s_ARENA_SIZE; }\n\n", N, upper);
  if (o->weights_file)
    sb_printf(&src,
              "QCC_API int %s_init(%s_ctx *ctx, void *arena, const void *weights, int threads) {\n"
              "  if (!ctx || !arena || !weights || ((uintptr_t)weights & 63) || threads < 1 ||\n"
              "      threads > %s_MAX_THREADS)\n"
              "    return -1;\n"
              "  ctx->weights = (const unsigned char *)weights;\n",
              N, N, upper);
  else
    sb_printf(&src,
              "QCC_API int %s_init(%s_ctx *ctx, void *arena, int threads) {\n"
              "  if (!ctx || !arena || threads < 1 || threads > %s_MAX_THREADS) return -1;\n"
              "  ctx->weights = %s_weights;\n",
              N, N, upper, N);
  sb_printf(&src,
            "  ctx->arena = (unsigned char *)arena + ((64 - ((uintptr_t)arena & 63)) & 63);\n"
            "  ctx->failed_step = -1;\n  ctx->pool = NULL;\n");
  if (c->max_threads > 1)
    sb_printf(&src,
              "  if (threads > 1) {\n"
              "    /* the pool lives in the arena, past the planned buffers */\n"
              "    _Static_assert(sizeof(qrt_pool_t) <= %du, \"the arena's room for qrt_pool_t\");\n"
              "    qrt_pool_t *pool = (qrt_pool_t *)(ctx->arena + %zu);\n"
              "    if (qrt_pool_init(pool, threads) != QRT_OK) return 2;\n"
              "    ctx->pool = pool;\n"
              "  }\n",
              QCC_CODEGEN_POOL_BYTES, c->pool_off);
  sb_printf(&src,
            "  return 0;\n}\n\n"
            "QCC_API void %s_deinit(%s_ctx *ctx) {\n"
            "  if (ctx && ctx->pool) qrt_pool_deinit((qrt_pool_t *)ctx->pool);\n"
            "  if (ctx) ctx->pool = NULL;\n}\n\n"
            "static int %s_fail(%s_ctx *ctx, int step, qrt_status_t st) {\n"
            "  ctx->failed_step = step;\n  return (int)st;\n}\n\n"
            "#define ACT(o) ((void *)(A + (o)))\n#define CST(o) ((const void *)(W + (o)))\n\n"
            "QCC_API int %s_run(%s_ctx *ctx, const void *const *inputs, void *const *outputs) {\n"
            "  if (!ctx || !ctx->arena%s%s) return -1;\n"
            "  unsigned char *const A = ctx->arena;\n  const unsigned char *const W = ctx->weights;\n"
            "  qrt_pool_t *const P = (qrt_pool_t *)ctx->pool; /* NULL: one thread */\n"
            "  qrt_status_t st = QRT_OK;\n  (void)A, (void)W, (void)P, (void)st;\n  ctx->failed_step = -1;\n",
            N, N, N, N, N, N, ex->n_inputs > 0 ? " || !inputs" : "", ex->n_outputs > 0 ? " || !outputs" : "");
  if (c->body.p) sb_printf(&src, "%s", c->body.p);
  sb_printf(&src, "  return 0;\n}\n");

  /* ---- NAME_run_main.c */
  sbuf r = {0};
  sb_printf(&r,
            "/* %s_run_main.c — generated by `qcc compile`: the model table of the\n"
            " * runner (runtime/runner/qcc_runner.c) for %s. Do not edit. */\n"
            "#include \"%s.h\"\n#include \"qcc_runner.h\"\n\n",
            N, N, N);
  runner_table(c, &r, "inputs", ex->n_inputs, ex->input_slots, ex->input_names);
  runner_table(c, &r, "outputs", ex->n_outputs, ex->output_slots, ex->output_names);
  if (o->weights_file)
    sb_printf(&r,
              "\nstatic int init(void *ctx, void *arena, const void *weights, int threads) {\n"
              "  return %s_init(ctx, arena, weights, threads);\n}\n",
              N);
  else
    sb_printf(&r,
              "\nstatic int init(void *ctx, void *arena, const void *weights, int threads) {\n  (void)weights;\n"
              "  return %s_init(ctx, arena, threads);\n}\n",
              N);
  sb_printf(&r,
            "static int run(void *ctx, const void *const *in, void *const *out) { return %s_run(ctx, in, out); }\n"
            "static int failed_step(const void *ctx) { return ((const %s_ctx *)ctx)->failed_step; }\n"
            "static void deinit(void *ctx) { %s_deinit(ctx); }\n\n"
            "int main(int argc, char **argv) {\n"
            "  static const qcc_runner_model model = {\"%s\", %s_NUM_INPUTS, %s_inputs, %s_NUM_OUTPUTS, %s_outputs,\n"
            "                                         %s_ARENA_SIZE, sizeof(%s_ctx), %s_WEIGHTS_SIZE, %d,\n"
            "                                         %s_MAX_THREADS, init, run, failed_step, deinit};\n"
            "  return qcc_runner_main(&model, argc, argv);\n}\n",
            N, N, N, N, upper, N, upper, N, upper, N, upper, o->weights_file ? 1 : 0, upper);

  /* ---- NAME.weights.S */
  sbuf as = {0};
  if (!o->weights_file)
    sb_printf(&as,
              "/* %s.weights.S — generated by `qcc compile`: the weights (%zu bytes) in\n"
              " * read-only data, from %s.weights.bin. */\n"
              "  .section .rodata.%s_weights,\"a\"\n  .balign 64\n  .globl %s_weights\n"
              "  .type %s_weights, @object\n%s_weights:\n  .incbin \"%s.weights.bin\"\n"
              "  .size %s_weights, . - %s_weights\n  .section .note.GNU-stack,\"\",@progbits\n",
              N, wsize, N, N, N, N, N, N, N, N);

  /* ---- NAME.qrt.h */
  sbuf qp = {0};
  plan_header(c, o->all_kernels, &qp);

  res->header = sb_take(&h);
  res->source = sb_take(&src);
  res->qrt_plan = sb_take(&qp);
  res->runner = sb_take(&r);
  res->weights_asm = o->weights_file ? NULL : sb_take(&as);
  if (o->weights_file) free(as.p);
  if (!res->header || !res->source || !res->runner || !res->qrt_plan || (!o->weights_file && !res->weights_asm))
    return no_memory();
  return NULL;
}

/* Outputs not written in place by their step (constants, inputs, a second
 * output of the same tensor) are copied at the end of NAME_run. */
static void emit_output_copies(cg *c) {
  qcc_executor *ex = c->ex;
  sb_printf(&c->body, "\n  /* outputs not written in place by their step */\n");
  for (int k = 0; k < ex->n_outputs; k++) {
    int r = ex->slots[ex->output_slots[k]].root;
    if (ex->slots[r].kind == EX_SLOT_ACT && c->roots[r].direct_out == k) continue;
    char a[64];
    operand(c, ex->output_slots[k], a, sizeof a);
    sb_printf(&c->body, "  memcpy(outputs[%d], %s, %zu);\n", k, a, ex->slots[ex->output_slots[k]].nbytes);
  }
}

bool qcc_codegen_name_ok(const char *name) {
  if (!name || !name[0] || strlen(name) > 64) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_')) return false;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return false;
  return true;
}

void qcc_codegen_result_free(qcc_codegen_result *r) {
  if (!r) return;
  free(r->header);
  free(r->source);
  free(r->runner);
  free(r->weights_asm);
  free(r->qrt_plan);
  free(r->weights);
  memset(r, 0, sizeof *r);
}

qcc_status_t qcc_codegen_plan(MlirModule m, const char *target, int max_threads, qcc_executor **out) {
  *out = NULL;
  const qcc_target *tgt = qcc_target_find(target);
  if (!tgt) return qcc_status_make(QCC_ERR_UNSUPPORTED, "codegen: unknown target '%s' (%s)", target, qcc_target_names());
  /* weights packed by qcc-pack-weights are for one target's rows */
  MlirAttribute pt = mlirOperationGetAttributeByName(mlirModuleGetOperation(m),
                                                     mlirStringRefCreateFromCString(QCC_ATTR_PACKED_TARGET));
  if (!mlirAttributeIsNull(pt)) {
    MlirStringRef v = mlirAttributeIsAString(pt) ? mlirStringAttrGetValue(pt) : mlirStringRefCreateFromCString("?");
    char packed_for[64];
    snprintf(packed_for, sizeof packed_for, "%.*s", (int)(v.length < 63 ? v.length : 63), v.data);
    const qcc_target *pft = qcc_target_find(packed_for);
    if (!pft || qcc_target_resolve(pft) != qcc_target_resolve(tgt))
      return qcc_status_make(QCC_ERR_INVALID, "the weights were packed for target '%s' (" QCC_ATTR_PACKED_TARGET "), "
                             "not '%s': rerun qcc-pack-weights{target=%s}", packed_for, target, target);
  }
  /* The plan's packed buffers come from aligned_alloc: bytes the pack
   * functions skip (header and section padding) hold whatever the heap had,
   * and the weights file would differ from run to run. glibc's M_PERTURB
   * makes the planner's allocations zero-filled (bytes are set to ~0xff);
   * the lasting fix is for executor_ops.c / executor_qops.c to clear packed
   * buffers (docs/codegen.md). test/Codegen/determinism.test checks. */
#if defined(__GLIBC__) && defined(M_PERTURB)
  mallopt(M_PERTURB, 0xff);
#endif
  /* The target's ISA limit (codegen.h): generic and other architectures get
   * weights packed for the portable scalar kernels, so the library runs on any
   * CPU of the architecture (packed buffers keep their variant; kernels
   * without packed weights still choose theirs at run time). */
  const qrt_isa_t plan_isa = (qrt_isa_t)qcc_target_plan_isa(tgt);
  const bool limited = plan_isa != QRT_ISA_NATIVE;
  qrt_isa_t old_isa = limited ? qrt_set_isa_limit(plan_isa) : QRT_ISA_NATIVE;
  const qrt_isa_t old_pack = qrt_q8_set_pack_isa((qrt_isa_t)qcc_target_pack_isa(tgt));
  /* The plan's scratch is sized for max_threads (the _mt kernels give each
   * thread its own share); the pool it starts is not used by the emitter. */
  const qcc_executor_options eo = {.threads = max_threads > 1 ? max_threads : 1};
  qcc_status_t pst = qcc_executor_create(m, &eo, out);
  if (limited) qrt_set_isa_limit(old_isa);
  qrt_q8_set_pack_isa(old_pack);
#if defined(__GLIBC__) && defined(M_PERTURB)
  mallopt(M_PERTURB, 0);
#endif
  return pst;
}

qcc_status_t qcc_codegen_emit(MlirModule m, const qcc_codegen_options *o, qcc_codegen_result *out) {
  memset(out, 0, sizeof *out);
  if (!o || !qcc_codegen_name_ok(o->name))
    return qcc_status_make(QCC_ERR_INVALID, "codegen: the name '%s' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*, "
                           "at most 64 characters)", o && o->name ? o->name : "");
  const char *target = o->target ? o->target : "native";
  const int max_threads = o->max_threads > 1 ? o->max_threads : 1;
  qcc_executor *ex = NULL;
  QCC_RETURN_IF_ERROR(qcc_codegen_plan(m, target, max_threads, &ex));
  cg c;
  memset(&c, 0, sizeof c);
  c.ex = ex;
  c.name = o->name;
  c.max_threads = max_threads;
  c.roots = calloc((size_t)ex->n_slots + 1, sizeof *c.roots);
  c.scratch_off = calloc((size_t)ex->n_steps + 1, sizeof *c.scratch_off);
  qcc_status_t st = c.roots && c.scratch_off ? NULL : no_memory();
  if (!st) st = read_memory_plan(&c, m, target, max_threads);
  for (int i = 0; i < ex->n_steps && !st; i++) {
    st = emit_step(&c, i);
    if (!st && c.err) st = c.err, c.err = NULL;
  }
  if (!st) {
    emit_output_copies(&c);
    if (c.err) st = c.err, c.err = NULL;
  }
  if (!st && (c.decl.oom || c.body.oom)) st = no_memory();
  if (!st) {
    out->arena_planned = c.arena_end;
    c.pool_off = align64(c.arena_end);
    out->arena_size = (max_threads > 1 ? c.pool_off + QCC_CODEGEN_POOL_BYTES : c.arena_end) + 63;
    out->lower_bound = c.lower_bound;
    out->n_calls = c.n_calls;
    out->n_folded = ex->n_folded;
    st = emit_files(&c, m, o, out);
    c.err = NULL;
  }
  if (!st) {
    out->weights = c.blob ? c.blob : malloc(1);
    out->weights_size = c.blob_n;
    c.blob = NULL;
    if (!out->weights) st = no_memory();
  }
  free(c.decl.p);
  free(c.body.p);
  free(c.blob);
  free(c.roots);
  free(c.scratch_off);
  if (c.err) qcc_status_free(c.err);
  qcc_executor_destroy(ex);
  if (st) qcc_codegen_result_free(out);
  return st;
}
