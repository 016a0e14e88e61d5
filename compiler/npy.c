/* npy.c — numpy .npy / .npz reader and writer. See npy.h for the contract.
 *
 * Reading goes through one routine, read_npy(), over a tiny byte-source
 * abstraction (memory buffer, FILE*, libzip member), so .npy files, buffers
 * and .npz members get exactly the same checks:
 *   1. preamble: magic, version, header length; the header length is checked
 *      against QCC_NPY_MAX_HEADER_LEN and against the bytes present;
 *   2. the header dict, parsed by hand (no eval), any key order;
 *   3. shape -> element count -> byte count with overflow checks, compared to
 *      the bytes the source holds; only then is the data buffer allocated.
 */
#define _POSIX_C_SOURCE 200809L
#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

/* ---- errors ------------------------------------------------------------ */

static int fail(char *err, size_t err_size, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Format the message and force it onto one printable line. */
static int fail(char *err, size_t err_size, int code, const char *fmt, ...) {
  if (err && err_size > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++)
      if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  }
  return code;
}

/* Copy len bytes of untrusted text into dst as printable ASCII (\xNN for the
 * rest), cut with "..." if longer than fits. Returns dst. */
static const char *escape(char *dst, size_t dst_size, const char *s, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[5];
    int n;
    if (c >= 0x20 && c < 0x7f && c != '\\')
      n = snprintf(tmp, sizeof tmp, "%c", c);
    else
      n = snprintf(tmp, sizeof tmp, "\\x%02x", c);
    if (o + (size_t)n + 4 > dst_size) { /* keep room for "..." and NUL */
      if (dst_size >= 4) memcpy(dst + o, "...", 3), o += 3;
      break;
    }
    memcpy(dst + o, tmp, (size_t)n);
    o += (size_t)n;
  }
  if (dst_size > 0) dst[o < dst_size ? o : dst_size - 1] = '\0';
  return dst;
}

/* ---- dtypes ------------------------------------------------------------ */

static const struct {
  char kind; /* numpy kind character */
  unsigned size;
  const char *name;
} kDtypes[QCC_NPY_DTYPE_COUNT] = {
    [QCC_NPY_INVALID] = {0, 0, "invalid"},  [QCC_NPY_BOOL] = {'b', 1, "bool"},
    [QCC_NPY_I8] = {'i', 1, "int8"},        [QCC_NPY_U8] = {'u', 1, "uint8"},
    [QCC_NPY_I16] = {'i', 2, "int16"},      [QCC_NPY_U16] = {'u', 2, "uint16"},
    [QCC_NPY_I32] = {'i', 4, "int32"},      [QCC_NPY_U32] = {'u', 4, "uint32"},
    [QCC_NPY_I64] = {'i', 8, "int64"},      [QCC_NPY_U64] = {'u', 8, "uint64"},
    [QCC_NPY_F16] = {'f', 2, "float16"},    [QCC_NPY_F32] = {'f', 4, "float32"},
    [QCC_NPY_F64] = {'f', 8, "float64"},
};

static bool dtype_valid(qcc_npy_dtype_t d) { return d > QCC_NPY_INVALID && d < QCC_NPY_DTYPE_COUNT; }

size_t qcc_npy_dtype_size(qcc_npy_dtype_t d) { return dtype_valid(d) ? kDtypes[d].size : 0; }

const char *qcc_npy_dtype_name(qcc_npy_dtype_t d) {
  return dtype_valid(d) ? kDtypes[d].name : "invalid";
}

static bool host_is_little_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

/* ---- shapes ------------------------------------------------------------ */

/* Element count of shape[0..rank), or -1 on a negative extent or if the
 * count exceeds INT64_MAX. Extents of 0 give 0, but the non-zero extents
 * must still multiply without overflow (a header claiming (2^40, 2^40, 0)
 * is rejected: no real array has such a shape). */
static int64_t shape_numel(int rank, const int64_t *shape) {
  int64_t n = 1;
  bool zero = false;
  for (int i = 0; i < rank; i++) {
    int64_t d = shape[i];
    if (d < 0) return -1;
    if (d == 0) {
      zero = true;
      continue;
    }
    if (n > INT64_MAX / d) return -1;
    n *= d;
  }
  return zero ? 0 : n;
}

int64_t qcc_npy_tensor_numel(const qcc_npy_tensor_t *t) {
  if (!t || t->rank < 0 || t->rank > QCC_NPY_MAX_RANK) return -1;
  return shape_numel(t->rank, t->shape);
}

/* Byte count for numel elements of elem bytes; false if it does not fit in
 * size_t (and in int64_t, so it can be compared to file offsets). */
static bool numel_bytes(int64_t numel, size_t elem, size_t *out) {
  if (numel < 0) return false;
  uint64_t n = (uint64_t)numel;
  if (elem != 0 && n > (uint64_t)INT64_MAX / elem) return false;
  if (n * elem > (uint64_t)SIZE_MAX) return false;
  *out = (size_t)(n * elem);
  return true;
}

/* "()", "(5,)", "(10, 3)" — Python's repr of the tuple. */
static const char *format_shape(char *dst, size_t dst_size, int rank, const int64_t *shape) {
  size_t o = 0;
  o += (size_t)snprintf(dst, dst_size, "(");
  for (int i = 0; i < rank && o < dst_size; i++)
    o += (size_t)snprintf(dst + o, dst_size - o, i ? ", %lld" : "%lld", (long long)shape[i]);
  if (o < dst_size) snprintf(dst + o, dst_size - o, rank == 1 ? ",)" : ")");
  return dst;
}

void qcc_npy_tensor_free(qcc_npy_tensor_t *t) {
  if (!t) return;
  free(t->data);
  memset(t, 0, sizeof *t);
}

/* ---- header dict parser ------------------------------------------------- */

