/* Schema tables of the qcc dialect, expanded from ops.def. No MLIR calls here:
 * the build-time generator (gen_dialect) links this file alone. */
#include "qcc_dialect.h"

#include <string.h>

/* ---- schema tables expanded from ops.def ---- */
#define IN(n) {#n, QCC_ARITY_ONE},
#define OPT(n) {#n, QCC_ARITY_OPTIONAL},
#define VAR(n) {#n, QCC_ARITY_VARIADIC},
#define A_I64(n) {QCC_ATTR_##n, QCC_AK_I64},
#define A_I64S(n) {QCC_ATTR_##n, QCC_AK_I64S},
#define A_F32(n) {QCC_ATTR_##n, QCC_AK_F32},
#define A_F32S(n) {QCC_ATTR_##n, QCC_AK_F32S},
#define A_STR(n) {QCC_ATTR_##n, QCC_AK_STR},
#define A_ELEMS(n) {QCC_ATTR_##n, QCC_AK_ELEMS},
#define A_TYPE(n) {QCC_ATTR_##n, QCC_AK_TYPE},
#define QCC_OP(kind, summary, ins, outs, attrs)                                  \
  static const qcc_value_schema kind##_ins_[] = {ins{NULL, QCC_ARITY_ONE}};      \
  static const qcc_value_schema kind##_outs_[] = {outs{NULL, QCC_ARITY_ONE}};    \
  static const qcc_attr_schema kind##_attrs_[] = {attrs{QCC_ATTR_COUNT_, QCC_AK_I64}};
#include "ops.def"
#undef QCC_OP

static qcc_op_info g_ops[] = {
#define QCC_OP(kind, summary, ins, outs, attrs) \
  {#kind, QCC_DIALECT_NAMESPACE "." #kind, summary, kind##_ins_, kind##_outs_, kind##_attrs_, 0, 0, 0},
#include "ops.def"
#undef QCC_OP
};
#undef IN
#undef OPT
#undef VAR
#undef A_I64
#undef A_I64S
#undef A_F32
#undef A_F32S
#undef A_STR
#undef A_ELEMS
#undef A_TYPE

static const char *g_attr_names[] = {
#define QCC_X_(n) #n,
    QCC_ATTR_LIST(QCC_X_)
#undef QCC_X_
};

static void count_schema(void) {
  static int done;
  if (done) return;
  for (int k = 0; k < QCC_OP_COUNT_; ++k) {
    qcc_op_info *o = &g_ops[k];
    int n = 0;
    while (o->operands[n].name) n++;
    o->n_operands = n;
    n = 0;
    while (o->results[n].name) n++;
    o->n_results = n;
    n = 0;
    while (o->attrs[n].id != QCC_ATTR_COUNT_) n++;
    o->n_attrs = n;
  }
  done = 1;
}

const qcc_op_info *qcc_op_info_get(qcc_op_kind kind) {
  if (kind < 0 || kind >= QCC_OP_COUNT_) return NULL;
  count_schema();
  return &g_ops[kind];
}

const char *qcc_attr_name(qcc_attr_id id) {
  return id >= 0 && id < QCC_ATTR_COUNT_ ? g_attr_names[id] : "?";
}

const char *qcc_attr_kind_name(qcc_attr_kind k) {
  switch (k) {
    case QCC_AK_I64: return "i64";
    case QCC_AK_I64S: return "array<i64>";
    case QCC_AK_F32: return "f32";
    case QCC_AK_F32S: return "array<f32>";
    case QCC_AK_STR: return "string";
    case QCC_AK_ELEMS: return "dense elements";
    case QCC_AK_TYPE: return "type";
  }
  return "?";
}

qcc_op_kind qcc_op_kind_from_name(const char *name, size_t len) {
  static const char prefix[] = QCC_DIALECT_NAMESPACE ".";
  if (len > sizeof prefix - 1 && memcmp(name, prefix, sizeof prefix - 1) == 0) {
    name += sizeof prefix - 1;
    len -= sizeof prefix - 1;
  }
  for (int k = 0; k < QCC_OP_COUNT_; ++k) {
    const char *n = g_ops[k].name;
    if (strlen(n) == len && memcmp(n, name, len) == 0) return (qcc_op_kind)k;
  }
  return QCC_OP_NONE;
}

