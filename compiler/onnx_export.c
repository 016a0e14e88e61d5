/* The ONNX exporter: func.func @main of a qcc module as an ONNX ModelProto
 * (IR version 8, opset 17), built as protobuf-c structs and serialized by the
 * packer generated from Debian's onnx.proto (the importer's reader).
 *
 * The QDQ form that `qcc quantize --no-fuse` writes maps one to one:
 *   qcc.quantize                      -> QuantizeLinear (y_scale, y_zero_point
 *                                        initializers from the result's !quant
 *                                        type; per-axis -> axis attribute)
 *   qcc.dequantize                    -> DequantizeLinear (int32 bias: no zero point)
 *   qcc.constant -> qcc.storage_cast  -> the integer initializer itself
 *   qcc.storage_cast (any)            -> nothing: ONNX sees the integer storage
 *   float ops                         -> their ONNX op, attributes that became
 *                                        inputs at opset 13 as initializers
 * Fused quantized ops (qconv2d, qgemm, ...) are written as the QDQ pattern
 * they were fused from: DequantizeLinear of each operand, the float op, the
 * fused activation (Relu/Clip), QuantizeLinear; lut becomes Gather on its table.
 * Names: graph inputs/outputs keep qcc.name, nodes take their op's NameLoc.
 * docs/qdq-export.md has the table of ops and what a round trip keeps. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "onnx_internal.h"

#define XP_OPSET 17
#define XP_IR_VERSION 8
#define XP_MAX_IO (QCC_MAX_VARIADIC + 8)

/* ------------------------------------------------------------ containers */
typedef struct {
  void **v;
  size_t n, cap;
} xp_vec;

/* Open-addressing map from a pointer (MlirValue, MlirType, MlirOperation) to
 * one or two names. */
typedef struct {
  const void *key;
  const char *a, *b;
  int axis;
} xp_slot;

typedef struct {
  xp_slot *s;
  size_t n, cap;
} xp_map;

/* Open-addressing set of names. */
typedef struct {
  const char **s;
  size_t n, cap;
} xp_set;

typedef struct {
  MlirContext ctx;
  const qcc_export_options *opts;
  bool oom;
  xp_vec owned;                 /* every allocation below, freed at the end */
  xp_vec nodes, inits, inputs, outputs;
  xp_map values;                /* MlirValue -> tensor name */
  xp_map qparams;               /* quant type -> scale / zero point initializer names */
  xp_map primary;               /* op -> the node name reserved for it */
  xp_set tensor_names, node_names;
  /* the op being exported: its first node takes the op's name */
  MlirOperation cur;
  const char *cur_name;
} xp;

typedef struct {
  const char *op_type, *name;
  int n_in, n_out, n_attr;
  const char *in[XP_MAX_IO];
  const char *out[XP_MAX_IO];
  Onnx__AttributeProto *attr[12];
} xnode;

static void *xp_alloc(xp *x, size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p) {
    x->oom = true;
    return NULL;
  }
  if (x->owned.n == x->owned.cap) {
    size_t cap = x->owned.cap ? x->owned.cap * 2 : 256;
    void **v = realloc(x->owned.v, cap * sizeof *v);
    if (!v) {
      free(p);
      x->oom = true;
      return NULL;
    }
    x->owned.v = v, x->owned.cap = cap;
  }
  x->owned.v[x->owned.n++] = p;
  return p;
}

static void vec_push(xp *x, xp_vec *v, void *p) {
  if (!p) return;
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    void **nv = realloc(v->v, cap * sizeof *nv);
    if (!nv) {
      x->oom = true;
      return;
    }
    v->v = nv, v->cap = cap;
  }
  v->v[v->n++] = p;
}

