/* test_npy — tests for compiler/npy.{h,c}.
 *
 * Usage: test_npy INPUTS_DIR   (INPUTS_DIR = test/npy/Inputs, made by make_fixtures.py)
 *
 *   - reads every fixture numpy wrote and checks dtype, shape and values, and
 *     that qcc's writer reproduces numpy's file byte for byte;
 *   - round-trips every dtype x several shapes through .npy files, buffers
 *     and .npz archives (stored and deflate);
 *   - checks the exact message prefix for each kind of malformed input.
 * Prints one line per failure and "test_npy: N checks, M failures".
 */
#define _POSIX_C_SOURCE 200809L
#include "npy.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

static int g_checks, g_failures;
static const char *g_inputs;
static char g_tmp[256];

#define CHECK(cond, ...)                                        \
  do {                                                          \
    g_checks++;                                                 \
    if (!(cond)) {                                              \
      g_failures++;                                             \
      fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);     \
      fprintf(stderr, __VA_ARGS__);                             \
      fputc('\n', stderr);                                      \
    }                                                           \
  } while (0)

/* Paths: one rotating set of static buffers is enough for these tests. */
static const char *join(const char *dir, const char *name) {
  static char bufs[8][1024];
  static int next;
  char *b = bufs[next++ % 8];
  snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
  return b;
}
static const char *input(const char *name) { return join(g_inputs, name); }
static const char *tmp(const char *name) { return join(g_tmp, name); }

static unsigned char *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) free(b), b = NULL;
  fclose(f);
  *size = (size_t)n;
  return b;
}

static double half_to_double(uint16_t h) {
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v = e == 0 ? m / 1024.0 / 16384.0 : (1.0 + m / 1024.0) * (double)(1u << e) / 32768.0;
  return (h & 0x8000) ? -v : v; /* no inf/nan in the fixtures */
}

/* Element i as a double, whatever the dtype. */
static double elem(const qcc_npy_tensor_t *t, size_t i) {
  const void *p = t->data;
  switch (t->dtype) {
    case QCC_NPY_BOOL: return ((const uint8_t *)p)[i];
    case QCC_NPY_I8: return ((const int8_t *)p)[i];
    case QCC_NPY_U8: return ((const uint8_t *)p)[i];
    case QCC_NPY_I16: return ((const int16_t *)p)[i];
    case QCC_NPY_U16: return ((const uint16_t *)p)[i];
    case QCC_NPY_I32: return ((const int32_t *)p)[i];
    case QCC_NPY_U32: return ((const uint32_t *)p)[i];
    case QCC_NPY_I64: return (double)((const int64_t *)p)[i];
    case QCC_NPY_U64: return (double)((const uint64_t *)p)[i];
    case QCC_NPY_F16: return half_to_double(((const uint16_t *)p)[i]);
    case QCC_NPY_F32: return ((const float *)p)[i];
    case QCC_NPY_F64: return ((const double *)p)[i];
    default: return -999;
  }
}

/* VALUES in make_fixtures.py, by numpy kind. */
static const double kBool[6] = {1, 0, 1, 1, 0, 0};
static const double kInt[6] = {0, -1, 2, -3, 4, -5};
static const double kUint[6] = {0, 1, 2, 3, 4, 250};
static const double kFloat[6] = {0.0, -1.5, 2.0, -3.0, 4.25, -5.0};

static const double *expected_values(qcc_npy_dtype_t d) {
  switch (d) {
    case QCC_NPY_BOOL: return kBool;
    case QCC_NPY_I8: case QCC_NPY_I16: case QCC_NPY_I32: case QCC_NPY_I64: return kInt;
    case QCC_NPY_U8: case QCC_NPY_U16: case QCC_NPY_U32: case QCC_NPY_U64: return kUint;
    default: return kFloat;
  }
}

static bool same_shape(const qcc_npy_tensor_t *t, int rank, const int64_t *shape) {
  if (t->rank != rank) return false;
  for (int i = 0; i < rank; i++)
    if (t->shape[i] != shape[i]) return false;
  return true;
}

