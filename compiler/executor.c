/* The executor: planning (slots, constants, views, folding), liveness and
 * memory, running the plan. Op-specific planning and kernels are in
 * executor_ops.c. Design notes in executor.h. */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor_internal.h"
#include "infer.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "qcc.h"

/* ---------------------------------------------------------------- helpers */

static qcc_status_t no_memory(void) { return qcc_status_make(QCC_ERR_INTERNAL, "executor: out of memory"); }

static void *xalloc_aligned(size_t n) {
  size_t r = (n + 63) & ~(size_t)63;
  return aligned_alloc(64, r ? r : 64);
}

static void op_where(MlirOperation op, char *buf, size_t n) {
  MlirIdentifier id = mlirOperationGetName(op);
  MlirStringRef name = mlirIdentifierStr(id);
  char loc[512];
  qcc_location_format(mlirOperationGetLocation(op), loc, sizeof loc);
  snprintf(buf, n, "%.*s at %s", (int)name.length, name.data, loc[0] ? loc : "unknown location");
}

static qcc_status_t op_error(MlirOperation op, qcc_status_code code, const char *what) {
  char where[700];
  op_where(op, where, sizeof where);
  return qcc_status_make(code, "%s: %s", where, what);
}

bool ex_dtype_of(MlirType e, qcc_npy_dtype_t *out) {
  if (mlirTypeIsAQuantizedType(e)) {
    MlirType st = mlirQuantizedTypeGetStorageType(e);
    unsigned w = mlirQuantizedTypeGetStorageTypeIntegralWidth(e);
    bool s = mlirQuantizedTypeIsSigned(e);
    (void)st;
    if (w <= 8) *out = s ? QCC_NPY_I8 : QCC_NPY_U8;
    else if (w <= 16) *out = s ? QCC_NPY_I16 : QCC_NPY_U16;
    else if (w <= 32) *out = s ? QCC_NPY_I32 : QCC_NPY_U32;
    else return false;
    return true;
  }
  if (mlirTypeIsAF32(e)) { *out = QCC_NPY_F32; return true; }
  if (mlirTypeIsAF16(e)) { *out = QCC_NPY_F16; return true; }
  if (mlirTypeIsAF64(e)) { *out = QCC_NPY_F64; return true; }
  if (mlirTypeIsAInteger(e)) {
    unsigned w = mlirIntegerTypeGetWidth(e);
    bool u = mlirIntegerTypeIsUnsigned(e);
    switch (w) {
      case 1: *out = QCC_NPY_BOOL; return true;
      case 8: *out = u ? QCC_NPY_U8 : QCC_NPY_I8; return true;
      case 16: *out = u ? QCC_NPY_U16 : QCC_NPY_I16; return true;
      case 32: *out = u ? QCC_NPY_U32 : QCC_NPY_I32; return true;
      case 64: *out = u ? QCC_NPY_U64 : QCC_NPY_I64; return true;
      default: return false;
    }
  }
  return false;
}

bool ex_qrt_dtype(qcc_npy_dtype_t t, qrt_dtype_t *out) {
  switch (t) {
    case QCC_NPY_F32: *out = QRT_DTYPE_F32; return true;
    case QCC_NPY_F16: *out = QRT_DTYPE_F16; return true;
    case QCC_NPY_I8: *out = QRT_DTYPE_I8; return true;
    case QCC_NPY_U8: *out = QRT_DTYPE_U8; return true;
    case QCC_NPY_I32: *out = QRT_DTYPE_I32; return true;
    case QCC_NPY_I64: *out = QRT_DTYPE_I64; return true;
    case QCC_NPY_BOOL: *out = QRT_DTYPE_BOOL; return true;
    default: return false;
  }
}

bool ex_qrt_type(const ex_slot *s, qrt_type_t *out) {
  if (s->bf16) {
    *out = QRT_TYPE_BF16;
    return true;
  }
  switch (s->dtype) {
    case QCC_NPY_BOOL: *out = QRT_TYPE_BOOL; return true;
    case QCC_NPY_I8: *out = QRT_TYPE_I8; return true;
    case QCC_NPY_U8: *out = QRT_TYPE_U8; return true;
    case QCC_NPY_I16: *out = QRT_TYPE_I16; return true;
    case QCC_NPY_U16: *out = QRT_TYPE_U16; return true;
    case QCC_NPY_I32: *out = QRT_TYPE_I32; return true;
    case QCC_NPY_U32: *out = QRT_TYPE_U32; return true;
    case QCC_NPY_I64: *out = QRT_TYPE_I64; return true;
    case QCC_NPY_U64: *out = QRT_TYPE_U64; return true;
    case QCC_NPY_F16: *out = QRT_TYPE_F16; return true;
    case QCC_NPY_F32: *out = QRT_TYPE_F32; return true;
    case QCC_NPY_F64: *out = QRT_TYPE_F64; return true;
    default: return false;
  }
}

qcc_status_t ex_kernel_error(const ex_step *s, qrt_status_t st) {
  return qcc_status_make(st == QRT_UNSUPPORTED ? QCC_ERR_UNSUPPORTED : QCC_ERR_INVALID, "%s: kernel failed: %s",
                         s->where, qrt_status_string(st));
}

