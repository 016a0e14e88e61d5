/* qcc-plan-memory: the static arena of a compiled model (docs/codegen.md,
 * "Memory: one arena"). Places every buffer of the executor's plan at an
 * arena offset and records the placement on the IR, where qcc compile's
 * emitter (compiler/codegen.c) reads it.
 *
 * The buffers come from the plan qcc compile prints (qcc_codegen_plan: the
 * executor's plan under the target's ISA limit, scratch for max_threads):
 * which ops are steps (constant folding, views and fused activations are not),
 * each step's scratch bytes, the liveness of activations (executor's
 * last_use) and its in-place decisions. Building that plan here, rather than
 * re-deriving those facts, keeps one definition of each; it costs a second
 * planning (weight packing) per compile.
 *
 * Buffers: every activation root a step writes, except an output of @main
 * (the step writes the caller's buffer), live from that step to its last
 * reader; an in-place step's result continues its operand's buffer; a step's
 * scratch lives during its step (a dynamic Linear's until the last later Linear that
 * reads its quantized rows, scratch_last). Offsets: greedy first fit, largest buffer
 * first (ties: earlier first step, then creation order), 64-byte aligned, each
 * at the lowest offset that overlaps no placed buffer whose lifetime
 * intersects its own. The lower bound is the most bytes live at one step. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "executor_internal.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "pass_util.h"
#include "passes.h"
#include "qcc.h"

typedef struct {
  char target[32];
  int max_threads;
} plan_cfg;

typedef struct {
  size_t size;     /* bytes (unaligned) */
  int first, last; /* steps during which the buffer is live, inclusive */
  size_t off;
} mbuf;

typedef struct {
  mbuf *v;
  int n, cap;
} mbufs;

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

static bool add_buf(mbufs *b, size_t size, int first, int last, int *out) {
  if (b->n == b->cap) {
    int nc = b->cap ? b->cap * 2 : 64;
    mbuf *nv = realloc(b->v, (size_t)nc * sizeof *nv);
    if (!nv) return false;
    b->v = nv, b->cap = nc;
  }
  b->v[b->n] = (mbuf){size, first, last, 0};
  *out = b->n++;
  return true;
}

static int cmp_by_size(const void *pa, const void *pb, void *ctx) {
  const mbuf *b = ctx;
  const mbuf *x = &b[*(const int *)pa], *y = &b[*(const int *)pb];
  size_t ax = align64(x->size), ay = align64(y->size);
  if (ax != ay) return ax > ay ? -1 : 1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return *(const int *)pa - *(const int *)pb;
}

static int cmp_by_off(const void *pa, const void *pb, void *ctx) {
  const mbuf *b = ctx;
  size_t x = b[*(const int *)pa].off, y = b[*(const int *)pb].off;
  return x < y ? -1 : x > y;
}

/* Offsets for b (first fit, largest first); the arena's end in *end and the
 * lower bound in *bound. */
static bool place(mbufs *b, int n_steps, size_t *end, size_t *bound) {
  *bound = 0;
  for (int i = 0; i < n_steps; i++) {
    size_t live = 0;
    for (int k = 0; k < b->n; k++)
      if (b->v[k].first <= i && i <= b->v[k].last) live += b->v[k].size;
    if (live > *bound) *bound = live;
  }
  int *order = malloc(sizeof(int) * (size_t)(b->n + 1));
  int *placed = malloc(sizeof(int) * (size_t)(b->n + 1));
  int *near = malloc(sizeof(int) * (size_t)(b->n + 1));
  if (!order || !placed || !near) { free(order); free(placed); free(near); return false; }
  for (int k = 0; k < b->n; k++) order[k] = k;
  qsort_r(order, (size_t)b->n, sizeof(int), cmp_by_size, b->v);
  int n_placed = 0;
  *end = 0;
  for (int oi = 0; oi < b->n; oi++) {
    mbuf *x = &b->v[order[oi]];
    int n_near = 0;
    for (int p = 0; p < n_placed; p++) {
      mbuf *q = &b->v[placed[p]];
      if (q->first <= x->last && x->first <= q->last) near[n_near++] = placed[p];
    }
    qsort_r(near, (size_t)n_near, sizeof(int), cmp_by_off, b->v);
    size_t off = 0, need = align64(x->size);
    for (int p = 0; p < n_near; p++) {
      mbuf *q = &b->v[near[p]];
      if (q->off >= off + need) break; /* the gap before q fits */
      size_t e = q->off + align64(q->size);
      if (e > off) off = e;
    }
    x->off = off;
    if (off + need > *end) *end = off + need;
    placed[n_placed++] = order[oi];
  }
  free(order);
  free(placed);
  free(near);
  return true;
}