typedef struct header {
  qcc_npy_dtype_t dtype;
  bool swap; /* data byte order differs from the host's */
  bool fortran_order;
  int rank;
  int64_t shape[QCC_NPY_MAX_RANK];
} header_t;

typedef struct parser {
  const char *s;
  size_t n, pos;
  size_t base; /* file offset of s[0], for messages */
  const char *where;
  char *err;
  size_t err_size;
} parser_t;

static void skip_ws(parser_t *p) {
  while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
                           p->s[p->pos] == '\r'))
    p->pos++;
}

/* "found 'x'" or "found end of header", for syntax errors. */
static const char *found(parser_t *p, char *buf, size_t size) {
  if (p->pos >= p->n) return "end of header";
  char e[16];
  snprintf(buf, size, "'%s'", escape(e, sizeof e, p->s + p->pos, 1));
  return buf;
}

static int syntax_error(parser_t *p, const char *expected) {
  char f[24];
  return fail(p->err, p->err_size, QCC_NPY_ERR_FORMAT,
              "%s: header dict at offset %zu: expected %s, found %s", p->where, p->base + p->pos,
              expected, found(p, f, sizeof f));
}

static bool eat(parser_t *p, char c) {
  skip_ws(p);
  if (p->pos < p->n && p->s[p->pos] == c) {
    p->pos++;
    return true;
  }
  return false;
}

/* A Python string literal in ' or " quotes without escapes. */
static int parse_string(parser_t *p, const char *what, const char **out, size_t *out_len) {
  skip_ws(p);
  if (p->pos >= p->n || (p->s[p->pos] != '\'' && p->s[p->pos] != '"')) return syntax_error(p, what);
  char q = p->s[p->pos++];
  size_t start = p->pos;
  while (p->pos < p->n && p->s[p->pos] != q) {
    if (p->s[p->pos] == '\\')
      return fail(p->err, p->err_size, QCC_NPY_ERR_FORMAT,
                  "%s: header dict at offset %zu: escape sequences in strings are not supported",
                  p->where, p->base + p->pos);
    if (p->s[p->pos] == '\n') break;
    p->pos++;
  }
  if (p->pos >= p->n || p->s[p->pos] != q) {
    p->pos = start - 1;
    return fail(p->err, p->err_size, QCC_NPY_ERR_FORMAT,
                "%s: header dict at offset %zu: unterminated string", p->where,
                p->base + p->pos);
  }
  *out = p->s + start;
  *out_len = p->pos - start;
  p->pos++;
  return QCC_NPY_OK;
}

static int parse_descr(parser_t *p, header_t *h) {
  skip_ws(p);
  if (p->pos < p->n && p->s[p->pos] == '[')
    return fail(p->err, p->err_size, QCC_NPY_ERR_UNSUPPORTED,
                "%s: header field 'descr': structured dtypes (a list of fields) are not supported",
                p->where);
  const char *s;
  size_t len;
  int rc = parse_string(p, "a dtype string such as '<f4' for 'descr'", &s, &len);
  if (rc) return rc;
  char e[48];
  /* Byte order, kind, size: "<f4", "|b1". */
  if (len == 3 && strchr("<>|=", s[0]) && s[0] != '\0') {
    for (int d = QCC_NPY_BOOL; d < QCC_NPY_DTYPE_COUNT; d++) {
      if (kDtypes[d].kind != s[1] || (unsigned)(s[2] - '0') != kDtypes[d].size) continue;
      bool le = host_is_little_endian();
      if (kDtypes[d].size == 1) {
        h->swap = false;
      } else if (s[0] == '<' || s[0] == '>') {
        h->swap = (s[0] == '<') != le;
      } else if (s[0] == '=') {
        h->swap = false;
      } else {
        return fail(p->err, p->err_size, QCC_NPY_ERR_FORMAT,
                    "%s: header field 'descr': '%s' gives no byte order for a %u-byte type "
                    "(expected '<' or '>')",
                    p->where, escape(e, sizeof e, s, len), kDtypes[d].size);
      }
      h->dtype = (qcc_npy_dtype_t)d;
      return QCC_NPY_OK;
    }
  }
  return fail(p->err, p->err_size, QCC_NPY_ERR_UNSUPPORTED,
              "%s: header field 'descr': unsupported dtype '%s' (expected one of b1 i1 u1 i2 u2 "
              "i4 u4 i8 u8 f2 f4 f8 with byte order '<', '>' or '|')",
              p->where, escape(e, sizeof e, s, len));
}

static int parse_bool(parser_t *p, bool *out) {
  skip_ws(p);
  if (p->n - p->pos >= 4 && memcmp(p->s + p->pos, "True", 4) == 0) {
    p->pos += 4, *out = true;
  } else if (p->n - p->pos >= 5 && memcmp(p->s + p->pos, "False", 5) == 0) {
    p->pos += 5, *out = false;
  } else {
    return syntax_error(p, "True or False for 'fortran_order'");
  }
  /* "Truex" is not True. */
  if (p->pos < p->n && (p->s[p->pos] == '_' || (p->s[p->pos] >= 'a' && p->s[p->pos] <= 'z') ||
                        (p->s[p->pos] >= 'A' && p->s[p->pos] <= 'Z') ||
                        (p->s[p->pos] >= '0' && p->s[p->pos] <= '9')))
    return syntax_error(p, "',' or '}' after the value of 'fortran_order'");
  return QCC_NPY_OK;
}