static void check_values(const char *what, const qcc_npy_tensor_t *t, const double *want,
                         size_t n) {
  for (size_t i = 0; i < n; i++)
    if (elem(t, i) != want[i]) {
      CHECK(false, "%s: element %zu is %g, want %g", what, i, elem(t, i), want[i]);
      return;
    }
  CHECK(true, "values");
}

/* The file at path, read then re-encoded by qcc, must be the same bytes. */
static void check_rewrite_identical(const char *path, const qcc_npy_tensor_t *t) {
  size_t fsize = 0, bsize = 0;
  unsigned char *file = slurp(path, &fsize);
  void *buf = NULL;
  char err[256];
  int rc = qcc_npy_write_buffer(t, &buf, &bsize, err, sizeof err);
  CHECK(rc == 0, "%s: write_buffer: %s", path, err);
  CHECK(file && bsize == fsize && memcmp(file, buf, fsize) == 0,
        "%s: qcc's encoding differs from numpy's (%zu vs %zu bytes)", path, bsize, fsize);
  free(file);
  free(buf);
}

/* ---- numpy fixtures ---- */

static const struct {
  const char *name;
  qcc_npy_dtype_t dtype;
} kAllDtypes[] = {
    {"bool", QCC_NPY_BOOL},     {"int8", QCC_NPY_I8},       {"uint8", QCC_NPY_U8},
    {"int16", QCC_NPY_I16},     {"uint16", QCC_NPY_U16},    {"int32", QCC_NPY_I32},
    {"uint32", QCC_NPY_U32},    {"int64", QCC_NPY_I64},     {"uint64", QCC_NPY_U64},
    {"float16", QCC_NPY_F16},   {"float32", QCC_NPY_F32},   {"float64", QCC_NPY_F64},
};
#define NUM_DTYPES (sizeof kAllDtypes / sizeof kAllDtypes[0])

static void test_numpy_dtypes(void) {
  static const int64_t s23[] = {2, 3};
  for (size_t k = 0; k < NUM_DTYPES; k++) {
    char name[64];
    snprintf(name, sizeof name, "dt_%s.npy", kAllDtypes[k].name);
    const char *path = input(name);
    qcc_npy_tensor_t t;
    char err[256] = "";
    int rc = qcc_npy_read_file(path, &t, err, sizeof err);
    CHECK(rc == 0, "%s: %s", path, err);
    if (rc) continue;
    CHECK(t.dtype == kAllDtypes[k].dtype, "%s: dtype %s", path, qcc_npy_dtype_name(t.dtype));
    CHECK(strcmp(qcc_npy_dtype_name(t.dtype), kAllDtypes[k].name) == 0, "%s: name", path);
    CHECK(same_shape(&t, 2, s23), "%s: shape", path);
    CHECK(t.nbytes == 6 * qcc_npy_dtype_size(t.dtype), "%s: nbytes %zu", path, t.nbytes);
    check_values(path, &t, expected_values(t.dtype), 6);
    check_rewrite_identical(path, &t);
    qcc_npy_tensor_free(&t);
  }
}