/* ------------------------------------------------------- value -> slot map */

typedef struct {
  const void **keys;
  int *vals;
  size_t cap;
} value_map;

static size_t vm_hash(const void *p, size_t cap) { return (((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull) & (cap - 1); }

static bool vm_put(value_map *m, MlirValue v, int slot, size_t *count) {
  if ((*count + 1) * 2 > m->cap) {
    size_t nc = m->cap ? m->cap * 2 : 256;
    const void **nk = calloc(nc, sizeof *nk);
    int *nv = malloc(nc * sizeof *nv);
    if (!nk || !nv) { free(nk); free(nv); return false; }
    for (size_t i = 0; i < m->cap; i++)
      if (m->keys[i]) {
        size_t h = vm_hash(m->keys[i], nc);
        while (nk[h]) h = (h + 1) & (nc - 1);
        nk[h] = m->keys[i];
        nv[h] = m->vals[i];
      }
    free(m->keys);
    free(m->vals);
    m->keys = nk, m->vals = nv, m->cap = nc;
  }
  size_t h = vm_hash(v.ptr, m->cap);
  while (m->keys[h] && m->keys[h] != v.ptr) h = (h + 1) & (m->cap - 1);
  if (!m->keys[h]) (*count)++;
  m->keys[h] = v.ptr;
  m->vals[h] = slot;
  return true;
}

static int vm_get(const value_map *m, MlirValue v) {
  if (!m->cap) return -1;
  size_t h = vm_hash(v.ptr, m->cap);
  while (m->keys[h]) {
    if (m->keys[h] == v.ptr) return m->vals[h];
    h = (h + 1) & (m->cap - 1);
  }
  return -1;
}

/* ------------------------------------------------------------------ slots */

static qcc_status_t new_slot(qcc_executor *ex, MlirOperation op, MlirType t, ex_slot_kind kind, int *out) {
  qcc_shape sh;
  char tb[200];
  if (!qcc_type_shape(t, &sh) || qcc_shape_numel(&sh) < 0) {
    char msg[300];
    snprintf(msg, sizeof msg, "the executor needs static tensor shapes, got %s", qcc_type_str(t, tb, sizeof tb));
    return op_error(op, QCC_ERR_UNSUPPORTED, msg);
  }
  qcc_npy_dtype_t dt;
  /* bfloat16 has no .npy type: its slots hold the bits as uint16 (what ONNX's
   * numpy_helper gives for bfloat16), and the slot remembers the real type. */
  const bool bf16 = mlirTypeIsABF16(qcc_type_elem(t));
  if (bf16) {
    dt = QCC_NPY_U16;
  } else if (!ex_dtype_of(qcc_type_elem(t), &dt)) {
    char msg[300];
    snprintf(msg, sizeof msg, "element type of %s is not supported by the executor", qcc_type_str(t, tb, sizeof tb));
    return op_error(op, QCC_ERR_UNSUPPORTED, msg);
  }
  if (ex->n_slots == ex->cap_slots) {
    int nc = ex->cap_slots ? ex->cap_slots * 2 : 64;
    ex_slot *ns = realloc(ex->slots, (size_t)nc * sizeof *ns);
    if (!ns) return no_memory();
    ex->slots = ns, ex->cap_slots = nc;
  }
  int i = ex->n_slots++;
  ex_slot *s = &ex->slots[i];
  memset(s, 0, sizeof *s);
  s->dtype = dt;
  s->bf16 = bf16;
  s->rank = sh.rank;
  memcpy(s->shape, sh.d, sizeof s->shape);
  s->numel = qcc_shape_numel(&sh);
  s->nbytes = (size_t)s->numel * qcc_npy_dtype_size(dt);
  s->kind = kind;
  s->root = i;
  s->last_use = ex->n_steps;
  *out = i;
  return NULL;
}

/* Read a constant's value into the slot's own buffer. */
static qcc_status_t load_constant(qcc_executor *ex, MlirOperation op, int si) {
  MlirAttribute a = qcc_op_attr(op, QCC_ATTR_value);
  ex_slot *s = &ex->slots[si];
  size_t es = qcc_npy_dtype_size(s->dtype);
  void *d = s->nbytes ? malloc(s->nbytes) : NULL;
  if (s->nbytes && !d) return no_memory();
  s->data = d;
  s->owned = true;
  ex->const_bytes += s->nbytes;
  if (mlirAttributeIsNull(a)) return op_error(op, QCC_ERR_INVALID, "constant without a value");
  if (mlirAttributeIsADenseElements(a)) {
    if (s->dtype == QCC_NPY_BOOL) {
      uint8_t *b = d;
      bool splat = mlirDenseElementsAttrIsSplat(a);
      bool sv = splat ? mlirDenseElementsAttrGetBoolSplatValue(a) : false;
      for (int64_t i = 0; i < s->numel; i++) b[i] = splat ? sv : mlirDenseElementsAttrGetBoolValue(a, i);
      return NULL;
    }
    const void *raw = mlirDenseElementsAttrGetRawData(a);
    if (mlirDenseElementsAttrIsSplat(a)) {
      for (int64_t i = 0; i < s->numel; i++) memcpy((char *)d + (size_t)i * es, raw, es);
    } else if (s->nbytes) {
      memcpy(d, raw, s->nbytes);
    }
    return NULL;
  }
  if (mlirAttributeIsADenseResourceElements(a)) {
    for (int64_t i = 0; i < s->numel; i++) {
      intptr_t p = (intptr_t)i;
      switch (s->dtype) {
        case QCC_NPY_F32: ((float *)d)[i] = mlirDenseFloatResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_F64: ((double *)d)[i] = mlirDenseDoubleResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_BOOL: ((uint8_t *)d)[i] = mlirDenseBoolResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_I8: ((int8_t *)d)[i] = mlirDenseInt8ResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_U8: ((uint8_t *)d)[i] = mlirDenseUInt8ResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_I16: ((int16_t *)d)[i] = mlirDenseInt16ResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_U16: ((uint16_t *)d)[i] = mlirDenseUInt16ResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_I32: ((int32_t *)d)[i] = mlirDenseInt32ResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_U32: ((uint32_t *)d)[i] = mlirDenseUInt32ResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_I64: ((int64_t *)d)[i] = mlirDenseInt64ResourceElementsAttrGetValue(a, p); break;
        case QCC_NPY_U64: ((uint64_t *)d)[i] = mlirDenseUInt64ResourceElementsAttrGetValue(a, p); break;
        default: return op_error(op, QCC_ERR_UNSUPPORTED, "resource constant of this element type");
      }
    }
    return NULL;
  }
  return op_error(op, QCC_ERR_UNSUPPORTED, "constant value is not a dense elements attribute");
}

/* ------------------------------------------------------------------ steps */

static void step_free(ex_step *s) {
  free(s->where);
  free(s->in);
  free(s->out);
  free(s->frees);
  free(s->packed);
  free(s->fbuf);
  free(s->ibuf);
  free(s->lbuf);
  free(s->dq_buf);
  memset(s, 0, sizeof *s);
}

/* A Linear quantized dynamically whose input an earlier one quantized already (the
 * Q, K and V projections of one LayerNorm output) reads that one's rows instead of
 * quantizing them again: the same function of the same bytes, so the same values. The
 * input is a value (SSA) and no step in between may overwrite its buffer (a step runs
 * in place only on an operand it reads last). The earlier step keeps its rows in its
 * own buffer here, and in compiled code in its arena scratch, whose lifetime
 * qcc-plan-memory extends to scratch_last. */
static qcc_status_t share_dynamic_quant(qcc_executor *ex, ex_step *s, int index) {
  if (s->kind != QCC_OP_qgemm_dynamic) return NULL;
  for (int i = index - 1; i >= 0; i--) {
    ex_step *p = &ex->steps[i];
    if (p->kind != QCC_OP_qgemm_dynamic || p->dq_src || p->in[0] != s->in[0] || p->u.gemm.m != s->u.gemm.m ||
        p->u.gemm.k != s->u.gemm.k)
      continue;
    if (!p->dq_buf) {
      const size_t rows = ex_dq_rows_bytes(p->u.gemm.m, p->u.gemm.k);
      if (!(p->dq_buf = xalloc_aligned(rows))) return no_memory();
    }
    s->dq_src = i + 1;
    p->scratch_last = index;
    return NULL;
  }
  return NULL;
}

static bool is_view_kind(qcc_op_kind k) {
  return k == QCC_OP_reshape || k == QCC_OP_flatten || k == QCC_OP_squeeze || k == QCC_OP_unsqueeze ||
         k == QCC_OP_storage_cast;
}

/* Evaluate a step whose operands are all constants, now; its results become
 * constants. */
static qcc_status_t fold_step(qcc_executor *ex, ex_step *s) {
  for (int j = 0; j < s->n_out; j++) {
    ex_slot *o = &ex->slots[s->out[j]];
    o->kind = EX_SLOT_CONST;
    o->owned = true;
    o->data = o->nbytes ? malloc(o->nbytes) : NULL;
    if (o->nbytes && !o->data) return no_memory();
    ex->const_bytes += o->nbytes;
  }
  void *scratch = s->scratch ? xalloc_aligned(s->scratch) : NULL;
  if (s->scratch && !scratch) return no_memory();
  qcc_status_t st = s->run(ex, s, scratch);
  free(scratch);
  ex->n_folded++;
  return st;
}

static bool single_use(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  return !mlirOpOperandIsNull(u) && mlirOpOperandIsNull(mlirOpOperandGetNextUse(u));
}

/* Relu or Clip on the f32 result of a step that nothing else reads and whose
 * kernel clamps its output (convolutions, binary ops; ex_step_output_clamp):
 * tighten that clamp instead of adding a step (the
 * kernels clamp as x < lo ? lo : x, then x > hi ? hi : x, as the unary kernel
 * does, NaN included). The activation's result becomes the producer's slot.
 * Returns true when fused. */
static bool fuse_activation(qcc_executor *ex, MlirOperation op, qcc_op_kind k, int in, value_map *vm,
                            size_t *vcount, qcc_status_t *st) {
  if (k != QCC_OP_relu && k != QCC_OP_clip) return false;
  const ex_slot *x = &ex->slots[in];
  if (x->root != in || x->kind != EX_SLOT_ACT || x->dtype != QCC_NPY_F32 || x->bf16) return false;
  MlirValue res = mlirOperationGetResult(op, 0);
  qcc_npy_dtype_t rdt;
  if (!ex_dtype_of(qcc_type_elem(mlirValueGetType(res)), &rdt) || rdt != QCC_NPY_F32) return false;
  if (!single_use(mlirOperationGetOperand(op, 0))) return false;
  float lo = 0.0f, hi = INFINITY;
  if (k == QCC_OP_clip) {
    lo = qcc_get_f32(op, QCC_ATTR_min), hi = qcc_get_f32(op, QCC_ATTR_max);
    if (!(lo <= hi)) return false; /* NaN or crossed bounds: leave it to the unary kernel */
  }
  for (int i = ex->n_steps - 1; i >= 0; i--) {
    ex_step *s = &ex->steps[i];
    if (s->n_out < 1 || s->out[0] != in) continue;
    float *omin, *omax;
    if (!ex_step_output_clamp(s, &omin, &omax)) return false;
    /* clamp(clamp(v, a, b), lo, hi) == clamp(v, max(a, lo), min(b, hi)) when the intervals overlap */
    if (*omin > hi || *omax < lo) return false;
    if (lo > *omin) *omin = lo;
    if (hi < *omax) *omax = hi;
    if (!vm_put(vm, res, in, vcount)) *st = no_memory();
    ex->n_fused++;
    return true;
  }
  return false;
}

/* Add of a constant f32 bias [N] (broadcast along the last dimension; either
 * operand) to the f32 result of a qgemm_dynamic without bias that nothing else
 * reads (a Linear exported as MatMul + Add): the bias is packed into the
 * qgemm_dynamic's weights (ex_qgemm_dynamic_add_bias) and the Add's result
 * becomes the qgemm_dynamic's slot. The same bits: the Linear's epilogue
 * computes (float)acc * scale + bias[n] as one float add of the same two
 * operands the Add adds (its float product is rounded first either way; no
 * FMA). Only a NaN in both operands could pick the other NaN's payload.
 * Returns true when fused. */
static bool fuse_bias(qcc_executor *ex, MlirOperation op, const int *ins, value_map *vm, size_t *vcount,
                      qcc_status_t *st) {
  MlirValue res = mlirOperationGetResult(op, 0);
  for (int w = 0; w < 2; w++) {
    const ex_slot *c = &ex->slots[ins[w]], *x = &ex->slots[ins[1 - w]];
    if (ex->slots[c->root].kind != EX_SLOT_CONST || c->dtype != QCC_NPY_F32 || c->bf16 || c->rank < 1) continue;
    if (x->root != ins[1 - w] || x->kind != EX_SLOT_ACT || x->dtype != QCC_NPY_F32 || x->bf16 || x->rank < 1) continue;
    MlirValue xv = mlirOperationGetOperand(op, 1 - w);
    if (!single_use(xv) || !mlirValueIsAOpResult(xv) || !mlirTypeEqual(mlirValueGetType(xv), mlirValueGetType(res)))
      continue;
    MlirOperation qop = mlirOpResultGetOwner(xv);
    if (qcc_op_get_kind(qop) != QCC_OP_qgemm_dynamic) continue;
    ex_step *s = NULL;
    for (int i = ex->n_steps - 1; i >= 0 && !s; i--)
      if (ex->steps[i].n_out >= 1 && ex->steps[i].out[0] == ins[1 - w]) s = &ex->steps[i];
    if (!s || s->kind != QCC_OP_qgemm_dynamic || (s->n_in > 2 && s->in[2] >= 0)) continue;
    const int64_t n = s->u.gemm.n;
    if (c->numel != n || c->shape[c->rank - 1] != n || c->rank > x->rank || x->shape[x->rank - 1] != n) continue;
    *st = ex_qgemm_dynamic_add_bias(ex, qop, s, ex_data(ex, ins[w]));
    if (!*st && !vm_put(vm, res, ins[1 - w], vcount)) *st = no_memory();
    ex->n_fused++;
    return true;
  }
  return false;
}

static qcc_status_t plan_op(qcc_executor *ex, MlirOperation op, int op_index, value_map *vm, size_t *vcount) {
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k == QCC_OP_NONE) return op_error(op, QCC_ERR_UNSUPPORTED, "not a qcc op; the executor cannot run it");
  intptr_t nin = mlirOperationGetNumOperands(op), nout = mlirOperationGetNumResults(op);
  int ins[QCC_MAX_VARIADIC + 8];
  if (nin > QCC_MAX_VARIADIC + 8) return op_error(op, QCC_ERR_UNSUPPORTED, "too many operands");
  for (intptr_t i = 0; i < nin; i++) {
    ins[i] = vm_get(vm, mlirOperationGetOperand(op, i));
    if (ins[i] < 0) return op_error(op, QCC_ERR_INVALID, "operand defined outside @main's body");
  }
  if (k == QCC_OP_constant) {
    int si;
    QCC_RETURN_IF_ERROR(new_slot(ex, op, mlirValueGetType(mlirOperationGetResult(op, 0)), EX_SLOT_CONST, &si));
    QCC_RETURN_IF_ERROR(load_constant(ex, op, si));
    return vm_put(vm, mlirOperationGetResult(op, 0), si, vcount) ? NULL : no_memory();
  }
  if (is_view_kind(k)) {
    int si;
    ex_slot *src = &ex->slots[ins[0]];
    QCC_RETURN_IF_ERROR(new_slot(ex, op, mlirValueGetType(mlirOperationGetResult(op, 0)), src->kind, &si));
    src = &ex->slots[ins[0]];
    if (ex->slots[si].nbytes != src->nbytes)
      return op_error(op, QCC_ERR_INVALID, "result and operand sizes differ in a view op");
    ex->slots[si].root = src->root;
    return vm_put(vm, mlirOperationGetResult(op, 0), si, vcount) ? NULL : no_memory();
  }
  qcc_status_t fst = NULL;
  if (nin == 1 && nout == 1 && !ex->opts.no_activation_fusion && fuse_activation(ex, op, k, ins[0], vm, vcount, &fst))
    return fst;
  /* (not under after_step: qcc compare matches the qgemm_dynamic's value with the float MatMul's) */
  if (k == QCC_OP_add && nin == 2 && nout == 1 && !ex->opts.no_activation_fusion && !ex->opts.after_step &&
      fuse_bias(ex, op, ins, vm, vcount, &fst))
    return fst;
  ex_step s;
  memset(&s, 0, sizeof s);
  s.kind = k;
  s.op_index = op_index;
  s.n_in = (int)nin;
  s.n_out = (int)nout;
  s.in = malloc(((size_t)nin + 1) * sizeof(int));
  s.out = malloc(((size_t)nout + 1) * sizeof(int));
  char where[700];
  op_where(op, where, sizeof where);
  s.where = strdup(where);
  if (!s.in || !s.out || !s.where) { step_free(&s); return no_memory(); }
  memcpy(s.in, ins, (size_t)nin * sizeof(int));
  qcc_status_t st = NULL;
  for (intptr_t j = 0; j < nout && !st; j++) {
    st = new_slot(ex, op, mlirValueGetType(mlirOperationGetResult(op, j)), EX_SLOT_ACT, &s.out[j]);
    if (!st && k == QCC_OP_observe) ex->slots[s.out[j]].root = ex->slots[ins[0]].root,
                                    ex->slots[s.out[j]].kind = ex->slots[ins[0]].kind;
    if (!st && !vm_put(vm, mlirOperationGetResult(op, j), s.out[j], vcount)) st = no_memory();
  }
  if (!st) st = ex_plan_op(ex, op, &s);
  if (st) { step_free(&s); return st; }
  bool all_const = nin > 0 && k != QCC_OP_observe;
  for (int i = 0; i < s.n_in && all_const; i++)
    if (s.in[i] >= 0 && ex->slots[ex->slots[s.in[i]].root].kind != EX_SLOT_CONST) all_const = false;
  if (all_const) {
    st = fold_step(ex, &s);
    step_free(&s);
    return st;
  }
  if (ex->n_steps == ex->cap_steps) {
    int nc = ex->cap_steps ? ex->cap_steps * 2 : 32;
    ex_step *ns = realloc(ex->steps, (size_t)nc * sizeof *ns);
    if (!ns) { step_free(&s); return no_memory(); }
    ex->steps = ns, ex->cap_steps = nc;
  }
  if ((st = share_dynamic_quant(ex, &s, ex->n_steps))) { step_free(&s); return st; }
  ex->steps[ex->n_steps++] = s;
  return NULL;
}

/* Liveness, in-place decisions, frees, peak, scratch. */
static qcc_status_t finish_plan(qcc_executor *ex) {
  for (int i = 0; i < ex->n_steps; i++) {
    ex_step *s = &ex->steps[i];
    for (int j = 0; j < s->n_in; j++)
      if (s->in[j] >= 0) {
        ex_slot *r = &ex->slots[ex->slots[s->in[j]].root];
        if (r->last_use < i) r->last_use = i;
      }
  }
  for (int i = 0; i < ex->n_outputs; i++) ex->slots[ex->slots[ex->output_slots[i]].root].output = true;
  for (int i = 0; i < ex->n_steps; i++) {
    ex_step *s = &ex->steps[i];
    if (!s->can_inplace) continue;
    int r = ex->slots[s->in[0]].root;
    ex_slot *rs = &ex->slots[r];
    bool other_reader = false;
    for (int j = 1; j < s->n_in; j++)
      if (s->in[j] >= 0 && ex->slots[s->in[j]].root == r) other_reader = true;
    if (rs->kind == EX_SLOT_ACT && rs->last_use == i && !rs->output && !other_reader &&
        rs->nbytes == ex->slots[s->out[0]].nbytes && ex->slots[s->out[0]].root == s->out[0])
      s->inplace = true;
  }
  for (int r = 0; r < ex->n_slots; r++) {
    ex_slot *rs = &ex->slots[r];
    if (rs->root != r || rs->kind != EX_SLOT_ACT || rs->output) continue;
    if (rs->last_use >= ex->n_steps) continue; /* cannot happen: ACT roots come from steps */
    ex_step *s = &ex->steps[rs->last_use];
    if (s->inplace && ex->slots[s->in[0]].root == r) continue;
    int *nf = realloc(s->frees, (size_t)(s->n_frees + 1) * sizeof(int));
    if (!nf) return no_memory();
    s->frees = nf;
    s->frees[s->n_frees++] = r;
  }
  size_t live = 0, peak = 0, scratch = 0;
  for (int i = 0; i < ex->n_steps; i++) {
    ex_step *s = &ex->steps[i];
    for (int j = 0; j < s->n_out; j++) {
      ex_slot *o = &ex->slots[s->out[j]];
      if (o->root == s->out[j] && o->kind == EX_SLOT_ACT && !(s->inplace && j == 0)) live += o->nbytes;
    }
    if (live > peak) peak = live;
    for (int j = 0; j < s->n_frees; j++) live -= ex->slots[s->frees[j]].nbytes;
    if (s->scratch > scratch) scratch = s->scratch;
  }
  ex->peak_bytes = peak;
  ex->scratch_size = scratch;
  if (scratch) {
    ex->scratch = xalloc_aligned(scratch);
    if (!ex->scratch) return no_memory();
  }
  return NULL;
}

static char *name_dup(MlirStringRef n) {
  char *s = malloc(n.length + 1);
  if (s) memcpy(s, n.data, n.length), s[n.length] = 0;
  return s;
}

qcc_status_t qcc_executor_create(MlirModule m, const qcc_executor_options *o, qcc_executor **out) {
  *out = NULL;
  MlirOperation f = qcc_module_main(m);
  if (mlirOperationIsNull(f)) return qcc_status_make(QCC_ERR_INVALID, "the module has no func.func @main");
  qcc_executor *ex = calloc(1, sizeof *ex);
  if (!ex) return no_memory();
  if (o) ex->opts = *o;
  const int threads = ex->opts.threads;
  if (threads > QRT_POOL_MAX_THREADS) {
    free(ex);
    return qcc_status_make(QCC_ERR_USAGE, "%d threads asked for: at most %d", threads, QRT_POOL_MAX_THREADS);
  }
  if (threads > 1) {
    if (qrt_pool_init(&ex->workers, threads) != QRT_OK) {
      free(ex);
      return qcc_status_make(QCC_ERR_IO, "cannot start %d threads (the system refused a thread)", threads);
    }
    ex->workers_started = true;
  }
  value_map vm = {0};
  size_t vcount = 0;
  qcc_status_t st = NULL;
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(f, 0));
  ex->n_inputs = (int)mlirBlockGetNumArguments(b);
  ex->input_slots = calloc((size_t)ex->n_inputs + 1, sizeof(int));
  ex->input_names = calloc((size_t)ex->n_inputs + 1, sizeof(char *));
  if (!ex->input_slots || !ex->input_names) st = no_memory();
  for (int i = 0; i < ex->n_inputs && !st; i++) {
    MlirValue a = mlirBlockGetArgument(b, i);
    st = new_slot(ex, f, mlirValueGetType(a), EX_SLOT_INPUT, &ex->input_slots[i]);
    if (!st && !(ex->input_names[i] = name_dup(qcc_main_arg_name(f, i)))) st = no_memory();
    if (!st && !vm_put(&vm, a, ex->input_slots[i], &vcount)) st = no_memory();
  }
  MlirOperation ret = {NULL};
  int op_index = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !st && !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op), op_index++) {
    MlirStringRef nm = mlirIdentifierStr(mlirOperationGetName(op));
    if (nm.length == 11 && !memcmp(nm.data, "func.return", 11)) { ret = op; break; }
    st = plan_op(ex, op, op_index, &vm, &vcount);
  }
  if (!st && mlirOperationIsNull(ret)) st = qcc_status_make(QCC_ERR_INVALID, "@main has no func.return");
  if (!st) {
    ex->n_outputs = (int)mlirOperationGetNumOperands(ret);
    ex->output_slots = calloc((size_t)ex->n_outputs + 1, sizeof(int));
    ex->output_names = calloc((size_t)ex->n_outputs + 1, sizeof(char *));
    if (!ex->output_slots || !ex->output_names) st = no_memory();
    for (int i = 0; i < ex->n_outputs && !st; i++) {
      ex->output_slots[i] = vm_get(&vm, mlirOperationGetOperand(ret, i));
      if (!(ex->output_names[i] = name_dup(qcc_main_result_name(f, i)))) st = no_memory();
    }
  }
  free(vm.keys);
  free(vm.vals);
  if (!st) st = finish_plan(ex);
  if (st) {
    qcc_executor_destroy(ex);
    return st;
  }
  *out = ex;
  return NULL;
}