/* Non-negative decimal integer; old (Python 2) numpy wrote "3L". */
static int parse_dim(parser_t *p, int64_t *out) {
  skip_ws(p);
  size_t start = p->pos;
  if (p->pos < p->n && p->s[p->pos] == '-')
    return fail(p->err, p->err_size, QCC_NPY_ERR_FORMAT,
                "%s: header field 'shape': negative dimension at offset %zu", p->where,
                p->base + p->pos);
  int64_t v = 0;
  while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
    int digit = p->s[p->pos] - '0';
    if (v > (INT64_MAX - digit) / 10)
      return fail(p->err, p->err_size, QCC_NPY_ERR_FORMAT,
                  "%s: header field 'shape': dimension at offset %zu does not fit in 64 bits",
                  p->where, p->base + start);
    v = v * 10 + digit;
    p->pos++;
  }
  if (p->pos == start) return syntax_error(p, "a dimension (non-negative integer) in 'shape'");
  if (p->pos < p->n && (p->s[p->pos] == 'L' || p->s[p->pos] == 'l')) p->pos++;
  *out = v;
  return QCC_NPY_OK;
}

static int parse_shape(parser_t *p, header_t *h) {
  if (!eat(p, '(')) return syntax_error(p, "a tuple such as (10, 3) for 'shape'");
  h->rank = 0;
  if (eat(p, ')')) return QCC_NPY_OK;
  for (;;) {
    if (h->rank == QCC_NPY_MAX_RANK)
      return fail(p->err, p->err_size, QCC_NPY_ERR_UNSUPPORTED,
                  "%s: header field 'shape': more than %d dimensions", p->where, QCC_NPY_MAX_RANK);
    int rc = parse_dim(p, &h->shape[h->rank]);
    if (rc) return rc;
    h->rank++;
    if (eat(p, ',')) {
      if (eat(p, ')')) return QCC_NPY_OK;
      continue;
    }
    if (eat(p, ')')) {
      if (h->rank == 1) /* Python: (5) is the int 5, not a tuple */
        return fail(p->err, p->err_size, QCC_NPY_ERR_FORMAT,
                    "%s: header field 'shape': (%lld) is not a tuple; expected (%lld,)", p->where,
                    (long long)h->shape[0], (long long)h->shape[0]);
      return QCC_NPY_OK;
    }
    return syntax_error(p, "',' or ')' in 'shape'");
  }
}

/* Parse the header dict text s[0..n) (file offset base). */
static int parse_header(const char *s, size_t n, size_t base, const char *where, header_t *h,
                        char *err, size_t err_size) {
  parser_t p = {s, n, 0, base, where, err, err_size};
  memset(h, 0, sizeof *h);
  enum { DESCR = 1, FORTRAN = 2, SHAPE = 4 };
  unsigned seen = 0;
  int rc;
  if (!eat(&p, '{')) return syntax_error(&p, "'{' at the start of the header dict");
  while (!eat(&p, '}')) {
    const char *key;
    size_t klen;
    if ((rc = parse_string(&p, "a quoted key or '}'", &key, &klen))) return rc;
    unsigned which = 0;
    if (klen == 5 && memcmp(key, "descr", 5) == 0) which = DESCR;
    else if (klen == 13 && memcmp(key, "fortran_order", 13) == 0) which = FORTRAN;
    else if (klen == 5 && memcmp(key, "shape", 5) == 0) which = SHAPE;
    char e[48];
    if (!which)
      return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                  "%s: header dict: unexpected key '%s' (expected 'descr', 'fortran_order', "
                  "'shape')",
                  where, escape(e, sizeof e, key, klen));
    if (seen & which)
      return fail(err, err_size, QCC_NPY_ERR_FORMAT, "%s: header dict: key '%s' appears twice",
                  where, escape(e, sizeof e, key, klen));
    seen |= which;
    if (!eat(&p, ':')) return syntax_error(&p, "':' after a key");
    if (which == DESCR) rc = parse_descr(&p, h);
    else if (which == FORTRAN) rc = parse_bool(&p, &h->fortran_order);
    else rc = parse_shape(&p, h);
    if (rc) return rc;
    if (eat(&p, ',')) continue;
    skip_ws(&p);
    if (p.pos < p.n && p.s[p.pos] == '}') continue;
    return syntax_error(&p, "',' or '}' after a value");
  }
  skip_ws(&p);
  if (p.pos != p.n) return syntax_error(&p, "only spaces and '\\n' after the header dict");
  static const char *const names[] = {"descr", "fortran_order", "shape"};
  for (int i = 0; i < 3; i++)
    if (!(seen & (1u << i)))
      return fail(err, err_size, QCC_NPY_ERR_FORMAT, "%s: header dict: missing key '%s'", where,
                  names[i]);
  if (h->fortran_order) {
    /* With at most one extent > 1, Fortran and C order are the same bytes. */
    int big = 0;
    for (int i = 0; i < h->rank; i++) big += h->shape[i] > 1;
    if (big > 1) {
      char sh[256];
      return fail(err, err_size, QCC_NPY_ERR_UNSUPPORTED,
                  "%s: header field 'fortran_order': array of shape %s is in Fortran order; C "
                  "order required; save with np.ascontiguousarray",
                  where, format_shape(sh, sizeof sh, h->rank, h->shape));
    }
  }
  return QCC_NPY_OK;
}

/* ---- byte sources ------------------------------------------------------ */

typedef struct source {
  /* Read up to n bytes into dst. Returns the count (short only at the end),
   * or -1 after writing a reason into msg. */
  int64_t (*read)(void *ctx, void *dst, size_t n, char *msg, size_t msg_size);
  void *ctx;
  uint64_t size; /* bytes the source holds (or claims to) */
} source_t;

typedef struct mem_ctx {
  const unsigned char *p;
  size_t size, pos;
} mem_ctx_t;

static int64_t mem_read(void *ctx, void *dst, size_t n, char *msg, size_t msg_size) {
  (void)msg, (void)msg_size;
  mem_ctx_t *m = ctx;
  size_t left = m->size - m->pos;
  if (n > left) n = left;
  if (n) memcpy(dst, m->p + m->pos, n);
  m->pos += n;
  return (int64_t)n;
}