static void test_numpy_shapes(void) {
  qcc_npy_tensor_t t;
  char err[256] = "";
  const char *p;

  p = input("scalar_f64.npy");
  CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
  CHECK(t.rank == 0 && t.dtype == QCC_NPY_F64 && t.nbytes == 8 && elem(&t, 0) == 2.5,
        "scalar: rank %d nbytes %zu", t.rank, t.nbytes);
  CHECK(qcc_npy_tensor_numel(&t) == 1, "scalar numel");
  check_rewrite_identical(p, &t);
  qcc_npy_tensor_free(&t);

  p = input("empty_f32_0x3.npy");
  static const int64_t s03[] = {0, 3};
  CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
  CHECK(same_shape(&t, 2, s03) && t.nbytes == 0 && t.data == NULL, "empty: shape/nbytes");
  CHECK(qcc_npy_tensor_numel(&t) == 0, "empty numel");
  check_rewrite_identical(p, &t);
  qcc_npy_tensor_free(&t);

  p = input("rank1_i32.npy");
  static const int64_t s5[] = {5};
  static const double r5[] = {0, 1, 2, 3, 4};
  CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
  CHECK(same_shape(&t, 1, s5) && t.dtype == QCC_NPY_I32, "rank1 shape");
  check_values(p, &t, r5, 5);
  check_rewrite_identical(p, &t);
  qcc_npy_tensor_free(&t);

  p = input("rank4_u8.npy");
  static const int64_t s1213[] = {1, 2, 1, 3};
  CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
  CHECK(same_shape(&t, 4, s1213) && t.dtype == QCC_NPY_U8, "rank4 shape");
  check_values(p, &t, r5, 5);
  check_rewrite_identical(p, &t);
  qcc_npy_tensor_free(&t);

  /* Big-endian files come back in host order. */
  p = input("be_i32.npy");
  CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
  CHECK(t.dtype == QCC_NPY_I32, "be_i32 dtype");
  check_values(p, &t, kInt, 6);
  qcc_npy_tensor_free(&t);
  p = input("be_f64.npy");
  CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
  CHECK(t.dtype == QCC_NPY_F64, "be_f64 dtype");
  check_values(p, &t, kFloat, 6);
  qcc_npy_tensor_free(&t);

  /* Format versions 2.0 and 3.0; the unusual-but-valid header; Fortran 1 x 4. */
  const char *same[] = {"v2_f32.npy", "v3_f32.npy"};
  for (int i = 0; i < 2; i++) {
    p = input(same[i]);
    CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
    CHECK(t.dtype == QCC_NPY_F32 && t.rank == 2, "%s: dtype/rank", p);
    check_values(p, &t, kFloat, 6);
    qcc_npy_tensor_free(&t);
  }
  p = input("odd_header_i16.npy");
  CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
  CHECK(t.dtype == QCC_NPY_I16 && t.rank == 2 && t.shape[0] == 2 && t.shape[1] == 3, "odd hdr");
  check_values(p, &t, kInt, 6);
  qcc_npy_tensor_free(&t);
  p = input("fortran_1d_f32.npy");
  static const double r4[] = {0, 1, 2, 3};
  CHECK(qcc_npy_read_file(p, &t, err, sizeof err) == 0, "%s: %s", p, err);
  check_values(p, &t, r4, 4);
  qcc_npy_tensor_free(&t);
}

static void test_numpy_npz(void) {
  char err[256] = "";
  qcc_npy_npz_t *z = NULL;
  qcc_npy_tensor_t t;
  const char *p = input("stored.npz");
  CHECK(qcc_npy_npz_open(p, &z, err, sizeof err) == 0, "%s: %s", p, err);
  if (!z) return;
  CHECK(qcc_npy_npz_count(z) == 3, "stored.npz count %zu", qcc_npy_npz_count(z));
  const char *names[] = {"a", "b", "scalar"};
  for (size_t i = 0; i < 3; i++)
    CHECK(qcc_npy_npz_name(z, i) && strcmp(qcc_npy_npz_name(z, i), names[i]) == 0,
          "stored.npz name %zu", i);
  CHECK(qcc_npy_npz_name(z, 3) == NULL, "name out of range");
  CHECK(qcc_npy_npz_read(z, "b", &t, err, sizeof err) == 0, "b: %s", err);
  CHECK(t.dtype == QCC_NPY_I64, "b dtype");
  check_values("stored.npz b", &t, kInt, 6);
  qcc_npy_tensor_free(&t);
  CHECK(qcc_npy_npz_read(z, "scalar", &t, err, sizeof err) == 0, "scalar: %s", err);
  CHECK(t.rank == 0 && t.dtype == QCC_NPY_I16 && elem(&t, 0) == 7, "scalar");
  qcc_npy_tensor_free(&t);
  qcc_npy_npz_close(z);

  p = input("deflate.npz");
  z = NULL;
  CHECK(qcc_npy_npz_open(p, &z, err, sizeof err) == 0, "%s: %s", p, err);
  if (!z) return;
  CHECK(qcc_npy_npz_count(z) == 3, "deflate.npz count");
  CHECK(qcc_npy_npz_read(z, "a", &t, err, sizeof err) == 0, "a: %s", err);
  check_values("deflate.npz a", &t, kFloat, 6);
  qcc_npy_tensor_free(&t);
  CHECK(qcc_npy_npz_read(z, "zeros", &t, err, sizeof err) == 0, "zeros: %s", err);
  CHECK(t.rank == 1 && t.shape[0] == 64 && t.nbytes == 512, "zeros shape");
  qcc_npy_tensor_free(&t);
  CHECK(qcc_npy_npz_read(z, "empty", &t, err, sizeof err) == 0, "empty: %s", err);
  CHECK(t.rank == 2 && t.shape[1] == 0 && t.nbytes == 0 && !t.data, "empty shape");
  qcc_npy_tensor_free(&t);
  qcc_npy_npz_close(z);
}

