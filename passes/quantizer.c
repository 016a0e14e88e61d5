/* Quantization specs (parse/format), the quantizer registry and the built-in
 * quantizers x86, arm and per-tensor. See quantizer.h. */
#include "quantizer.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "qcc.h"
#include "qcc_dialect.h"

/* ---------------------------------------------------------------- specs */
void qcc_qspec_set_type(qcc_quant_spec *q, int bits, bool is_signed) {
  q->bits = bits;
  q->is_signed = is_signed;
  if (bits == 32) {
    q->qmin = INT32_MIN, q->qmax = INT32_MAX;
  } else if (is_signed) {
    q->qmin = -(1 << (bits - 1)), q->qmax = (1 << (bits - 1)) - 1;
  } else {
    q->qmin = 0, q->qmax = (1 << bits) - 1;
  }
}

static bool tok_eq(const char *t, size_t n, const char *w) { return strlen(w) == n && !memcmp(t, w, n); }

static bool parse_long(const char *t, size_t n, long lo, long hi, long *out) {
  char buf[32];
  if (!n || n >= sizeof buf) return false;
  memcpy(buf, t, n);
  buf[n] = 0;
  char *end;
  errno = 0;
  long v = strtol(buf, &end, 10);
  if (*end || errno || v < lo || v > hi) return false;
  *out = v;
  return true;
}

qcc_status_t qcc_qspec_parse(const char *s, size_t len, qcc_quant_spec *out) {
  qcc_quant_spec q;
  memset(&q, 0, sizeof q);
  q.axis = -1;
  size_t i = 0;
  int ntok = 0;
  while (i < len) {
    while (i < len && s[i] == ' ') i++;
    if (i == len) break;
    size_t b = i;
    while (i < len && s[i] != ' ') i++;
    const char *t = s + b;
    size_t n = i - b;
    const char *eq = memchr(t, '=', n);
    size_t kn = eq ? (size_t)(eq - t) : n;
    const char *v = eq ? eq + 1 : NULL;
    size_t vn = eq ? n - kn - 1 : 0;
    long x;
    if (ntok++ == 0) {
      if (tok_eq(t, n, "float")) q.kind = QCC_QSPEC_FLOAT;
      else if (tok_eq(t, n, "f16")) q.kind = QCC_QSPEC_F16;
      else if (tok_eq(t, n, "shared")) q.kind = QCC_QSPEC_SHARED;
      else if (tok_eq(t, n, "bias")) q.kind = QCC_QSPEC_BIAS, qcc_qspec_set_type(&q, 32, true), q.symmetric = true;
      else if (tok_eq(t, n, "u8")) q.kind = QCC_QSPEC_QUANT, qcc_qspec_set_type(&q, 8, false);
      else if (tok_eq(t, n, "s8")) q.kind = QCC_QSPEC_QUANT, qcc_qspec_set_type(&q, 8, true);
      else if (tok_eq(t, n, "u4")) q.kind = QCC_QSPEC_QUANT, qcc_qspec_set_type(&q, 4, false);
      else if (tok_eq(t, n, "s4")) q.kind = QCC_QSPEC_QUANT, qcc_qspec_set_type(&q, 4, true);
      else if (tok_eq(t, n, "i32")) q.kind = QCC_QSPEC_QUANT, qcc_qspec_set_type(&q, 32, true);
      else
        return qcc_status_make(QCC_ERR_USAGE, "quantization spec '%.*s': '%.*s' is not a type (float, f16, u8, s8, u4, s4, i32, shared, bias)",
                               (int)len, s, (int)n, t);
      continue;
    }
    if (q.kind != QCC_QSPEC_QUANT)
      return qcc_status_make(QCC_ERR_USAGE, "quantization spec '%.*s': '%.*s' takes no options", (int)len, s, (int)n, t);
    if (tok_eq(t, n, "affine")) q.symmetric = false;
    else if (tok_eq(t, n, "symmetric")) q.symmetric = true;
    else if (eq && tok_eq(t, kn, "axis") && parse_long(v, vn, 0, 7, &x)) q.axis = (int)x;
    else if (eq && tok_eq(t, kn, "group") && parse_long(v, vn, 1, 1 << 20, &x)) q.group = (int)x;
    else if (eq && tok_eq(t, kn, "zp") && parse_long(v, vn, INT32_MIN, INT32_MAX, &x)) q.zero_point = (int32_t)x, q.has_fixed = true;
    else if (eq && tok_eq(t, kn, "observer") && vn > 0 && vn < sizeof q.observer) memcpy(q.observer, v, vn), q.observer[vn] = 0;
    else if (eq && tok_eq(t, kn, "scale")) {
      char buf[48];
      if (!vn || vn >= sizeof buf) goto bad;
      memcpy(buf, v, vn);
      buf[vn] = 0;
      char *end;
      float f = strtof(buf, &end);
      if (*end || !(f > 0) || !isfinite(f)) goto bad;
      q.scale = f;
      q.has_fixed = true;
    } else if (eq && tok_eq(t, kn, "range")) {
      const char *c = memchr(v, ':', vn);
      long lo, hi;
      if (!c || !parse_long(v, (size_t)(c - v), INT32_MIN, INT32_MAX, &lo) ||
          !parse_long(c + 1, vn - (size_t)(c - v) - 1, INT32_MIN, INT32_MAX, &hi) || lo >= hi || lo < q.qmin || hi > q.qmax)
        goto bad;
      q.qmin = (int32_t)lo, q.qmax = (int32_t)hi;
    } else {
      goto bad;
    }
    continue;
  bad:
    return qcc_status_make(QCC_ERR_USAGE, "quantization spec '%.*s': bad option '%.*s'", (int)len, s, (int)n, t);
  }
  if (!ntok) return qcc_status_make(QCC_ERR_USAGE, "empty quantization spec");
  if (q.has_fixed && !(q.scale > 0))
    return qcc_status_make(QCC_ERR_USAGE, "quantization spec '%.*s': a fixed zp needs a scale", (int)len, s);
  if (q.has_fixed && (q.zero_point < q.qmin || q.zero_point > q.qmax))
    return qcc_status_make(QCC_ERR_USAGE, "quantization spec '%.*s': zp outside the type's range", (int)len, s);
  *out = q;
  return NULL;
}