static char *xp_printf(xp *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *xp_printf(xp *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = n < 0 ? NULL : xp_alloc(x, (size_t)n + 1);
  if (!s) return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

static const char *nz(const char *s) { return s ? s : ""; }

static uint64_t hash_ptr(const void *p) {
  uint64_t h = (uint64_t)(uintptr_t)p;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static xp_slot *map_find(const xp_map *m, const void *key) {
  if (!m->cap) return NULL;
  for (size_t i = hash_ptr(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->s[i].key) return NULL;
    if (m->s[i].key == key) return &m->s[i];
  }
}

static xp_slot *map_put(xp *x, xp_map *m, const void *key) {
  xp_slot *f = map_find(m, key);
  if (f) return f;
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 256;
    xp_slot *ns = calloc(cap, sizeof *ns);
    if (!ns) {
      x->oom = true;
      return NULL;
    }
    for (size_t i = 0; i < m->cap; ++i) {
      if (!m->s[i].key) continue;
      size_t j = hash_ptr(m->s[i].key) & (cap - 1);
      while (ns[j].key) j = (j + 1) & (cap - 1);
      ns[j] = m->s[i];
    }
    free(m->s);
    m->s = ns, m->cap = cap;
  }
  size_t i = hash_ptr(key) & (m->cap - 1);
  while (m->s[i].key) i = (i + 1) & (m->cap - 1);
  m->s[i].key = key;
  m->n++;
  return &m->s[i];
}

static bool set_has(const xp_set *t, const char *s) {
  if (!t->cap) return false;
  for (size_t i = hash_str(s) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    if (!t->s[i]) return false;
    if (!strcmp(t->s[i], s)) return true;
  }
}

static void set_add(xp *x, xp_set *t, const char *s) {
  if ((t->n + 1) * 2 > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 256;
    const char **ns = calloc(cap, sizeof *ns);
    if (!ns) {
      x->oom = true;
      return;
    }
    for (size_t i = 0; i < t->cap; ++i) {
      if (!t->s[i]) continue;
      size_t j = hash_str(t->s[i]) & (cap - 1);
      while (ns[j]) j = (j + 1) & (cap - 1);
      ns[j] = t->s[i];
    }
    free(t->s);
    t->s = ns, t->cap = cap;
  }
  size_t i = hash_str(s) & (t->cap - 1);
  while (t->s[i]) i = (i + 1) & (t->cap - 1);
  t->s[i] = s;
  t->n++;
}

/* `base`, or base_1, base_2, ... : the first name not yet in t (added to t). */
static const char *unique_name(xp *x, xp_set *t, const char *base) {
  const char *s = set_has(t, base) ? NULL : xp_printf(x, "%s", base);
  for (int k = 1; !s && !x->oom; ++k) {
    char *c = xp_printf(x, "%s_%d", base, k);
    if (c && !set_has(t, c)) s = c;
  }
  if (s) set_add(x, t, s);
  return s;
}

/* ----------------------------------------------------------------- errors */
static qcc_status_t op_err(MlirOperation op, qcc_status_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static qcc_status_t op_err(MlirOperation op, qcc_status_code code, const char *fmt, ...) {
  char msg[768], where[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  qcc_location_format(mlirOperationGetLocation(op), where, sizeof where);
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  return qcc_status_make(code, "ONNX export: %s (%.*s): %s", where[0] ? where : "?", (int)n.length, n.data, msg);
}

static qcc_status_t oom(void) { return qcc_status_make(QCC_ERR_IO, "ONNX export: out of memory"); }

/* ---------------------------------------------------------------- types */
static MlirType elem_of(MlirValue v) { return qcc_type_elem(mlirValueGetType(v)); }

static bool shape_of(MlirValue v, qcc_shape *s) { return qcc_type_shape(mlirValueGetType(v), s); }

/* ONNX data type of a tensor element: quant types are their integer storage. */
static int dtype_of(MlirType e) {
  if (mlirTypeIsAQuantizedType(e)) {
    unsigned w = mlirQuantizedTypeGetStorageTypeIntegralWidth(e);
    bool s = mlirQuantizedTypeIsSigned(e);
    switch (w) {
      case 8: return s ? OX_INT8 : OX_UINT8;
      case 16: return s ? OX_INT16 : OX_UINT16;
      case 32: return s ? OX_INT32 : OX_UINT32;
      default: return 0;
    }
  }
  return ox_dtype_of_mlir(e);
}

/* The node-name part of a location: NameLoc (also inside a fused or
 * call-site location), "" if none. */
static MlirStringRef loc_name(MlirLocation loc) {
  for (int depth = 0; depth < 8 && !mlirLocationIsNull(loc); ++depth) {
    if (mlirLocationIsAName(loc)) return mlirIdentifierStr(mlirLocationNameGetName(loc));
    if (mlirLocationIsACallSite(loc)) loc = mlirLocationCallSiteGetCallee(loc);
    else if (mlirLocationIsAFused(loc) && mlirLocationFusedGetNumLocations(loc) > 0) {
      intptr_t k = mlirLocationFusedGetNumLocations(loc);
      MlirLocation *ls = malloc(sizeof *ls * (size_t)k);
      if (!ls) break;
      mlirLocationFusedGetLocations(loc, ls);
      loc = ls[0];
      free(ls);
    } else break;
  }
  return mlirStringRefCreate("", 0);
}

static const char *op_loc_name(xp *x, MlirOperation op) {
  MlirStringRef s = loc_name(mlirOperationGetLocation(op));
  return s.length ? xp_printf(x, "%.*s", (int)s.length, s.data) : NULL;
}

/* ------------------------------------------------------------ attributes */
static Onnx__AttributeProto *attr_new(xp *x, const char *name, Onnx__AttributeProto__AttributeType t) {
  Onnx__AttributeProto *a = xp_alloc(x, sizeof *a);
  if (!a) return NULL;
  onnx__attribute_proto__init(a);
  a->name = (char *)name;
  a->has_type = 1;
  a->type = t;
  return a;
}

static Onnx__AttributeProto *attr_i(xp *x, const char *name, int64_t v) {
  Onnx__AttributeProto *a = attr_new(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (a) a->has_i = 1, a->i = v;
  return a;
}

static Onnx__AttributeProto *attr_f(xp *x, const char *name, float v) {
  Onnx__AttributeProto *a = attr_new(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  if (a) a->has_f = 1, a->f = v;
  return a;
}

static Onnx__AttributeProto *attr_ints(xp *x, const char *name, intptr_t n, const int64_t *v) {
  Onnx__AttributeProto *a = attr_new(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  int64_t *c = xp_alloc(x, sizeof *c * (size_t)(n > 0 ? n : 1));
  if (!a || !c) return NULL;
  if (n > 0) memcpy(c, v, sizeof *c * (size_t)n);
  a->n_ints = (size_t)(n > 0 ? n : 0);
  a->ints = c;
  return a;
}

static Onnx__AttributeProto *attr_s(xp *x, const char *name, MlirStringRef v) {
  Onnx__AttributeProto *a = attr_new(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
  char *c = xp_printf(x, "%.*s", (int)v.length, v.data);
  if (!a || !c) return NULL;
  a->has_s = 1;
  a->s.len = v.length;
  a->s.data = (uint8_t *)c;
  return a;
}

/* An attribute from op's i64 array attribute `id`. */
static Onnx__AttributeProto *attr_from_i64s(xp *x, const char *name, MlirOperation op, qcc_attr_id id) {
  int64_t v[2 * QCC_MAX_RANK];
  intptr_t n = qcc_get_i64s(op, id, v, 2 * QCC_MAX_RANK);
  return attr_ints(x, name, n, v);
}

/* ---------------------------------------------------------- value infos */
static Onnx__ValueInfoProto *value_info(xp *x, const char *name, MlirType t) {
  Onnx__ValueInfoProto *vi = xp_alloc(x, sizeof *vi);
  Onnx__TypeProto *tp = xp_alloc(x, sizeof *tp);
  Onnx__TypeProto__Tensor *tt = xp_alloc(x, sizeof *tt);
  Onnx__TensorShapeProto *sp = xp_alloc(x, sizeof *sp);
  qcc_shape s;
  if (!vi || !tp || !tt || !sp || !qcc_type_shape(t, &s)) return NULL;
  onnx__value_info_proto__init(vi);
  onnx__type_proto__init(tp);
  onnx__type_proto__tensor__init(tt);
  onnx__tensor_shape_proto__init(sp);
  Onnx__TensorShapeProto__Dimension **dims = xp_alloc(x, sizeof *dims * (size_t)(s.rank ? s.rank : 1));
  if (!dims) return NULL;
  for (int i = 0; i < s.rank; ++i) {
    Onnx__TensorShapeProto__Dimension *d = xp_alloc(x, sizeof *d);
    if (!d) return NULL;
    onnx__tensor_shape_proto__dimension__init(d);
    d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d->dim_value = s.d[i];
    dims[i] = d;
  }
  sp->n_dim = (size_t)s.rank;
  sp->dim = dims;
  tt->has_elem_type = 1;
  tt->elem_type = dtype_of(qcc_type_elem(t));
  tt->shape = sp;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  vi->name = (char *)name;
  vi->type = tp;
  return vi;
}

/* ---------------------------------------------------------- initializers */
/* An initializer of `dtype` and shape s holding nbytes of data. With borrow,
 * the proto points at data (owned by the module, alive until packing). */
static const char *init_add(xp *x, const char *base, int dtype, const qcc_shape *s, const void *data, size_t nbytes,
                            bool borrow) {
  const char *name = base ? unique_name(x, &x->tensor_names, base) : NULL;
  Onnx__TensorProto *t = xp_alloc(x, sizeof *t);
  int64_t *dims = xp_alloc(x, sizeof *dims * (size_t)(s->rank ? s->rank : 1));
  void *buf = borrow ? (void *)data : xp_alloc(x, nbytes);
  if (!name || !t || !dims || !buf) return NULL;
  if (!borrow && nbytes) memcpy(buf, data, nbytes);
  onnx__tensor_proto__init(t);
  for (int i = 0; i < s->rank; ++i) dims[i] = s->d[i];
  t->n_dims = (size_t)s->rank;
  t->dims = dims;
  t->has_data_type = 1;
  t->data_type = dtype;
  t->name = (char *)name;
  t->has_raw_data = 1;
  t->raw_data.len = nbytes;
  t->raw_data.data = buf;
  vec_push(x, &x->inits, t);
  return name;
}

static const char *init_i64s(xp *x, const char *base, intptr_t n, const int64_t *v) {
  qcc_shape s = {1, {n}};
  return init_add(x, base, OX_INT64, &s, v, sizeof *v * (size_t)n, false);
}

static const char *init_f32s(xp *x, const char *base, intptr_t n, const float *v) {
  qcc_shape s = {1, {n}};
  return init_add(x, base, OX_FLOAT, &s, v, sizeof *v * (size_t)n, false);
}

/* Store v as element i of a buffer of ONNX type dtype (integers saturate). */
static bool put_elem(int dtype, void *buf, int64_t i, double v) {
  char *p = (char *)buf;
#define SAT(T, lo, hi) { T t = (T)(v != v ? 0 : v <= (double)(lo) ? (lo) : v >= (double)(hi) ? (hi) : v); memcpy(p + (size_t)i * sizeof t, &t, sizeof t); return true; }
  switch (dtype) {
    case OX_FLOAT: { float f = (float)v; memcpy(p + 4 * i, &f, 4); return true; }
    case OX_DOUBLE: { memcpy(p + 8 * i, &v, 8); return true; }
    case OX_INT8: SAT(int8_t, INT8_MIN, INT8_MAX)
    case OX_UINT8: SAT(uint8_t, 0, UINT8_MAX)
    case OX_INT16: SAT(int16_t, INT16_MIN, INT16_MAX)
    case OX_UINT16: SAT(uint16_t, 0, UINT16_MAX)
    case OX_INT32: SAT(int32_t, INT32_MIN, INT32_MAX)
    case OX_UINT32: SAT(uint32_t, 0, UINT32_MAX)
    case OX_INT64: SAT(int64_t, INT64_MIN, INT64_MAX)
    case OX_BOOL: { p[i] = v != 0; return true; }
    default: return false;
  }
#undef SAT
}

/* A rank-0 initializer of ONNX type dtype holding v; NULL name if dtype has
 * no scalar writer here (f16/bf16/u64). */
static const char *init_scalar(xp *x, const char *base, int dtype, double v) {
  uint64_t buf = 0;
  qcc_shape s = {0, {0}};
  if (!put_elem(dtype, &buf, 0, v)) return NULL;
  return init_add(x, base, dtype, &s, &buf, (size_t)ox_elem_size(dtype), false);
}

/* --------------------------------------------------------------- naming */
/* Name of a value already exported (operand of a later op). */
static const char *val(xp *x, MlirValue v) {
  xp_slot *s = map_find(&x->values, v.ptr);
  return s ? s->a : NULL;
}

static void bind(xp *x, MlirValue v, const char *name) {
  xp_slot *s = map_put(x, &x->values, v.ptr);
  if (s) s->a = name;
}

/* Start a node of the current op: the op's first node takes the name reserved
 * for the op (its NameLoc) or "<loc>/<OpType>"; more nodes of the same op are
 * "<first node>/<OpType>". */
static void xn_begin(xp *x, xnode *n, const char *op_type) {
  memset(n, 0, sizeof *n);
  n->op_type = op_type;
  if (x->cur_name) {
    n->name = unique_name(x, &x->node_names, nz(xp_printf(x, "%s/%s", x->cur_name, op_type)));
    return;
  }
  xp_slot *r = map_find(&x->primary, x->cur.ptr);
  if (r) {
    n->name = r->a;
  } else {
    const char *ln = op_loc_name(x, x->cur);
    const char *base = ln ? xp_printf(x, "%s/%s", ln, op_type) : op_type;
    n->name = unique_name(x, &x->node_names, base ? base : "");
  }
  x->cur_name = n->name;
}

static void xn_in(xnode *n, const char *name) {
  if (n->n_in < XP_MAX_IO) n->in[n->n_in++] = name;
}

static void xn_attr(xnode *n, Onnx__AttributeProto *a) {
  if (n->n_attr < 12) n->attr[n->n_attr++] = a;
}

/* Name for result r of the current op, produced by node n: a graph output's
 * name if reserved, else "<node>_output_<k>". */
static const char *result_name(xp *x, xnode *n, MlirValue r, int k) {
  const char *pre = val(x, r);
  if (pre) return pre;
  const char *s = unique_name(x, &x->tensor_names, nz(xp_printf(x, "%s_output_%d", nz(n->name), k)));
  bind(x, r, s);
  return s;
}

/* A fresh intermediate tensor as output of n (decompositions). */
static const char *xn_tmp_out(xp *x, xnode *n) {
  const char *s = unique_name(x, &x->tensor_names, nz(xp_printf(x, "%s_output_%d", nz(n->name), n->n_out)));
  if (n->n_out < XP_MAX_IO) n->out[n->n_out++] = s;
  return s;
}

static void xn_out_result(xp *x, xnode *n, MlirValue r) {
  const char *s = result_name(x, n, r, n->n_out);
  if (n->n_out < XP_MAX_IO) n->out[n->n_out++] = s;
}

static char **copy_names(xp *x, int k, const char *const *v) {
  char **c = xp_alloc(x, sizeof *c * (size_t)(k ? k : 1));
  if (c) memcpy(c, v, sizeof *c * (size_t)k);
  return c;
}

/* Append node n to the graph. Any NULL piece means an allocation failed. */
static qcc_status_t xn_emit(xp *x, xnode *n) {
  bool bad = x->oom || !n->name;
  for (int i = 0; i < n->n_in; ++i) bad |= !n->in[i];
  for (int i = 0; i < n->n_out; ++i) bad |= !n->out[i];
  for (int i = 0; i < n->n_attr; ++i) bad |= !n->attr[i];
  Onnx__NodeProto *p = bad ? NULL : xp_alloc(x, sizeof *p);
  Onnx__AttributeProto **at = bad ? NULL : xp_alloc(x, sizeof *at * (size_t)(n->n_attr ? n->n_attr : 1));
  char **in = bad ? NULL : copy_names(x, n->n_in, n->in), **out = bad ? NULL : copy_names(x, n->n_out, n->out);
  if (!p || !at || !in || !out) return oom();
  onnx__node_proto__init(p);
  memcpy(at, n->attr, sizeof *at * (size_t)n->n_attr);
  p->name = (char *)n->name;
  p->op_type = (char *)n->op_type;
  p->n_input = (size_t)n->n_in, p->input = in;
  p->n_output = (size_t)n->n_out, p->output = out;
  p->n_attribute = (size_t)n->n_attr, p->attribute = at;
  vec_push(x, &x->nodes, p);
  return x->oom ? oom() : NULL;
}

/* -------------------------------------------------------------- Q and DQ */
/* Scale and zero-point initializers for quant type qt (one pair per type:
 * types are uniqued), named after the first tensor that uses them. */
static qcc_status_t qparams(xp *x, MlirOperation op, MlirType qt, const char *tensor, const char **scale,
                            const char **zp, int *axis) {
  xp_slot *c = map_find(&x->qparams, qt.ptr);
  if (c) {
    *scale = c->a, *zp = c->b, *axis = c->axis;
    return NULL;
  }
  if (!mlirTypeIsAQuantizedType(qt) || !mlirTypeIsAF32(mlirQuantizedTypeGetExpressedType(qt)))
    return op_err(op, QCC_ERR_UNSUPPORTED, "only quant types expressed in f32 have ONNX QuantizeLinear/DequantizeLinear");
  bool per_axis = mlirTypeIsAUniformQuantizedPerAxisType(qt);
  if (!per_axis && !mlirTypeIsAUniformQuantizedType(qt))
    return op_err(op, QCC_ERR_UNSUPPORTED, "blockwise (sub-channel) quantization needs ONNX opset 21; opset 17 has per-tensor and per-axis only");
  int dt = dtype_of(qt);
  if (dt != OX_INT8 && dt != OX_UINT8 && dt != OX_INT32)
    return op_err(op, QCC_ERR_UNSUPPORTED, "ONNX opset 17 quantizes to int8/uint8 (and dequantizes int32); this type stores %s",
                  ox_dtype_name(dt));
  intptr_t n = per_axis ? mlirUniformQuantizedPerAxisTypeGetNumDims(qt) : 1;
  float *s = xp_alloc(x, sizeof *s * (size_t)(n ? n : 1));
  void *z = xp_alloc(x, (size_t)ox_elem_size(dt) * (size_t)(n ? n : 1));
  if (!s || !z) return oom();
  bool zero = true;
  for (intptr_t i = 0; i < n; ++i) {
    double sc = per_axis ? mlirUniformQuantizedPerAxisTypeGetScale(qt, i) : mlirUniformQuantizedTypeGetScale(qt);
    int64_t zv = per_axis ? mlirUniformQuantizedPerAxisTypeGetZeroPoint(qt, i) : mlirUniformQuantizedTypeGetZeroPoint(qt);
    s[i] = (float)sc; /* ONNX scales are float32; qcc's hold a float32 value */
    put_elem(dt, z, i, (double)zv);
    zero &= zv == 0;
  }
  if (dt == OX_INT32 && !zero)
    return op_err(op, QCC_ERR_UNSUPPORTED, "ONNX DequantizeLinear of int32 needs zero point 0");
  qcc_shape sh = {per_axis ? 1 : 0, {n}};
  *scale = init_add(x, xp_printf(x, "%s_scale", tensor ? tensor : "q"), OX_FLOAT, &sh, s, sizeof *s * (size_t)n, true);
  /* int32 (bias) is written without a zero point: ONNX's default is 0. */
  *zp = dt == OX_INT32 ? ""
                       : init_add(x, xp_printf(x, "%s_zero_point", tensor ? tensor : "q"), dt, &sh, z,
                                  (size_t)ox_elem_size(dt) * (size_t)n, true);
  *axis = per_axis ? mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(qt) : -1;
  if (!*scale || !*zp) return oom();
  xp_slot *slot = map_put(x, &x->qparams, qt.ptr);
  if (!slot) return oom();
  slot->a = *scale, slot->b = *zp, slot->axis = *axis;
  return NULL;
}

static void xn_qparams(xp *x, xnode *n, const char *scale, const char *zp, int axis) {
  xn_in(n, scale);
  if (zp[0]) xn_in(n, zp);
  if (axis >= 0) xn_attr(n, attr_i(x, "axis", axis));
}

/* DequantizeLinear of tensor `q` (element type qt) into `out` (NULL: a fresh
 * name, returned through *res). */
static qcc_status_t emit_dq(xp *x, MlirOperation op, const char *q, MlirType qt, MlirValue out, const char **res) {
  const char *sc, *zp;
  int axis;
  QCC_RETURN_IF_ERROR(qparams(x, op, qt, q, &sc, &zp, &axis));
  xnode n;
  xn_begin(x, &n, "DequantizeLinear");
  xn_in(&n, q);
  xn_qparams(x, &n, sc, zp, axis);
  if (mlirValueIsNull(out)) *res = xn_tmp_out(x, &n);
  else xn_out_result(x, &n, out);
  return xn_emit(x, &n);
}

/* QuantizeLinear of float tensor `f` to quant type qt, into `out` (NULL: a
 * fresh name, returned through *res). ONNX saturates to the full storage
 * range; a narrower one (reduce_range, narrow weights) is a Clip first, in
 * real values (qmin - zp) * scale .. (qmax - zp) * scale: since float
 * division is monotonic and those bounds divide back to within 2 ulp of the
 * integers, clipping then quantizing equals quantizing then clamping. */
static qcc_status_t emit_q(xp *x, MlirOperation op, const char *f, MlirType qt, MlirValue out, const char **res) {
  if (!mlirTypeIsAQuantizedType(qt)) return op_err(op, QCC_ERR_INVALID, "expected a quant type");
  int dt = dtype_of(qt);
  if (dt != OX_INT8 && dt != OX_UINT8)
    return op_err(op, QCC_ERR_UNSUPPORTED, "ONNX opset 17 QuantizeLinear writes int8 or uint8 only");
  int64_t qmin = mlirQuantizedTypeGetStorageTypeMin(qt), qmax = mlirQuantizedTypeGetStorageTypeMax(qt);
  int64_t tmin = dt == OX_INT8 ? -128 : 0, tmax = dt == OX_INT8 ? 127 : 255;
  xnode n;
  if (qmin != tmin || qmax != tmax) {
    if (!mlirTypeIsAUniformQuantizedType(qt))
      return op_err(op, QCC_ERR_UNSUPPORTED, "a per-axis quantize to a narrow storage range [%lld, %lld] has no ONNX form",
                    (long long)qmin, (long long)qmax);
    float s = (float)mlirUniformQuantizedTypeGetScale(qt);
    int64_t z = mlirUniformQuantizedTypeGetZeroPoint(qt);
    xn_begin(x, &n, "Clip");
    xn_in(&n, f);
    xn_in(&n, init_scalar(x, xp_printf(x, "%s_min", nz(n.name)), OX_FLOAT, (double)((float)(qmin - z) * s)));
    xn_in(&n, init_scalar(x, xp_printf(x, "%s_max", nz(n.name)), OX_FLOAT, (double)((float)(qmax - z) * s)));
    f = xn_tmp_out(x, &n);
    QCC_RETURN_IF_ERROR(xn_emit(x, &n));
  }
  xn_begin(x, &n, "QuantizeLinear");
  xn_in(&n, f);
  const char *q;
  if (mlirValueIsNull(out)) q = *res = xn_tmp_out(x, &n);
  else xn_out_result(x, &n, out), q = n.out[0];
  const char *sc, *zp;
  int axis;
  QCC_RETURN_IF_ERROR(qparams(x, op, qt, q, &sc, &zp, &axis));
  xn_qparams(x, &n, sc, zp, axis);
  return xn_emit(x, &n);
}

/* ------------------------------------------------------------- constants */
static bool single_user(MlirValue v, MlirOperation *user, int *index) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(u))) return false;
  *user = mlirOpOperandGetOwner(u);
  *index = (int)mlirOpOperandGetOperandNumber(u);
  return true;
}

/* Name of operand i of kind k in ops.def ("w", "bias", "inputs_2"). */
static const char *operand_role(xp *x, qcc_op_kind k, int i) {
  const qcc_op_info *info = qcc_op_info_get(k);
  if (!info) return NULL;
  for (int j = 0; j < info->n_operands; ++j) {
    if (info->operands[j].arity == QCC_ARITY_VARIADIC) return xp_printf(x, "%s_%d", info->operands[j].name, i - j);
    if (j == i) return info->operands[j].name;
  }
  return NULL;
}

/* Initializer name for a constant: its NameLoc (the importer names constants
 * after ONNX initializers). A constant that carries the name of the op it
 * feeds (weights quantized by qcc-convert) is "<op>.<operand>" ("_quantized"
 * when it is integer storage). */
static const char *const_base(xp *x, MlirOperation op) {
  const char *ln = op_loc_name(x, op);
  MlirValue v = mlirOperationGetResult(op, 0);
  MlirOperation user;
  int idx;
  bool quantized = false;
  while (single_user(v, &user, &idx)) {
    qcc_op_kind k = qcc_op_get_kind(user);
    if (k == QCC_OP_storage_cast || k == QCC_OP_dequantize) {
      quantized |= k == QCC_OP_storage_cast;
      v = mlirOperationGetResult(user, 0);
      continue;
    }
    const char *un = op_loc_name(x, user), *role = operand_role(x, k, idx);
    if (ln && un && role && !strcmp(ln, un)) return xp_printf(x, "%s.%s%s", ln, role, quantized ? "_quantized" : "");
    break;
  }
  return ln ? ln : "const";
}

static qcc_status_t export_constant(xp *x, MlirOperation op) {
  MlirValue r = mlirOperationGetResult(op, 0);
  MlirAttribute a = qcc_op_attr(op, QCC_ATTR_value);
  qcc_shape s;
  int dt = dtype_of(elem_of(r));
  if (!shape_of(r, &s) || !dt || mlirAttributeIsNull(a))
    return op_err(op, QCC_ERR_UNSUPPORTED, "constant of this type has no ONNX initializer form");
  int64_t n = qcc_shape_numel(&s);
  size_t es = (size_t)ox_elem_size(dt), nbytes = (size_t)n * es;
  const char *base = const_base(x, op), *name;
  if (mlirAttributeIsADenseElements(a) && dt != OX_BOOL && !mlirDenseElementsAttrIsSplat(a)) {
    /* The attribute's own bytes, alive as long as the module. */
    name = init_add(x, base, dt, &s, mlirDenseElementsAttrGetRawData(a), nbytes, true);
  } else {
    uint8_t *d = xp_alloc(x, nbytes);
    if (!d) return oom();
    if (mlirAttributeIsADenseElements(a)) {
      bool splat = mlirDenseElementsAttrIsSplat(a);
      if (dt == OX_BOOL) {
        bool sv = splat ? mlirDenseElementsAttrGetBoolSplatValue(a) : false;
        for (int64_t i = 0; i < n; ++i) d[i] = splat ? sv : mlirDenseElementsAttrGetBoolValue(a, (intptr_t)i);
      } else {
        const void *raw = mlirDenseElementsAttrGetRawData(a);
        for (int64_t i = 0; i < n; ++i) memcpy(d + (size_t)i * es, raw, es);
      }
    } else if (mlirAttributeIsADenseResourceElements(a)) {
      for (int64_t i = 0; i < n; ++i) {
        intptr_t p = (intptr_t)i;
        switch (dt) {
          case OX_FLOAT: ((float *)d)[i] = mlirDenseFloatResourceElementsAttrGetValue(a, p); break;
          case OX_DOUBLE: ((double *)d)[i] = mlirDenseDoubleResourceElementsAttrGetValue(a, p); break;
          case OX_BOOL: d[i] = mlirDenseBoolResourceElementsAttrGetValue(a, p); break;
          case OX_INT8: ((int8_t *)d)[i] = mlirDenseInt8ResourceElementsAttrGetValue(a, p); break;
          case OX_UINT8: d[i] = mlirDenseUInt8ResourceElementsAttrGetValue(a, p); break;
          case OX_INT16: ((int16_t *)d)[i] = mlirDenseInt16ResourceElementsAttrGetValue(a, p); break;
          case OX_UINT16: ((uint16_t *)d)[i] = mlirDenseUInt16ResourceElementsAttrGetValue(a, p); break;
          case OX_INT32: ((int32_t *)d)[i] = mlirDenseInt32ResourceElementsAttrGetValue(a, p); break;
          case OX_UINT32: ((uint32_t *)d)[i] = mlirDenseUInt32ResourceElementsAttrGetValue(a, p); break;
          case OX_INT64: ((int64_t *)d)[i] = mlirDenseInt64ResourceElementsAttrGetValue(a, p); break;
          case OX_UINT64: ((uint64_t *)d)[i] = mlirDenseUInt64ResourceElementsAttrGetValue(a, p); break;
          default: return op_err(op, QCC_ERR_UNSUPPORTED, "resource constant of type %s", ox_dtype_name(dt));
        }
      }
    } else {
      return op_err(op, QCC_ERR_UNSUPPORTED, "constant value is not a dense elements attribute");
    }
    name = init_add(x, base, dt, &s, d, nbytes, true);
  }
  if (!name) return oom();
  bind(x, r, name);
  return NULL;
}

/* ------------------------------------------------------------ float ops */
/* One node: inputs = all operands, outputs = all results. */
static qcc_status_t simple(xp *x, MlirOperation op, const char *op_type, int n_attr, Onnx__AttributeProto *const *attrs) {
  xnode n;
  xn_begin(x, &n, op_type);
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) xn_in(&n, val(x, mlirOperationGetOperand(op, i)));
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) xn_out_result(x, &n, mlirOperationGetResult(op, i));
  for (int i = 0; i < n_attr; ++i) xn_attr(&n, attrs[i]);
  return xn_emit(x, &n);
}

/* Conv / ConvTranspose / QLinear-free conv of the fused form: x, w, bias names. */
static void conv_attrs(xp *x, xnode *n, MlirOperation op, MlirValue w, bool transpose) {
  qcc_shape ws;
  shape_of(w, &ws);
  xn_attr(n, attr_from_i64s(x, "dilations", op, QCC_ATTR_dilations));
  xn_attr(n, attr_i(x, "group", qcc_get_i64(op, QCC_ATTR_group)));
  xn_attr(n, attr_ints(x, "kernel_shape", 2, ws.d + 2));
  if (transpose) xn_attr(n, attr_from_i64s(x, "output_padding", op, QCC_ATTR_output_padding));
  /* qcc's [top, left, bottom, right] is ONNX's [x1_begin, x2_begin, x1_end, x2_end] with x1 = H, x2 = W. */
  xn_attr(n, attr_from_i64s(x, "pads", op, QCC_ATTR_pads));
  xn_attr(n, attr_from_i64s(x, "strides", op, QCC_ATTR_strides));
}

static void pool_attrs(xp *x, xnode *n, MlirOperation op, bool is_max) {
  xn_attr(n, attr_i(x, "ceil_mode", qcc_get_i64(op, QCC_ATTR_ceil_mode)));
  if (is_max) xn_attr(n, attr_from_i64s(x, "dilations", op, QCC_ATTR_dilations));
  else xn_attr(n, attr_i(x, "count_include_pad", qcc_get_i64(op, QCC_ATTR_count_include_pad)));
  xn_attr(n, attr_from_i64s(x, "kernel_shape", op, QCC_ATTR_kernel));
  xn_attr(n, attr_from_i64s(x, "pads", op, QCC_ATTR_pads));
  xn_attr(n, attr_from_i64s(x, "strides", op, QCC_ATTR_strides));
}

/* A scalar initializer of x's element type (Clip bounds, Pad value). */
static const char *scalar_like(xp *x, xnode *n, MlirValue like, const char *what, double v) {
  return init_scalar(x, xp_printf(x, "%s_%s", nz(n->name), what), dtype_of(elem_of(like)), v);
}

/* Gelu is opset 20; at 17 it is written the way libqrt computes it (one ONNX
 * op per float operation, in the same order, docs/qdq-export.md):
 *   none: 0.5 * x * (1 + erf(x * 0.70710678))
 *   tanh: 0.5 * x * (1 + tanh(0.79788456 * (x + 0.044715 * x * x * x))) */
static qcc_status_t emit_gelu(xp *x, MlirOperation op) {
  MlirValue xv = mlirOperationGetOperand(op, 0);
  const char *in = val(x, xv), *t, *u;
  bool tanh_form = qcc_str_eq(qcc_get_str(op, QCC_ATTR_approximate), "tanh");
  if (!tanh_form && !qcc_str_eq(qcc_get_str(op, QCC_ATTR_approximate), "none"))
    return op_err(op, QCC_ERR_UNSUPPORTED, "gelu approximate must be none or tanh");
  xnode n;
#define BIN(OP, A, B, OUT)                                       \
  do {                                                           \
    xn_begin(x, &n, OP);                                         \
    xn_in(&n, A);                                                \
    xn_in(&n, B);                                                \
    OUT = xn_tmp_out(x, &n);                                     \
    QCC_RETURN_IF_ERROR(xn_emit(x, &n));                         \
  } while (0)
#define K(name, v) init_scalar(x, xp_printf(x, "%s_%s", x->cur_name ? x->cur_name : "gelu", name), OX_FLOAT, (double)(v))
  const char *half, *inner;
  xn_begin(x, &n, "Mul"); /* 0.5 * x (names the op) */
  xn_in(&n, K("half", 0.5f));
  xn_in(&n, in);
  half = xn_tmp_out(x, &n);
  QCC_RETURN_IF_ERROR(xn_emit(x, &n));
  if (!tanh_form) {
    BIN("Mul", in, K("rsqrt2", 0.70710678118654752f), t);
    xn_begin(x, &n, "Erf");
  } else {
    BIN("Mul", K("c", 0.044715f), in, t);
    BIN("Mul", t, in, t);
    BIN("Mul", t, in, t);
    BIN("Add", in, t, t);
    BIN("Mul", K("sqrt2_pi", 0.79788456080286536f), t, t);
    xn_begin(x, &n, "Tanh");
  }
  xn_in(&n, t);
  inner = xn_tmp_out(x, &n);
  QCC_RETURN_IF_ERROR(xn_emit(x, &n));
  BIN("Add", K("one", 1.0f), inner, u);
  xn_begin(x, &n, "Mul");
  xn_in(&n, half);
  xn_in(&n, u);
  xn_out_result(x, &n, mlirOperationGetResult(op, 0));
  return xn_emit(x, &n);
#undef K
#undef BIN
}

/* Ops whose opset-13 inputs were attributes in qcc: x plus initializers. */
static qcc_status_t with_inputs(xp *x, MlirOperation op, const char *op_type, int k, const char *const *roles,
                                const int64_t *const *vals, const intptr_t *counts, int n_attr,
                                Onnx__AttributeProto *const *attrs) {
  xnode n;
  xn_begin(x, &n, op_type);
  xn_in(&n, val(x, mlirOperationGetOperand(op, 0)));
  for (int i = 0; i < k; ++i)
    xn_in(&n, roles[i] ? init_i64s(x, xp_printf(x, "%s_%s", nz(n.name), roles[i]), counts[i], vals[i]) : "");
  for (int i = 0; i < n_attr; ++i) xn_attr(&n, attrs[i]);
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) xn_out_result(x, &n, mlirOperationGetResult(op, i));
  return xn_emit(x, &n);
}

static qcc_status_t one_input(xp *x, MlirOperation op, const char *op_type, const char *role, intptr_t cnt,
                              const int64_t *v, int n_attr, Onnx__AttributeProto *const *attrs) {
  const char *roles[1] = {role};
  const int64_t *vals[1] = {v};
  return with_inputs(x, op, op_type, 1, roles, vals, &cnt, n_attr, attrs);
}

static qcc_status_t export_slice(xp *x, MlirOperation op) {
  int64_t st[QCC_MAX_RANK], en[QCC_MAX_RANK], ax[QCC_MAX_RANK], sp[QCC_MAX_RANK];
  intptr_t k = qcc_get_i64s(op, QCC_ATTR_starts, st, QCC_MAX_RANK);
  qcc_get_i64s(op, QCC_ATTR_ends, en, QCC_MAX_RANK);
  qcc_get_i64s(op, QCC_ATTR_axes, ax, QCC_MAX_RANK);
  qcc_get_i64s(op, QCC_ATTR_steps, sp, QCC_MAX_RANK);
  qcc_shape s;
  shape_of(mlirOperationGetOperand(op, 0), &s);
  /* qcc's starts/ends are clamped and non-negative, except -1 for "before
   * index 0" with a negative step, which ONNX would read as d - 1: write -d - 1
   * (ONNX adds d, giving -1, then clamps to [-1, d - 1]). */
  for (intptr_t i = 0; i < k; ++i) {
    int64_t d = ax[i] >= 0 && ax[i] < s.rank ? s.d[ax[i]] : 0;
    if (st[i] < 0) st[i] = -d - 1;
    if (en[i] < 0) en[i] = -d - 1;
  }
  const char *roles[4] = {"starts", "ends", "axes", "steps"};
  const int64_t *vals[4] = {st, en, ax, sp};
  intptr_t counts[4] = {k, k, k, k};
  return with_inputs(x, op, "Slice", 4, roles, vals, counts, 0, NULL);
}

static qcc_status_t export_pad(xp *x, MlirOperation op) {
  int64_t p[2 * QCC_MAX_RANK];
  intptr_t k = qcc_get_i64s(op, QCC_ATTR_pads, p, 2 * QCC_MAX_RANK);
  MlirStringRef mode = qcc_get_str(op, QCC_ATTR_mode);
  MlirValue xv = mlirOperationGetOperand(op, 0);
  xnode n;
  xn_begin(x, &n, "Pad");
  xn_in(&n, val(x, xv));
  xn_in(&n, init_i64s(x, xp_printf(x, "%s_pads", nz(n.name)), k, p));
  if (qcc_str_eq(mode, "constant")) {
    const char *cv = scalar_like(x, &n, xv, "value", qcc_get_f32(op, QCC_ATTR_value));
    if (!cv && !x->oom) return op_err(op, QCC_ERR_UNSUPPORTED, "constant padding of this element type");
    xn_in(&n, cv);
  }
  xn_attr(&n, attr_s(x, "mode", mode));
  xn_out_result(x, &n, mlirOperationGetResult(op, 0));
  return xn_emit(x, &n);
}

static qcc_status_t export_resize(xp *x, MlirOperation op) {
  float sc[QCC_MAX_RANK];
  intptr_t k = qcc_get_f32s(op, QCC_ATTR_scales, sc, QCC_MAX_RANK);
  bool have_scales = k > 0;
  for (intptr_t i = 0; i < k; ++i) have_scales &= sc[i] > 0;
  qcc_shape y;
  shape_of(mlirOperationGetResult(op, 0), &y);
  xnode n;
  xn_begin(x, &n, "Resize");
  xn_in(&n, val(x, mlirOperationGetOperand(op, 0)));
  xn_in(&n, ""); /* roi: only for tf_crop_and_resize */
  if (have_scales) {
    /* scales given: ONNX and qcc both size the output floor(in * scale) and map coordinates with the scale */
    xn_in(&n, init_f32s(x, xp_printf(x, "%s_scales", nz(n.name)), k, sc));
  } else {
    xn_in(&n, "");
    xn_in(&n, init_i64s(x, xp_printf(x, "%s_sizes", nz(n.name)), y.rank, y.d));
  }
  xn_attr(&n, attr_s(x, "coordinate_transformation_mode", qcc_get_str(op, QCC_ATTR_coordinate_transformation_mode)));
  xn_attr(&n, attr_s(x, "mode", qcc_get_str(op, QCC_ATTR_mode)));
  xn_attr(&n, attr_s(x, "nearest_mode", qcc_get_str(op, QCC_ATTR_nearest_mode)));
  xn_out_result(x, &n, mlirOperationGetResult(op, 0));
  return xn_emit(x, &n);
}

static qcc_status_t export_split(xp *x, MlirOperation op) {
  int64_t axis = qcc_get_i64(op, QCC_ATTR_axis), sizes[XP_MAX_IO];
  intptr_t k = mlirOperationGetNumResults(op);
  if (k > XP_MAX_IO) return op_err(op, QCC_ERR_UNSUPPORTED, "more than %d outputs", XP_MAX_IO);
  for (intptr_t i = 0; i < k; ++i) {
    qcc_shape s;
    shape_of(mlirOperationGetResult(op, i), &s);
    sizes[i] = axis >= 0 && axis < s.rank ? s.d[axis] : 0;
  }
  Onnx__AttributeProto *a = attr_i(x, "axis", axis);
  return one_input(x, op, "Split", "split", k, sizes, 1, &a);
}

/* ------------------------------------------------------------ fused ops */
/* A fused quantized op as the QDQ pattern it was made from: DequantizeLinear
 * of every operand, the float op, its activation, QuantizeLinear. */
static qcc_status_t export_fused(xp *x, MlirOperation op, qcc_op_kind k) {
  const char *dq[3] = {NULL, NULL, NULL};
  intptr_t no = mlirOperationGetNumOperands(op);
  if (no > 3) return op_err(op, QCC_ERR_INVALID, "too many operands");
  const char *op_type;
  switch (k) {
    case QCC_OP_qconv2d: op_type = "Conv"; break;
    case QCC_OP_qgemm: op_type = "Gemm"; break;
    case QCC_OP_qmatmul: op_type = "MatMul"; break;
    case QCC_OP_qadd: op_type = "Add"; break;
    case QCC_OP_qmul: op_type = "Mul"; break;
    case QCC_OP_qavg_pool: op_type = "AveragePool"; break;
    default: op_type = "GlobalAveragePool"; break;
  }
  /* The float op takes the op's name; its DequantizeLinear inputs come first
   * in the graph, so reserve the name now. */
  xnode n;
  xn_begin(x, &n, op_type);
  for (intptr_t i = 0; i < no; ++i) {
    MlirValue v = mlirOperationGetOperand(op, i);
    QCC_RETURN_IF_ERROR(emit_dq(x, op, val(x, v), elem_of(v), (MlirValue){NULL}, &dq[i]));
  }
  for (intptr_t i = 0; i < no; ++i) xn_in(&n, dq[i]);
  if (k == QCC_OP_qconv2d) conv_attrs(x, &n, op, mlirOperationGetOperand(op, 1), false);
  if (k == QCC_OP_qgemm) xn_attr(&n, attr_i(x, "transB", 1));
  if (k == QCC_OP_qavg_pool) pool_attrs(x, &n, op, false);
  const char *f = xn_tmp_out(x, &n);
  QCC_RETURN_IF_ERROR(xn_emit(x, &n));
  if (k == QCC_OP_qconv2d || k == QCC_OP_qgemm || k == QCC_OP_qadd || k == QCC_OP_qmul) {
    /* The fused activation, on the float result (numerics.md: clamping the
     * quantized value equals quantizing the clamped real value). */
    float lo = qcc_get_f32(op, QCC_ATTR_clamp_min), hi = qcc_get_f32(op, QCC_ATTR_clamp_max);
    bool has_lo = !(isinf(lo) && lo < 0), has_hi = !(isinf(hi) && hi > 0);
    if (has_lo || has_hi) {
      bool relu = lo == 0.0f && !has_hi;
      xn_begin(x, &n, relu ? "Relu" : "Clip");
      xn_in(&n, f);
      if (!relu) {
        xn_in(&n, has_lo ? init_scalar(x, xp_printf(x, "%s_min", nz(n.name)), OX_FLOAT, lo) : "");
        if (has_hi) xn_in(&n, init_scalar(x, xp_printf(x, "%s_max", nz(n.name)), OX_FLOAT, hi));
      }
      f = xn_tmp_out(x, &n);
      QCC_RETURN_IF_ERROR(xn_emit(x, &n));
    }
  }
  MlirValue r = mlirOperationGetResult(op, 0);
  return emit_q(x, op, f, elem_of(r), r, NULL);
}

/* lut: y = table[x] is Gather(table, Cast(x, int32)): u8 x indexes 0..255,
 * s8 x is -128..127 and Gather counts negative indices from the end, so -1
 * reads entry 255, the table entry of byte 0xff: exact. */
static qcc_status_t export_lut(xp *x, MlirOperation op) {
  MlirAttribute t = qcc_op_attr(op, QCC_ATTR_table);
  MlirValue r = mlirOperationGetResult(op, 0);
  uint8_t tab[256];
  if (mlirAttributeIsNull(t) || !mlirAttributeIsADenseElements(t) || mlirElementsAttrGetNumElements(t) != 256)
    return op_err(op, QCC_ERR_INVALID, "lut needs a 256-entry table");
  if (mlirDenseElementsAttrIsSplat(t)) memset(tab, *(const uint8_t *)mlirDenseElementsAttrGetRawData(t), 256);
  else memcpy(tab, mlirDenseElementsAttrGetRawData(t), 256);
  xnode n;
  xn_begin(x, &n, "Gather");
  qcc_shape ts = {1, {256}};
  const char *table = init_add(x, xp_printf(x, "%s.table", nz(n.name)), dtype_of(elem_of(r)), &ts, tab, 256, false);
  xnode c;
  xn_begin(x, &c, "Cast");
  xn_in(&c, val(x, mlirOperationGetOperand(op, 0)));
  xn_attr(&c, attr_i(x, "to", OX_INT32));
  const char *idx = xn_tmp_out(x, &c);
  QCC_RETURN_IF_ERROR(xn_emit(x, &c));
  xn_in(&n, table);
  xn_in(&n, idx);
  xn_attr(&n, attr_i(x, "axis", 0));
  xn_out_result(x, &n, r);
  return xn_emit(x, &n);
}

/* ---------------------------------------------------------------- ops */
static const char *unary_type(qcc_op_kind k) {
  switch (k) {
    case QCC_OP_relu: return "Relu";
    case QCC_OP_sigmoid: return "Sigmoid";
    case QCC_OP_tanh: return "Tanh";
    case QCC_OP_hard_swish: return "HardSwish";
    case QCC_OP_erf: return "Erf";
    case QCC_OP_exp: return "Exp";
    case QCC_OP_log: return "Log";
    case QCC_OP_sqrt: return "Sqrt";
    case QCC_OP_neg: return "Neg";
    case QCC_OP_abs: return "Abs";
    case QCC_OP_add: return "Add";
    case QCC_OP_sub: return "Sub";
    case QCC_OP_mul: return "Mul";
    case QCC_OP_div: return "Div";
    case QCC_OP_max: return "Max";
    case QCC_OP_min: return "Min";
    case QCC_OP_pow: return "Pow";
    case QCC_OP_prelu: return "PRelu";
    case QCC_OP_matmul: return "MatMul";
    case QCC_OP_where: return "Where";
    case QCC_OP_global_avg_pool: return "GlobalAveragePool";
    case QCC_OP_matmul_integer: return "MatMulInteger";
    case QCC_OP_dynamic_quantize: return "DynamicQuantizeLinear";
    default: return NULL;
  }
}

static qcc_status_t export_op(xp *x, MlirOperation op) {
  qcc_op_kind k = qcc_op_get_kind(op);
  const char *u = unary_type(k);
  if (u) return simple(x, op, u, 0, NULL);
  Onnx__AttributeProto *a[8];
  int64_t v[2 * QCC_MAX_RANK];
  intptr_t cnt;
  MlirValue r = k == QCC_OP_NONE || mlirOperationGetNumResults(op) < 1 ? (MlirValue){NULL} : mlirOperationGetResult(op, 0);
  switch (k) {
    case QCC_OP_constant: return export_constant(x, op);
    case QCC_OP_storage_cast: {
      /* Same bytes: ONNX sees the integer tensor either way. */
      bind(x, r, val(x, mlirOperationGetOperand(op, 0)));
      return x->oom ? oom() : NULL;
    }
    case QCC_OP_quantize: {
      MlirValue in = mlirOperationGetOperand(op, 0);
      if (!mlirTypeIsAF32(elem_of(in))) return op_err(op, QCC_ERR_UNSUPPORTED, "ONNX QuantizeLinear reads float32");
      return emit_q(x, op, val(x, in), elem_of(r), r, NULL);
    }
    case QCC_OP_dequantize: {
      if (!mlirTypeIsAF32(elem_of(r))) return op_err(op, QCC_ERR_UNSUPPORTED, "ONNX DequantizeLinear (opset 17) writes float32");
      MlirValue in = mlirOperationGetOperand(op, 0);
      return emit_dq(x, op, val(x, in), elem_of(in), r, NULL);
    }
    case QCC_OP_fake_quant: {
      MlirAttribute qa = qcc_op_attr(op, QCC_ATTR_qtype);
      MlirType qt = mlirAttributeIsNull(qa) ? (MlirType){NULL} : mlirTypeAttrGetValue(qa);
      if (!mlirTypeIsNull(qt) && mlirTypeIsAShaped(qt)) qt = mlirShapedTypeGetElementType(qt);
      if (mlirTypeIsNull(qt) || !mlirTypeIsAQuantizedType(qt)) return op_err(op, QCC_ERR_INVALID, "fake_quant needs a quant qtype");
      const char *q;
      QCC_RETURN_IF_ERROR(emit_q(x, op, val(x, mlirOperationGetOperand(op, 0)), qt, (MlirValue){NULL}, &q));
      return emit_dq(x, op, q, qt, r, NULL);
    }
    case QCC_OP_observe:
      return op_err(op, QCC_ERR_UNSUPPORTED, "observers exist only before calibration; export the converted model "
                                             "(qcc quantize --emit=onnx, or qcc export on its --no-fuse output)");
    case QCC_OP_conv2d: case QCC_OP_conv_transpose: {
      xnode n;
      xn_begin(x, &n, k == QCC_OP_conv2d ? "Conv" : "ConvTranspose");
      for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) xn_in(&n, val(x, mlirOperationGetOperand(op, i)));
      conv_attrs(x, &n, op, mlirOperationGetOperand(op, 1), k == QCC_OP_conv_transpose);
      xn_out_result(x, &n, r);
      return xn_emit(x, &n);
    }
    case QCC_OP_conv_integer: {
      xnode n;
      xn_begin(x, &n, "ConvInteger");
      for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) xn_in(&n, val(x, mlirOperationGetOperand(op, i)));
      conv_attrs(x, &n, op, mlirOperationGetOperand(op, 1), false);
      xn_out_result(x, &n, r);
      return xn_emit(x, &n);
    }
    case QCC_OP_gemm:
      a[0] = attr_f(x, "alpha", qcc_get_f32(op, QCC_ATTR_alpha));
      a[1] = attr_f(x, "beta", qcc_get_f32(op, QCC_ATTR_beta));
      a[2] = attr_i(x, "transA", qcc_get_i64(op, QCC_ATTR_trans_a));
      a[3] = attr_i(x, "transB", qcc_get_i64(op, QCC_ATTR_trans_b));
      return simple(x, op, "Gemm", 4, a);
    case QCC_OP_leaky_relu:
      a[0] = attr_f(x, "alpha", qcc_get_f32(op, QCC_ATTR_alpha));
      return simple(x, op, "LeakyRelu", 1, a);
    case QCC_OP_hard_sigmoid:
      a[0] = attr_f(x, "alpha", qcc_get_f32(op, QCC_ATTR_alpha));
      a[1] = attr_f(x, "beta", qcc_get_f32(op, QCC_ATTR_beta));
      return simple(x, op, "HardSigmoid", 2, a);
    case QCC_OP_clip: {
      MlirValue in = mlirOperationGetOperand(op, 0);
      float lo = qcc_get_f32(op, QCC_ATTR_min), hi = qcc_get_f32(op, QCC_ATTR_max);
      bool has_lo = !(isinf(lo) && lo < 0), has_hi = !(isinf(hi) && hi > 0);
      xnode n;
      xn_begin(x, &n, "Clip"); /* Clip even for [0, inf): a round trip keeps the op */
      const char *mn = has_lo ? scalar_like(x, &n, in, "min", lo) : "";
      const char *mx = has_hi ? scalar_like(x, &n, in, "max", hi) : "";
      if ((!mn || !mx) && !x->oom) return op_err(op, QCC_ERR_UNSUPPORTED, "clip bounds of this element type");
      xn_in(&n, val(x, in));
      xn_in(&n, mn);
      if (has_hi) xn_in(&n, mx);
      xn_out_result(x, &n, r);
      return xn_emit(x, &n);
    }
    case QCC_OP_gelu: return emit_gelu(x, op);
    case QCC_OP_softmax: case QCC_OP_log_softmax:
      a[0] = attr_i(x, "axis", qcc_get_i64(op, QCC_ATTR_axis));
      return simple(x, op, k == QCC_OP_softmax ? "Softmax" : "LogSoftmax", 1, a);
    case QCC_OP_layer_norm:
      a[0] = attr_i(x, "axis", qcc_get_i64(op, QCC_ATTR_axis));
      a[1] = attr_f(x, "epsilon", qcc_get_f32(op, QCC_ATTR_epsilon));
      return simple(x, op, "LayerNormalization", 2, a);
    case QCC_OP_batch_norm:
      a[0] = attr_f(x, "epsilon", qcc_get_f32(op, QCC_ATTR_epsilon));
      return simple(x, op, "BatchNormalization", 1, a);
    case QCC_OP_max_pool: case QCC_OP_max_pool_indices: case QCC_OP_avg_pool: {
      xnode n;
      xn_begin(x, &n, k == QCC_OP_avg_pool ? "AveragePool" : "MaxPool");
      xn_in(&n, val(x, mlirOperationGetOperand(op, 0)));
      pool_attrs(x, &n, op, k != QCC_OP_avg_pool);
      if (k == QCC_OP_max_pool_indices) /* MaxPool's second output, Indices */
        xn_attr(&n, attr_i(x, "storage_order", qcc_get_i64(op, QCC_ATTR_storage_order)));
      for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) xn_out_result(x, &n, mlirOperationGetResult(op, i));
      return xn_emit(x, &n);
    }
    case QCC_OP_reduce_mean: case QCC_OP_reduce_sum: {
      cnt = qcc_get_i64s(op, QCC_ATTR_axes, v, 2 * QCC_MAX_RANK);
      /* ONNX reads an empty axes list as "all axes"; qcc's means none. */
      if (cnt == 0) return simple(x, op, "Identity", 0, NULL);
      a[0] = attr_i(x, "keepdims", qcc_get_i64(op, QCC_ATTR_keepdims));
      if (k == QCC_OP_reduce_sum) return one_input(x, op, "ReduceSum", "axes", cnt, v, 1, a);
      a[1] = attr_ints(x, "axes", cnt, v); /* an attribute until opset 18 */
      return simple(x, op, "ReduceMean", 2, a);
    }
    case QCC_OP_reshape: case QCC_OP_expand: {
      qcc_shape y;
      shape_of(r, &y);
      bool zero = false;
      for (int i = 0; i < y.rank; ++i) zero |= y.d[i] == 0;
      /* A 0 in Reshape's shape copies the input dim unless allowzero = 1. */
      a[0] = attr_i(x, "allowzero", 1);
      return one_input(x, op, k == QCC_OP_reshape ? "Reshape" : "Expand", "shape", y.rank, y.d,
                       k == QCC_OP_reshape && zero ? 1 : 0, a);
    }
    case QCC_OP_flatten:
      a[0] = attr_i(x, "axis", qcc_get_i64(op, QCC_ATTR_axis));
      return simple(x, op, "Flatten", 1, a);
    case QCC_OP_transpose:
      a[0] = attr_from_i64s(x, "perm", op, QCC_ATTR_perm);
      return simple(x, op, "Transpose", 1, a);
    case QCC_OP_concat:
      a[0] = attr_i(x, "axis", qcc_get_i64(op, QCC_ATTR_axis));
      return simple(x, op, "Concat", 1, a);
    case QCC_OP_split: return export_split(x, op);
    case QCC_OP_slice: return export_slice(x, op);
    case QCC_OP_pad: return export_pad(x, op);
    case QCC_OP_gather:
      a[0] = attr_i(x, "axis", qcc_get_i64(op, QCC_ATTR_axis));
      return simple(x, op, "Gather", 1, a);
    case QCC_OP_squeeze: case QCC_OP_unsqueeze:
      cnt = qcc_get_i64s(op, QCC_ATTR_axes, v, 2 * QCC_MAX_RANK);
      /* Squeeze with no axes removes every size-1 dim in ONNX; qcc's removes none. */
      if (cnt == 0) return simple(x, op, "Identity", 0, NULL);
      return one_input(x, op, k == QCC_OP_squeeze ? "Squeeze" : "Unsqueeze", "axes", cnt, v, 0, NULL);
    case QCC_OP_cast: {
      int to = dtype_of(elem_of(r));
      if (!to) return op_err(op, QCC_ERR_UNSUPPORTED, "cast to this element type");
      a[0] = attr_i(x, "to", to);
      return simple(x, op, "Cast", 1, a);
    }
    case QCC_OP_resize: return export_resize(x, op);
    case QCC_OP_qconv2d: case QCC_OP_qgemm: case QCC_OP_qmatmul: case QCC_OP_qadd: case QCC_OP_qmul:
    case QCC_OP_qavg_pool: case QCC_OP_qglobal_avg_pool:
      return export_fused(x, op, k);
    case QCC_OP_lut: return export_lut(x, op);
    default:
      return op_err(op, QCC_ERR_UNSUPPORTED, "no ONNX (opset %d) form for this op", XP_OPSET);
  }
}