/* ---- round trips ---- */

static uint64_t g_rng = 0x9e3779b97f4a7c15u;
static uint8_t rnd(void) {
  g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
  return (uint8_t)(g_rng >> 32);
}

static const struct {
  int rank;
  int64_t shape[QCC_NPY_MAX_RANK];
} kShapes[] = {
    {0, {0}},          {1, {0}},          {1, {7}},          {2, {2, 3}},
    {2, {0, 3}},       {3, {3, 1, 2}},    {4, {1, 2, 1, 3}}, {8, {2, 1, 1, 2, 1, 1, 1, 3}},
    {2, {0, 1000000000}}, /* zero-size with a 10-digit extent */
};
#define NUM_SHAPES (sizeof kShapes / sizeof kShapes[0])

static void make_tensor(qcc_npy_dtype_t d, size_t s, qcc_npy_tensor_t *t) {
  memset(t, 0, sizeof *t);
  t->dtype = d;
  t->rank = kShapes[s].rank;
  memcpy(t->shape, kShapes[s].shape, sizeof t->shape);
  t->nbytes = (size_t)qcc_npy_tensor_numel(t) * qcc_npy_dtype_size(d);
  t->data = t->nbytes ? malloc(t->nbytes) : NULL;
  for (size_t i = 0; i < t->nbytes; i++)
    ((uint8_t *)t->data)[i] = d == QCC_NPY_BOOL ? rnd() & 1 : rnd();
}

static bool same_tensor(const qcc_npy_tensor_t *a, const qcc_npy_tensor_t *b) {
  return a->dtype == b->dtype && same_shape(a, b->rank, b->shape) && a->nbytes == b->nbytes &&
         (a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0);
}

