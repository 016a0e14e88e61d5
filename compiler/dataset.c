/* See dataset.h. */
#include "dataset.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <jerror.h>

#include "stb_image.h"
#include "stb_image_resize.h"

typedef enum { SRC_ARRAYS, SRC_NPY_DIR, SRC_IMAGE_DIR } src_kind;

struct qcc_dataset {
  src_kind kind;
  int n;
  qcc_npy_tensor_t *arrays; /* SRC_ARRAYS: whole arrays, owned */
  qcc_npy_tensor_t *specs;  /* the model's input shapes */
  int64_t batch, nbatches;
  /* folders (single input) */
  char dir[4096];
  char **files;
  int64_t nfiles;
  int64_t *first;   /* SRC_NPY_DIR: index of each file's first sample (nfiles + 1 entries) */
  void *buf;        /* one batch */
  size_t sample_bytes;
  qcc_npy_tensor_t cached; /* SRC_NPY_DIR: the last file read */
  int64_t cached_index;
  qcc_dataset_options o;
};

void qcc_dataset_options_init(qcc_dataset_options *o) {
  for (int c = 0; c < 3; ++c) o->mean[c] = 0.0f, o->std[c] = 1.0f;
  o->nhwc = false;
}

qcc_status_t qcc_dataset_parse_floats(const char *what, const char *text, float v[3]) {
  float t[3];
  int n = 0;
  const char *p = text;
  while (*p && n < 3) {
    char *end;
    errno = 0;
    float f = strtof(p, &end);
    if (end == p || errno || !isfinite(f)) break;
    t[n++] = f;
    p = end;
    if (*p == ',') p++;
    else break;
  }
  if (*p || (n != 1 && n != 3))
    return qcc_status_make(QCC_ERR_USAGE, "%s '%s': give 1 or 3 comma-separated numbers, e.g. 0.485,0.456,0.406", what, text);
  for (int c = 0; c < 3; ++c) v[c] = t[n == 1 ? 0 : c];
  return NULL;
}

static int fmt_dims(const int64_t *d, int r, int from, char *buf, size_t n) {
  int o = 0;
  for (int i = from; i < r; ++i) o += snprintf(buf + o, n - (size_t)o, "%s%lld", i > from ? "x" : "", (long long)d[i]);
  if (!o) o = snprintf(buf, n, "scalar");
  return o;
}

static qcc_status_t npy_status(int r, const char *err) {
  return qcc_status_make(r == QCC_NPY_ERR_IO ? QCC_ERR_IO : QCC_ERR_INVALID, "%s", err);
}

void qcc_dataset_close(qcc_dataset *d) {
  if (!d) return;
  for (int i = 0; i < d->n; ++i) qcc_npy_tensor_free(&d->arrays[i]);
  for (int64_t i = 0; i < d->nfiles; ++i) free(d->files[i]);
  free(d->files);
  free(d->first);
  free(d->buf);
  qcc_npy_tensor_free(&d->cached);
  free(d->arrays);
  free(d->specs);
  free(d);
}