static int64_t file_read(void *ctx, void *dst, size_t n, char *msg, size_t msg_size) {
  FILE *f = ctx;
  size_t got = fread(dst, 1, n, f);
  if (got < n && ferror(f)) {
    snprintf(msg, msg_size, "read error: %s", strerror(errno));
    return -1;
  }
  return (int64_t)got;
}

static int64_t zip_member_read(void *ctx, void *dst, size_t n, char *msg, size_t msg_size) {
  zip_file_t *zf = ctx;
  size_t total = 0;
  while (total < n) { /* zip_fread may return short counts before the end */
    zip_int64_t got = zip_fread(zf, (char *)dst + total, n - total);
    if (got < 0) {
      snprintf(msg, msg_size, "zip member: %s", zip_file_strerror(zf));
      return -1;
    }
    if (got == 0) break;
    total += (size_t)got;
  }
  return (int64_t)total;
}

/* Read exactly n bytes at file offset off; on a short read say what was
 * being read. */
static int read_exact(source_t *src, void *dst, size_t n, uint64_t off, const char *what,
                      const char *where, char *err, size_t err_size) {
  char msg[160] = "";
  int64_t got = src->read(src->ctx, dst, n, msg, sizeof msg);
  if (got < 0)
    return fail(err, err_size, QCC_NPY_ERR_IO, "%s: at offset %llu (%s): %s", where,
                (unsigned long long)off, what, msg);
  if ((size_t)got < n)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: unexpected end of data at offset %llu: %s needs %zu bytes", where,
                (unsigned long long)(off + (uint64_t)got), what, n);
  return QCC_NPY_OK;
}

static void byteswap(unsigned char *p, size_t nbytes, size_t elem) {
  for (size_t i = 0; i + elem <= nbytes; i += elem)
    for (size_t a = 0, b = elem - 1; a < b; a++, b--) {
      unsigned char t = p[i + a];
      p[i + a] = p[i + b];
      p[i + b] = t;
    }
}

static const unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* The one .npy reader: preamble, header, size check, then data. */
static int read_npy(source_t *src, const char *where, qcc_npy_tensor_t *out, char *err,
                    size_t err_size) {
  memset(out, 0, sizeof *out);
  unsigned char pre[12];
  size_t have = src->size < 8 ? (size_t)src->size : 8;
  int rc = read_exact(src, pre, have, 0, "magic and version", where, err, err_size);
  if (rc) return rc;
  size_t cmp = have < 6 ? have : 6;
  if (memcmp(pre, kMagic, cmp) != 0) {
    char e[40];
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: bad magic at offset 0: expected \"\\x93NUMPY\", found \"%s\" (not a .npy file)",
                where, escape(e, sizeof e, (const char *)pre, cmp));
  }
  if (have < 8)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: truncated preamble: %zu bytes, but a .npy starts with magic, version and "
                "header length (10 or 12 bytes)",
                where, have);
  unsigned major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0)
    return fail(err, err_size, QCC_NPY_ERR_UNSUPPORTED,
                "%s: unsupported format version %u.%u at offset 6 (expected 1.0, 2.0 or 3.0)",
                where, major, minor);
  size_t len_size = major == 1 ? 2 : 4, pre_size = 8 + len_size;
  if (src->size < pre_size)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: truncated preamble: %llu bytes, but a version %u.0 .npy needs %zu for "
                "magic, version and header length",
                where, (unsigned long long)src->size, major, pre_size);
  if ((rc = read_exact(src, pre + 8, len_size, 8, "header length", where, err, err_size)))
    return rc;
  uint32_t hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
  if (len_size == 4) hlen |= (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
  if (hlen > QCC_NPY_MAX_HEADER_LEN)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: header length %u at offset 8 is over the %u-byte limit", where, hlen,
                QCC_NPY_MAX_HEADER_LEN);
  if (hlen > src->size - pre_size)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: truncated header: header length at offset 8 says %u bytes but only %llu "
                "follow",
                where, hlen, (unsigned long long)(src->size - pre_size));
  char *text = malloc(hlen ? hlen : 1);
  if (!text)
    return fail(err, err_size, QCC_NPY_ERR_NO_MEMORY, "%s: out of memory for a %u-byte header",
                where, hlen);
  header_t h;
  rc = read_exact(src, text, hlen, pre_size, "header", where, err, err_size);
  if (!rc) rc = parse_header(text, hlen, pre_size, where, &h, err, err_size);
  free(text);
  if (rc) return rc;

  char sh[256];
  int64_t numel = shape_numel(h.rank, h.shape);
  size_t nbytes;
  if (numel < 0 || !numel_bytes(numel, kDtypes[h.dtype].size, &nbytes))
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: header field 'shape': %s %s overflows: the byte count does not fit in 63 "
                "bits",
                where, format_shape(sh, sizeof sh, h.rank, h.shape), kDtypes[h.dtype].name);
  uint64_t data_off = pre_size + hlen, avail = src->size - data_off;
  if ((uint64_t)nbytes != avail)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: header says shape %s %s = %zu bytes but the file has %llu", where,
                format_shape(sh, sizeof sh, h.rank, h.shape), kDtypes[h.dtype].name, nbytes,
                (unsigned long long)avail);

  /* Only now, with nbytes equal to the bytes present, allocate. */
  void *data = NULL;
  if (nbytes) {
    data = malloc(nbytes);
    if (!data)
      return fail(err, err_size, QCC_NPY_ERR_NO_MEMORY,
                  "%s: out of memory allocating %zu bytes for shape %s %s", where, nbytes,
                  format_shape(sh, sizeof sh, h.rank, h.shape), kDtypes[h.dtype].name);
    if ((rc = read_exact(src, data, nbytes, data_off, "array data", where, err, err_size))) {
      free(data);
      return rc;
    }
  }
  /* One more read must hit the end. For a zip member this is also where
   * libzip compares the CRC and the declared size. */
  unsigned char extra;
  char msg[160] = "";
  int64_t got = src->read(src->ctx, &extra, 1, msg, sizeof msg);
  if (got != 0) {
    free(data);
    if (got < 0)
      return fail(err, err_size, QCC_NPY_ERR_FORMAT, "%s: after the array data: %s", where, msg);
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: data continues past offset %llu, the end of shape %s %s", where,
                (unsigned long long)(data_off + nbytes),
                format_shape(sh, sizeof sh, h.rank, h.shape), kDtypes[h.dtype].name);
  }
  if (h.swap) byteswap(data, nbytes, kDtypes[h.dtype].size);
  if (h.dtype == QCC_NPY_BOOL) /* numpy bools are 0/1; normalize stray bytes */
    for (size_t i = 0; i < nbytes; i++) ((unsigned char *)data)[i] = ((unsigned char *)data)[i] != 0;

  out->dtype = h.dtype;
  out->rank = h.rank;
  memcpy(out->shape, h.shape, sizeof h.shape);
  out->data = data;
  out->nbytes = nbytes;
  return QCC_NPY_OK;
}