void qcc_executor_destroy(qcc_executor *ex) {
  if (!ex) return;
  if (ex->workers_started) qrt_pool_deinit(&ex->workers);
  for (int i = 0; i < ex->n_steps; i++) step_free(&ex->steps[i]);
  free(ex->steps);
  for (int i = 0; i < ex->n_slots; i++) {
    ex_slot *s = &ex->slots[i];
    if (s->root != i) continue;
    if ((s->kind == EX_SLOT_CONST && s->owned) || s->kind == EX_SLOT_ACT) free(s->data);
  }
  free(ex->slots);
  for (int i = 0; i < ex->n_pool; i++) free(ex->pool[i].p);
  free(ex->pool);
  for (int i = 0; i < ex->n_inputs; i++) free(ex->input_names ? ex->input_names[i] : NULL);
  for (int i = 0; i < ex->n_outputs; i++) free(ex->output_names ? ex->output_names[i] : NULL);
  free(ex->input_names);
  free(ex->output_names);
  free(ex->input_slots);
  free(ex->output_slots);
  free(ex->scratch);
  free(ex);
}

/* ------------------------------------------------------------------- pool */

static void *pool_get(qcc_executor *ex, size_t n, size_t *cap) {
  if (!n) { *cap = 0; return NULL; }
  int best = -1;
  for (int i = 0; i < ex->n_pool; i++)
    if (ex->pool[i].cap >= n && (best < 0 || ex->pool[i].cap < ex->pool[best].cap)) best = i;
  if (best >= 0) {
    void *p = ex->pool[best].p;
    *cap = ex->pool[best].cap;
    ex->pool[best] = ex->pool[--ex->n_pool];
    return p;
  }
  void *p = xalloc_aligned(n);
  if (!p) return NULL;
  *cap = (n + 63) & ~(size_t)63;
  ex->pool_held += *cap;
  return p;
}