static bool has_ext(const char *name, const char *const *exts) {
  const char *dot = strrchr(name, '.');
  if (!dot) return false;
  for (; *exts; ++exts)
    if (!strcasecmp(dot + 1, *exts)) return true;
  return false;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Files of dir with one of exts, sorted by name. */
static qcc_status_t list_dir(qcc_dataset *d, const char *dir, const char *const *exts) {
  DIR *dp = opendir(dir);
  if (!dp) return qcc_status_make(QCC_ERR_IO, "%s: cannot open folder: %s", dir, strerror(errno));
  size_t cap = 0;
  for (struct dirent *e; (e = readdir(dp));) {
    if (e->d_name[0] == '.' || !has_ext(e->d_name, exts)) continue;
    if ((size_t)d->nfiles == cap) {
      cap = cap ? 2 * cap : 64;
      char **nf = realloc(d->files, cap * sizeof *nf);
      if (!nf) { closedir(dp); return qcc_status_make(QCC_ERR_IO, "out of memory listing %s", dir); }
      d->files = nf;
    }
    d->files[d->nfiles++] = strdup(e->d_name);
  }
  closedir(dp);
  if (d->nfiles) qsort(d->files, (size_t)d->nfiles, sizeof *d->files, cmp_str);
  return NULL;
}

static void file_path(const qcc_dataset *d, int64_t i, char *buf, size_t n) { snprintf(buf, n, "%s/%s", d->dir, d->files[i]); }

static const char *const k_image_exts[] = {"png", "jpg", "jpeg", "bmp", "tga", "gif", "ppm", "pgm", NULL};
static const char *const k_npy_exts[] = {"npy", NULL};

/* A sample array (one sample, or N along axis 0) that matches spec's sample shape. */
static qcc_status_t check_sample_array(const char *file, const char *input, const qcc_npy_tensor_t *spec,
                                       const qcc_npy_tensor_t *a, int64_t *count) {
  bool one = a->rank == spec->rank - 1, many = a->rank == spec->rank;
  bool ok = a->dtype == spec->dtype && (one || many);
  for (int k = 1; ok && k < spec->rank; ++k) ok = a->shape[k - (one ? 1 : 0)] == spec->shape[k];
  if (!ok) {
    char want[128], got[128];
    fmt_dims(spec->shape, spec->rank, 1, want, sizeof want);
    fmt_dims(a->shape, a->rank, 0, got, sizeof got);
    return qcc_status_make(QCC_ERR_INVALID, "%s: input '%s': expected %s samples of shape %s (or an array Nx%s), got %s %s",
                           file, input, qcc_npy_dtype_name(spec->dtype), want, want, qcc_npy_dtype_name(a->dtype), got);
  }
  *count = one ? 1 : a->shape[0];
  return NULL;
}

static qcc_status_t open_dir(qcc_dataset *d, const char *path, const qcc_executor *ex) {
  if (d->n != 1)
    return qcc_status_make(QCC_ERR_USAGE, "%s: a folder feeds a single-input model; this one has %d inputs (give a .npz with one array per input)",
                           path, d->n);
  snprintf(d->dir, sizeof d->dir, "%s", path);
  qcc_npy_tensor_t *spec = &d->specs[0];
  qcc_executor_input_spec(ex, 0, spec);
  const char *input = qcc_executor_input_name(ex, 0);
  if (spec->rank < 1) return qcc_status_make(QCC_ERR_UNSUPPORTED, "input '%s' has no batch dimension", input);
  d->batch = spec->shape[0];
  d->sample_bytes = qcc_npy_dtype_size(spec->dtype);
  for (int k = 1; k < spec->rank; ++k) d->sample_bytes *= (size_t)spec->shape[k];
  QCC_RETURN_IF_ERROR(list_dir(d, path, k_npy_exts));
  char file[8192];
  if (d->nfiles) {
    d->kind = SRC_NPY_DIR;
    d->first = calloc((size_t)d->nfiles + 1, sizeof *d->first);
    if (!d->first) return qcc_status_make(QCC_ERR_IO, "out of memory");
    for (int64_t i = 0; i < d->nfiles; ++i) { /* validate every file now: errors before any work */
      char err[1024];
      qcc_npy_tensor_t a = {0};
      file_path(d, i, file, sizeof file);
      int r = qcc_npy_read_file(file, &a, err, sizeof err);
      if (r) return npy_status(r, err);
      int64_t cnt = 0;
      qcc_status_t st = check_sample_array(file, input, spec, &a, &cnt);
      qcc_npy_tensor_free(&a);
      QCC_RETURN_IF_ERROR(st);
      d->first[i + 1] = d->first[i] + cnt;
    }
    d->nbatches = d->batch > 0 ? d->first[d->nfiles] / d->batch : 0;
  } else {
    QCC_RETURN_IF_ERROR(list_dir(d, path, k_image_exts));
    if (!d->nfiles) return qcc_status_make(QCC_ERR_INVALID, "%s: no .npy files or images (png, jpg, bmp, ...) in this folder", path);
    d->kind = SRC_IMAGE_DIR;
    int64_t c = spec->rank == 4 ? spec->shape[d->o.nhwc ? 3 : 1] : 0;
    if (spec->dtype != QCC_NPY_F32 || spec->rank != 4 || (c != 1 && c != 3))
      return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: images feed a float32 input of shape [N, C, H, W] (or [N, H, W, C] with --layout nhwc) with C 1 or 3; input '%s' is not", path, input);
    d->nbatches = d->batch > 0 ? d->nfiles / d->batch : 0;
  }
  d->cached_index = -1;
  d->buf = malloc(d->sample_bytes * (size_t)(d->batch > 0 ? d->batch : 1));
  if (!d->buf) return qcc_status_make(QCC_ERR_IO, "out of memory");
  if (d->nbatches <= 0)
    return qcc_status_make(QCC_ERR_INVALID, "%s holds no complete batch of %lld samples", path, (long long)d->batch);
  return NULL;
}

qcc_status_t qcc_dataset_open(const char *path, const qcc_executor *ex, const qcc_dataset_options *opts,
                              qcc_dataset **out) {
  *out = NULL;
  int nin = qcc_executor_num_inputs(ex);
  size_t pl = strlen(path);
  struct stat sb;
  if (stat(path, &sb)) return qcc_status_make(QCC_ERR_IO, "%s: %s", path, strerror(errno));
  if (S_ISDIR(sb.st_mode)) {
    qcc_dataset *d = calloc(1, sizeof *d);
    if (!d) return qcc_status_make(QCC_ERR_IO, "out of memory");
    d->n = nin;
    d->specs = calloc((size_t)nin + 1, sizeof *d->specs);
    d->arrays = calloc((size_t)nin + 1, sizeof *d->arrays);
    if (opts) d->o = *opts;
    else qcc_dataset_options_init(&d->o);
    qcc_status_t st = d->specs && d->arrays ? open_dir(d, path, ex) : qcc_status_make(QCC_ERR_IO, "out of memory");
    if (st) {
      qcc_dataset_close(d);
      return st;
    }
    *out = d;
    return NULL;
  }
  bool npz = pl > 4 && !strcmp(path + pl - 4, ".npz");
  if (!npz && nin != 1)
    return qcc_status_make(QCC_ERR_USAGE, "%s: a .npy feeds a single-input model; this one has %d inputs (give a .npz with one array per input)",
                           path, nin);
  qcc_dataset *d = calloc(1, sizeof *d);
  if (!d) return qcc_status_make(QCC_ERR_IO, "out of memory");
  d->kind = SRC_ARRAYS;
  d->n = nin;
  d->arrays = calloc((size_t)nin + 1, sizeof *d->arrays);
  d->specs = calloc((size_t)nin + 1, sizeof *d->specs);
  char err[1024];
  qcc_status_t st = NULL;
  qcc_npy_npz_t *z = NULL;
  int r = npz ? qcc_npy_npz_open(path, &z, err, sizeof err) : 0;
  for (int i = 0; !r && i < nin; ++i)
    r = npz ? qcc_npy_npz_read(z, qcc_executor_input_name(ex, i), &d->arrays[i], err, sizeof err)
            : qcc_npy_read_file(path, &d->arrays[i], err, sizeof err);
  if (z) qcc_npy_npz_close(z);
  if (r) st = npy_status(r, err);
  d->nbatches = -1;
  for (int i = 0; !st && i < nin; ++i) {
    qcc_npy_tensor_t *spec = &d->specs[i], *a = &d->arrays[i];
    qcc_executor_input_spec(ex, i, spec);
    bool ok = a->dtype == spec->dtype && spec->rank >= 1 && a->rank == spec->rank;
    for (int k = 1; ok && k < spec->rank; ++k) ok = a->shape[k] == spec->shape[k];
    if (!ok) {
      char want[128], got[128];
      fmt_dims(spec->shape, spec->rank, 1, want, sizeof want);
      fmt_dims(a->shape, a->rank, 0, got, sizeof got);
      st = qcc_status_make(QCC_ERR_INVALID, "%s: input '%s': expected %s samples of shape %s (an array Nx%s), got %s %s", path,
                           qcc_executor_input_name(ex, i), qcc_npy_dtype_name(spec->dtype), want, want,
                           qcc_npy_dtype_name(a->dtype), got);
      break;
    }
    d->batch = spec->shape[0];
    int64_t nb = d->batch > 0 ? a->shape[0] / d->batch : 0;
    if (d->nbatches < 0 || nb < d->nbatches) d->nbatches = nb;
  }
  if (!st && d->nbatches <= 0)
    st = qcc_status_make(QCC_ERR_INVALID, "%s holds no complete batch of %lld samples", path, (long long)d->batch);
  if (st) {
    qcc_dataset_close(d);
    return st;
  }
  *out = d;
  return NULL;
}

int64_t qcc_dataset_batch_size(const qcc_dataset *d) { return d->batch; }
int64_t qcc_dataset_num_batches(const qcc_dataset *d) { return d->nbatches; }
int64_t qcc_dataset_num_samples(const qcc_dataset *d) { return d->batch * d->nbatches; }

/* Largest image decoded, in pixels: 2^26 (e.g. 8192 x 8192); a header claiming
 * more is refused before any pixel memory is allocated. */
#define QCC_IMAGE_MAX_PIXELS ((int64_t)1 << 26)

/* Decoded pixels (C channels) to one sample: resize, scale to [0, 1], normalize. */
static qcc_status_t pixels_to_sample(const unsigned char *px, int w, int h, const char *name, int C, int H, int W,
                                     const qcc_dataset_options *o, float *out) {
  size_t n = (size_t)w * (size_t)h * (size_t)C;
  float *f = malloc(n * sizeof *f), *r = malloc((size_t)W * (size_t)H * (size_t)C * sizeof *r);
  qcc_status_t st = NULL;
  if (!f || !r) st = qcc_status_make(QCC_ERR_IO, "out of memory decoding %s", name);
  if (!st) {
    for (size_t k = 0; k < n; ++k) f[k] = (float)px[k] / 255.0f;
    if (w == W && h == H) memcpy(r, f, n * sizeof *f); /* no resampling at the input's own size */
    else if (!stbir_resize_float(f, w, h, 0, r, W, H, 0, C)) st = qcc_status_make(QCC_ERR_INVALID, "%s: cannot resize image", name);
  }
  for (int y = 0; !st && y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int c = 0; c < C; ++c) {
        float v = (r[((size_t)y * W + x) * C + c] - o->mean[c]) / o->std[c];
        size_t oi = o->nhwc ? ((size_t)y * W + x) * C + c : ((size_t)c * H + y) * W + x;
        out[oi] = v;
      }
  free(f);
  free(r);
  return st;
}

/* stb_image's reason for the last failure, for a one-line message (it can be
 * NULL, and we have seen control characters in it on corrupt files). */
static const char *stb_reason(char *buf, size_t n) {
  const char *r = stbi_failure_reason();
  if (!r || !*r) return "unknown error";
  size_t i = 0;
  for (; r[i] && i + 1 < n; ++i) buf[i] = (unsigned char)r[i] < 0x20 ? '?' : r[i];
  buf[i] = 0;
  return buf;
}

static qcc_status_t check_image_size(int ok, int w, int h, const char *name, int64_t max_pixels) {
  char rb[96];
  if (!ok) return qcc_status_make(QCC_ERR_INVALID, "%s: cannot decode image: %s", name, stb_reason(rb, sizeof rb));
  if (w < 1 || h < 1 || (int64_t)w * h > max_pixels)
    return qcc_status_make(QCC_ERR_INVALID, "%s: image of %d x %d pixels; qcc reads images of at most %lld pixels", name,
                           w, h, (long long)max_pixels);
  return NULL;
}

/* Debian's stb_image (libstb 0.0~git20220908) adds an offset to a null
 * pointer when the first IDAT chunk of a PNG is empty (it has no data buffer yet; found by the image fuzz
 * target): qcc refuses a PNG whose first IDAT chunk has length 0. Chunks are a
 * 4-byte big-endian length, a 4-byte type, the data and a 4-byte CRC. */
static bool png_first_idat_ok(const unsigned char *p, size_t n) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n < 8 || memcmp(p, sig, 8) != 0) return true; /* not a PNG */
  size_t i = 8;
  while (i + 8 <= n) {
    const size_t len = (size_t)p[i] << 24 | (size_t)p[i + 1] << 16 | (size_t)p[i + 2] << 8 | p[i + 3];
    if (!memcmp(p + i + 4, "IDAT", 4)) return len != 0;
    if (len > n - i - 8) return true; /* truncated: stb reports it */
    i += 8 + len + 4;
  }
  return true;
}