int qcc_npy_read_buffer(const void *buf, size_t size, const char *label, qcc_npy_tensor_t *out,
                        char *err, size_t err_size) {
  if (!label) label = "<buffer>";
  if (!out || (!buf && size))
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: qcc_npy_read_buffer: NULL argument",
                label);
  mem_ctx_t m = {buf, size, 0};
  source_t src = {mem_read, &m, size};
  return read_npy(&src, label, out, err, err_size);
}

int qcc_npy_read_file(const char *path, qcc_npy_tensor_t *out, char *err, size_t err_size) {
  if (!path || !out)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "qcc_npy_read_file: NULL argument");
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return fail(err, err_size, QCC_NPY_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  int rc;
  if (fstat(fileno(f), &st) != 0)
    rc = fail(err, err_size, QCC_NPY_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode))
    rc = fail(err, err_size, QCC_NPY_ERR_IO, "%s: not a regular file", path);
  else {
    source_t src = {file_read, f, (uint64_t)st.st_size};
    rc = read_npy(&src, path, out, err, err_size);
  }
  fclose(f);
  return rc;
}

/* ---- writing .npy ------------------------------------------------------ */

static int check_tensor(const qcc_npy_tensor_t *t, const char *where, char *err, size_t err_size) {
  if (!t) return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: tensor is NULL", where);
  if (!dtype_valid(t->dtype))
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: invalid dtype %d", where, (int)t->dtype);
  if (t->rank < 0 || t->rank > QCC_NPY_MAX_RANK)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: rank %d is outside 0..%d", where,
                t->rank, QCC_NPY_MAX_RANK);
  char sh[256];
  size_t need;
  int64_t numel = shape_numel(t->rank, t->shape);
  if (numel < 0 || !numel_bytes(numel, kDtypes[t->dtype].size, &need))
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT,
                "%s: shape %s has a negative extent or overflows", where,
                format_shape(sh, sizeof sh, t->rank, t->shape));
  if (need != t->nbytes)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT,
                "%s: shape %s %s needs %zu bytes but the tensor has nbytes = %zu", where,
                format_shape(sh, sizeof sh, t->rank, t->shape), kDtypes[t->dtype].name, need,
                t->nbytes);
  if (need && !t->data)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: data is NULL for %zu bytes", where,
                need);
  return QCC_NPY_OK;
}

/* Longest possible header: preamble 10 + dict ~60 + 8 dims of 19 digits
 * + separators + growth padding + alignment padding < 512. */
#define HEADER_CAP 512

/* numpy 1.24 _write_array_header, format 1.0, byte for byte:
 *   "{'descr': '<f4', 'fortran_order': False, 'shape': (10, 3), }"
 *   + (21 - len(str(shape[0]))) spaces if rank > 0   (GROWTH_AXIS_MAX_DIGITS)
 *   + spaces so that 10 + len + 1 is a multiple of 64 (a full 64 if it
 *     already is, as numpy's formula gives) + "\n". */
static size_t build_header(const qcc_npy_tensor_t *t, unsigned char *out) {
  char dict[HEADER_CAP], sh[256];
  const char order = kDtypes[t->dtype].size == 1 ? '|' : host_is_little_endian() ? '<' : '>';
  int n = snprintf(dict, sizeof dict, "{'descr': '%c%c%u', 'fortran_order': False, 'shape': %s, }",
                   order, kDtypes[t->dtype].kind, kDtypes[t->dtype].size,
                   format_shape(sh, sizeof sh, t->rank, t->shape));
  size_t len = (size_t)n;
  if (t->rank > 0) {
    char d0[24];
    int dl = snprintf(d0, sizeof d0, "%lld", (long long)t->shape[0]);
    for (int i = dl; i < 21; i++) dict[len++] = ' ';
  }
  size_t hlen = len + 1;
  size_t pad = 64 - ((10 + hlen) % 64);
  memcpy(out, kMagic, 6);
  out[6] = 1, out[7] = 0;
  out[8] = (unsigned char)((hlen + pad) & 0xff), out[9] = (unsigned char)((hlen + pad) >> 8);
  memcpy(out + 10, dict, len);
  memset(out + 10 + len, ' ', pad);
  out[10 + len + pad] = '\n';
  return 10 + hlen + pad;
}