int qcc_qspec_format(const qcc_quant_spec *q, char *buf, size_t n) {
  switch (q->kind) {
    case QCC_QSPEC_FLOAT: return snprintf(buf, n, "float");
    case QCC_QSPEC_SHARED: return snprintf(buf, n, "shared");
    case QCC_QSPEC_BIAS: return snprintf(buf, n, "bias");
    case QCC_QSPEC_F16: return snprintf(buf, n, "f16");
    case QCC_QSPEC_QUANT: break;
  }
  int o = snprintf(buf, n, "%s%d %s", q->bits == 32 ? "i" : q->is_signed ? "s" : "u", q->bits,
                   q->symmetric ? "symmetric" : "affine");
#define APPEND(...) o += snprintf(buf + (o < (int)n ? o : (int)n), (size_t)o < n ? n - (size_t)o : 0, __VA_ARGS__)
  if (q->axis >= 0) APPEND(" axis=%d", q->axis);
  if (q->group) APPEND(" group=%d", q->group);
  qcc_quant_spec full = *q;
  qcc_qspec_set_type(&full, q->bits, q->is_signed);
  if (full.qmin != q->qmin || full.qmax != q->qmax) APPEND(" range=%d:%d", q->qmin, q->qmax);
  if (q->has_fixed) APPEND(" scale=%.9g zp=%d", q->scale, q->zero_point);
  if (q->observer[0]) APPEND(" observer=%s", q->observer);
#undef APPEND
  return o;
}