/* The same stb_image reads a 16-bit PGM/PPM (maxval > 255) past its buffer
 * when the pixel data is short, and overflows an int on header numbers of ten
 * digits (both found by the image fuzz target): qcc reads 8-bit PNM with
 * header numbers up to 2^24 only. The header is P5/P6, then width, height and maxval as
 * decimal numbers separated by whitespace (stb's: space, \t, \n, \v, \f, \r) or '#'
 * comments; a header separated by form feeds once got past this check. */
static bool pnm_8bit_or_other(const unsigned char *p, size_t n) {
  if (n < 2 || p[0] != 'P' || (p[1] != '5' && p[1] != '6')) return true; /* not a binary PNM */
  size_t i = 2;
  long v = 0;
  for (int field = 0; field < 3; ++field) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\v' || p[i] == '\f' || p[i] == '\r' ||
                      p[i] == '#')) {
      if (p[i] == '#')
        while (i < n && p[i] != '\n' && p[i] != '\r') ++i;
      else
        ++i;
    }
    v = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
      v = v * 10 + (p[i++] - '0');
      if (v > (1 << 24)) return false; /* stb parses the numbers into an int without overflow checks */
    }
  }
  return v <= 255; /* the third number is maxval */
}

/* JPEG is decoded by libjpeg-turbo, not stb: Debian's stb_image shifts an int
 * by 32 in its bit reader when a marker cuts a Huffman code, and builds
 * Huffman tables past their arrays (docs/fuzzing.md). stb takes a buffer for
 * a JPEG exactly when it starts with one or more 0xFF bytes and then 0xD8 (SOI;
 * none of its other formats can start so), so routing those buffers here means
 * stb's JPEG decoder never runs. libjpeg itself refuses fill bytes before SOI. */