int qcc_npy_write_buffer(const qcc_npy_tensor_t *t, void **out_buf, size_t *out_size, char *err,
                         size_t err_size) {
  if (!out_buf || !out_size)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "qcc_npy_write_buffer: NULL argument");
  *out_buf = NULL, *out_size = 0;
  int rc = check_tensor(t, "<buffer>", err, err_size);
  if (rc) return rc;
  unsigned char hdr[HEADER_CAP];
  size_t hl = build_header(t, hdr);
  if (t->nbytes > SIZE_MAX - hl)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "<buffer>: array too large");
  unsigned char *buf = malloc(hl + t->nbytes);
  if (!buf)
    return fail(err, err_size, QCC_NPY_ERR_NO_MEMORY, "<buffer>: out of memory for %zu bytes",
                hl + t->nbytes);
  memcpy(buf, hdr, hl);
  if (t->nbytes) memcpy(buf + hl, t->data, t->nbytes);
  *out_buf = buf, *out_size = hl + t->nbytes;
  return QCC_NPY_OK;
}

static bool write_all(int fd, const void *p, size_t n) {
  const unsigned char *b = p;
  while (n) {
    size_t chunk = n > (1u << 30) ? (1u << 30) : n;
    ssize_t w = write(fd, b, chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    b += w, n -= (size_t)w;
  }
  return true;
}

/* Create "<path>.tmp.<pid>.<n>" next to path with O_EXCL and mode 0666
 * (so the umask applies, as for np.save). */
static int create_temp(const char *path, char **out_name) {
  static atomic_uint counter;
  size_t sz = strlen(path) + 64;
  char *name = malloc(sz);
  if (!name) return -1;
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(name, sz, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1));
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd >= 0) {
      *out_name = name;
      return fd;
    }
    if (errno != EEXIST) break;
  }
  int saved = errno;
  free(name);
  errno = saved;
  return -1;
}

int qcc_npy_write_file(const char *path, const qcc_npy_tensor_t *t, char *err, size_t err_size) {
  if (!path) return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "qcc_npy_write_file: path is NULL");
  int rc = check_tensor(t, path, err, err_size);
  if (rc) return rc;
  unsigned char hdr[HEADER_CAP];
  size_t hl = build_header(t, hdr);
  char *tmp = NULL;
  int fd = create_temp(path, &tmp);
  if (fd < 0)
    return fail(err, err_size, QCC_NPY_ERR_IO, "%s: cannot create a temporary file next to it: %s",
                path, strerror(errno));
  const char *step = NULL;
  if (!write_all(fd, hdr, hl) || (t->nbytes && !write_all(fd, t->data, t->nbytes)))
    step = "write";
  else if (fsync(fd) != 0)
    step = "fsync";
  int saved = errno;
  if (close(fd) != 0 && !step) step = "close", saved = errno;
  if (!step && rename(tmp, path) != 0) step = "rename", saved = errno;
  if (step) {
    unlink(tmp);
    rc = fail(err, err_size, QCC_NPY_ERR_IO, "%s: %s failed: %s", path, step, strerror(saved));
  }
  free(tmp);
  return rc;
}

/* ---- .npz reading ------------------------------------------------------ */

struct qcc_npy_npz {
  zip_t *za;
  char *label;
  uint64_t archive_size; /* bounds members' compressed sizes */
  size_t count;
  char **names;          /* array names, ".npy" stripped */
  zip_uint64_t *index;   /* their zip entry indices */
};

static int zip_code_status(int ze) {
  switch (ze) {
    case ZIP_ER_NOENT: case ZIP_ER_OPEN: case ZIP_ER_READ: case ZIP_ER_SEEK: case ZIP_ER_EXISTS:
      return QCC_NPY_ERR_IO;
    case ZIP_ER_MEMORY:
      return QCC_NPY_ERR_NO_MEMORY;
    default:
      return QCC_NPY_ERR_FORMAT;
  }
}

static int open_error(const char *label, int code, char *err, size_t err_size) {
  if (code == ZIP_ER_NOZIP)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: not a zip archive (an .npz is a zip of .npy files)", label);
  zip_error_t ze;
  zip_error_init_with_code(&ze, code);
  int rc = fail(err, err_size, zip_code_status(code), "%s: cannot open as .npz (zip): %s", label,
                zip_error_strerror(&ze));
  zip_error_fini(&ze);
  return rc;
}

/* Collect the *.npy members of an opened archive. Takes ownership of za. */
static int npz_init(zip_t *za, const char *label, uint64_t archive_size, qcc_npy_npz_t **out,
                    char *err, size_t err_size) {
  qcc_npy_npz_t *z = calloc(1, sizeof *z);
  zip_int64_t n = zip_get_num_entries(za, 0);
  if (z) z->label = strdup(label);
  if (z && n > 0) {
    z->names = calloc((size_t)n, sizeof *z->names);
    z->index = calloc((size_t)n, sizeof *z->index);
  }
  if (!z || !z->label || (n > 0 && (!z->names || !z->index))) {
    if (z) free(z->label), free(z->names), free(z->index), free(z);
    zip_discard(za);
    return fail(err, err_size, QCC_NPY_ERR_NO_MEMORY, "%s: out of memory listing %lld members",
                label, (long long)n);
  }
  z->za = za;
  z->archive_size = archive_size;
  for (zip_int64_t i = 0; i < n; i++) {
    const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
    if (!name) continue; /* deleted or unreadable entry: not an array */
    size_t len = strlen(name);
    if (len < 4 || memcmp(name + len - 4, ".npy", 4) != 0) continue;
    char *s = malloc(len - 3);
    if (!s) {
      qcc_npy_npz_close(z);
      return fail(err, err_size, QCC_NPY_ERR_NO_MEMORY, "%s: out of memory", label);
    }
    memcpy(s, name, len - 4);
    s[len - 4] = '\0';
    z->names[z->count] = s;
    z->index[z->count++] = (zip_uint64_t)i;
  }
  *out = z;
  return QCC_NPY_OK;
}