bool qcc_qspec_equal(const qcc_quant_spec *a, const qcc_quant_spec *b) {
  char x[128], y[128];
  qcc_qspec_format(a, x, sizeof x);
  qcc_qspec_format(b, y, sizeof y);
  return !strcmp(x, y);
}

/* ---------------------------------------------------------------- annotations */
void qcc_set_annotation(MlirOperation op, const qcc_op_annotation *ann) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirAttribute ins[QCC_QANN_MAX_IN];
  char buf[128];
  for (int i = 0; i < ann->n_in; ++i) {
    qcc_qspec_format(&ann->in[i], buf, sizeof buf);
    ins[i] = mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(buf));
  }
  mlirOperationSetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("qcc.qin"),
                                             mlirArrayAttrGet(ctx, ann->n_in, ins));
  qcc_qspec_format(&ann->out, buf, sizeof buf);
  mlirOperationSetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("qcc.qout"),
                                             mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(buf)));
}

bool qcc_get_annotation(MlirOperation op, qcc_op_annotation *ann) {
  MlirAttribute in = mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("qcc.qin"));
  MlirAttribute out = mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString("qcc.qout"));
  memset(ann, 0, sizeof *ann);
  if (mlirAttributeIsNull(in) || mlirAttributeIsNull(out) || !mlirAttributeIsAArray(in) || !mlirAttributeIsAString(out)) return false;
  intptr_t n = mlirArrayAttrGetNumElements(in);
  if (n > QCC_QANN_MAX_IN) return false;
  ann->n_in = (int)n;
  for (intptr_t i = 0; i < n; ++i) {
    MlirAttribute e = mlirArrayAttrGetElement(in, i);
    if (!mlirAttributeIsAString(e)) return false;
    MlirStringRef s = mlirStringAttrGetValue(e);
    qcc_status_t st = qcc_qspec_parse(s.data, s.length, &ann->in[i]);
    if (st) { qcc_status_free(st); return false; }
  }
  MlirStringRef s = mlirStringAttrGetValue(out);
  qcc_status_t st = qcc_qspec_parse(s.data, s.length, &ann->out);
  if (st) { qcc_status_free(st); return false; }
  return true;
}

/* ---------------------------------------------------------------- helpers */
MlirOperation qcc_single_user(MlirOperation op) {
  MlirOperation user = {NULL};
  for (intptr_t r = 0; r < mlirOperationGetNumResults(op); ++r)
    for (MlirOpOperand u = mlirValueGetFirstUse(mlirOperationGetResult(op, r)); !mlirOpOperandIsNull(u);
         u = mlirOpOperandGetNextUse(u)) {
      MlirOperation o = mlirOpOperandGetOwner(u);
      if (!mlirOperationIsNull(user) && !mlirOperationEqual(user, o)) return (MlirOperation){NULL};
      user = o;
    }
  return user;
}

bool qcc_is_fusable_activation(MlirOperation op) {
  if (qcc_op_is(op, QCC_OP_relu)) return true;
  if (qcc_op_is(op, QCC_OP_clip)) return qcc_get_f32(op, QCC_ATTR_min) == 0.0f;
  return false;
}

MlirStringRef qcc_op_node_name(MlirOperation op) {
  MlirStringRef nm;
  if (qcc_location_names(mlirOperationGetLocation(op), &nm, 1) > 0) return nm;
  return mlirStringRefCreate("", 0);
}

/* ---------------------------------------------------------------- built-ins */
typedef struct {
  int act_bits;
  bool act_signed;
  bool per_channel;
  const char *default_observer;
} builtin_cfg;

static qcc_quant_spec act_spec(const builtin_cfg *c, const qcc_quantizer_options *o) {
  qcc_quant_spec q;
  memset(&q, 0, sizeof q);
  q.kind = QCC_QSPEC_QUANT;
  q.axis = -1;
  qcc_qspec_set_type(&q, c->act_bits, c->act_signed);
  if (o && o->reduce_range) q.qmax = q.is_signed ? 63 : 127, q.qmin = q.is_signed ? -64 : 0;
  const char *obs = o && o->observer && o->observer[0] ? o->observer : c->default_observer;
  snprintf(q.observer, sizeof q.observer, "%s", obs);
  return q;
}