static void pool_put(qcc_executor *ex, void *p, size_t cap) {
  if (!p) return;
  if (ex->n_pool == ex->cap_pool) {
    int nc = ex->cap_pool ? ex->cap_pool * 2 : 16;
    void *np = realloc(ex->pool, (size_t)nc * sizeof *ex->pool);
    if (!np) { free(p); ex->pool_held -= cap; return; }
    ex->pool = np, ex->cap_pool = nc;
  }
  ex->pool[ex->n_pool].p = p;
  ex->pool[ex->n_pool].cap = cap;
  ex->n_pool++;
}

/* -------------------------------------------------------------------- run */

static void fmt_shape(const int64_t *d, int rank, char *buf, size_t n) {
  size_t o = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < rank && o < n; i++) o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? ", " : "", (long long)d[i]);
  if (o < n) snprintf(buf + o, n - o, "]");
}

/* qcc_executor_options.after_step for each result of s. */
static qcc_status_t report_step(qcc_executor *ex, const ex_step *s) {
  for (int j = 0; j < s->n_out; j++) {
    const ex_slot *o = &ex->slots[s->out[j]];
    qcc_npy_tensor_t t;
    memset(&t, 0, sizeof t);
    t.dtype = o->dtype, t.rank = o->rank, t.nbytes = o->nbytes;
    memcpy(t.shape, o->shape, sizeof(int64_t) * (size_t)o->rank);
    t.data = ex_data(ex, s->out[j]);
    QCC_RETURN_IF_ERROR(ex->opts.after_step(ex->opts.step_user_data, s->op_index, j, &t));
  }
  return NULL;
}