int qcc_npy_npz_open(const char *path, qcc_npy_npz_t **out, char *err, size_t err_size) {
  if (!path || !out)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "qcc_npy_npz_open: NULL argument");
  *out = NULL;
  struct stat st;
  if (stat(path, &st) != 0)
    return fail(err, err_size, QCC_NPY_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fail(err, err_size, QCC_NPY_ERR_IO, "%s: not a regular file", path);
  int code = 0;
  zip_t *za = zip_open(path, ZIP_RDONLY, &code);
  if (!za) return open_error(path, code, err, err_size);
  return npz_init(za, path, (uint64_t)st.st_size, out, err, err_size);
}

int qcc_npy_npz_open_buffer(const void *buf, size_t size, const char *label, qcc_npy_npz_t **out,
                            char *err, size_t err_size) {
  if (!label) label = "<buffer>";
  if (!out || (!buf && size))
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: qcc_npy_npz_open_buffer: NULL argument",
                label);
  *out = NULL;
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_buffer_create(buf, size, 0, &ze);
  if (!src) {
    int rc = fail(err, err_size, QCC_NPY_ERR_NO_MEMORY, "%s: %s", label, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return rc;
  }
  zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &ze);
  if (!za) {
    zip_source_free(src);
    int code = zip_error_code_zip(&ze);
    zip_error_fini(&ze);
    return open_error(label, code, err, err_size);
  }
  zip_error_fini(&ze);
  return npz_init(za, label, size, out, err, err_size);
}

size_t qcc_npy_npz_count(const qcc_npy_npz_t *z) { return z ? z->count : 0; }

const char *qcc_npy_npz_name(const qcc_npy_npz_t *z, size_t i) {
  return z && i < z->count ? z->names[i] : NULL;
}

void qcc_npy_npz_close(qcc_npy_npz_t *z) {
  if (!z) return;
  if (z->za) zip_discard(z->za); /* read-only: nothing to write back */
  for (size_t i = 0; i < z->count; i++) free(z->names[i]);
  free(z->names);
  free(z->index);
  free(z->label);
  free(z);
}

/* Deflate expands at most ~1032:1 (RFC 1951: 258-byte matches coded in
 * 2 bits at best); a member claiming more is lying about its size. */
#define DEFLATE_MAX_RATIO 1032u

int qcc_npy_npz_read(qcc_npy_npz_t *z, const char *name, qcc_npy_tensor_t *out, char *err,
                     size_t err_size) {
  if (!z || !name || !out)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "qcc_npy_npz_read: NULL argument");
  memset(out, 0, sizeof *out);
  char ename[96];
  escape(ename, sizeof ename, name, strlen(name));
  size_t k = 0;
  while (k < z->count && strcmp(z->names[k], name) != 0) k++;
  if (k == z->count) {
    char list[200] = "";
    size_t o = 0;
    for (size_t i = 0; i < z->count && o < sizeof list - 8; i++) {
      char e[64];
      o += (size_t)snprintf(list + o, sizeof list - o, "%s'%s'", i ? ", " : "",
                            escape(e, sizeof e, z->names[i], strlen(z->names[i])));
    }
    if (o >= sizeof list - 8) strcpy(list + sizeof list - 8, ", ...");
    return fail(err, err_size, QCC_NPY_ERR_NOT_FOUND, "%s: no array named '%s' (%s%s)", z->label,
                ename, z->count ? "it has " : "it has no arrays", list);
  }
  char where[512];
  snprintf(where, sizeof where, "%s: array '%s'", z->label, ename);
  zip_uint64_t idx = z->index[k];
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z->za, idx, 0, &st) != 0)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT, "%s: zip: %s", where, zip_strerror(z->za));
  const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
  if ((st.valid & need) != need)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT, "%s: zip directory entry lacks sizes", where);
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    return fail(err, err_size, QCC_NPY_ERR_UNSUPPORTED, "%s: member is encrypted", where);
  if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
    return fail(err, err_size, QCC_NPY_ERR_UNSUPPORTED,
                "%s: zip compression method %d (only stored (0) and deflate (8) are supported)",
                where, (int)st.comp_method);
  if (st.comp_size > z->archive_size)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: zip entry claims %llu compressed bytes but the archive has %llu", where,
                (unsigned long long)st.comp_size, (unsigned long long)z->archive_size);
  if (st.comp_method == ZIP_CM_STORE && st.size != st.comp_size)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: stored zip entry has size %llu but compressed size %llu", where,
                (unsigned long long)st.size, (unsigned long long)st.comp_size);
  if (st.comp_method == ZIP_CM_DEFLATE && st.size / DEFLATE_MAX_RATIO > st.comp_size + 1)
    return fail(err, err_size, QCC_NPY_ERR_FORMAT,
                "%s: zip entry claims %llu bytes from %llu deflated bytes, beyond deflate's "
                "%u:1 limit",
                where, (unsigned long long)st.size, (unsigned long long)st.comp_size,
                DEFLATE_MAX_RATIO);
  zip_file_t *zf = zip_fopen_index(z->za, idx, 0);
  if (!zf) {
    int ze = zip_error_code_zip(zip_get_error(z->za));
    int rc = fail(err, err_size, zip_code_status(ze), "%s: cannot open zip member: %s", where,
                  zip_strerror(z->za));
    zip_error_clear(z->za);
    return rc;
  }
  source_t src = {zip_member_read, zf, st.size};
  int rc = read_npy(&src, where, out, err, err_size);
  zip_fclose(zf);
  return rc;
}

/* ---- .npz writing ------------------------------------------------------ */

/* A zip source streaming header + borrowed tensor data, so the arrays are
 * not copied. libzip calls it from zip_close and frees it (ZIP_SOURCE_FREE). */
typedef struct member_src {
  unsigned char hdr[HEADER_CAP];
  size_t hdr_len;
  const unsigned char *data;
  size_t nbytes;
  size_t pos;
  zip_error_t error;
} member_src_t;