static qcc_quant_spec weight_spec(const builtin_cfg *c, int axis) {
  qcc_quant_spec q;
  memset(&q, 0, sizeof q);
  q.kind = QCC_QSPEC_QUANT;
  qcc_qspec_set_type(&q, 8, true);
  q.qmin = -127; /* narrow range: scale max|w| / 127, -128 never used (docs/numerics.md) */
  q.symmetric = true;
  q.axis = c->per_channel ? axis : -1;
  snprintf(q.observer, sizeof q.observer, "minmax");
  return q;
}

static qcc_quant_spec kind_spec(qcc_qspec_kind k) {
  qcc_quant_spec q;
  memset(&q, 0, sizeof q);
  q.kind = k;
  q.axis = -1;
  if (k == QCC_QSPEC_BIAS) qcc_qspec_set_type(&q, 32, true), q.symmetric = true;
  return q;
}

static qcc_quant_spec fixed_spec(const builtin_cfg *c, float scale, int32_t zp_unsigned) {
  qcc_quant_spec q = act_spec(c, NULL);
  q.observer[0] = 0;
  q.has_fixed = true;
  q.scale = scale;
  q.zero_point = c->act_signed ? zp_unsigned - 128 : zp_unsigned;
  return q;
}

static bool is_constant_value(MlirValue v) {
  if (!mlirValueIsAOpResult(v)) return false;
  return qcc_op_is(mlirOpResultGetOwner(v), QCC_OP_constant);
}

static int value_rank(MlirValue v) {
  MlirType t = mlirValueGetType(v);
  return mlirShapedTypeHasRank(t) ? (int)mlirShapedTypeGetRank(t) : -1;
}

static bool is_f32(MlirValue v) {
  MlirType t = mlirValueGetType(v);
  return mlirTypeIsAShaped(t) && mlirTypeIsAF32(mlirShapedTypeGetElementType(t));
}

/* The producer's output is left float when its only user is an activation
 * the quantized producer applies (PT2E annotates conv-relu as one pattern). */
static qcc_quant_spec producer_out(const builtin_cfg *c, const qcc_quantizer_options *o, MlirOperation op) {
  MlirOperation u = qcc_single_user(op);
  if (!mlirOperationIsNull(u) && qcc_is_fusable_activation(u)) return kind_spec(QCC_QSPEC_FLOAT);
  return act_spec(c, o);
}

/* True when op (relu/clip) is applied by its producer's quantized kernel:
 * then the edge between them stays float. */
static bool fused_into_producer(MlirOperation op) {
  MlirValue x = mlirOperationGetOperand(op, 0);
  if (!mlirValueIsAOpResult(x)) return false;
  MlirOperation p = mlirOpResultGetOwner(x);
  qcc_op_kind k = qcc_op_get_kind(p);
  if (k != QCC_OP_conv2d && k != QCC_OP_gemm && k != QCC_OP_matmul && k != QCC_OP_add && k != QCC_OP_mul) return false;
  if (k == QCC_OP_conv2d && !is_constant_value(mlirOperationGetOperand(p, 1))) return false;
  MlirOperation u = qcc_single_user(p);
  return !mlirOperationIsNull(u) && mlirOperationEqual(u, op);
}

