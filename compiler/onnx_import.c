/* The ONNX importer: reads a ModelProto with protobuf-c (code generated at
 * build time from Debian's onnx.proto) and builds func.func @main in the qcc
 * dialect. Op-by-op translation lives in onnx_ops.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "npy.h"
#include "onnx_internal.h"

/* ---- dtypes ---- */
int ox_elem_size(int t) {
  switch (t) {
    case OX_FLOAT: case OX_INT32: case OX_UINT32: return 4;
    case OX_UINT8: case OX_INT8: case OX_BOOL: return 1;
    case OX_UINT16: case OX_INT16: case OX_FLOAT16: case OX_BFLOAT16: return 2;
    case OX_INT64: case OX_DOUBLE: case OX_UINT64: return 8;
    default: return 0;
  }
}

const char *ox_dtype_name(int t) {
  static const char *names[] = {"undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64",
                                "string", "bool", "float16", "double", "uint32", "uint64", "complex64",
                                "complex128", "bfloat16"};
  return t >= 0 && t <= 16 ? names[t] : "unknown";
}

MlirType ox_mlir_elem(MlirContext ctx, int t) {
  switch (t) {
    case OX_FLOAT: return mlirF32TypeGet(ctx);
    case OX_DOUBLE: return mlirF64TypeGet(ctx);
    case OX_FLOAT16: return mlirF16TypeGet(ctx);
    case OX_BFLOAT16: return mlirBF16TypeGet(ctx);
    case OX_UINT8: return mlirIntegerTypeUnsignedGet(ctx, 8);
    case OX_UINT16: return mlirIntegerTypeUnsignedGet(ctx, 16);
    case OX_UINT32: return mlirIntegerTypeUnsignedGet(ctx, 32);
    case OX_UINT64: return mlirIntegerTypeUnsignedGet(ctx, 64);
    case OX_INT8: return mlirIntegerTypeGet(ctx, 8);
    case OX_INT16: return mlirIntegerTypeGet(ctx, 16);
    case OX_INT32: return mlirIntegerTypeGet(ctx, 32);
    case OX_INT64: return mlirIntegerTypeGet(ctx, 64);
    case OX_BOOL: return mlirIntegerTypeGet(ctx, 1);
    default: return (MlirType){NULL};
  }
}

int ox_dtype_of_mlir(MlirType e) {
  if (mlirTypeIsAF32(e)) return OX_FLOAT;
  if (mlirTypeIsAF64(e)) return OX_DOUBLE;
  if (mlirTypeIsAF16(e)) return OX_FLOAT16;
  if (mlirTypeIsABF16(e)) return OX_BFLOAT16;
  if (mlirTypeIsAInteger(e)) {
    unsigned w = mlirIntegerTypeGetWidth(e);
    bool u = mlirIntegerTypeIsUnsigned(e);
    switch (w) {
      case 1: return OX_BOOL;
      case 8: return u ? OX_UINT8 : OX_INT8;
      case 16: return u ? OX_UINT16 : OX_INT16;
      case 32: return u ? OX_UINT32 : OX_INT32;
      case 64: return u ? OX_UINT64 : OX_INT64;
    }
  }
  return 0;
}

/* ---- value table ---- */
static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

ox_value *ox_lookup(ox_importer *im, const char *name) {
  if (!im->tab_cap) return NULL;
  for (size_t i = hash_str(name) & (im->tab_cap - 1);; i = (i + 1) & (im->tab_cap - 1)) {
    if (!im->tab[i]) return NULL;
    if (!strcmp(im->tab[i]->name, name)) return im->tab[i];
  }
}

static void tab_insert(ox_importer *im, ox_value *v) {
  for (size_t i = hash_str(v->name) & (im->tab_cap - 1);; i = (i + 1) & (im->tab_cap - 1))
    if (!im->tab[i]) { im->tab[i] = v; return; }
}

ox_value *ox_define(ox_importer *im, const char *name) {
  if ((im->tab_n + 1) * 2 > im->tab_cap) {
    size_t old = im->tab_cap;
    ox_value **ot = im->tab;
    im->tab_cap = old ? old * 2 : 256;
    im->tab = calloc(im->tab_cap, sizeof *im->tab);
    for (size_t i = 0; i < old; ++i)
      if (ot[i]) tab_insert(im, ot[i]);
    free(ot);
  }
  ox_value *v = ox_lookup(im, name);
  if (v) { /* SSA redefinition: ONNX forbids it, but replace rather than crash */
    free(v->c.data);
    memset(&v->c, 0, sizeof v->c);
    v->is_const = false;
    v->v = (MlirValue){NULL};
    return v;
  }
  v = calloc(1, sizeof *v);
  v->name = strdup(name);
  tab_insert(im, v);
  im->tab_n++;
  return v;
}

static void tab_free(ox_importer *im) {
  for (size_t i = 0; i < im->tab_cap; ++i)
    if (im->tab[i]) {
      free(im->tab[i]->name);
      free(im->tab[i]->c.data);
      free(im->tab[i]);
    }
  free(im->tab);
}

