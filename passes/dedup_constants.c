/* qcc-dedup-constants: byte-identical constants become one. Two qcc.constant
 * ops in one block whose results have the same type and whose values hold the
 * same bytes (dense or dense_resource, splats expanded) are one value: the
 * later op's uses move to the earlier one, which is erased. qcc-cse merges
 * equal constants only when all their attributes are the same attribute;
 * this pass compares bytes, so a dense_resource blob and its copy (or a dense
 * attribute with the same contents) merge too, whatever their other
 * attributes. The executor and qcc compile then hold one copy: qcc compile's
 * weights blob stores each constant tensor once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "pass_util.h"
#include "passes.h"
#include "qcc.h"

typedef struct {
  bool remarks;
} dedup_cfg;

/* One constant: its bytes (borrowed from the attribute, or owned copy). */
typedef struct {
  MlirOperation op;
  const unsigned char *data;
  unsigned char *owned;
  size_t n;
  uint64_t hash;
} cst;

/* Bytes per element of a constant's element type; 0 when this pass does not
 * compare it (complex, index, ...). i1 is one byte, as the executor holds it. */
static size_t elem_bytes(MlirType e) {
  if (mlirTypeIsAInteger(e)) {
    unsigned w = mlirIntegerTypeGetWidth(e);
    return w == 1 ? 1 : (w == 8 || w == 16 || w == 32 || w == 64) ? w / 8 : 0;
  }
  if (mlirTypeIsAFloat(e)) {
    unsigned w = mlirFloatTypeGetWidth(e);
    return w == 16 || w == 32 || w == 64 ? w / 8 : 0;
  }
  return 0;
}

/* A resource element's bytes, by the element type's getter; false for types
 * the C API has no getter for (f16, bf16). */
static bool resource_elem(MlirAttribute a, MlirType e, intptr_t i, unsigned char *out) {
  if (mlirTypeIsAF32(e)) { float v = mlirDenseFloatResourceElementsAttrGetValue(a, i); memcpy(out, &v, 4); return true; }
  if (mlirTypeIsAF64(e)) { double v = mlirDenseDoubleResourceElementsAttrGetValue(a, i); memcpy(out, &v, 8); return true; }
  if (!mlirTypeIsAInteger(e)) return false;
  bool u = mlirIntegerTypeIsUnsigned(e);
  switch (mlirIntegerTypeGetWidth(e)) {
    case 1: *out = mlirDenseBoolResourceElementsAttrGetValue(a, i); return true;
    case 8: *out = u ? mlirDenseUInt8ResourceElementsAttrGetValue(a, i) : (uint8_t)mlirDenseInt8ResourceElementsAttrGetValue(a, i); return true;
    case 16: { uint16_t v = u ? mlirDenseUInt16ResourceElementsAttrGetValue(a, i) : (uint16_t)mlirDenseInt16ResourceElementsAttrGetValue(a, i); memcpy(out, &v, 2); return true; }
    case 32: { uint32_t v = u ? mlirDenseUInt32ResourceElementsAttrGetValue(a, i) : (uint32_t)mlirDenseInt32ResourceElementsAttrGetValue(a, i); memcpy(out, &v, 4); return true; }
    case 64: { uint64_t v = u ? mlirDenseUInt64ResourceElementsAttrGetValue(a, i) : (uint64_t)mlirDenseInt64ResourceElementsAttrGetValue(a, i); memcpy(out, &v, 8); return true; }
    default: return false;
  }
}

/* c's bytes: the dense attribute's own buffer when it holds every element,
 * else a copy (splats expanded, booleans and resources element by element).
 * false when the constant is not compared (unknown type, out of memory). */