static bool is_jpeg(const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n && p[i] == 0xFF) ++i;
  return i > 0 && i < n && p[i] == 0xD8;
}

/* Scans a progressive JPEG may have: libjpeg-turbo's own limit for untrusted
 * input (TJFLAG_LIMITSCANS); a small file of many scans otherwise takes
 * minutes to decode. */
#define QCC_JPEG_MAX_SCANS 500

/* libjpeg reports errors by calling error_exit, whose default prints to stderr
 * and calls exit(): ours formats the reason and jumps back to decode_jpeg. */
typedef struct {
  struct jpeg_error_mgr pub; /* first: libjpeg casts cinfo->err to this */
  struct jpeg_progress_mgr progress;
  jmp_buf jump;
  char reason[JMSG_LENGTH_MAX];
} jpeg_guard;

static void jpeg_error_exit(j_common_ptr cinfo) {
  jpeg_guard *g = (jpeg_guard *)cinfo->err;
  g->pub.format_message(cinfo, g->reason);
  longjmp(g->jump, 1);
}

static void jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; } /* messages: never printed */

/* libjpeg's warnings (level -1) let it go on: most are harmless (extra bytes
 * before a marker), but at the end of the data or of a segment it fills the
 * rest of the image with gray, which would calibrate on pixels the file does
 * not have: those two are errors here. */