/* ---- constants ---- */
qcc_status_t ox_const_alloc(ox_const *c, int dtype, const qcc_shape *s) {
  int64_t n = qcc_shape_numel(s);
  int es = ox_elem_size(dtype);
  if (n < 0 || es == 0 || (uint64_t)n > (uint64_t)SIZE_MAX / 8 / (uint64_t)es)
    return qcc_status_make(QCC_ERR_INVALID, "tensor size overflows");
  c->dtype = dtype;
  c->shape = *s;
  c->nbytes = (size_t)n * (size_t)es;
  c->data = calloc(1, c->nbytes ? c->nbytes : 1);
  if (!c->data) return qcc_status_make(QCC_ERR_IO, "out of memory allocating %zu bytes", c->nbytes);
  return NULL;
}

static double half_to_double(uint16_t h) {
  int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double v;
  if (e == 0) v = ldexp(m, -24);
  else if (e == 31) v = m ? NAN : INFINITY;
  else v = ldexp(m + 1024, e - 25);
  return s ? -v : v;
}

/* Element i exists (callers index constants the model supplies; an empty or
 * short constant must not be read past its end). */
static bool const_has(const ox_const *c, int64_t i) {
  size_t es = (size_t)ox_elem_size(c->dtype);
  return c->data && es && i >= 0 && (uint64_t)i < c->nbytes / es;
}

int64_t ox_const_i64(const ox_const *c, int64_t i) {
  if (!const_has(c, i)) return 0;
  const char *p = (const char *)c->data;
  switch (c->dtype) {
    case OX_INT64: { int64_t v; memcpy(&v, p + 8 * i, 8); return v; }
    case OX_INT32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
    case OX_UINT64: { uint64_t v; memcpy(&v, p + 8 * i, 8); return (int64_t)v; }
    case OX_UINT32: { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
    case OX_INT16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
    case OX_UINT16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return v; }
    case OX_INT8: return (int8_t)p[i];
    case OX_UINT8: case OX_BOOL: return (uint8_t)p[i];
    default: {
      double d = ox_const_f64(c, i);
      return d != d ? 0 : d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
    }
  }
}

double ox_const_f64(const ox_const *c, int64_t i) {
  if (!const_has(c, i)) return 0.0;
  const char *p = (const char *)c->data;
  switch (c->dtype) {
    case OX_FLOAT: { float v; memcpy(&v, p + 4 * i, 4); return v; }
    case OX_DOUBLE: { double v; memcpy(&v, p + 8 * i, 8); return v; }
    case OX_FLOAT16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return half_to_double(v); }
    case OX_BFLOAT16: { uint16_t v; memcpy(&v, p + 2 * i, 2); uint32_t b = (uint32_t)v << 16; float f; memcpy(&f, &b, 4); return f; }
    case OX_UINT64: { uint64_t v; memcpy(&v, p + 8 * i, 8); return (double)v; }
    default: return (double)ox_const_i64(c, i);
  }
}

MlirAttribute ox_const_attr(MlirContext ctx, const ox_const *c) {
  MlirType t = qcc_tensor_type(ox_mlir_elem(ctx, c->dtype), &c->shape);
  if (c->dtype == OX_BOOL) {
    int64_t n = qcc_shape_numel(&c->shape);
    int *tmp = malloc(sizeof(int) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; ++i) tmp[i] = ((const uint8_t *)c->data)[i] != 0;
    MlirAttribute a = mlirDenseElementsAttrBoolGet(t, n, tmp);
    free(tmp);
    return a;
  }
  return mlirDenseElementsAttrRawBufferGet(t, c->nbytes, c->data);
}

qcc_status_t ox_val(ox_importer *im, ox_value *x, MlirValue *out) {
  if (mlirValueIsNull(x->v)) {
    if (!x->is_const) return qcc_status_make(QCC_ERR_INTERNAL, "value '%s' has no definition", x->name);
    MlirAttribute a = ox_const_attr(im->ctx, &x->c);
    MlirNamedAttribute na = qcc_attr_of(im->ctx, QCC_ATTR_value, a);
    MlirType t = mlirAttributeGetType(a);
    MlirLocation loc = mlirLocationNameGet(im->ctx, mlirStringRefCreateFromCString(x->name), im->file_loc);
    MlirOperation op = qcc_build(&im->b, QCC_OP_constant, loc, 0, NULL, 1, &t, 1, &na);
    x->v = mlirOperationGetResult(op, 0);
    x->type = t;
  }
  *out = x->v;
  return NULL;
}

/* ---- reading TensorProto ---- */
/* Allocates c only once the file is known to hold the bytes, so a small model
 * cannot make qcc allocate gigabytes for data that is not there. */