static bool builtin_annotate(MlirOperation op, const qcc_quantizer_options *o, qcc_op_annotation *a, void *ud) {
  const builtin_cfg *c = ud;
  qcc_op_kind k = qcc_op_get_kind(op);
  int n = (int)mlirOperationGetNumOperands(op);
  if (n > QCC_QANN_MAX_IN || mlirOperationGetNumResults(op) != 1) return false;
  for (int i = 0; i < n; ++i)
    if (!is_f32(mlirOperationGetOperand(op, i))) return false;
  if (!is_f32(mlirOperationGetResult(op, 0))) return false;
  a->n_in = n;
  for (int i = 0; i < n; ++i) a->in[i] = kind_spec(QCC_QSPEC_FLOAT);
  a->out = kind_spec(QCC_QSPEC_FLOAT);
  switch (k) {
    case QCC_OP_conv2d:
      if (!is_constant_value(mlirOperationGetOperand(op, 1))) return false;
      a->in[0] = act_spec(c, o);
      a->in[1] = weight_spec(c, 0);
      if (n > 2) a->in[2] = kind_spec(QCC_QSPEC_BIAS);
      a->out = producer_out(c, o, op);
      return true;
    case QCC_OP_gemm: {
      MlirValue b = mlirOperationGetOperand(op, 1);
      if (qcc_get_i64(op, QCC_ATTR_trans_a) || qcc_get_f32(op, QCC_ATTR_alpha) != 1.0f) return false;
      a->in[0] = act_spec(c, o);
      a->in[1] = is_constant_value(b) ? weight_spec(c, qcc_get_i64(op, QCC_ATTR_trans_b) ? 0 : 1) : act_spec(c, o);
      if (n > 2 && is_constant_value(b) && qcc_get_f32(op, QCC_ATTR_beta) == 1.0f && value_rank(mlirOperationGetOperand(op, 2)) == 1)
        a->in[2] = kind_spec(QCC_QSPEC_BIAS);
      a->out = producer_out(c, o, op);
      return true;
    }
    case QCC_OP_matmul: {
      MlirValue b = mlirOperationGetOperand(op, 1);
      int rb = value_rank(b);
      a->in[0] = act_spec(c, o);
      a->in[1] = is_constant_value(b) && rb == 2 ? weight_spec(c, 1) : act_spec(c, o);
      a->out = producer_out(c, o, op);
      return true;
    }
    case QCC_OP_add:
    case QCC_OP_mul:
      a->in[0] = act_spec(c, o);
      a->in[1] = act_spec(c, o);
      a->out = producer_out(c, o, op);
      return true;
    case QCC_OP_relu:
    case QCC_OP_clip:
      a->in[0] = fused_into_producer(op) ? kind_spec(QCC_QSPEC_FLOAT) : act_spec(c, o);
      a->out = act_spec(c, o);
      return true;
    case QCC_OP_avg_pool:
    case QCC_OP_global_avg_pool:
    case QCC_OP_hard_swish:
    case QCC_OP_hard_sigmoid:
    case QCC_OP_gelu:
    case QCC_OP_leaky_relu:
    case QCC_OP_exp:
    case QCC_OP_erf:
      for (int i = 0; i < n; ++i) a->in[i] = act_spec(c, o);
      a->out = act_spec(c, o);
      return true;
    case QCC_OP_concat:
      /* Inputs and output share one set of parameters: the output's observer
       * sees every input's values; qcc-convert quantizes each input with them. */
      for (int i = 0; i < n; ++i) a->in[i] = kind_spec(QCC_QSPEC_SHARED);
      a->out = act_spec(c, o);
      return true;
    case QCC_OP_sigmoid:
    case QCC_OP_softmax:
      a->in[0] = act_spec(c, o);
      a->out = fixed_spec(c, 1.0f / 256.0f, 0);
      return true;
    case QCC_OP_tanh:
      a->in[0] = act_spec(c, o);
      a->out = fixed_spec(c, 1.0f / 128.0f, 128);
      return true;
    case QCC_OP_max_pool:
    case QCC_OP_reshape:
    case QCC_OP_flatten:
    case QCC_OP_transpose:
    case QCC_OP_squeeze:
    case QCC_OP_unsqueeze:
    case QCC_OP_slice:
      /* Quantized only when the input is: the output shares its parameters. */
      a->out = kind_spec(QCC_QSPEC_SHARED);
      return true;
    default:
      return false;
  }
}

/* dynamic: Linear layers only (gemm, and matmul with a constant 2-D weight);
 * weights s8 symmetric per output channel now, activations u8 per row at run
 * time (qcc.qgemm_dynamic after fusion). */
