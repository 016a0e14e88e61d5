/* qcc-pack-weights: the int8 weights of qconv2d, qgemm and qgemm_dynamic packed
 * now, for one target's microkernel, and recorded on the op (docs/codegen.md,
 * "Lowering passes"; the attributes: compiler/executor.h).
 *
 * The bytes are libqrt's packed buffer (qrt_q8.h): a header naming the kind
 * of op, the row (variant) and the shapes, then the multipliers, the bias and
 * the weights minus their zero points in that row's layout. They come from the
 * plan qcc compile prints (qcc_codegen_plan: the executor's plan under the
 * target's ISA limit and int8 packing level), so they are the bytes the
 * executor packs for that target: which ops have constant weights (after
 * constant folding and views), qcc-precompute-requant's multipliers, the row
 * the weights fit (byte lanes need w - zw in s8). Each op gets them cut at the
 * bytes its row's kernels read (qrt_q8_packed_info's `used`), so the weights
 * blob holds no padding of a larger row's layout.
 *
 * The weights operands stay: the executor (qcc run, and qcc compile's plan)
 * copies the packed bytes instead of packing, after checking that they are
 * for this op (kind, shapes, types, zero points, the variant named); running
 * the pass again, e.g. for another target, packs them anew. The module
 * records the target: a plan for another target is refused. */
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
#include "qrt/qrt_q8.h"

typedef struct {
  char target[32];
  bool remarks;
} pack_cfg;

static void fail(MlirExternalPass pass, qcc_status_t st) {
  qcc_pass_report(st);
  mlirExternalPassSignalFailure(pass);
}

static void set_attr(MlirOperation op, const char *name, MlirAttribute a) {
  mlirOperationSetDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name), a);
}

static void remove_attr(MlirOperation op, const char *name) {
  mlirOperationRemoveDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name));
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const pack_cfg *cfg = ud;
  MlirModule m = mlirModuleFromOperation(root);
  MlirOperation f = mlirModuleIsNull(m) ? (MlirOperation){NULL} : qcc_module_main(m);
  if (mlirOperationIsNull(f)) {
    fail(pass, qcc_status_make(QCC_ERR_USAGE, "qcc-pack-weights runs on a module with a func.func @main"));
    return;
  }
  /* packed before (maybe for another target): the plan packs the weights operands again */
  MlirBlock blk = mlirRegionGetFirstBlock(mlirOperationGetRegion(f, 0));
  int n_ops = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(blk); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    remove_attr(op, QCC_ATTR_PACKED_WEIGHTS);
    remove_attr(op, QCC_ATTR_PACKED_VARIANT);
    n_ops++;
  }
  remove_attr(root, QCC_ATTR_PACKED_TARGET);
  MlirOperation *ops = malloc(sizeof *ops * (size_t)(n_ops + 1));
  if (!ops) {
    fail(pass, qcc_status_make(QCC_ERR_INTERNAL, "qcc-pack-weights: out of memory"));
    return;
  }
  n_ops = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(blk); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
    ops[n_ops++] = op;
  qcc_executor *ex = NULL;
  qcc_status_t st = qcc_codegen_plan(m, cfg->target, 1, &ex);
  if (st) {
    free(ops);
    fail(pass, st);
    return;
  }
  MlirContext ctx = mlirOperationGetContext(root);
  MlirType i8 = mlirIntegerTypeGet(ctx, 8);
  int n_packed = 0;
  size_t bytes = 0;
  for (int i = 0; i < ex->n_steps && !st; i++) {
    const ex_step *s = &ex->steps[i];
    if (!ex_q8_packed_step(s) || s->op_index < 0 || s->op_index >= n_ops) continue;
    qrt_q8_packed_info_t in;
    if (qrt_q8_packed_info(s->packed, s->packed_size, &in) != QRT_OK) {
      st = qcc_status_make(QCC_ERR_INTERNAL, "qcc-pack-weights: %s: the plan's packed weights are not readable", s->where);
      break;
    }
    const int64_t n = (int64_t)in.used;
    MlirAttribute data = mlirDenseElementsAttrRawBufferGet(mlirRankedTensorTypeGet(1, &n, i8, mlirAttributeGetNull()),
                                                           in.used, s->packed);
    set_attr(ops[s->op_index], QCC_ATTR_PACKED_WEIGHTS, data);
    set_attr(ops[s->op_index], QCC_ATTR_PACKED_VARIANT,
             mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(qrt_isa_name(in.variant))));
    if (cfg->remarks)
      fprintf(stderr, "qcc-pack-weights: %s: %zu bytes for the %s row\n", s->where, in.used, qrt_isa_name(in.variant));
    n_packed++, bytes += in.used;
  }
  if (!st) set_attr(root, QCC_ATTR_PACKED_TARGET, mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(cfg->target)));
  if (!st && cfg->remarks)
    fprintf(stderr, "qcc-pack-weights: %d ops packed for %s, %zu bytes\n", n_packed, cfg->target, bytes);
  qcc_executor_destroy(ex);
  free(ops);
  if (st) fail(pass, st);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  pack_cfg *c = calloc(1, sizeof *c);
  if (!c) return qcc_status_make(QCC_ERR_INTERNAL, "qcc-pack-weights: out of memory");
  snprintf(c->target, sizeof c->target, "native");
  for (int i = 0; i < n; i++) {
    qcc_status_t st = NULL;
    if (!strcmp(opts[i].key, "target")) {
      st = qcc_target_option("qcc-pack-weights", opts[i].value, c->target, sizeof c->target);
    } else if (!strcmp(opts[i].key, "remarks")) {
      st = qcc_option_bool("qcc-pack-weights", &opts[i], &c->remarks);
    } else {
      st = qcc_option_unknown("qcc-pack-weights", opts[i].key, "target, remarks");
    }
    if (st) {
      free(c);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_pack_weights_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_pack_weights_info = {
    "qcc-pack-weights", "",
    "Pack the int8 weights of qconv2d, qgemm and qgemm_dynamic for the target's microkernel now",
    "Packs each op's constant weights, bias and multipliers as libqrt's packed buffer for the row\n"
    "the target selects (the bytes qcc compile's plan packs) and records them on the op, cut at\n"
    "the bytes the row's kernels read; the executor and qcc compile then copy them instead of\n"
    "packing. Checked when used: kind, shapes, types, zero points, the variant named, the target.\n"
    "Before:  %y = \"qcc.qgemm\"(%x, %w, %b) {...} : (tensor<1x8x!quant.uniform<u8:f32, ...>>, ...)\n"
    "After:   %y = \"qcc.qgemm\"(%x, %w, %b) {..., qcc.packed_variant = \"avx512vnni\",\n"
    "           qcc.packed_weights = dense<\"0x5138...\"> : tensor<1600xi8>} ...\n"
    "         module attributes {qcc.packed_target = \"x86-64-v4-vnni\"}",
    "target=T: the qcc compile target to pack for (default native)\n"
    "remarks=1: print each op's row and bytes on stderr",
    create};