static qcc_status_t read_external(ox_importer *im, Onnx__TensorProto *t, const qcc_shape *s, size_t need, ox_const *c) {
  c->data = NULL;
  const char *loc = NULL;
  int64_t off = 0, len = -1;
  for (size_t i = 0; i < t->n_external_data; ++i) {
    Onnx__StringStringEntryProto *e = t->external_data[i];
    if (!e->key || !e->value) continue;
    char *end;
    if (!strcmp(e->key, "location")) loc = e->value;
    else if (!strcmp(e->key, "offset")) { errno = 0; off = strtoll(e->value, &end, 10); if (errno || *end || off < 0) off = -1; }
    else if (!strcmp(e->key, "length")) { errno = 0; len = strtoll(e->value, &end, 10); if (errno || *end || len < 0) len = -2; }
  }
  if (!loc || !*loc) return qcc_status_make(QCC_ERR_INVALID, "external data has no 'location'");
  if (off < 0 || len == -2) return qcc_status_make(QCC_ERR_INVALID, "external data has a bad offset or length");
  if (loc[0] == '/' || strstr(loc, "..")) return qcc_status_make(QCC_ERR_INVALID, "external data location '%s' must be a relative path inside the model's folder", loc);
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", im->dir, loc);
  if (len >= 0 && (size_t)len != need)
    return qcc_status_make(QCC_ERR_INVALID, "external data length %lld differs from the %zu bytes its shape needs", (long long)len, need);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return qcc_status_make(QCC_ERR_IO, "missing external data file '%s': %s (keep it next to the model)", path, strerror(errno));
  struct stat st;
  fstat(fd, &st);
  if ((uint64_t)off + need > (uint64_t)st.st_size) {
    close(fd);
    return qcc_status_make(QCC_ERR_INVALID, "external data file '%s' has %lld bytes, the tensor needs bytes %lld..%lld",
                           path, (long long)st.st_size, (long long)off, (long long)(off + (int64_t)need));
  }
  qcc_status_t a = ox_const_alloc(c, t->data_type, s);
  if (a) {
    close(fd);
    return a;
  }
  size_t got = 0;
  while (got < c->nbytes) {
    ssize_t r = pread(fd, (char *)c->data + got, c->nbytes - got, off + (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) { close(fd); return qcc_status_make(QCC_ERR_IO, "reading '%s' failed", path); }
    got += (size_t)r;
  }
  close(fd);
  return NULL;
}

static qcc_status_t tensor_to_const(ox_importer *im, Onnx__TensorProto *t, ox_const *c) {
  const char *name = t->name ? t->name : "";
  if (!t->has_data_type || ox_elem_size(t->data_type) == 0)
    return qcc_status_make(QCC_ERR_UNSUPPORTED, "tensor '%s': data type %s (%d) is not supported", name,
                           ox_dtype_name(t->has_data_type ? t->data_type : 0), t->has_data_type ? t->data_type : 0);
  if (t->n_dims > QCC_MAX_RANK) return qcc_status_make(QCC_ERR_UNSUPPORTED, "tensor '%s': rank %zu > %d", name, t->n_dims, QCC_MAX_RANK);
  qcc_shape s = {(int)t->n_dims, {0}};
  for (size_t i = 0; i < t->n_dims; ++i) {
    if (t->dims[i] < 0) return qcc_status_make(QCC_ERR_INVALID, "tensor '%s': negative dimension %lld", name, (long long)t->dims[i]);
    s.d[i] = t->dims[i];
  }
  int64_t n = qcc_shape_numel(&s);
  int es = ox_elem_size(t->data_type);
  if (n < 0) return qcc_status_make(QCC_ERR_INVALID, "tensor '%s': dims give a size that overflows", name);
  if ((uint64_t)n > ((uint64_t)1 << 40) / (uint64_t)es)
    return qcc_status_make(QCC_ERR_INVALID, "tensor '%s': shape %s of %s is over 2^40 bytes, qcc's limit for one tensor",
                           name, qcc_shape_str(&s, (char[96]){0}, 96), ox_dtype_name(t->data_type));
  size_t need = (size_t)n * (size_t)es;
  /* Check the bytes present before allocating anything. */
  bool external = t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  size_t typed = 0;
  int tt = t->data_type;
  if (!external && !t->has_raw_data) {
    if (tt == OX_FLOAT) typed = t->n_float_data;
    else if (tt == OX_INT64) typed = t->n_int64_data;
    else if (tt == OX_DOUBLE) typed = t->n_double_data;
    else if (tt == OX_UINT32 || tt == OX_UINT64) typed = t->n_uint64_data;
    else typed = t->n_int32_data;
    if (typed != (size_t)n)
      return qcc_status_make(QCC_ERR_INVALID, "tensor '%s': shape %s needs %lld values, the file has %zu", name,
                             qcc_shape_str(&s, (char[96]){0}, 96), (long long)n, typed);
  }
  if (t->has_raw_data && !external && t->raw_data.len != need)
    return qcc_status_make(QCC_ERR_INVALID, "tensor '%s': shape %s of %s needs %zu bytes, raw_data has %zu", name,
                           qcc_shape_str(&s, (char[96]){0}, 96), ox_dtype_name(tt), need, t->raw_data.len);
  if (!external) QCC_RETURN_IF_ERROR(ox_const_alloc(c, tt, &s));
  qcc_status_t st = NULL;
  if (external) {
    st = read_external(im, t, &s, need, c);
    if (st) st = qcc_status_annotate(st, "tensor '%s'", name);
  } else if (t->has_raw_data) {
    if (need) memcpy(c->data, t->raw_data.data, need);
  } else {
    char *p = c->data;
    for (int64_t i = 0; i < n; ++i) {
      switch (tt) {
        case OX_FLOAT: memcpy(p + 4 * i, &t->float_data[i], 4); break;
        case OX_INT64: memcpy(p + 8 * i, &t->int64_data[i], 8); break;
        case OX_DOUBLE: memcpy(p + 8 * i, &t->double_data[i], 8); break;
        case OX_UINT64: memcpy(p + 8 * i, &t->uint64_data[i], 8); break;
        case OX_UINT32: { uint32_t v = (uint32_t)t->uint64_data[i]; memcpy(p + 4 * i, &v, 4); break; }
        case OX_INT32: memcpy(p + 4 * i, &t->int32_data[i], 4); break;
        case OX_INT16: case OX_UINT16: case OX_FLOAT16: case OX_BFLOAT16: {
          uint16_t v = (uint16_t)t->int32_data[i];
          memcpy(p + 2 * i, &v, 2);
          break;
        }
        default: p[i] = (char)(uint8_t)t->int32_data[i]; break;
      }
    }
  }
  if (st) {
    free(c->data);
    c->data = NULL;
  }
  return st;
}

qcc_status_t ox_tensor_proto_to_const(ox_importer *im, Onnx__TensorProto *t, ox_const *c) {
  return tensor_to_const(im, t, c);
}

/* ---- node helpers ---- */
qcc_status_t ox_err(ox_node *n, qcc_status_code code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return qcc_status_make(code, "%s: node '%s' (%s, opset %lld): %s", n->im->path,
                         n->node->name && *n->node->name ? n->node->name : "(unnamed)",
                         n->node->op_type ? n->node->op_type : "?", (long long)n->im->opset, msg);
}

Onnx__AttributeProto *ox_attr(ox_node *n, const char *name) {
  for (size_t i = 0; i < n->node->n_attribute; ++i)
    if (n->node->attribute[i]->name && !strcmp(n->node->attribute[i]->name, name)) return n->node->attribute[i];
  return NULL;
}
int64_t ox_attr_i(ox_node *n, const char *name, int64_t d) {
  Onnx__AttributeProto *a = ox_attr(n, name);
  return a && a->has_i ? a->i : d;
}
float ox_attr_f(ox_node *n, const char *name, float d) {
  Onnx__AttributeProto *a = ox_attr(n, name);
  return a && a->has_f ? a->f : d;
}
const char *ox_attr_s(ox_node *n, const char *name, const char *d, char *buf, size_t len) {
  Onnx__AttributeProto *a = ox_attr(n, name);
  if (!a || !a->has_s) return d;
  size_t k = a->s.len < len - 1 ? a->s.len : len - 1;
  if (k) memcpy(buf, a->s.data, k);
  buf[k] = 0;
  return buf;
}
int ox_attr_ints(ox_node *n, const char *name, int64_t *out) {
  Onnx__AttributeProto *a = ox_attr(n, name);
  if (!a) return -1;
  size_t k = a->n_ints < 16 ? a->n_ints : 16;
  if (k) memcpy(out, a->ints, k * sizeof(int64_t)); /* ints is NULL when empty */
  return (int)a->n_ints;
}

ox_value *ox_in(ox_node *n, int i) { return i < n->n_in ? n->in[i] : NULL; }

bool ox_in_shape(ox_node *n, int i, qcc_shape *s) {
  ox_value *v = ox_in(n, i);
  if (!v) return false;
  if (v->is_const && mlirValueIsNull(v->v)) { *s = v->c.shape; return true; }
  return qcc_type_shape(mlirValueGetType(v->v), s);
}

MlirType ox_in_elem(ox_node *n, int i) {
  ox_value *v = ox_in(n, i);
  if (!v) return (MlirType){NULL};
  if (v->is_const && mlirValueIsNull(v->v)) return ox_mlir_elem(n->im->ctx, v->c.dtype);
  return mlirShapedTypeGetElementType(mlirValueGetType(v->v));
}

qcc_status_t ox_need_const(ox_node *n, int i, const char *what, ox_const **out) {
  ox_value *v = ox_in(n, i);
  if (!v) return ox_err(n, QCC_ERR_INVALID, "missing input #%d (%s)", i, what);
  if (!v->is_const)
    return ox_err(n, QCC_ERR_UNSUPPORTED, "input '%s' (%s) must be a constant known at compile time", v->name, what);
  *out = &v->c;
  return NULL;
}

qcc_status_t ox_emit_v(ox_node *n, qcc_op_kind kind, int n_ops, const MlirValue *ops, int n_attrs,
                       const MlirNamedAttribute *attrs, int n_res, MlirType *res, MlirValue *out) {
  MlirType in[64];
  MlirType r[16];
  if (n_ops > 64 || n_res > 16) return ox_err(n, QCC_ERR_UNSUPPORTED, "too many operands or results");
  for (int i = 0; i < n_ops; ++i) in[i] = mlirValueGetType(ops[i]);
  for (int i = 0; i < n_res; ++i) r[i] = res ? res[i] : (MlirType){NULL};
  qcc_status_t s = qcc_infer_result_types(n->im->ctx, kind, n_ops, in, n_attrs, attrs, n_res, r);
  if (s) {
    qcc_status_t e = ox_err(n, QCC_ERR_INVALID, "%s", qcc_status_message(s));
    qcc_status_free(s);
    return e;
  }
  MlirOperation op = qcc_build(&n->im->b, kind, n->loc, n_ops, ops, n_res, r, n_attrs, attrs);
  for (int i = 0; i < n_res; ++i) out[i] = mlirOperationGetResult(op, i);
  return NULL;
}

qcc_status_t ox_emit(ox_node *n, qcc_op_kind kind, int n_ops, ox_value *const *ops, int n_attrs,
                     const MlirNamedAttribute *attrs, int n_res, MlirType *res, MlirValue *out) {
  MlirValue v[64];
  if (n_ops > 64) return ox_err(n, QCC_ERR_UNSUPPORTED, "too many operands");
  for (int i = 0; i < n_ops; ++i) QCC_RETURN_IF_ERROR(ox_val(n->im, ops[i], &v[i]));
  return ox_emit_v(n, kind, n_ops, v, n_attrs, attrs, n_res, res, out);
}

qcc_status_t ox_set_out(ox_node *n, int i, MlirValue v) {
  if ((size_t)i >= n->node->n_output || !n->node->output[i] || !*n->node->output[i]) return NULL;
  ox_value *x = ox_define(n->im, n->node->output[i]);
  x->v = v;
  x->type = mlirValueGetType(v);
  return NULL;
}

qcc_status_t ox_set_out_const(ox_node *n, int i, ox_const *c) {
  if ((size_t)i >= n->node->n_output || !n->node->output[i] || !*n->node->output[i]) {
    free(c->data);
    return NULL;
  }
  ox_value *x = ox_define(n->im, n->node->output[i]);
  x->is_const = true;
  x->c = *c;
  x->type = qcc_tensor_type(ox_mlir_elem(n->im->ctx, c->dtype), &c->shape);
  return NULL;
}

/* ---- graph ---- */
static qcc_status_t value_info_type(ox_importer *im, Onnx__ValueInfoProto *vi, MlirType *out) {
  const char *name = vi->name ? vi->name : "";
  if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !vi->type->tensor_type)
    return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: input '%s' is not a tensor (sequences and maps are not supported)", im->path, name);
  Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
  MlirType e = ox_mlir_elem(im->ctx, tt->has_elem_type ? tt->elem_type : 0);
  if (mlirTypeIsNull(e))
    return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: input '%s' has element type %s, which is not supported", im->path, name,
                           ox_dtype_name(tt->has_elem_type ? tt->elem_type : 0));
  const qcc_input_shape *ov = NULL;
  for (int i = 0; im->opts && i < im->opts->n_input_shapes; ++i)
    if (!strcmp(im->opts->input_shapes[i].name, name)) ov = &im->opts->input_shapes[i];
  qcc_shape s = {0, {0}};
  if (!tt->shape && !ov)
    return qcc_status_make(QCC_ERR_INVALID, "%s: input '%s' has no shape; give one with --input-shape %s=DIMS", im->path, name, name);
  if (ov) {
    if (tt->shape && (int)tt->shape->n_dim != ov->rank)
      return qcc_status_make(QCC_ERR_USAGE, "--input-shape %s has rank %d, the model's input has rank %zu", name, ov->rank, tt->shape->n_dim);
    s.rank = ov->rank;
    for (int i = 0; i < ov->rank; ++i) {
      s.d[i] = ov->dims[i];
      Onnx__TensorShapeProto__Dimension *d = tt->shape ? tt->shape->dim[i] : NULL;
      if (d && d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value != ov->dims[i])
        return qcc_status_make(QCC_ERR_USAGE, "--input-shape %s: dim %d is %lld but the model fixes it to %lld", name, i,
                               (long long)ov->dims[i], (long long)d->dim_value);
    }
  } else {
    if (tt->shape->n_dim > QCC_MAX_RANK) return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: input '%s' has rank %zu > %d", im->path, name, tt->shape->n_dim, QCC_MAX_RANK);
    s.rank = (int)tt->shape->n_dim;
    char missing[512] = "";
    for (int i = 0; i < s.rank; ++i) {
      Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
      if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value >= 0) {
        s.d[i] = d->dim_value;
      } else if (i == 0) {
        s.d[i] = 1;
        if (!im->opts || !im->opts->quiet)
          fprintf(stderr, "qcc: note: input '%s': batch dimension '%s' set to 1 (use --input-shape to choose)\n", name,
                  d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM ? d->dim_param : "?");
      } else {
        size_t k = strlen(missing);
        snprintf(missing + k, sizeof missing - k, "%s%d ('%s')", k ? ", " : "", i,
                 d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM ? d->dim_param : "?");
      }
    }
    if (missing[0])
      return qcc_status_make(QCC_ERR_USAGE, "%s: input '%s' has symbolic dims %s; fix them with --input-shape %s=DIMS", im->path, name, missing, name);
  }
  if (qcc_shape_numel(&s) < 0) return qcc_status_make(QCC_ERR_INVALID, "%s: input '%s' size overflows", im->path, name);
  *out = qcc_tensor_type(e, &s);
  return NULL;
}