static bool dynamic_annotate(MlirOperation op, const qcc_quantizer_options *o, qcc_op_annotation *a, void *ud) {
  (void)o;
  (void)ud;
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k != QCC_OP_gemm && k != QCC_OP_matmul) return false;
  int n = (int)mlirOperationGetNumOperands(op);
  MlirValue b = mlirOperationGetOperand(op, 1);
  if (!is_constant_value(b) || value_rank(b) != 2 || !is_f32(b) || !is_f32(mlirOperationGetOperand(op, 0))) return false;
  if (k == QCC_OP_gemm && (qcc_get_i64(op, QCC_ATTR_trans_a) || qcc_get_f32(op, QCC_ATTR_alpha) != 1.0f ||
                           (n > 2 && (qcc_get_f32(op, QCC_ATTR_beta) != 1.0f || value_rank(mlirOperationGetOperand(op, 2)) != 1))))
    return false;
  a->n_in = n;
  for (int i = 0; i < n; ++i) a->in[i] = kind_spec(QCC_QSPEC_FLOAT);
  a->out = kind_spec(QCC_QSPEC_FLOAT);
  a->in[0].kind = QCC_QSPEC_QUANT;
  qcc_qspec_set_type(&a->in[0], 8, false);
  snprintf(a->in[0].observer, sizeof a->in[0].observer, "dynamic");
  static const builtin_cfg per_channel = {8, false, true, "minmax"};
  a->in[1] = weight_spec(&per_channel, k == QCC_OP_gemm && qcc_get_i64(op, QCC_ATTR_trans_b) ? 0 : 1);
  return true;
}

static const builtin_cfg cfg_x86 = {8, false, true, "histogram"};
static const builtin_cfg cfg_arm = {8, true, true, "histogram"};
static const builtin_cfg cfg_per_tensor = {8, false, false, "minmax"};

static const qcc_quantizer_info builtins[] = {
    {"x86", "u8 asymmetric activations, s8 symmetric per-channel weights (x86 int8 kernels)", builtin_annotate, (void *)&cfg_x86},
    {"arm", "s8 asymmetric activations, s8 symmetric per-channel weights (ARM int8 kernels)", builtin_annotate, (void *)&cfg_arm},
    {"per-tensor", "u8 asymmetric activations, s8 symmetric per-tensor weights (a baseline)", builtin_annotate,
     (void *)&cfg_per_tensor},
    {"dynamic", "Linear layers only: s8 per-channel weights, u8 activations quantized per row at run time", dynamic_annotate, NULL},
};
#define N_BUILTIN ((int)(sizeof builtins / sizeof builtins[0]))

static const qcc_quantizer_info *plugins[64];
static int n_plugins;

qcc_status_t qcc_quantizer_register(const qcc_quantizer_info *info) {
  if (!info || !info->name || !info->annotate) return qcc_status_make(QCC_ERR_USAGE, "quantizer registration needs a name and an annotate function");
  if (qcc_quantizer_lookup(info->name)) return qcc_status_make(QCC_ERR_USAGE, "a quantizer named '%s' is already registered", info->name);
  if (n_plugins == 64) return qcc_status_make(QCC_ERR_USAGE, "too many quantizers registered");
  plugins[n_plugins++] = info;
  return NULL;
}

int qcc_quantizer_count(void) { return N_BUILTIN + n_plugins; }

const qcc_quantizer_info *qcc_quantizer_at(int i) {
  if (i < 0) return NULL;
  if (i < N_BUILTIN) return &builtins[i];
  return i - N_BUILTIN < n_plugins ? plugins[i - N_BUILTIN] : NULL;
}

const qcc_quantizer_info *qcc_quantizer_lookup(const char *name) {
  for (int i = 0; i < qcc_quantizer_count(); ++i)
    if (!strcmp(qcc_quantizer_at(i)->name, name)) return qcc_quantizer_at(i);
  return NULL;
}