static void jpeg_emit_message(j_common_ptr cinfo, int level) {
  jpeg_guard *g = (jpeg_guard *)cinfo->err;
  if (level == -1 && (g->pub.msg_code == JWRN_JPEG_EOF || g->pub.msg_code == JWRN_HIT_MARKER)) {
    g->pub.format_message(cinfo, g->reason);
    longjmp(g->jump, 1);
  }
}

static void jpeg_progress(j_common_ptr cinfo) {
  jpeg_guard *g = (jpeg_guard *)cinfo->err;
  if (((j_decompress_ptr)cinfo)->input_scan_number > QCC_JPEG_MAX_SCANS) {
    snprintf(g->reason, sizeof g->reason, "more than %d scans", QCC_JPEG_MAX_SCANS);
    longjmp(g->jump, 1);
  }
}

/* x * y / 255, rounded (stb's blinn_8x8): an inverted-CMYK ink times black. */
static unsigned char mul255(unsigned x, unsigned y) {
  unsigned t = x * y + 128;
  return (unsigned char)((t + (t >> 8)) >> 8);
}

/* One CMYK row (as libjpeg gives it: Adobe's inverted values, or YCCK converted
 * to them) to C channels, as stb did: R = C*K/255, G = M*K/255, B = Y*K/255,
 * and gray (C = 1) = (77 R + 150 G + 29 B) >> 8. In place when dst <= src:
 * pixel x is read before its C <= 4 bytes at dst + C x are written, which end
 * before pixel x + 1 at src + 4 (x + 1). */