static MlirAttribute name_dict(MlirContext ctx, const char *name) {
  MlirNamedAttribute na = mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("qcc.name")),
                                                mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(name)));
  return mlirDictionaryAttrGet(ctx, 1, &na);
}

/* --bind: graph inputs given a value become constants (checked against the
 * input's declared element type and known dims). */
static int npy_to_onnx_dtype(int npy) {
  static const int map[] = {
      [QCC_NPY_BOOL] = OX_BOOL,   [QCC_NPY_I8] = OX_INT8,     [QCC_NPY_U8] = OX_UINT8,   [QCC_NPY_I16] = OX_INT16,
      [QCC_NPY_U16] = OX_UINT16,  [QCC_NPY_I32] = OX_INT32,   [QCC_NPY_U32] = OX_UINT32, [QCC_NPY_I64] = OX_INT64,
      [QCC_NPY_U64] = OX_UINT64,  [QCC_NPY_F16] = OX_FLOAT16, [QCC_NPY_F32] = OX_FLOAT,  [QCC_NPY_F64] = OX_DOUBLE};
  return npy > 0 && npy < (int)(sizeof map / sizeof map[0]) ? map[npy] : 0;
}

static qcc_status_t bind_inputs(ox_importer *im) {
  Onnx__GraphProto *g = im->model->graph;
  for (int b = 0; im->opts && b < im->opts->n_bindings; ++b) {
    const qcc_input_binding *bd = &im->opts->bindings[b];
    Onnx__ValueInfoProto *vi = NULL;
    for (size_t i = 0; i < g->n_input && !vi; ++i)
      if (g->input[i]->name && !strcmp(g->input[i]->name, bd->name)) vi = g->input[i];
    ox_value *prev = ox_lookup(im, bd->name);
    if (!vi || (prev && prev->is_const))
      return qcc_status_make(QCC_ERR_USAGE, "--bind %s: the model has no graph input of that name", bd->name);
    int dt = npy_to_onnx_dtype(bd->dtype);
    Onnx__TypeProto__Tensor *tt =
        vi->type && vi->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ? vi->type->tensor_type : NULL;
    int want = tt && tt->has_elem_type ? tt->elem_type : 0;
    if (!dt || (want && dt != want))
      return qcc_status_make(QCC_ERR_INVALID, "--bind %s: value has element type %s, the input is %s", bd->name,
                             dt ? ox_dtype_name(dt) : "(unsupported)", ox_dtype_name(want));
    if (bd->rank < 0 || bd->rank > QCC_MAX_RANK)
      return qcc_status_make(QCC_ERR_UNSUPPORTED, "--bind %s: rank %d is not supported", bd->name, bd->rank);
    qcc_shape s = {bd->rank, {0}};
    for (int d = 0; d < bd->rank; ++d) s.d[d] = bd->dims[d];
    if (tt && tt->shape) {
      bool ok = (int)tt->shape->n_dim == bd->rank;
      for (int d = 0; ok && d < bd->rank; ++d) {
        Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
        ok = dim->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE || dim->dim_value == s.d[d];
      }
      if (!ok) return qcc_status_make(QCC_ERR_INVALID, "--bind %s: value's shape does not match the input's declared shape", bd->name);
    }
    ox_const c = {0};
    QCC_RETURN_IF_ERROR(ox_const_alloc(&c, dt, &s));
    if (c.nbytes != bd->nbytes) {
      free(c.data);
      return qcc_status_make(QCC_ERR_INVALID, "--bind %s: %zu bytes of data for %zu expected", bd->name, bd->nbytes, c.nbytes);
    }
    if (c.nbytes) memcpy(c.data, bd->data, c.nbytes);
    ox_value *v = ox_define(im, bd->name);
    v->is_const = true;
    v->c = c;
  }
  return NULL;
}