static void test_roundtrip(void) {
  enum { N = NUM_DTYPES * NUM_SHAPES };
  qcc_npy_tensor_t ts[N];
  qcc_npy_named_tensor_t named[N];
  char names[N][48];
  char err[256] = "";
  for (size_t k = 0; k < NUM_DTYPES; k++)
    for (size_t s = 0; s < NUM_SHAPES; s++) {
      size_t i = k * NUM_SHAPES + s;
      make_tensor(kAllDtypes[k].dtype, s, &ts[i]);
      snprintf(names[i], sizeof names[i], "%s_shape%zu", kAllDtypes[k].name, s);
      named[i].name = names[i];
      named[i].tensor = &ts[i];

      /* file */
      const char *p = tmp("rt.npy");
      qcc_npy_tensor_t back;
      int rc = qcc_npy_write_file(p, &ts[i], err, sizeof err);
      CHECK(rc == 0, "%s: write: %s", names[i], err);
      rc = qcc_npy_read_file(p, &back, err, sizeof err);
      CHECK(rc == 0, "%s: read: %s", names[i], err);
      CHECK(rc == 0 && same_tensor(&ts[i], &back), "%s: file round trip differs", names[i]);
      qcc_npy_tensor_free(&back);

      /* buffer; the header is 64-byte aligned like numpy's */
      void *buf = NULL;
      size_t size = 0;
      rc = qcc_npy_write_buffer(&ts[i], &buf, &size, err, sizeof err);
      CHECK(rc == 0 && (size - ts[i].nbytes) % 64 == 0, "%s: write_buffer: %s", names[i], err);
      rc = qcc_npy_read_buffer(buf, size, names[i], &back, err, sizeof err);
      CHECK(rc == 0 && same_tensor(&ts[i], &back), "%s: buffer round trip: %s", names[i], err);
      qcc_npy_tensor_free(&back);
      free(buf);
    }

  for (int c = 0; c < 2; c++) {
    qcc_npy_npz_compression_t comp = c ? QCC_NPY_NPZ_DEFLATE : QCC_NPY_NPZ_STORED;
    const char *p = tmp(c ? "rt_deflate.npz" : "rt_stored.npz");
    int rc = qcc_npy_npz_write(p, named, N, comp, err, sizeof err);
    CHECK(rc == 0, "npz write (%d): %s", c, err);
    qcc_npy_npz_t *z = NULL;
    rc = qcc_npy_npz_open(p, &z, err, sizeof err);
    CHECK(rc == 0, "npz open (%d): %s", c, err);
    if (!z) continue;
    CHECK(qcc_npy_npz_count(z) == N, "npz count %zu", qcc_npy_npz_count(z));
    for (size_t i = 0; i < N; i++) {
      CHECK(strcmp(qcc_npy_npz_name(z, i), names[i]) == 0, "npz name %zu", i);
      qcc_npy_tensor_t back;
      rc = qcc_npy_npz_read(z, names[i], &back, err, sizeof err);
      CHECK(rc == 0 && same_tensor(&ts[i], &back), "npz %d %s: %s", c, names[i], err);
      qcc_npy_tensor_free(&back);
    }
    qcc_npy_npz_close(z);

    /* The members really are stored / deflated. */
    int zerr = 0;
    zip_t *za = zip_open(p, ZIP_RDONLY, &zerr);
    CHECK(za != NULL, "libzip reopen");
    if (za) {
      zip_stat_t st;
      CHECK(zip_stat_index(za, 3, 0, &st) == 0 &&
                st.comp_method == (c ? ZIP_CM_DEFLATE : ZIP_CM_STORE),
            "npz compression method %d", (int)st.comp_method);
      zip_discard(za);
    }

    /* Same archive from memory. */
    size_t size = 0;
    unsigned char *img = slurp(p, &size);
    z = NULL;
    rc = qcc_npy_npz_open_buffer(img, size, "mem.npz", &z, err, sizeof err);
    CHECK(rc == 0, "npz open_buffer: %s", err);
    if (z) {
      qcc_npy_tensor_t back;
      rc = qcc_npy_npz_read(z, names[N - 4], &back, err, sizeof err);
      CHECK(rc == 0 && same_tensor(&ts[N - 4], &back), "npz buffer read: %s", err);
      qcc_npy_tensor_free(&back);
      qcc_npy_npz_close(z);
    }
    free(img);
  }
  for (size_t i = 0; i < N; i++) free(ts[i].data);
}

/* ---- errors ---- */

static void expect_prefix(int rc, int want_rc, const char *err, const char *want) {
  CHECK(rc == want_rc, "want status %d, got %d (%s)", want_rc, rc, err);
  CHECK(strncmp(err, want, strlen(want)) == 0, "message\n   got: %s\n  want: %s...", err, want);
  CHECK(strchr(err, '\n') == NULL, "message has a newline: %s", err);
}

static void expect_file_error(const char *name, int want_rc, const char *fmt) {
  char err[256] = "", want[512];
  const char *p = input(name);
  snprintf(want, sizeof want, fmt, p);
  qcc_npy_tensor_t t;
  memset(&t, 0x5a, sizeof t);
  int rc = qcc_npy_read_file(p, &t, err, sizeof err);
  expect_prefix(rc, want_rc, err, want);
  CHECK(t.data == NULL && t.nbytes == 0, "%s: output not zeroed on failure", name);
}

static void expect_buffer_error(const char *img, size_t size, int want_rc, const char *want) {
  char err[256] = "";
  qcc_npy_tensor_t t;
  int rc = qcc_npy_read_buffer(img, size, "buf", &t, err, sizeof err);
  expect_prefix(rc, want_rc, err, want);
  if (!rc) qcc_npy_tensor_free(&t);
}