static void cmyk_row_to(const unsigned char *src, unsigned char *dst, int w, int C) {
  for (int x = 0; x < w; ++x) {
    const unsigned char *s = src + 4 * (size_t)x;
    const unsigned r = mul255(s[0], s[3]), g = mul255(s[1], s[3]), b = mul255(s[2], s[3]);
    unsigned char *d = dst + (size_t)C * x;
    if (C == 3) d[0] = (unsigned char)r, d[1] = (unsigned char)g, d[2] = (unsigned char)b;
    else d[0] = (unsigned char)((r * 77 + g * 150 + b * 29) >> 8);
  }
}

/* A JPEG's bytes to C channels (libjpeg's conversions: gray, YCbCr, RGB and
 * CMYK/YCCK files to gray or RGB), then the sample. Every libjpeg error is one
 * line with its reason; the size is checked from the header before any pixel
 * memory is allocated. */
static qcc_status_t decode_jpeg(const unsigned char *bytes, size_t len, const char *name, int C, int H, int W,
                                const qcc_dataset_options *o, int64_t max_pixels, float *out) {
  struct jpeg_decompress_struct cinfo;
  jpeg_guard g;
  unsigned char *volatile px = NULL; /* volatile: set after setjmp, freed after a longjmp */
  memset(&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error(&g.pub);
  g.pub.error_exit = jpeg_error_exit;
  g.pub.output_message = jpeg_output_message;
  g.pub.emit_message = jpeg_emit_message;
  g.reason[0] = 0;
  if (setjmp(g.jump)) {
    jpeg_destroy_decompress(&cinfo);
    free(px);
    char rb[JMSG_LENGTH_MAX];
    size_t i = 0;
    for (; g.reason[i] && i + 1 < sizeof rb; ++i) rb[i] = (unsigned char)g.reason[i] < 0x20 ? '?' : g.reason[i];
    rb[i] = 0;
    return qcc_status_make(QCC_ERR_INVALID, "%s: cannot decode image: corrupt JPEG: %s", name, i ? rb : "unknown error");
  }
  jpeg_create_decompress(&cinfo);
  g.progress.progress_monitor = jpeg_progress;
  cinfo.progress = &g.progress;
  jpeg_mem_src(&cinfo, bytes, (unsigned long)len);
  jpeg_read_header(&cinfo, TRUE);
  const int w = (int)cinfo.image_width, h = (int)cinfo.image_height; /* libjpeg: at most 65500 each */
  qcc_status_t st = check_image_size(1, w, h, name, max_pixels);
  if (st) {
    jpeg_destroy_decompress(&cinfo);
    return st;
  }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : C == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_start_decompress(&cinfo);
  const size_t row = (size_t)w * (size_t)cinfo.output_components; /* C, or 4 for CMYK */
  px = malloc(row * (size_t)h);
  if (!px) {
    jpeg_destroy_decompress(&cinfo);
    return qcc_status_make(QCC_ERR_IO, "out of memory decoding %s", name);
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    const size_t y = cinfo.output_scanline;
    JSAMPROW r = px + row * y;
    jpeg_read_scanlines(&cinfo, &r, 1);
    if (cmyk) cmyk_row_to(r, px + (size_t)w * (size_t)C * y, w, C); /* in place: C w y <= 4 w y */
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  st = pixels_to_sample(px, w, h, name, C, H, W, o, out);
  free(px);
  return st;
}

/* Decode an image file's bytes to C channels and make the sample. */
static qcc_status_t decode_image(const unsigned char *bytes, size_t len, const char *name, int C, int H, int W,
                                 const qcc_dataset_options *o, int64_t max_pixels, float *out) {
  if (len > INT32_MAX) return qcc_status_make(QCC_ERR_INVALID, "%s: image file larger than 2 GiB", name);
  if (!pnm_8bit_or_other(bytes, len))
    return qcc_status_make(QCC_ERR_INVALID,
                           "%s: a PGM/PPM qcc does not read (maxval above 255, or a header number above 2^24)", name);
  if (!png_first_idat_ok(bytes, len))
    return qcc_status_make(QCC_ERR_INVALID, "%s: cannot decode image: a PNG whose first IDAT chunk is empty", name);
  if (is_jpeg(bytes, len)) return decode_jpeg(bytes, len, name, C, H, W, o, max_pixels, out);
  int w = 0, h = 0, comp = 0;
  const int info = stbi_info_from_memory(bytes, (int)len, &w, &h, &comp); /* before w and h are read */
  QCC_RETURN_IF_ERROR(check_image_size(info, w, h, name, max_pixels));
  unsigned char *px = stbi_load_from_memory(bytes, (int)len, &w, &h, &comp, C);
  char rb[96];
  if (!px) return qcc_status_make(QCC_ERR_INVALID, "%s: cannot decode image: %s", name, stb_reason(rb, sizeof rb));
  qcc_status_t st = pixels_to_sample(px, w, h, name, C, H, W, o, out);
  stbi_image_free(px);
  return st;
}

qcc_status_t qcc_dataset_image_from_memory(const void *bytes, size_t len, const char *name, int C, int H, int W,
                                           const qcc_dataset_options *o, int64_t max_pixels, float *out) {
  if (max_pixels <= 0 || max_pixels > QCC_IMAGE_MAX_PIXELS) max_pixels = QCC_IMAGE_MAX_PIXELS;
  return decode_image(bytes, len, name, C, H, W, o, max_pixels, out);
}

/* One image into sample memory: read the file, decode, resize, normalize. */
static qcc_status_t load_image(qcc_dataset *d, int64_t i, float *out) {
  const qcc_npy_tensor_t *spec = &d->specs[0];
  int C = (int)spec->shape[d->o.nhwc ? 3 : 1];
  int H = (int)spec->shape[d->o.nhwc ? 1 : 2], W = (int)spec->shape[d->o.nhwc ? 2 : 3];
  char file[8192];
  file_path(d, i, file, sizeof file);
  FILE *f = fopen(file, "rb");
  if (!f) return qcc_status_make(QCC_ERR_IO, "%s: %s", file, strerror(errno));
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  qcc_status_t st = NULL;
  for (;;) {
    if (len == cap) {
      if (cap >= (size_t)INT32_MAX) { st = qcc_status_make(QCC_ERR_INVALID, "%s: image file larger than 2 GiB", file); break; }
      size_t nc = cap ? cap * 2 : 65536;
      unsigned char *nb = realloc(buf, nc);
      if (!nb) { st = qcc_status_make(QCC_ERR_IO, "out of memory reading %s", file); break; }
      buf = nb, cap = nc;
    }
    size_t r = fread(buf + len, 1, cap - len, f);
    len += r;
    if (r == 0) {
      if (ferror(f)) st = qcc_status_make(QCC_ERR_IO, "%s: read error", file);
      break;
    }
  }
  fclose(f);
  if (!st) st = decode_image(buf, len, file, C, H, W, &d->o, QCC_IMAGE_MAX_PIXELS, out);
  free(buf);
  return st;
}

/* Sample s of an .npy folder into out (reads and caches the file holding it). */
static qcc_status_t load_npy_sample(qcc_dataset *d, int64_t s, void *out) {
  int64_t lo = 0, hi = d->nfiles - 1;
  while (lo < hi) { /* the file with first[i] <= s < first[i+1] */
    int64_t mid = (lo + hi + 1) / 2;
    if (d->first[mid] <= s) lo = mid;
    else hi = mid - 1;
  }
  if (d->cached_index != lo) {
    char file[8192], err[1024];
    qcc_npy_tensor_free(&d->cached);
    d->cached_index = -1;
    file_path(d, lo, file, sizeof file);
    int r = qcc_npy_read_file(file, &d->cached, err, sizeof err);
    if (r) return npy_status(r, err);
    if (d->cached.nbytes != d->sample_bytes * (size_t)(d->first[lo + 1] - d->first[lo]))
      return qcc_status_make(QCC_ERR_IO, "%s changed while reading", file);
    d->cached_index = lo;
  }
  memcpy(out, (char *)d->cached.data + d->sample_bytes * (size_t)(s - d->first[lo]), d->sample_bytes);
  return NULL;
}

qcc_status_t qcc_dataset_batch(qcc_dataset *d, int64_t b, qcc_npy_tensor_t *inputs) {
  if (d->kind == SRC_ARRAYS) {
    for (int i = 0; i < d->n; ++i) {
      size_t per = d->arrays[i].nbytes / (size_t)d->arrays[i].shape[0] * (size_t)d->batch;
      inputs[i] = d->specs[i];
      inputs[i].data = (char *)d->arrays[i].data + per * (size_t)b;
      inputs[i].nbytes = per;
    }
    return NULL;
  }
  for (int64_t k = 0; k < d->batch; ++k) {
    void *dst = (char *)d->buf + d->sample_bytes * (size_t)k;
    int64_t s = b * d->batch + k;
    QCC_RETURN_IF_ERROR(d->kind == SRC_IMAGE_DIR ? load_image(d, s, dst) : load_npy_sample(d, s, dst));
  }
  inputs[0] = d->specs[0];
  inputs[0].data = d->buf;
  inputs[0].nbytes = d->sample_bytes * (size_t)d->batch;
  return NULL;
}

qcc_status_t qcc_dataset_labels(const char *path, const char *key, int64_t **out, int64_t *n) {
  char err[1024];
  qcc_npy_npz_t *z;
  qcc_npy_tensor_t t = {0};
  int r = qcc_npy_npz_open(path, &z, err, sizeof err);
  if (!r) {
    r = qcc_npy_npz_read(z, key, &t, err, sizeof err);
    qcc_npy_npz_close(z);
  }
  if (r) return npy_status(r, err);
  int64_t cnt = qcc_npy_tensor_numel(&t);
  int64_t *v = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *v);
  qcc_status_t st = NULL;
  for (int64_t i = 0; i < cnt && !st; ++i) {
    const char *p = t.data;
    switch (t.dtype) {
      case QCC_NPY_U8: v[i] = ((const uint8_t *)p)[i]; break;
      case QCC_NPY_I8: v[i] = ((const int8_t *)p)[i]; break;
      case QCC_NPY_I16: v[i] = ((const int16_t *)p)[i]; break;
      case QCC_NPY_U16: v[i] = ((const uint16_t *)p)[i]; break;
      case QCC_NPY_I32: v[i] = ((const int32_t *)p)[i]; break;
      case QCC_NPY_U32: v[i] = ((const uint32_t *)p)[i]; break;
      case QCC_NPY_I64: v[i] = ((const int64_t *)p)[i]; break;
      default: st = qcc_status_make(QCC_ERR_INVALID, "%s: labels '%s' must be integers, got %s", path, key, qcc_npy_dtype_name(t.dtype));
    }
  }
  qcc_npy_tensor_free(&t);
  if (st) {
    free(v);
    return st;
  }
  *out = v;
  *n = cnt;
  return NULL;
}