static qcc_status_t import_graph(ox_importer *im, MlirModule mod) {
  Onnx__GraphProto *g = im->model->graph;
  MlirContext ctx = im->ctx;
  /* Initializers first: they are constants, and may shadow graph inputs (IR < 4). */
  for (size_t i = 0; i < g->n_initializer; ++i) {
    Onnx__TensorProto *t = g->initializer[i];
    if (!t->name || !*t->name) return qcc_status_make(QCC_ERR_INVALID, "%s: initializer #%zu has no name", im->path, i);
    ox_const c = {0};
    qcc_status_t s = tensor_to_const(im, t, &c);
    if (s) return qcc_status_annotate(s, "%s", im->path);
    ox_value *v = ox_define(im, t->name);
    v->is_const = true;
    v->c = c;
    /* protobuf-c holds a copy of the bytes; drop it now to keep peak memory low. */
    if (t->has_raw_data) {
      free(t->raw_data.data);
      t->raw_data.data = NULL;
      t->raw_data.len = 0;
      t->has_raw_data = 0;
    }
  }
  QCC_RETURN_IF_ERROR(bind_inputs(im));
  /* Function signature: graph inputs that are not initializers. */
  MlirType arg_types[256];
  MlirAttribute arg_attrs[256];
  Onnx__ValueInfoProto *args[256];
  int n_args = 0;
  for (size_t i = 0; i < g->n_input; ++i) {
    Onnx__ValueInfoProto *vi = g->input[i];
    if (!vi->name) return qcc_status_make(QCC_ERR_INVALID, "%s: graph input #%zu has no name", im->path, i);
    ox_value *v = ox_lookup(im, vi->name);
    if (v && v->is_const) continue;
    if (n_args == 256) return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: more than 256 graph inputs", im->path);
    QCC_RETURN_IF_ERROR(value_info_type(im, vi, &arg_types[n_args]));
    arg_attrs[n_args] = name_dict(ctx, vi->name);
    args[n_args++] = vi;
  }
  MlirRegion region = mlirRegionCreate();
  MlirLocation arg_locs[256];
  for (int i = 0; i < n_args; ++i) arg_locs[i] = mlirLocationNameGet(ctx, mlirStringRefCreateFromCString(args[i]->name), im->file_loc);
  MlirBlock entry = mlirBlockCreate(n_args, arg_types, arg_locs);
  mlirRegionAppendOwnedBlock(region, entry);
  im->entry = entry;
  im->b = (qcc_builder){ctx, entry, {NULL}};
  for (int i = 0; i < n_args; ++i) {
    ox_value *v = ox_define(im, args[i]->name);
    v->v = mlirBlockGetArgument(entry, i);
    v->type = arg_types[i];
  }
  /* Nodes, in order (ONNX graphs are topologically sorted). */
  for (size_t k = 0; k < g->n_node; ++k) {
    Onnx__NodeProto *nd = g->node[k];
    ox_node n = {im, nd, {NULL}, 0, {NULL}};
    const char *nm = nd->name && *nd->name ? nd->name : (nd->n_output && nd->output[0] ? nd->output[0] : "");
    n.loc = mlirLocationNameGet(ctx, mlirStringRefCreateFromCString(nm), im->file_loc);
    if (!nd->op_type) return qcc_status_make(QCC_ERR_INVALID, "%s: node #%zu has no op_type", im->path, k);
    if (nd->domain && *nd->domain && strcmp(nd->domain, "ai.onnx"))
      return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: node '%s': op %s of domain '%s' is not supported (only the default ONNX domain is)",
                             im->path, nm, nd->op_type, nd->domain);
    if (nd->n_input > 64) return ox_err(&n, QCC_ERR_UNSUPPORTED, "more than 64 inputs");
    n.n_in = (int)nd->n_input;
    for (size_t i = 0; i < nd->n_input; ++i) {
      if (!nd->input[i] || !*nd->input[i]) continue;
      n.in[i] = ox_lookup(im, nd->input[i]);
      if (!n.in[i]) return ox_err(&n, QCC_ERR_INVALID, "input '%s' is not defined by any earlier node, initializer or graph input", nd->input[i]);
    }
    ox_handler h = ox_find_handler(nd->op_type);
    if (!h)
      return qcc_status_make(QCC_ERR_UNSUPPORTED,
                             "%s: unsupported op %s (domain ai.onnx, opset %lld) at node '%s'; qcc cannot import this model yet",
                             im->path, nd->op_type, (long long)im->opset, nm);
    qcc_status_t st = NULL;
    if (ox_try_fold(&n, &st)) {
      if (st) return st;
      continue;
    }
    QCC_RETURN_IF_ERROR(h(&n));
  }
  /* Results. */
  if (g->n_output == 0) return qcc_status_make(QCC_ERR_INVALID, "%s: the graph has no outputs", im->path);
  if (g->n_output > 256) return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: more than 256 graph outputs", im->path);
  MlirValue rets[256];
  MlirType ret_types[256];
  MlirAttribute res_attrs[256];
  for (size_t i = 0; i < g->n_output; ++i) {
    Onnx__ValueInfoProto *vi = g->output[i];
    ox_value *v = vi->name ? ox_lookup(im, vi->name) : NULL;
    if (!v) return qcc_status_make(QCC_ERR_INVALID, "%s: graph output '%s' is not produced by any node", im->path, vi->name ? vi->name : "");
    QCC_RETURN_IF_ERROR(ox_val(im, v, &rets[i]));
    ret_types[i] = mlirValueGetType(rets[i]);
    res_attrs[i] = name_dict(ctx, vi->name);
    /* Declared static dims must agree with what the graph computes. */
    qcc_shape s;
    if (vi->type && vi->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && vi->type->tensor_type &&
        vi->type->tensor_type->shape && qcc_type_shape(ret_types[i], &s)) {
      Onnx__TensorShapeProto *sp = vi->type->tensor_type->shape;
      bool bad = (int)sp->n_dim != s.rank;
      for (size_t d = 0; !bad && d < sp->n_dim; ++d)
        bad = sp->dim[d]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && sp->dim[d]->dim_value != s.d[d] && d != 0;
      if (bad) {
        char b[96];
        return qcc_status_make(QCC_ERR_INVALID, "%s: graph output '%s' is declared with a shape that differs from the computed %s",
                               im->path, vi->name, qcc_shape_str(&s, b, sizeof b));
      }
    }
  }
  MlirOperationState rs = mlirOperationStateGet(mlirStringRefCreateFromCString("func.return"), im->file_loc);
  mlirOperationStateAddOperands(&rs, (intptr_t)g->n_output, rets);
  mlirBlockAppendOwnedOperation(entry, mlirOperationCreate(&rs));

  MlirType ft = mlirFunctionTypeGet(ctx, n_args, arg_types, (intptr_t)g->n_output, ret_types);
  MlirNamedAttribute fattrs[4] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("sym_name")),
                            mlirStringAttrGet(ctx, mlirStringRefCreateFromCString("main"))),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("function_type")), mlirTypeAttrGet(ft)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("arg_attrs")), mlirArrayAttrGet(ctx, n_args, arg_attrs)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("res_attrs")),
                            mlirArrayAttrGet(ctx, (intptr_t)g->n_output, res_attrs)),
  };
  MlirOperationState fs = mlirOperationStateGet(mlirStringRefCreateFromCString("func.func"), im->file_loc);
  mlirOperationStateAddAttributes(&fs, 4, fattrs);
  mlirOperationStateAddOwnedRegions(&fs, 1, &region);
  mlirBlockAppendOwnedOperation(mlirModuleGetBody(mod), mlirOperationCreate(&fs));
  return NULL;
}