static bool bytes_of(cst *c) {
  MlirAttribute a = qcc_op_attr(c->op, QCC_ATTR_value);
  MlirType t = mlirValueGetType(mlirOperationGetResult(c->op, 0));
  if (mlirAttributeIsNull(a) || !mlirTypeIsARankedTensor(t) || !mlirShapedTypeHasStaticShape(t)) return false;
  MlirType e = mlirShapedTypeGetElementType(t);
  size_t es = elem_bytes(e);
  int64_t numel = mlirElementsAttrGetNumElements(a);
  if (!es || numel < 0) return false;
  c->n = (size_t)numel * es;
  bool bool_elems = mlirTypeIsAInteger(e) && mlirIntegerTypeGetWidth(e) == 1;
  if (mlirAttributeIsADenseElements(a) && !bool_elems && !mlirDenseElementsAttrIsSplat(a)) {
    c->data = mlirDenseElementsAttrGetRawData(a);
    return true;
  }
  c->owned = malloc(c->n ? c->n : 1);
  if (!c->owned) return false;
  c->data = c->owned;
  if (mlirAttributeIsADenseElements(a)) {
    if (bool_elems) {
      for (int64_t i = 0; i < numel; i++) c->owned[i] = mlirDenseElementsAttrGetBoolValue(a, (intptr_t)i);
    } else { /* a splat: its one element, repeated */
      const unsigned char *one = mlirDenseElementsAttrGetRawData(a);
      for (int64_t i = 0; i < numel; i++) memcpy(c->owned + (size_t)i * es, one, es);
    }
    return true;
  }
  if (!mlirAttributeIsADenseResourceElements(a)) return false;
  for (int64_t i = 0; i < numel; i++)
    if (!resource_elem(a, e, (intptr_t)i, c->owned + (size_t)i * es)) return false;
  return true;
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* A hash of the size and of samples of the bytes (the first and last 256 and
 * 32 at 16 evenly spaced places), so hashing costs the same for any size;
 * constants with equal hashes are compared in full. */
static uint64_t sample_hash(const unsigned char *p, size_t n) {
  uint64_t h = fnv1a(0xcbf29ce484222325ull, (const unsigned char *)&n, sizeof n);
  if (n <= 1024) return fnv1a(h, p, n);
  h = fnv1a(h, p, 256);
  for (size_t k = 1; k < 16; k++) h = fnv1a(h, p + (n - 32) / 16 * k, 32);
  return fnv1a(h, p + n - 256, 256);
}

static bool same(const cst *a, const cst *b) {
  return a->hash == b->hash && a->n == b->n &&
         mlirBlockEqual(mlirOperationGetBlock(a->op), mlirOperationGetBlock(b->op)) &&
         mlirTypeEqual(mlirValueGetType(mlirOperationGetResult(a->op, 0)), mlirValueGetType(mlirOperationGetResult(b->op, 0))) &&
         !memcmp(a->data, b->data, a->n);
}

static bool is_constant(MlirOperation op) { return qcc_op_is(op, QCC_OP_constant); }

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const dedup_cfg *cfg = ud;
  size_t n;
  MlirOperation *ops = qcc_collect_ops(root, is_constant, &n);
  cst *v = calloc(n + 1, sizeof *v);
  size_t cap = 2 * n + 1;
  int *table = malloc(cap * sizeof *table); /* open addressing: indices into v, -1 empty */
  if (n && (!ops || !v || !table)) { /* (no constants: ops is NULL) */
    free(ops), free(v), free(table);
    qcc_pass_report(qcc_status_make(QCC_ERR_INTERNAL, "qcc-dedup-constants: out of memory"));
    mlirExternalPassSignalFailure(pass);
    return;
  }
  for (size_t k = 0; k < cap; k++) table[k] = -1;
  int merged = 0;
  size_t saved = 0;
  /* Program order (pre-order walk): the kept constant comes first in its block. */
  for (size_t i = 0; i < n; i++) {
    cst *c = &v[i];
    c->op = ops[i];
    if (!bytes_of(c)) continue;
    c->hash = sample_hash(c->data, c->n);
    for (size_t h = c->hash % cap;; h = (h + 1) % cap) {
      if (table[h] < 0) { table[h] = (int)i; break; }
      cst *k = &v[table[h]];
      if (!same(k, c)) continue;
      mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(c->op, 0), mlirOperationGetResult(k->op, 0));
      mlirOperationDestroy(c->op);
      free(c->owned);
      c->owned = NULL;
      merged++;
      saved += c->n;
      break;
    }
  }
  if (cfg->remarks) {
    char msg[200];
    snprintf(msg, sizeof msg, "remark: qcc-dedup-constants: %d of %zu constants merged into an identical one, %zu bytes saved",
             merged, n, saved);
    mlirEmitError(mlirOperationGetLocation(root), msg);
  }
  for (size_t i = 0; i < n; i++) free(v[i].owned);
  free(v);
  free(table);
  free(ops);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  dedup_cfg *c = calloc(1, sizeof *c);
  if (!c) return qcc_status_make(QCC_ERR_INTERNAL, "qcc-dedup-constants: out of memory");
  for (int i = 0; i < n; ++i) {
    qcc_status_t st = !strcmp(opts[i].key, "remarks") ? qcc_option_bool("qcc-dedup-constants", &opts[i], &c->remarks)
                                                      : qcc_option_unknown("qcc-dedup-constants", opts[i].key, "remarks");
    if (st) {
      free(c);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_dedup_constants_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_dedup_constants_info = {
    "qcc-dedup-constants", "",
    "Merge constants of the same type holding the same bytes (dense or dense_resource)",
    "Before:  %a = \"qcc.constant\"() {value = dense_resource<w1> : tensor<4xf32>}\n"
    "         %b = \"qcc.constant\"() {value = dense_resource<w2> : tensor<4xf32>}   (w2: w1's bytes)\n"
    "         %x = \"qcc.add\"(%in, %a)   %y = \"qcc.mul\"(%x, %b)\n"
    "After:   %a = \"qcc.constant\"() {value = dense_resource<w1> : tensor<4xf32>}\n"
    "         %x = \"qcc.add\"(%in, %a)   %y = \"qcc.mul\"(%x, %a)\n"
    "Constants merge within one block, into the first; the types must be equal (a tensor<4xi8> and a\n"
    "tensor<2x2xi8> with the same bytes stay two). qcc compile runs it, so its weights hold one copy.",
    "remarks=0|1: report how many constants merged and the bytes saved", create};