static zip_int64_t member_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd) {
  member_src_t *m = ud;
  switch (cmd) {
    case ZIP_SOURCE_OPEN:
      m->pos = 0;
      return 0;
    case ZIP_SOURCE_READ: {
      size_t total = m->hdr_len + m->nbytes, n = 0;
      unsigned char *dst = data;
      while (n < len && m->pos < total) {
        const unsigned char *from;
        size_t avail;
        if (m->pos < m->hdr_len)
          from = m->hdr + m->pos, avail = m->hdr_len - m->pos;
        else
          from = m->data + (m->pos - m->hdr_len), avail = total - m->pos;
        size_t c = len - n < avail ? (size_t)(len - n) : avail;
        memcpy(dst + n, from, c);
        n += c, m->pos += c;
      }
      return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE:
      return 0;
    case ZIP_SOURCE_STAT: {
      zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &m->error);
      if (!st) return -1;
      zip_stat_init(st);
      st->size = m->hdr_len + m->nbytes;
      st->valid |= ZIP_STAT_SIZE;
      return sizeof *st;
    }
    case ZIP_SOURCE_ERROR:
      return zip_error_to_data(&m->error, data, len);
    case ZIP_SOURCE_FREE:
      zip_error_fini(&m->error);
      free(m);
      return 0;
    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                            -1);
    default:
      zip_error_set(&m->error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
  }
}

int qcc_npy_npz_write(const char *path, const qcc_npy_named_tensor_t *arrays, size_t count,
                      qcc_npy_npz_compression_t compression, char *err, size_t err_size) {
  if (!path || (!arrays && count))
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "qcc_npy_npz_write: NULL argument");
  if (count == 0)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: no arrays to write", path);
  if (compression != QCC_NPY_NPZ_STORED && compression != QCC_NPY_NPZ_DEFLATE)
    return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: invalid compression %d", path,
                (int)compression);
  char where[512];
  for (size_t i = 0; i < count; i++) {
    const char *name = arrays[i].name;
    if (!name || !*name)
      return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: array #%zu has no name", path, i);
    char e[96];
    snprintf(where, sizeof where, "%s: array '%s'", path, escape(e, sizeof e, name, strlen(name)));
    for (size_t j = 0; j < i; j++)
      if (strcmp(arrays[j].name, name) == 0)
        return fail(err, err_size, QCC_NPY_ERR_ARGUMENT, "%s: name given twice (#%zu and #%zu)",
                    where, j, i);
    int rc = check_tensor(arrays[i].tensor, where, err, err_size);
    if (rc) return rc;
  }

  /* Atomicity: with ZIP_TRUNCATE libzip ignores the existing file's
   * contents and nothing touches path until zip_close, which writes the whole
   * archive to a temporary "<path>.XXXXXX" in the same directory and
   * rename()s it over path only after every member was written (on error it
   * removes the temporary file); zip_discard writes nothing. Verified with
   * strace on Debian 12's libzip 1.7.3:
   *   openat("out.npz.k5440e", O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, 0644)
   *   ... writes ...
   *   rename("out.npz.k5440e", "out.npz")
   * libzip does not fsync before the rename (qcc_npy_write_file does), so
   * after a power loss the new .npz may be empty, but a failed or killed
   * writer never leaves a partial archive at path. */
  int code = 0;
  zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!za) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    int rc = fail(err, err_size, QCC_NPY_ERR_IO, "%s: cannot create .npz: %s", path,
                  zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return rc;
  }
  for (size_t i = 0; i < count; i++) {
    const qcc_npy_tensor_t *t = arrays[i].tensor;
    char e[96];
    snprintf(where, sizeof where, "%s: array '%s'", path,
             escape(e, sizeof e, arrays[i].name, strlen(arrays[i].name)));
    size_t nlen = strlen(arrays[i].name);
    char *member = malloc(nlen + 5);
    member_src_t *m = calloc(1, sizeof *m);
    if (!member || !m) {
      free(member), free(m);
      zip_discard(za);
      return fail(err, err_size, QCC_NPY_ERR_NO_MEMORY, "%s: out of memory", where);
    }
    memcpy(member, arrays[i].name, nlen);
    memcpy(member + nlen, ".npy", 5);
    m->hdr_len = build_header(t, m->hdr);
    m->data = t->data;
    m->nbytes = t->nbytes;
    zip_error_init(&m->error);
    zip_source_t *src = zip_source_function(za, member_cb, m);
    if (!src) {
      zip_error_fini(&m->error);
      free(m), free(member);
      int rc = fail(err, err_size, QCC_NPY_ERR_NO_MEMORY, "%s: zip: %s", where, zip_strerror(za));
      zip_discard(za);
      return rc;
    }
    zip_int64_t idx = zip_file_add(za, member, src, ZIP_FL_ENC_UTF_8);
    free(member);
    if (idx < 0) {
      zip_source_free(src); /* frees m */
      int rc = fail(err, err_size, QCC_NPY_ERR_IO, "%s: zip: %s", where, zip_strerror(za));
      zip_discard(za);
      return rc;
    }
    zip_int32_t method = compression == QCC_NPY_NPZ_DEFLATE ? ZIP_CM_DEFLATE : ZIP_CM_STORE;
    if (zip_set_file_compression(za, (zip_uint64_t)idx, method, 0) != 0) {
      int rc = fail(err, err_size, QCC_NPY_ERR_IO, "%s: zip: %s", where, zip_strerror(za));
      zip_discard(za);
      return rc;
    }
  }
  if (zip_close(za) != 0) {
    int rc = fail(err, err_size, QCC_NPY_ERR_IO, "%s: writing .npz failed: %s", path,
                  zip_strerror(za));
    zip_discard(za);
    return rc;
  }
  return QCC_NPY_OK;
}