qcc_status_t qcc_import_onnx(MlirContext ctx, const char *path, const qcc_import_options *opts, MlirModule *out) {
  char *buf;
  size_t len;
  QCC_RETURN_IF_ERROR(qcc_read_file(path, &buf, &len));
  qcc_status_t st = qcc_import_onnx_buffer(ctx, buf, len, path, opts, out);
  free(buf);
  return st;
}

qcc_status_t qcc_import_onnx_buffer(MlirContext ctx, const void *buf, size_t len, const char *path,
                                    const qcc_import_options *opts, MlirModule *out) {
  Onnx__ModelProto *model = onnx__model_proto__unpack(NULL, len, (const uint8_t *)buf);
  if (!model)
    return qcc_status_make(QCC_ERR_INVALID, "%s: not a valid ONNX model (the protobuf is malformed or truncated)", path);
  if (!model->graph) {
    onnx__model_proto__free_unpacked(model, NULL);
    return qcc_status_make(QCC_ERR_INVALID, "%s: not a valid ONNX model (no graph)", path);
  }
  ox_importer im = {0};
  im.ctx = ctx;
  im.path = path;
  im.opts = opts;
  im.model = model;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  snprintf(im.dir, sizeof im.dir, "%s", dirname(tmp));
  im.opset = -1;
  for (size_t i = 0; i < model->n_opset_import; ++i) {
    Onnx__OperatorSetIdProto *o = model->opset_import[i];
    if (!o->domain || !*o->domain || !strcmp(o->domain, "ai.onnx")) im.opset = o->has_version ? o->version : 1;
  }
  if (im.opset < 0) im.opset = 1; /* IR v1/v2 models without opset_import */
  qcc_status_t st = NULL;
  if (im.opset > 18)
    st = qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: opset %lld is newer than qcc supports (1 to 18)", path, (long long)im.opset);
  im.file_loc = mlirLocationFileLineColGet(ctx, mlirStringRefCreateFromCString(path), 0, 0);
  MlirModule m = mlirModuleCreateEmpty(im.file_loc);
  if (!st) st = import_graph(&im, m);
  tab_free(&im);
  /* A graph that failed part-way leaves main's region unowned: free it. */
  if (st && !mlirBlockIsNull(im.entry) && mlirOperationIsNull(mlirBlockGetParentOperation(im.entry)))
    mlirRegionDestroy(mlirBlockGetParentRegion(im.entry));
  onnx__model_proto__free_unpacked(model, NULL);
  if (!st) st = qcc_module_verify(m);
  if (st) {
    mlirModuleDestroy(m);
    return st;
  }
  *out = m;
  return NULL;
}