/* A version 1.0 image with the given header text and data. */
static size_t hand_npy(char *out, const char *header, size_t data_bytes) {
  size_t hl = strlen(header);
  memcpy(out, "\x93NUMPY\x01\x00", 8);
  out[8] = (char)(hl & 0xff), out[9] = (char)(hl >> 8);
  memcpy(out + 10, header, hl);
  memset(out + 10 + hl, 0, data_bytes);
  return 10 + hl + data_bytes;
}

static void test_errors(void) {
  enum { F = QCC_NPY_ERR_FORMAT, U = QCC_NPY_ERR_UNSUPPORTED };
  expect_file_error("bad_magic.npy", F,
                    "%s: bad magic at offset 0: expected \"\\x93NUMPY\", found \"\\x93NUMPZ\"");
  expect_file_error("bad_version.npy", U,
                    "%s: unsupported format version 4.0 at offset 6 (expected 1.0, 2.0 or 3.0)");
  expect_file_error("truncated_header.npy", F,
                    "%s: truncated header: header length at offset 8 says 118 bytes but only 30 "
                    "follow");
  expect_file_error("short_data.npy", F,
                    "%s: header says shape (2, 3) float32 = 24 bytes but the file has 20");
  expect_file_error("trailing_data.npy", F,
                    "%s: header says shape (2, 3) float32 = 24 bytes but the file has 28");
  expect_file_error("overflow_shape.npy", F,
                    "%s: header field 'shape': (4294967296, 4294967296, 4294967296) float64 "
                    "overflows");
  expect_file_error("fortran_f32.npy", U,
                    "%s: header field 'fortran_order': array of shape (2, 3) is in Fortran order; "
                    "C order required; save with np.ascontiguousarray");
  expect_file_error("complex64.npy", U, "%s: header field 'descr': unsupported dtype '<c8'");
  expect_file_error("no_such_file.npy", QCC_NPY_ERR_IO, "%s: cannot open: ");

  /* In-memory images: the preamble. */
  expect_buffer_error("", 0, F, "buf: truncated preamble: 0 bytes");
  expect_buffer_error("\x93NUM", 4, F, "buf: truncated preamble: 4 bytes");
  expect_buffer_error("PK\x03\x04", 4, F, "buf: bad magic at offset 0");
  expect_buffer_error("\x93NUMPY\x02\x00\x10\x00", 10, F,
                      "buf: truncated preamble: 10 bytes, but a version 2.0 .npy needs 12");
  expect_buffer_error("\x93NUMPY\x02\x00\x00\x00\x00\x10", 12, F,
                      "buf: header length 268435456 at offset 8 is over the 65536-byte limit");

  /* The header dict. */
  static const struct {
    const char *header;
    size_t data;
    int rc;
    const char *want;
  } kHeaders[] = {
      {"{'descr': '<f4', 'fortran_order': False}", 0, F, "buf: header dict: missing key 'shape'"},
      {"{'descr': '<f4', 'descr': '<f4'}", 0, F, "buf: header dict: key 'descr' appears twice"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", 4, F,
       "buf: header dict: unexpected key 'x'"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': ()}", 4, F,
       "buf: header dict at offset 44: expected True or False for 'fortran_order', found 'f'"},
      {"{'descr': '<f4' 'fortran_order': False, 'shape': ()}", 4, F,
       "buf: header dict at offset 26: expected ',' or '}' after a value, found '''"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (5)}", 20, F,
       "buf: header field 'shape': (5) is not a tuple; expected (5,)"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-5,)}", 0, F,
       "buf: header field 'shape': negative dimension at offset 61"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", 0, F,
       "buf: header field 'shape': dimension at offset 61 does not fit in 64 bits"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1)}", 4, U,
       "buf: header field 'shape': more than 8 dimensions"},
      {"{'descr': '|f4', 'fortran_order': False, 'shape': ()}", 4, F,
       "buf: header field 'descr': '|f4' gives no byte order for a 4-byte type"},
      {"{'descr': '<U3', 'fortran_order': False, 'shape': ()}", 12, U,
       "buf: header field 'descr': unsupported dtype '<U3'"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}", 4, U,
       "buf: header field 'descr': structured dtypes"},
      {"{'descr': '<f4\n', 'fortran_order': False, 'shape': ()}", 4, F,
       "buf: header dict at offset 20: unterminated string"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ()} x", 4, F,
       "buf: header dict at offset 64: expected only spaces and '\\n' after the header dict"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}", 4, F,
       "buf: header says shape (2, 2) float32 = 16 bytes but the file has 4"},
  };
  for (size_t i = 0; i < sizeof kHeaders / sizeof kHeaders[0]; i++) {
    char img[512];
    size_t n = hand_npy(img, kHeaders[i].header, kHeaders[i].data);
    expect_buffer_error(img, n, kHeaders[i].rc, kHeaders[i].want);
  }

  /* .npz */
  char err[256] = "", want[512];
  qcc_npy_npz_t *z = (qcc_npy_npz_t *)&z; /* must be reset to NULL on failure */
  const char *p = input("not_a_zip.npz");
  snprintf(want, sizeof want, "%s: not a zip archive (an .npz is a zip of .npy files)", p);
  expect_prefix(qcc_npy_npz_open(p, &z, err, sizeof err), F, err, want);
  CHECK(z == NULL, "npz handle not NULL on failure");
  p = input("bad_member.npz");
  qcc_npy_tensor_t t;
  CHECK(qcc_npy_npz_open(p, &z, err, sizeof err) == 0, "%s: %s", p, err);
  if (z) {
    snprintf(want, sizeof want,
             "%s: array 'input': header says shape (2, 3) float32 = 24 bytes but the file has 20",
             p);
    expect_prefix(qcc_npy_npz_read(z, "input", &t, err, sizeof err), F, err, want);
    snprintf(want, sizeof want, "%s: no array named 'nope' (it has 'ok', 'input')", p);
    expect_prefix(qcc_npy_npz_read(z, "nope", &t, err, sizeof err), QCC_NPY_ERR_NOT_FOUND, err,
                  want);
    CHECK(qcc_npy_npz_read(z, "ok", &t, err, sizeof err) == 0, "ok: %s", err);
    qcc_npy_tensor_free(&t);
    qcc_npy_npz_close(z);
  }
  /* A flipped data byte in a stored member: libzip's CRC check catches it. */
  size_t size = 0;
  unsigned char *img = slurp(input("stored.npz"), &size);
  if (img) {
    /* member "a.npy" comes first: flip a byte of its data (after the 128-byte header) */
    size_t at = 0;
    while (at + 6 < size && memcmp(img + at, "\x93NUMPY", 6) != 0) at++;
    img[at + 128 + 3] ^= 0x40;
    z = NULL;
    CHECK(qcc_npy_npz_open_buffer(img, size, "flip.npz", &z, err, sizeof err) == 0, "%s", err);
    if (z) {
      expect_prefix(qcc_npy_npz_read(z, "a", &t, err, sizeof err), F, err,
                    "flip.npz: array 'a': after the array data: zip member: CRC error");
      qcc_npy_npz_close(z);
    }
    free(img);
  }
  expect_prefix(qcc_npy_npz_open_buffer("PK", 2, "tiny.npz", &z, err, sizeof err), F, err,
                "tiny.npz: not a zip archive");
}