/* ----------------------------------------------------------------- graph */
/* The value whose ONNX tensor v is (storage_cast is the same bytes). */
static MlirValue alias_root(MlirValue v) {
  while (mlirValueIsAOpResult(v) && qcc_op_is(mlirOpResultGetOwner(v), QCC_OP_storage_cast))
    v = mlirOperationGetOperand(mlirOpResultGetOwner(v), 0);
  return v;
}

static bool is_aux(qcc_op_kind k) {
  return k == QCC_OP_constant || k == QCC_OP_storage_cast || k == QCC_OP_quantize || k == QCC_OP_dequantize ||
         k == QCC_OP_fake_quant;
}

static qcc_status_t export_graph(xp *x, MlirOperation func, Onnx__GraphProto *g) {
  MlirRegion body = mlirOperationGetRegion(func, 0);
  MlirBlock entry = mlirRegionGetFirstBlock(body);
  if (mlirBlockIsNull(entry) || !mlirBlockIsNull(mlirBlockGetNextInRegion(entry)))
    return qcc_status_make(QCC_ERR_UNSUPPORTED, "ONNX export: @main must have exactly one block");
  MlirOperation ret = mlirBlockGetTerminator(entry);
  if (mlirOperationIsNull(ret)) return qcc_status_make(QCC_ERR_INVALID, "ONNX export: @main has no terminator");
  /* Graph inputs keep their ONNX names. */
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(entry); ++i) {
    MlirValue a = mlirBlockGetArgument(entry, i);
    MlirStringRef nm = qcc_main_arg_name(func, i);
    const char *name = unique_name(x, &x->tensor_names, nz(nm.length ? xp_printf(x, "%.*s", (int)nm.length, nm.data)
                                                                     : xp_printf(x, "input_%ld", (long)i)));
    bind(x, a, name);
    Onnx__ValueInfoProto *vi = name ? value_info(x, name, mlirValueGetType(a)) : NULL;
    if (!vi && !x->oom) return qcc_status_make(QCC_ERR_UNSUPPORTED, "ONNX export: input #%ld has no static tensor type", (long)i);
    vec_push(x, &x->inputs, vi);
  }
  /* Graph outputs: the tensor computed by an op takes the output's name. */
  intptr_t nres = mlirOperationGetNumOperands(ret);
  const char **out_name = xp_alloc(x, sizeof *out_name * (size_t)(nres ? nres : 1));
  if (!out_name) return oom();
  for (intptr_t i = 0; i < nres; ++i) {
    MlirStringRef nm = qcc_main_result_name(func, i);
    out_name[i] = nm.length ? xp_printf(x, "%.*s", (int)nm.length, nm.data) : xp_printf(x, "output_%ld", (long)i);
    MlirValue root = alias_root(mlirOperationGetOperand(ret, i));
    if (!out_name[i] || !mlirValueIsAOpResult(root) || qcc_op_is(mlirOpResultGetOwner(root), QCC_OP_constant) ||
        val(x, root) || set_has(&x->tensor_names, out_name[i]))
      continue;
    set_add(x, &x->tensor_names, out_name[i]);
    bind(x, root, out_name[i]);
  }
  /* Node names: each compute op gets its NameLoc; the Q/DQ nodes around it
   * are "<name>/QuantizeLinear", ... */
  for (MlirOperation op = mlirBlockGetFirstOperation(entry); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    if (mlirOperationEqual(op, ret) || is_aux(qcc_op_get_kind(op))) continue;
    const char *ln = op_loc_name(x, op);
    if (!ln || set_has(&x->node_names, ln)) continue;
    set_add(x, &x->node_names, ln);
    xp_slot *s = map_put(x, &x->primary, op.ptr);
    if (s) s->a = ln;
  }
  if (x->oom) return oom();
  for (MlirOperation op = mlirBlockGetFirstOperation(entry); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    if (mlirOperationEqual(op, ret)) break;
    if (qcc_op_get_kind(op) == QCC_OP_NONE) {
      char where[600];
      MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
      qcc_location_format(mlirOperationGetLocation(op), where, sizeof where);
      return qcc_status_make(QCC_ERR_UNSUPPORTED, "ONNX export: %s: '%.*s' is not a qcc op", where, (int)n.length, n.data);
    }
    for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
      if (!val(x, mlirOperationGetOperand(op, i)))
        return op_err(op, QCC_ERR_INVALID, "operand #%ld is not defined earlier in @main", (long)i);
    x->cur = op;
    x->cur_name = NULL;
    QCC_RETURN_IF_ERROR(export_op(x, op));
    if (x->oom) return oom();
  }
  /* Outputs computed elsewhere (inputs, constants, a value returned twice)
   * get an Identity node to carry the output's name. */
  xp_set seen = {0};
  qcc_status_t st = NULL;
  for (intptr_t i = 0; i < nres && !st; ++i) {
    MlirValue v = mlirOperationGetOperand(ret, i);
    const char *name = val(x, v);
    if (!name) {
      st = qcc_status_make(QCC_ERR_INVALID, "ONNX export: result #%ld is not defined in @main", (long)i);
      break;
    }
    if (strcmp(name, out_name[i]) || set_has(&seen, name)) {
      xnode n;
      memset(&n, 0, sizeof n);
      n.op_type = "Identity";
      n.name = unique_name(x, &x->node_names, nz(xp_printf(x, "%s/Identity", out_name[i])));
      n.in[n.n_in++] = name;
      n.out[n.n_out++] = name = unique_name(x, &x->tensor_names, out_name[i]);
      st = xn_emit(x, &n);
    }
    if (!st && name) {
      set_add(x, &seen, name);
      Onnx__ValueInfoProto *vi = value_info(x, name, mlirValueGetType(v));
      if (!vi && !x->oom) st = qcc_status_make(QCC_ERR_UNSUPPORTED, "ONNX export: result #%ld has no static tensor type", (long)i);
      vec_push(x, &x->outputs, vi);
    }
  }
  free(seen.s);
  if (st) return st;
  if (x->oom) return oom();
  g->n_node = x->nodes.n, g->node = (Onnx__NodeProto **)x->nodes.v;
  g->n_initializer = x->inits.n, g->initializer = (Onnx__TensorProto **)x->inits.v;
  g->n_input = x->inputs.n, g->input = (Onnx__ValueInfoProto **)x->inputs.v;
  g->n_output = x->outputs.n, g->output = (Onnx__ValueInfoProto **)x->outputs.v;
  return NULL;
}