qcc_status_t qcc_parse_input_shape(const char *spec, qcc_input_shape *out, char *name_buf, size_t name_len) {
  const char *eq = strrchr(spec, '=');
  if (!eq || eq == spec)
    return qcc_status_make(QCC_ERR_USAGE, "--input-shape '%s': expected NAME=DIMS, e.g. input=1x3x224x224", spec);
  size_t nl = (size_t)(eq - spec);
  if (nl >= name_len) return qcc_status_make(QCC_ERR_USAGE, "--input-shape '%s': name too long", spec);
  memcpy(name_buf, spec, nl);
  name_buf[nl] = 0;
  out->name = name_buf;
  out->rank = 0;
  const char *p = eq + 1;
  if (!*p) return NULL; /* scalar */
  for (;;) {
    if (out->rank == 8) return qcc_status_make(QCC_ERR_USAGE, "--input-shape '%s': more than 8 dims", spec);
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno || v < 0 || v > ((long long)1 << 40) || (*end && *end != 'x' && *end != ','))
      return qcc_status_make(QCC_ERR_USAGE, "--input-shape '%s': bad dimension at '%s' (expected non-negative integers separated by 'x')", spec, p);
    out->dims[out->rank++] = v;
    if (!*end) break;
    p = end + 1;
  }
  return NULL;
}