static qcc_status_t no_memory(void) { return qcc_status_make(QCC_ERR_INTERNAL, "qcc-plan-memory: out of memory"); }

static void set_attr(MlirOperation op, const char *name, MlirAttribute a) {
  mlirOperationSetDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name), a);
}

static void clear_plan(MlirOperation op) {
  static const char *const names[] = {QCC_PLAN_OFFSET, QCC_PLAN_BYTES, QCC_PLAN_SCRATCH, QCC_PLAN_IN_PLACE};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++)
    mlirOperationRemoveDiscardableAttributeByName(op, mlirStringRefCreateFromCString(names[k]));
}

static void fail(MlirExternalPass pass, qcc_status_t st) {
  qcc_pass_report(st);
  mlirExternalPassSignalFailure(pass);
}

/* Buffers of ex's plan: rbuf[root] for activation roots (-1: none),
 * sbuf[step] for scratch (-1: none). */
static qcc_status_t collect(qcc_executor *ex, mbufs *b, int *rbuf, int *sbuf) {
  bool *direct = calloc((size_t)ex->n_slots + 1, sizeof *direct);
  if (!direct) return no_memory();
  for (int k = 0; k < ex->n_outputs; k++) direct[ex->slots[ex->output_slots[k]].root] = true;
  for (int i = 0; i < ex->n_slots; i++) rbuf[i] = -1;
  qcc_status_t st = NULL;
  for (int i = 0; i < ex->n_steps && !st; i++) {
    ex_step *s = &ex->steps[i];
    sbuf[i] = -1;
    if (s->kind == QCC_OP_observe) continue; /* an identity: its result is its operand */
    for (int j = 0; j < s->n_out && !st; j++) {
      int o = s->out[j];
      ex_slot *os = &ex->slots[o];
      if (os->root != o || os->kind != EX_SLOT_ACT || direct[o]) continue;
      int last = os->last_use > i ? os->last_use : i;
      if (j == 0 && s->inplace) {
        int g = rbuf[ex->slots[s->in[0]].root];
        if (g < 0) st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-plan-memory: %s: in place without an operand buffer", s->where);
        else {
          rbuf[o] = g;
          if (b->v[g].last < last) b->v[g].last = last;
          if (b->v[g].size < os->nbytes) b->v[g].size = os->nbytes;
        }
        continue;
      }
      if (!add_buf(b, os->nbytes, i, last, &rbuf[o])) st = no_memory();
    }
    /* (a dynamic Linear's quantized rows stay until the last Linear reading them) */
    if (!st && s->scratch && !add_buf(b, s->scratch, i, s->scratch_last > i ? s->scratch_last : i, &sbuf[i]))
      st = no_memory();
  }
  free(direct);
  return st;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const plan_cfg *cfg = ud;
  MlirModule m = mlirModuleFromOperation(root);
  MlirOperation f = mlirModuleIsNull(m) ? (MlirOperation){NULL} : qcc_module_main(m);
  if (mlirOperationIsNull(f)) {
    fail(pass, qcc_status_make(QCC_ERR_USAGE, "qcc-plan-memory runs on a module with a func.func @main"));
    return;
  }
  qcc_executor *ex = NULL;
  qcc_status_t st = qcc_codegen_plan(m, cfg->target, cfg->max_threads, &ex);
  if (st) { fail(pass, st); return; }
  MlirBlock blk = mlirRegionGetFirstBlock(mlirOperationGetRegion(f, 0));
  int n_ops = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(blk); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
    n_ops++;
  MlirOperation *ops = malloc(sizeof *ops * (size_t)(n_ops + 1));
  int *rbuf = malloc(sizeof(int) * (size_t)(ex->n_slots + 1));
  int *sbuf = malloc(sizeof(int) * (size_t)(ex->n_steps + 1));
  int64_t *offs = malloc(sizeof(int64_t) * (size_t)(ex->n_slots + 1));
  int64_t *bytes = malloc(sizeof(int64_t) * (size_t)(ex->n_slots + 1));
  mbufs b = {0};
  size_t end = 0, bound = 0;
  st = ops && rbuf && sbuf && offs && bytes ? collect(ex, &b, rbuf, sbuf) : no_memory();
  if (!st && !place(&b, ex->n_steps, &end, &bound)) st = no_memory();
  if (st) {
    fail(pass, st);
    goto done;
  }
  n_ops = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(blk); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    clear_plan(op);
    ops[n_ops++] = op;
  }
  MlirContext ctx = mlirOperationGetContext(root);
  MlirType i64 = mlirIntegerTypeGet(ctx, 64);
  for (int i = 0; i < ex->n_steps; i++) {
    ex_step *s = &ex->steps[i];
    if (s->kind == QCC_OP_observe || s->op_index < 0 || s->op_index >= n_ops) continue;
    MlirOperation op = ops[s->op_index];
    for (int j = 0; j < s->n_out; j++) {
      int g = rbuf[ex->slots[s->out[j]].root];
      offs[j] = g >= 0 ? (int64_t)b.v[g].off : -1;
      bytes[j] = (int64_t)ex->slots[s->out[j]].nbytes;
    }
    set_attr(op, QCC_PLAN_OFFSET, mlirDenseI64ArrayGet(ctx, s->n_out, offs));
    set_attr(op, QCC_PLAN_BYTES, mlirDenseI64ArrayGet(ctx, s->n_out, bytes));
    /* in place: the result continues its operand's arena buffer (an output of
     * @main goes to the caller's buffer instead, whatever the executor does) */
    if (s->inplace && rbuf[s->out[0]] >= 0) set_attr(op, QCC_PLAN_IN_PLACE, mlirUnitAttrGet(ctx));
    if (sbuf[i] >= 0) {
      int64_t sc[2] = {(int64_t)b.v[sbuf[i]].off, (int64_t)s->scratch};
      set_attr(op, QCC_PLAN_SCRATCH, mlirDenseI64ArrayGet(ctx, 2, sc));
    }
  }
  set_attr(root, QCC_PLAN_ARENA_SIZE, mlirIntegerAttrGet(i64, (int64_t)end));
  set_attr(root, QCC_PLAN_LOWER_BOUND, mlirIntegerAttrGet(i64, (int64_t)bound));
  set_attr(root, QCC_PLAN_TARGET, mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(cfg->target)));
  set_attr(root, QCC_PLAN_THREADS, mlirIntegerAttrGet(i64, cfg->max_threads));