static void xp_free(xp *x) {
  for (size_t i = 0; i < x->owned.n; ++i) free(x->owned.v[i]);
  free(x->owned.v);
  free(x->nodes.v), free(x->inits.v), free(x->inputs.v), free(x->outputs.v);
  free(x->values.s), free(x->qparams.s), free(x->primary.s);
  free(x->tensor_names.s), free(x->node_names.s);
}

qcc_status_t qcc_export_onnx(MlirModule m, const char *path, const qcc_export_options *opts) {
  MlirOperation func = qcc_module_main(m);
  if (mlirOperationIsNull(func)) return qcc_status_make(QCC_ERR_INVALID, "ONNX export: the module has no func.func @main");
  xp x;
  memset(&x, 0, sizeof x);
  x.ctx = mlirModuleGetContext(m);
  x.opts = opts;
  Onnx__GraphProto g;
  onnx__graph_proto__init(&g);
  g.name = (char *)(opts && opts->graph_name ? opts->graph_name : "main");
  qcc_status_t st = export_graph(&x, func, &g);
  uint8_t *buf = NULL;
  if (!st) {
    Onnx__OperatorSetIdProto ops = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsp = &ops;
    ops.domain = "";
    ops.has_version = 1;
    ops.version = XP_OPSET;
    Onnx__ModelProto mp = ONNX__MODEL_PROTO__INIT;
    mp.has_ir_version = 1;
    mp.ir_version = XP_IR_VERSION;
    mp.n_opset_import = 1;
    mp.opset_import = &opsp;
    mp.producer_name = "qcc";
    mp.producer_version = QCC_VERSION_STRING;
    mp.doc_string = opts && opts->doc_string ? (char *)opts->doc_string : NULL;
    mp.graph = &g;
    size_t len = onnx__model_proto__get_packed_size(&mp);
    if (len > (size_t)INT32_MAX) {
      st = qcc_status_make(QCC_ERR_UNSUPPORTED, "ONNX export: the model is %zu bytes, above protobuf's 2 GiB; external data is not written yet", len);
    } else if (!(buf = malloc(len ? len : 1))) {
      st = oom();
    } else {
      size_t got = onnx__model_proto__pack(&mp, buf);
      QCC_ASSERT(got == len);
      st = qcc_write_file_atomic(path, buf, len);
    }
  }
  free(buf);
  xp_free(&x);
  return st;
}