static void test_write_errors_and_atomicity(void) {
  char err[256] = "";
  float v[6] = {1, 2, 3, 4, 5, 6};
  qcc_npy_tensor_t good = {QCC_NPY_F32, 2, {2, 3}, v, sizeof v};
  qcc_npy_tensor_t bad = good;
  bad.nbytes = 20;
  const char *p = tmp("atomic.npy");

  CHECK(qcc_npy_write_file(p, &good, err, sizeof err) == 0, "%s", err);
  char want[512];
  snprintf(want, sizeof want,
           "%s: shape (2, 3) float32 needs 24 bytes but the tensor has nbytes = 20", p);
  expect_prefix(qcc_npy_write_file(p, &bad, err, sizeof err), QCC_NPY_ERR_ARGUMENT, err, want);
  qcc_npy_tensor_t back;
  CHECK(qcc_npy_read_file(p, &back, err, sizeof err) == 0 && same_tensor(&good, &back),
        "failed write must leave the old file: %s", err);
  qcc_npy_tensor_free(&back);
  expect_prefix(qcc_npy_write_file("/nonexistent-dir/x.npy", &good, err, sizeof err),
                QCC_NPY_ERR_IO, err,
                "/nonexistent-dir/x.npy: cannot create a temporary file next to it: ");

  const char *pz = tmp("atomic.npz");
  qcc_npy_named_tensor_t arrays[2] = {{"x", &good}, {"y", &good}};
  CHECK(qcc_npy_npz_write(pz, arrays, 2, QCC_NPY_NPZ_DEFLATE, err, sizeof err) == 0, "%s", err);
  arrays[1].name = "x";
  snprintf(want, sizeof want, "%s: array 'x': name given twice (#0 and #1)", pz);
  expect_prefix(qcc_npy_npz_write(pz, arrays, 2, QCC_NPY_NPZ_STORED, err, sizeof err),
                QCC_NPY_ERR_ARGUMENT, err, want);
  arrays[1].name = "y";
  arrays[1].tensor = &bad;
  snprintf(want, sizeof want, "%s: array 'y': shape (2, 3) float32 needs 24 bytes", pz);
  expect_prefix(qcc_npy_npz_write(pz, arrays, 2, QCC_NPY_NPZ_STORED, err, sizeof err),
                QCC_NPY_ERR_ARGUMENT, err, want);
  snprintf(want, sizeof want, "%s: no arrays to write", pz);
  expect_prefix(qcc_npy_npz_write(pz, arrays, 0, QCC_NPY_NPZ_STORED, err, sizeof err),
                QCC_NPY_ERR_ARGUMENT, err, want);
  /* The archive from the first write is intact; overwriting it works. */
  qcc_npy_npz_t *z = NULL;
  CHECK(qcc_npy_npz_open(pz, &z, err, sizeof err) == 0 && qcc_npy_npz_count(z) == 2,
        "old npz intact: %s", err);
  qcc_npy_npz_close(z);
  arrays[1].tensor = &good;
  arrays[1].name = "z";
  qcc_npy_named_tensor_t one[1] = {{"only", &good}};
  CHECK(qcc_npy_npz_write(pz, one, 1, QCC_NPY_NPZ_STORED, err, sizeof err) == 0, "%s", err);
  z = NULL;
  CHECK(qcc_npy_npz_open(pz, &z, err, sizeof err) == 0 && qcc_npy_npz_count(z) == 1 &&
            strcmp(qcc_npy_npz_name(z, 0), "only") == 0,
        "overwritten npz: %s", err);
  qcc_npy_npz_close(z);
  /* A path that is not a zip is replaced, not parsed. */
  CHECK(qcc_npy_npz_write(p, one, 1, QCC_NPY_NPZ_STORED, err, sizeof err) == 0, "%s", err);
}

/* Remove the scratch directory; any file besides ours is a leaked temp file. */
static void cleanup(void) {
  DIR *d = opendir(g_tmp);
  if (!d) return;
  static const char *const ours[] = {"rt.npy", "rt_stored.npz", "rt_deflate.npz", "atomic.npy",
                                     "atomic.npz"};
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    bool known = false;
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) known |= !strcmp(e->d_name, ours[i]);
    CHECK(known, "leftover temporary file %s", e->d_name);
    unlink(tmp(e->d_name));
  }
  closedir(d);
  rmdir(g_tmp);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s INPUTS_DIR\n", argv[0]);
    return 2;
  }
  g_inputs = argv[1];
  snprintf(g_tmp, sizeof g_tmp, "%s/test_npy.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(g_tmp)) {
    perror("mkdtemp");
    return 2;
  }
  test_numpy_dtypes();
  test_numpy_shapes();
  test_numpy_npz();
  test_roundtrip();
  test_errors();
  test_write_errors_and_atomicity();
  cleanup();
  printf("test_npy: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