static void release_all(qcc_executor *ex) {
  for (int i = 0; i < ex->n_slots; i++) {
    ex_slot *s = &ex->slots[i];
    if (s->root == i && s->kind == EX_SLOT_ACT && s->data) {
      pool_put(ex, s->data, s->cap);
      s->data = NULL;
    }
    if (s->root == i && s->kind == EX_SLOT_INPUT) s->data = NULL;
  }
}

qcc_status_t qcc_executor_run(qcc_executor *ex, const qcc_npy_tensor_t *inputs, qcc_npy_tensor_t *outputs) {
  for (int i = 0; i < ex->n_outputs; i++) memset(&outputs[i], 0, sizeof outputs[i]);
  for (int i = 0; i < ex->n_inputs; i++) {
    const ex_slot *s = &ex->slots[ex->input_slots[i]];
    const qcc_npy_tensor_t *t = &inputs[i];
    bool ok = t->dtype == s->dtype && t->rank == s->rank && (t->data || !s->nbytes) && t->nbytes == s->nbytes;
    for (int d = 0; ok && d < s->rank; d++) ok = t->shape[d] == s->shape[d];
    if (!ok) {
      char want[200], got[200];
      fmt_shape(s->shape, s->rank, want, sizeof want);
      fmt_shape(t->shape, t->rank, got, sizeof got);
      return qcc_status_make(QCC_ERR_INVALID, "input '%s': expected %s %s, got %s %s", ex->input_names[i],
                             qcc_npy_dtype_name(s->dtype), want, qcc_npy_dtype_name(t->dtype), got);
    }
  }
  for (int i = 0; i < ex->n_inputs; i++) ex->slots[ex->input_slots[i]].data = inputs[i].data;
  qcc_status_t st = NULL;
  for (int i = 0; i < ex->n_steps && !st; i++) {
    ex_step *s = &ex->steps[i];
    for (int j = 0; j < s->n_out; j++) {
      ex_slot *o = &ex->slots[s->out[j]];
      if (o->root != s->out[j] || o->kind != EX_SLOT_ACT) continue;
      if (s->inplace && j == 0) {
        ex_slot *r = &ex->slots[ex->slots[s->in[0]].root];
        o->data = r->data, o->cap = r->cap; /* r gives up the buffer after the step */
      } else {
        o->data = pool_get(ex, o->nbytes, &o->cap);
        if (o->nbytes && !o->data) st = no_memory();
      }
    }
    if (!st) st = s->run(ex, s, ex->scratch);
    if (!st && ex->opts.after_step) st = report_step(ex, s);
    if (s->inplace) {
      ex_slot *r = &ex->slots[ex->slots[s->in[0]].root];
      r->data = NULL, r->cap = 0;
    }
    if (st) break;
    for (int j = 0; j < s->n_frees; j++) {
      ex_slot *r = &ex->slots[s->frees[j]];
      pool_put(ex, r->data, r->cap);
      r->data = NULL, r->cap = 0;
    }
  }
  /* Hand the outputs over: a pooled buffer read by one output only is given
   * away; anything else (constants, inputs, shared roots) is copied. */
  for (int i = 0; i < ex->n_outputs && !st; i++) {
    int si = ex->output_slots[i];
    ex_slot *s = &ex->slots[si], *r = &ex->slots[s->root];
    qcc_npy_tensor_t *t = &outputs[i];
    t->dtype = s->dtype;
    t->rank = s->rank;
    memcpy(t->shape, s->shape, sizeof(int64_t) * (size_t)s->rank);
    t->nbytes = s->nbytes;
    int sharers = 0;
    for (int j = i + 1; j < ex->n_outputs; j++) sharers += ex->slots[ex->output_slots[j]].root == s->root;
    /* (a recycled buffer much larger than the output stays in the pool) */
    if (r->kind == EX_SLOT_ACT && !sharers && r->data && r->cap <= 2 * s->nbytes + 4096) {
      t->data = r->data;
      ex->pool_held -= r->cap;
      r->data = NULL, r->cap = 0;
    } else if (s->nbytes) {
      t->data = malloc(s->nbytes);
      if (!t->data) st = no_memory();
      else memcpy(t->data, r->data, s->nbytes);
    }
  }
  release_all(ex);
  if (st) for (int i = 0; i < ex->n_outputs; i++) qcc_npy_tensor_free(&outputs[i]);
  return st;
}