done:
  free(ops);
  free(rbuf);
  free(sbuf);
  free(offs);
  free(bytes);
  free(b.v);
  qcc_executor_destroy(ex);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  plan_cfg *c = calloc(1, sizeof *c);
  if (!c) return no_memory();
  snprintf(c->target, sizeof c->target, "native");
  c->max_threads = 1;
  for (int i = 0; i < n; i++) {
    qcc_status_t st = NULL;
    if (!strcmp(opts[i].key, "target")) {
      st = qcc_target_option("qcc-plan-memory", opts[i].value, c->target, sizeof c->target);
    } else if (!strcmp(opts[i].key, "max_threads")) {
      long t = 1;
      st = qcc_option_long("qcc-plan-memory", &opts[i], 1, QRT_POOL_MAX_THREADS, &t);
      c->max_threads = (int)t;
    } else {
      st = qcc_option_unknown("qcc-plan-memory", opts[i].key, "target, max_threads");
    }
    if (st) {
      free(c);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_plan_memory_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_plan_memory_info = {
    "qcc-plan-memory", "",
    "Place every tensor and scratch buffer of the compiled model in one arena (offsets by liveness)",
    "Builds the executor's plan as qcc compile does (steps, scratch sizes, liveness, in-place\n"
    "decisions) and places its buffers: greedy first fit, largest first, 64-byte aligned, buffers\n"
    "whose lifetimes do not intersect share bytes; an in-place step's result keeps its operand's\n"
    "offset. qcc compile's emitter reads the result.\n"
    "Before:  %a = \"qcc.relu\"(%x)   %b = \"qcc.sigmoid\"(%a)   %c = \"qcc.add\"(%b, %x)   return %c\n"
    "After:   %a = \"qcc.relu\"(%x) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 0>}\n"
    "         %b = \"qcc.sigmoid\"(%a) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: 0>, qcc.in_place}\n"
    "         %c = \"qcc.add\"(%b, %x) {qcc.arena_bytes = array<i64: 64>, qcc.arena_offset = array<i64: -1>}\n"
    "         module {qcc.arena_size = 64, qcc.arena_lower_bound = 64, qcc.arena_target = \"native\", ...}\n"
    "Offset -1: an output of @main, written into the caller's buffer. A step with scratch gets\n"
    "qcc.scratch = array<i64: offset, bytes>. The lower bound is the most bytes live at one step.",
    "target=T: the qcc compile target the plan is made for (default native; scratch sizes depend on it)\n"
    "max_threads=N: the scratch is sized for N threads (default 1; qcc compile passes --max-threads)",
    create};