/* ------------------------------------------------------------- accessors */

int qcc_executor_num_inputs(const qcc_executor *ex) { return ex->n_inputs; }
int qcc_executor_num_outputs(const qcc_executor *ex) { return ex->n_outputs; }
const char *qcc_executor_input_name(const qcc_executor *ex, int i) { return ex->input_names[i]; }
const char *qcc_executor_output_name(const qcc_executor *ex, int i) { return ex->output_names[i]; }

static void spec_of(const ex_slot *s, qcc_npy_tensor_t *t) {
  memset(t, 0, sizeof *t);
  t->dtype = s->dtype;
  t->rank = s->rank;
  memcpy(t->shape, s->shape, sizeof(int64_t) * (size_t)s->rank);
  t->nbytes = s->nbytes;
}
void qcc_executor_input_spec(const qcc_executor *ex, int i, qcc_npy_tensor_t *spec) {
  spec_of(&ex->slots[ex->input_slots[i]], spec);
}
void qcc_executor_output_spec(const qcc_executor *ex, int i, qcc_npy_tensor_t *spec) {
  spec_of(&ex->slots[ex->output_slots[i]], spec);
}
int qcc_executor_find_input(const qcc_executor *ex, const char *name) {
  for (int i = 0; i < ex->n_inputs; i++)
    if (!strcmp(ex->input_names[i], name)) return i;
  return -1;
}

void qcc_executor_get_stats(const qcc_executor *ex, qcc_executor_stats *out) {
  memset(out, 0, sizeof *out);
  out->n_steps = ex->n_steps;
  out->n_folded = ex->n_folded;
  out->n_fused = ex->n_fused;
  out->peak_activation_bytes = ex->peak_bytes;
  out->constant_bytes = ex->const_bytes;
  for (int i = 0; i < ex->n_steps; i++) out->constant_bytes += ex->steps[i].packed_size;
  out->scratch_bytes = ex->scratch_size;
  out->pool_bytes = ex->pool_held;
}
