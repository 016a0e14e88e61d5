/* test_observers — compiler/observers.{h,c}.
 *
 * 1. PyTorch 1.13 equivalence: expected.txt and data/ (made by
 *    make_fixtures.py with Debian's python3-torch) hold calibration batches
 *    and the scale / zero point PyTorch's observers computed from them. Each
 *    case feeds the same batches to a qcc observer and requires the same
 *    float32 scale bits and the same zero point, the same observer state
 *    (min/max, and the histogram bin by bin), and the same
 *    _calculate_qparams on chosen ranges. The first mismatch of each case
 *    is printed with its coordinates.
 * 2. PERCENTILE and ENTROPY (no PyTorch equivalent) on distributions whose
 *    answer is known.
 * 3. Errors, memory bound, determinism.
 *
 * Usage: test_observers DIR   (DIR holds expected.txt and data/) */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observers.h"

static int g_failures, g_checks;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    g_checks++;                                            \
    if (!(cond)) {                                         \
      g_failures++;                                        \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

/* A status expected to be OK: print it and count a failure otherwise. */
static int ok(qcc_status_t s, const char *what) {
  g_checks++;
  if (!s) return 1;
  g_failures++;
  fprintf(stderr, "FAIL %s: %s\n", what, qcc_status_message(s));
  qcc_status_free(s);
  return 0;
}

/* A status expected to fail with code, its message containing needle. */
static void expect_error(qcc_status_t s, qcc_status_code code, const char *needle, const char *what) {
  g_checks++;
  if (!s) {
    g_failures++;
    fprintf(stderr, "FAIL %s: succeeded, expected an error\n", what);
    return;
  }
  if (qcc_status_code_of(s) != code || (needle && !strstr(qcc_status_message(s), needle))) {
    g_failures++;
    fprintf(stderr, "FAIL %s: got code %d '%s', expected code %d containing '%s'\n", what, (int)qcc_status_code_of(s),
            qcc_status_message(s), (int)code, needle ? needle : "");
  }
  qcc_status_free(s);
}

static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
static int same_float(float a, float b) { return fbits(a) == fbits(b); }

/* ---------------------------------------------------------------------------
 * Fixtures */

#define MAX_TENSORS 32
#define MAX_RANK 8

typedef struct {
  char name[64];
  int nbatch, rank;
  int64_t shape[MAX_RANK];
  int64_t numel; /* per batch */
  float *data;   /* nbatch * numel */
} tensor_t;

static tensor_t g_tensors[MAX_TENSORS];
static int g_ntensors;
static char g_dir[1024];

static void *read_file(const char *rel, size_t *size) {
  char path[2048];
  snprintf(path, sizeof path, "%s/%s", g_dir, rel);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  ((char *)buf)[n] = 0;
  *size = (size_t)n;
  return buf;
}

/* Little-endian float32 file into host floats. */
static float *read_f32(const char *rel, size_t want) {
  size_t size;
  unsigned char *raw = read_file(rel, &size);
  if (size != want * 4) {
    fprintf(stderr, "%s: %zu bytes, expected %zu\n", rel, size, want * 4);
    exit(2);
  }
  float *out = malloc(want * sizeof(float));
  for (size_t i = 0; i < want; ++i) {
    uint32_t u = (uint32_t)raw[4 * i] | (uint32_t)raw[4 * i + 1] << 8 | (uint32_t)raw[4 * i + 2] << 16 |
                 (uint32_t)raw[4 * i + 3] << 24;
    memcpy(&out[i], &u, 4);
  }
  free(raw);
  return out;
}

/* make_fixtures.py gen_batches(), in the same float32 steps. */
static uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

static float *gen_batches(uint32_t seed, int nbatch, int64_t numel, int heavy) {
  float *out = malloc(sizeof(float) * (size_t)(nbatch * numel));
  for (int b = 0; b < nbatch; ++b) {
    const float scale = b % 3 == 0 ? 1.0f : b % 3 == 1 ? 0.5f : 0.25f;
    for (int64_t i = 0; i < numel; ++i) {
      const uint64_t g = (uint64_t)b * (uint64_t)numel + (uint64_t)i;
      const uint32_t base = (uint32_t)((uint64_t)seed * 0x9E3779B9u + 5u * g);
      int64_t sum = 0;
      for (uint32_t j = 0; j < 4; ++j) sum += lowbias32(base + j) >> 8;
      float x = (float)sum * 0x1p-24f;
      x = x - 2.0f;
      if (heavy) {
        float d = (float)(lowbias32(base + 4) >> 8) * 0x1p-24f;
        d = d + 0x1p-8f;
        x = x / d;
      }
      out[(size_t)(b * numel + i)] = x * scale;
    }
  }
  return out;
}

static tensor_t *find_tensor(const char *name) {
  for (int i = 0; i < g_ntensors; ++i)
    if (!strcmp(g_tensors[i].name, name)) return &g_tensors[i];
  fprintf(stderr, "expected.txt names unknown tensor %s\n", name);
  exit(2);
}

/* The fixtures' specs, with PyTorch's eps (torch = 1, what the fixtures were
 * made with) or qcc's default floor (torch = 0). */
static qcc_qspec spec_named_mode(const char *name, int torch) {
  qcc_qspec (*mk)(bool, bool, bool) = torch ? qcc_qspec_int8_torch : qcc_qspec_int8;
  if (!strcmp(name, "u8_aff")) return mk(false, false, false);
  if (!strcmp(name, "u8_aff_rr")) return mk(false, false, true);
  if (!strcmp(name, "s8_aff")) return mk(true, false, false);
  if (!strcmp(name, "s8_sym")) return mk(true, true, false);
  if (!strcmp(name, "s8_sym_rr")) return mk(true, true, true);
  if (!strcmp(name, "u8_sym")) return mk(false, true, false);
  fprintf(stderr, "expected.txt names unknown spec %s\n", name);
  exit(2);
}
static qcc_qspec spec_named(const char *name) { return spec_named_mode(name, 1); }

/* qcc's default floor against PyTorch's answer (made with eps 2^-23): the
 * same bits wherever PyTorch's scale is above its eps; where PyTorch clamped
 * (scale == 2^-23), qcc's is at most 2^-23 and at least 2^-63, and exactly
 * 2^-23 with the same zero point for an all-zero range. */
static int g_default_same, g_default_unclamped;
static void check_default_mode(const char *what, float s, int32_t z, float torch_s, long torch_z, int empty) {
  if (torch_s != QCC_QSPEC_TORCH_EPS || empty) {
    CHECK(same_float(s, torch_s) && z == torch_z, "%s, default floor: qcc %a %d, torch %a %ld", what, (double)s,
          (int)z, (double)torch_s, torch_z);
    g_default_same++;
  } else {
    CHECK(s <= QCC_QSPEC_TORCH_EPS && s >= QCC_QSPEC_MIN_SCALE, "%s, default floor: scale %a outside [2^-63, 2^-23]",
          what, (double)s);
    g_default_unclamped++;
  }
}

/* The observer PyTorch's KIND corresponds to, fed every batch of t. */
static qcc_observer *observe(const tensor_t *t, const char *kind, int axis, double avg) {
  qcc_observer_config cfg;
  if (!strcmp(kind, "minmax")) {
    qcc_observer_config_init(&cfg, QCC_OBSERVER_MINMAX);
  } else if (!strcmp(kind, "movavg")) {
    qcc_observer_config_init(&cfg, QCC_OBSERVER_MOVING_AVG_MINMAX);
    cfg.averaging_constant = avg;
  } else if (!strcmp(kind, "hist113") || !strcmp(kind, "histexact")) {
    qcc_observer_config_init(&cfg, QCC_OBSERVER_HISTOGRAM);
    cfg.histogram_range = !strcmp(kind, "hist113") ? QCC_HISTOGRAM_TORCH113 : QCC_HISTOGRAM_EXACT_RANGE;
  } else if (!strcmp(kind, "pc_minmax") || !strcmp(kind, "pc_movavg")) {
    qcc_observer_config_init(&cfg, !strcmp(kind, "pc_minmax") ? QCC_OBSERVER_PER_CHANNEL_MINMAX
                                                              : QCC_OBSERVER_PER_CHANNEL_MOVING_AVG);
    cfg.averaging_constant = avg;
    cfg.channel_axis = axis;
    cfg.num_channels = t->shape[axis];
  } else {
    fprintf(stderr, "expected.txt names unknown observer kind %s\n", kind);
    exit(2);
  }
  qcc_observer *o = NULL;
  if (!ok(qcc_observer_create(&cfg, &o), kind)) return NULL;
  for (int b = 0; b < t->nbatch; ++b) {
    char what[128];
    snprintf(what, sizeof what, "%s %s batch %d", t->name, kind, b);
    if (!ok(qcc_observer_update(o, t->data + (size_t)b * (size_t)t->numel, t->shape, t->rank), what)) {
      qcc_observer_destroy(o);
      return NULL;
    }
  }
  return o;
}

static int is_hist_kind(const char *kind) { return !strncmp(kind, "hist", 4); }

/* Counts of cases per kind that matched, for the summary. */
static int g_cases, g_cases_ok;

static void fixture_expect(char *rest) {
  char tname[64], kind[32], spec_name[32];
  int axis, n, used;
  double avg;
  if (sscanf(rest, "%63s %31s %d %lf %31s %d%n", tname, kind, &axis, &avg, spec_name, &n, &used) != 6) {
    fprintf(stderr, "bad expect line: %s\n", rest);
    exit(2);
  }
  const tensor_t *t = find_tensor(tname);
  const qcc_qspec spec = spec_named(spec_name);
  const int before = g_failures;
  g_cases++;
  qcc_observer *o = observe(t, kind, axis, avg);
  if (!o) return;
  CHECK(qcc_observer_num_channels(o) == n, "%s %s %s: %lld channels, torch has %d", tname, kind, spec_name,
        (long long)qcc_observer_num_channels(o), n);
  float *scales = calloc((size_t)n, sizeof(float));
  int32_t *zps = calloc((size_t)n, sizeof(int32_t));
  if (ok(qcc_observer_qparams(o, &spec, scales, zps), "qparams")) {
    char *p = rest + used;
    for (int c = 0; c < n; ++c) {
      char *end;
      float want_s = strtof(p, &end);
      p = end;
      long want_z = strtol(p, &end, 10);
      p = end;
      if (!same_float(scales[c], want_s) || zps[c] != want_z) {
        CHECK(0, "%s %s avg=%g %s channel %d: qcc scale %a zp %d, torch scale %a zp %ld", tname, kind, avg, spec_name,
              c, (double)scales[c], (int)zps[c], (double)want_s, want_z);
        break; /* first mismatch only */
      }
      g_checks++;
    }
    /* the same observer with qcc's default floor */
    const qcc_qspec dspec = spec_named_mode(spec_name, 0);
    float *ds = calloc((size_t)n, sizeof(float)), *lo = calloc((size_t)n, sizeof(float)),
          *hi = calloc((size_t)n, sizeof(float));
    int32_t *dz = calloc((size_t)n, sizeof(int32_t));
    if (ok(qcc_observer_qparams(o, &dspec, ds, dz), "qparams (default floor)")) {
      if (n == 1) ok(qcc_observer_chosen_range(o, &dspec, lo, hi), "chosen_range");
      else ok(qcc_observer_observed_range(o, lo, hi), "observed_range");
      p = rest + used;
      for (int c = 0; c < n; ++c) {
        char *end, what[320];
        float want_s = strtof(p, &end);
        p = end;
        long want_z = strtol(p, &end, 10);
        p = end;
        snprintf(what, sizeof what, "%s %s avg=%g %s channel %d", tname, kind, avg, spec_name, c);
        const int empty = (lo[c] < 0.0f ? lo[c] : 0.0f) == (hi[c] > 0.0f ? hi[c] : 0.0f);
        check_default_mode(what, ds[c], dz[c], want_s, want_z, empty);
      }
    }
    free(ds);
    free(dz);
    free(lo);
    free(hi);
  }
  free(scales);
  free(zps);
  qcc_observer_destroy(o);
  if (g_failures == before) g_cases_ok++;
}

/* Observer state: PyTorch's min_val / max_val. For the histogram kinds those
 * are the histogram's interval (PyTorch widens max_val when the range grows). */
static void fixture_range(char *rest) {
  char tname[64], kind[32];
  int axis, n, used;
  double avg;
  if (sscanf(rest, "%63s %31s %d %lf %d%n", tname, kind, &axis, &avg, &n, &used) != 5) {
    fprintf(stderr, "bad range line: %s\n", rest);
    exit(2);
  }
  const tensor_t *t = find_tensor(tname);
  qcc_observer *o = observe(t, kind, axis, avg);
  if (!o) return;
  float *lo = calloc((size_t)n, sizeof(float)), *hi = calloc((size_t)n, sizeof(float));
  if (is_hist_kind(kind)) {
    double *h = calloc(2048, sizeof(double)), dlo, dhi;
    if (ok(qcc_observer_histogram(o, h, 2048, &dlo, &dhi), "histogram")) {
      lo[0] = (float)dlo;
      hi[0] = (float)dhi;
    }
    free(h);
  } else {
    ok(qcc_observer_observed_range(o, lo, hi), "observed_range");
  }
  char *p = rest + used;
  for (int c = 0; c < n; ++c) {
    char *end;
    float want_lo = strtof(p, &end);
    p = end;
    float want_hi = strtof(p, &end);
    p = end;
    if (!same_float(lo[c], want_lo) || !same_float(hi[c], want_hi)) {
      CHECK(0, "%s %s avg=%g channel %d: qcc range [%a, %a], torch [%a, %a]", tname, kind, avg, c, (double)lo[c],
            (double)hi[c], (double)want_lo, (double)want_hi);
      break;
    }
    g_checks++;
  }
  free(lo);
  free(hi);
  qcc_observer_destroy(o);
}

static void fixture_hist(char *rest) {
  char tname[64], kind[32], file[128], rel[256];
  if (sscanf(rest, "%63s %31s %127s", tname, kind, file) != 3) {
    fprintf(stderr, "bad hist line: %s\n", rest);
    exit(2);
  }
  const tensor_t *t = find_tensor(tname);
  snprintf(rel, sizeof rel, "data/%s", file);
  float *want = read_f32(rel, 2048);
  qcc_observer *o = observe(t, kind, -1, 0);
  double *h = calloc(2048, sizeof(double)), lo, hi;
  if (o && ok(qcc_observer_histogram(o, h, 2048, &lo, &hi), "histogram")) {
    for (int b = 0; b < 2048; ++b) {
      if (!same_float((float)h[b], want[b]) || (double)(float)h[b] != h[b]) {
        CHECK(0, "%s %s: histogram bin %d: qcc %a, torch %a", tname, kind, b, h[b], (double)want[b]);
        break;
      }
    }
    g_checks++;
  }
  free(h);
  free(want);
  qcc_observer_destroy(o);
}

static void fixture_qp(char *rest) {
  char spec_name[32];
  char smin[64], smax[64], sscale[64];
  long want_z;
  if (sscanf(rest, "%31s %63s %63s %63s %ld", spec_name, smin, smax, sscale, &want_z) != 5) {
    fprintf(stderr, "bad qp line: %s\n", rest);
    exit(2);
  }
  const qcc_qspec spec = spec_named(spec_name);
  const float mn = strtof(smin, NULL), mx = strtof(smax, NULL), want_s = strtof(sscale, NULL);
  float s = 0;
  int32_t z = 0;
  if (ok(qcc_qparams_from_range(mn, mx, &spec, &s, &z), "qparams_from_range"))
    CHECK(same_float(s, want_s) && z == want_z, "qparams_from_range(%a, %a) %s: qcc %a %d, torch %a %ld", (double)mn,
          (double)mx, spec_name, (double)s, (int)z, (double)want_s, want_z);
  const qcc_qspec dspec = spec_named_mode(spec_name, 0);
  if (ok(qcc_qparams_from_range(mn, mx, &dspec, &s, &z), "qparams_from_range (default floor)")) {
    char what[160];
    snprintf(what, sizeof what, "qparams_from_range(%a, %a) %s", (double)mn, (double)mx, spec_name);
    check_default_mode(what, s, z, want_s, want_z, (mn < 0.0f ? mn : 0.0f) == (mx > 0.0f ? mx : 0.0f));
  }
}

static void run_fixtures(void) {
  size_t size;
  char *text = read_file("expected.txt", &size);
  int lines = 0;
  /* pass 1: tensors, from data/ or generated */
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    const int gen = !strncmp(line, "gen ", 4);
    if (strncmp(line, "tensor ", 7) && !gen) continue;
    if (g_ntensors == MAX_TENSORS) {
      fprintf(stderr, "too many tensors in expected.txt\n");
      exit(2);
    }
    tensor_t *t = &g_tensors[g_ntensors++];
    int used, n, heavy = 0;
    unsigned seed = 0;
    if (gen)
      n = sscanf(line + 4, "%63s %d %u %d %d%n", t->name, &t->nbatch, &seed, &heavy, &t->rank, &used) - 2;
    else
      n = sscanf(line + 7, "%63s %d %d%n", t->name, &t->nbatch, &t->rank, &used);
    if (n != 3 || t->rank > MAX_RANK) {
      fprintf(stderr, "bad tensor line: %s\n", line);
      exit(2);
    }
    char *p = line + (gen ? 4 : 7) + used;
    t->numel = 1;
    for (int i = 0; i < t->rank; ++i) {
      t->shape[i] = strtoll(p, &p, 10);
      t->numel *= t->shape[i];
    }
    if (gen) {
      t->data = gen_batches(seed, t->nbatch, t->numel, heavy);
    } else {
      char rel[128];
      snprintf(rel, sizeof rel, "data/%s.f32", t->name);
      t->data = read_f32(rel, (size_t)(t->numel * t->nbatch));
    }
  }
  free(text);
  text = read_file("expected.txt", &size);
  /* pass 2: facts */
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#' || !strncmp(line, "tensor ", 7) || !strncmp(line, "gen ", 4)) continue;
    lines++;
    if (!strncmp(line, "expect ", 7))
      fixture_expect(line + 7);
    else if (!strncmp(line, "range ", 6))
      fixture_range(line + 6);
    else if (!strncmp(line, "hist ", 5))
      fixture_hist(line + 5);
    else if (!strncmp(line, "qp ", 3))
      fixture_qp(line + 3);
    else {
      fprintf(stderr, "unknown line in expected.txt: %s\n", line);
      exit(2);
    }
  }
  free(text);
  /* A missing or truncated fixture must not pass quietly. */
  CHECK(g_ntensors >= 13 && lines >= 500 && g_cases >= 400, "fixtures look incomplete: %d tensors, %d lines, %d cases",
        g_ntensors, lines, g_cases);
  printf("torch 1.13 fixtures: %d tensors, %d facts, %d/%d qparams cases bit-exact (PyTorch eps)\n", g_ntensors, lines, g_cases_ok,
         g_cases);
  printf("default floor (2^-63): %d results identical to PyTorch's, %d where PyTorch's eps clamped a non-empty range\n",
         g_default_same, g_default_unclamped);
  /* the `tiny` tensor (and the tiny qp ranges) must exercise the difference */
  CHECK(g_default_unclamped >= 1, "no fixture case is clamped by PyTorch's eps");
}

/* ---------------------------------------------------------------------------
 * Deterministic data */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static double urand(void) { /* [0, 1) */
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return (double)(g_rng >> 11) * (1.0 / 9007199254740992.0);
}
static double nrand(void) {
  double u = urand(), v = urand();
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static qcc_observer *make(qcc_observer_kind kind, void (*tweak)(qcc_observer_config *)) {
  qcc_observer_config cfg;
  qcc_observer_config_init(&cfg, kind);
  if (tweak) tweak(&cfg);
  qcc_observer *o = NULL;
  ok(qcc_observer_create(&cfg, &o), "create");
  return o;
}

static void two_sided(qcc_observer_config *c) { c->symmetric = false; }

enum { NB = 20, BN = 10000 };
/* fill NB batches of BN values: 0 uniform [-1, 1], 1 normal + outliers,
 * 2 post-ReLU normal, 3 skewed (exponential) */
static void make_data(int which, float *x) {
  for (int i = 0; i < NB * BN; ++i) {
    double v;
    switch (which) {
    case 0: v = 2.0 * urand() - 1.0; break;
    case 1: v = nrand(); break;
    case 2: v = nrand(); v = v > 0 ? v : 0; break;
    default: v = -log(1.0 - urand()) - 0.5; break;
    }
    x[i] = (float)v;
  }
  if (which == 1) { /* a handful of huge outliers, in late batches */
    x[15 * BN + 17] = 1000.0f;
    x[16 * BN + 3] = -800.0f;
    x[18 * BN + 999] = 650.0f;
    x[19 * BN + 5] = 900.0f;
  }
}

static void feed(qcc_observer *o, const float *x) {
  const int64_t shape[2] = {100, BN / 100};
  for (int b = 0; b < NB; ++b) ok(qcc_observer_update(o, x + (size_t)b * BN, shape, 2), "update");
}

static void chosen(qcc_observer *o, qcc_qspec spec, float *lo, float *hi) {
  *lo = *hi = NAN;
  ok(qcc_observer_chosen_range(o, &spec, lo, hi), "chosen_range");
}

static void test_percentile(float *x) {
  const qcc_qspec s8 = qcc_qspec_int8(true, true, false), u8 = qcc_qspec_int8(false, false, false);
  float lo, hi;
  /* Uniform [-1, 1]: 99.99% of |x| is below 0.9999. */
  make_data(0, x);
  qcc_observer *o = make(QCC_OBSERVER_PERCENTILE, NULL);
  feed(o, x);
  chosen(o, s8, &lo, &hi);
  CHECK(hi >= 0.999f && hi <= 1.0f && lo == -hi, "percentile uniform: [%g, %g], want about [-0.9999, 0.9999]", lo, hi);
  qcc_observer_destroy(o);
  o = make(QCC_OBSERVER_PERCENTILE, two_sided);
  feed(o, x);
  chosen(o, u8, &lo, &hi);
  CHECK(lo <= -0.999f && lo >= -1.0f && hi >= 0.999f && hi <= 1.0f, "percentile two-sided uniform: [%g, %g]", lo, hi);
  qcc_observer_destroy(o);

  /* Normal with outliers up to 1000: the 99.99th percentile of |x| of a
   * standard normal is 3.89; the outliers (4 of 200000) are clipped. */
  make_data(1, x);
  o = make(QCC_OBSERVER_PERCENTILE, NULL);
  feed(o, x);
  chosen(o, s8, &lo, &hi);
  CHECK(hi > 3.0f && hi < 5.0f, "percentile outliers: T = %g, want about 3.9 (max |x| 1000)", hi);
  float olo, ohi;
  ok(qcc_observer_observed_range(o, &olo, &ohi), "observed_range");
  CHECK(olo == -800.0f && ohi == 1000.0f, "percentile observed range [%g, %g]", olo, ohi);
  qcc_observer_destroy(o);

  /* Post-ReLU: the affine range keeps 0 as its minimum. */
  make_data(2, x);
  o = make(QCC_OBSERVER_PERCENTILE, NULL);
  feed(o, x);
  chosen(o, u8, &lo, &hi);
  CHECK(lo == 0.0f && hi > 3.0f && hi < 4.5f, "percentile relu affine: [%g, %g]", lo, hi);
  qcc_observer_destroy(o);

  /* Skewed, two-sided: the long right tail is clipped, the short left one
   * (at -0.5) barely. */
  make_data(3, x);
  o = make(QCC_OBSERVER_PERCENTILE, two_sided);
  feed(o, x);
  chosen(o, u8, &lo, &hi);
  ok(qcc_observer_observed_range(o, &olo, &ohi), "observed_range");
  CHECK(lo >= -0.5f && lo < -0.49f && hi > 8.0f && hi < ohi, "percentile skewed two-sided: [%g, %g] of [%g, %g]", lo,
        hi, olo, ohi);
  qcc_observer_destroy(o);

  /* 100 keeps everything. */
  make_data(1, x);
  o = make(QCC_OBSERVER_PERCENTILE, NULL);
  qcc_observer_destroy(o);
  qcc_observer_config cfg;
  qcc_observer_config_init(&cfg, QCC_OBSERVER_PERCENTILE);
  cfg.percentile = 100.0;
  cfg.symmetric = false;
  ok(qcc_observer_create(&cfg, &o), "create");
  feed(o, x);
  chosen(o, u8, &lo, &hi);
  CHECK(lo == -800.0f && hi == 1000.0f, "percentile 100: [%g, %g]", lo, hi);
  qcc_observer_destroy(o);
}

static void test_entropy(float *x) {
  const qcc_qspec s8 = qcc_qspec_int8(true, true, false), u8 = qcc_qspec_int8(false, false, false);
  float lo, hi;
  /* Uniform: clipping only loses, the range is kept. */
  make_data(0, x);
  qcc_observer *o = make(QCC_OBSERVER_ENTROPY, NULL);
  feed(o, x);
  chosen(o, s8, &lo, &hi);
  CHECK(hi >= 0.97f && hi <= 1.0f && lo == -hi, "entropy uniform: [%g, %g], want about [-1, 1]", lo, hi);
  qcc_observer_destroy(o);

  /* Normal with 4 outliers up to 1000 among 200000 values: they are clipped.
   * The smallest threshold entropy can choose is levels (128) bins, and the
   * 2048 bins span about [0, 1000] here: T is about 62, far below 1000 but
   * far above the normal's 4.5 (the bins are that coarse; docs/observers.md). */
  make_data(1, x);
  o = make(QCC_OBSERVER_ENTROPY, NULL);
  feed(o, x);
  chosen(o, s8, &lo, &hi);
  CHECK(hi > 4.0f && hi < 1000.0f / 2048 * 128 * 2, "entropy outliers: T = %g, want 128 bins' worth (max |x| 1000)", hi);
  qcc_observer_destroy(o);

  /* Normal without outliers: TensorRT-style calibration clips a Gaussian at
   * roughly 3 to 5 sigma for 8 bits. */
  make_data(1, x);
  for (int i = 15 * BN; i < NB * BN; ++i)
    if (fabsf(x[i]) > 100.0f) x[i] = 0.0f;
  o = make(QCC_OBSERVER_ENTROPY, NULL);
  feed(o, x);
  chosen(o, s8, &lo, &hi);
  float olo, ohi;
  ok(qcc_observer_observed_range(o, &olo, &ohi), "observed_range");
  CHECK(hi > 2.5f && hi <= ohi, "entropy normal: T = %g, max %g", hi, ohi);
  qcc_observer_destroy(o);

  /* Post-ReLU with an affine spec: [0, T]. */
  make_data(2, x);
  o = make(QCC_OBSERVER_ENTROPY, NULL);
  feed(o, x);
  chosen(o, u8, &lo, &hi);
  CHECK(lo == 0.0f && hi > 2.0f, "entropy relu affine: [%g, %g]", lo, hi);
  qcc_observer_destroy(o);

  /* Affine spec on data of both signs: each tail has its own threshold.
   * The bundled model's input: half the values one constant below 0 (the
   * normalized black background), the rest spread over [0, 2.02]. The |x|
   * search would stop just above the spike (|x| = 0.81) and clip 0.81..2.02;
   * the tails keep [-0.81, ~2]. */
  for (int i = 0; i < NB * BN; ++i) x[i] = urand() < 0.5 ? -0.8102f : (float)(2.0227 * urand());
  o = make(QCC_OBSERVER_ENTROPY, NULL);
  feed(o, x);
  chosen(o, u8, &lo, &hi);
  CHECK(lo == -0.8102f && hi > 1.9f, "entropy affine, spike below 0: [%g, %g], want [-0.8102, ~2.02]", lo, hi);
  chosen(o, s8, &lo, &hi); /* symmetric: one threshold on |x|, as before */
  CHECK(hi == -lo, "entropy symmetric: [%g, %g]", lo, hi);
  qcc_observer_destroy(o);

  /* Normal with outliers on both sides, affine: both tails are clipped, each
   * from its own side (min -800, max 1000). */
  make_data(1, x);
  o = make(QCC_OBSERVER_ENTROPY, NULL);
  feed(o, x);
  chosen(o, u8, &lo, &hi);
  CHECK(lo > -800.0f && lo < -4.0f && hi < 1000.0f && hi > 4.0f, "entropy affine outliers: [%g, %g]", lo, hi);
  qcc_observer_destroy(o);

  /* Every value <= 0, affine: the negative tail gets all 256 levels and 0 stays the max. */
  make_data(2, x);
  for (int i = 0; i < NB * BN; ++i) x[i] = -x[i];
  o = make(QCC_OBSERVER_ENTROPY, NULL);
  feed(o, x);
  chosen(o, u8, &lo, &hi);
  CHECK(hi == 0.0f && lo < -2.0f, "entropy negated relu affine: [%g, %g]", lo, hi);
  qcc_observer_destroy(o);
}

/* HISTOGRAM on a tiny tensor: data scaled by 2^-50 (values about 1e-15) gives
 * the same histogram, and in qcc's mode the chosen range scaled by exactly
 * 2^-50 (the search measures bins in a unit near their width). In PyTorch's
 * unit the L2 errors underflow (cubes of 1e-18) and the search is lost. */
static void test_histogram_tiny(float *x) {
  make_data(1, x);
  for (int i = 15 * BN; i < NB * BN; ++i)
    if (fabsf(x[i]) > 100.0f) x[i] = 1.0f; /* no outliers */
  const qcc_qspec u8 = qcc_qspec_int8(false, false, false);
  float lo1, hi1, lo2, hi2;
  qcc_observer *o = make(QCC_OBSERVER_HISTOGRAM, NULL);
  feed(o, x);
  chosen(o, u8, &lo1, &hi1);
  qcc_observer_destroy(o);
  for (int i = 0; i < NB * BN; ++i) x[i] = ldexpf(x[i], -50);
  o = make(QCC_OBSERVER_HISTOGRAM, NULL);
  feed(o, x);
  chosen(o, u8, &lo2, &hi2);
  CHECK(lo2 == ldexpf(lo1, -50) && hi2 == ldexpf(hi1, -50),
        "histogram on x * 2^-50: [%a, %a], want [%a, %a] (x: [%g, %g])", (double)lo2, (double)hi2,
        (double)ldexpf(lo1, -50), (double)ldexpf(hi1, -50), lo1, hi1);
  qcc_observer_destroy(o);
}

/* Constant data: PERCENTILE and ENTROPY keep it as one pending value until
 * the values spread, then fold it into the histogram. */
static void test_constant_data(void) {
  const qcc_qspec s8 = qcc_qspec_int8(true, true, false), u8 = qcc_qspec_int8(false, false, false);
  const float zeros[8] = {0}, pm2[8] = {2, -2, 2, -2, -2, 2, 2, 2}, ramp[8] = {0, 0, 0, 0, 0.5f, 1, 1.5f, 3};
  const int64_t shape[1] = {8};
  for (int k = 0; k < 3; ++k) {
    const qcc_observer_kind kind = k == 2 ? QCC_OBSERVER_ENTROPY : QCC_OBSERVER_PERCENTILE;
    qcc_observer *o = make(kind, k == 1 ? two_sided : NULL);
    float lo, hi, s;
    int32_t z;
    ok(qcc_observer_update(o, zeros, shape, 1), "zeros");
    ok(qcc_observer_update(o, zeros, shape, 1), "zeros");
    chosen(o, u8, &lo, &hi);
    CHECK(lo == 0.0f && hi == 0.0f, "kind %d on zeros: [%g, %g]", k, lo, hi);
    ok(qcc_observer_qparams(o, &u8, &s, &z), "qparams");
    CHECK(s == FLT_EPSILON && z == 0, "kind %d on zeros: scale %a zp %d", k, (double)s, (int)z);
    /* then spread values: the pending zeros join the histogram */
    ok(qcc_observer_update(o, ramp, shape, 1), "ramp");
    double h[2048], hlo, hhi, n = 0;
    ok(qcc_observer_histogram(o, h, 2048, &hlo, &hhi), "histogram");
    for (int b = 0; b < 2048; ++b) n += h[b];
    CHECK(n == (kind == QCC_OBSERVER_ENTROPY ? 4 : 24), "kind %d: %g values in the histogram", k, n);
    CHECK(hlo == 0.0 && hhi == 3.0, "kind %d: histogram over [%g, %g]", k, hlo, hhi);
    qcc_observer_destroy(o);
    /* |x| constant at 2: nothing to clip */
    o = make(kind, k == 1 ? two_sided : NULL);
    ok(qcc_observer_update(o, pm2, shape, 1), "pm2");
    chosen(o, s8, &lo, &hi);
    CHECK(lo == -2.0f && hi == 2.0f, "kind %d on +-2: [%g, %g]", k, lo, hi);
    qcc_observer_destroy(o);
  }
}

/* ---------------------------------------------------------------------------
 * Errors, memory, determinism */

static void test_errors(void) {
  qcc_observer *o = NULL;
  qcc_observer_config cfg;
  const qcc_qspec u8 = qcc_qspec_int8(false, false, false);
  float s;
  int32_t z;

  qcc_observer_config_init(&cfg, QCC_OBSERVER_MOVING_AVG_MINMAX);
  cfg.averaging_constant = 0.0;
  expect_error(qcc_observer_create(&cfg, &o), QCC_ERR_USAGE, "averaging_constant", "averaging 0");
  CHECK(o == NULL, "out set on error");
  qcc_observer_config_init(&cfg, QCC_OBSERVER_HISTOGRAM);
  cfg.bins = 0;
  expect_error(qcc_observer_create(&cfg, &o), QCC_ERR_USAGE, "bins", "bins 0");
  qcc_observer_config_init(&cfg, QCC_OBSERVER_PERCENTILE);
  cfg.percentile = 30;
  expect_error(qcc_observer_create(&cfg, &o), QCC_ERR_USAGE, "percentile", "percentile 30");
  qcc_observer_config_init(&cfg, QCC_OBSERVER_PER_CHANNEL_MINMAX);
  expect_error(qcc_observer_create(&cfg, &o), QCC_ERR_USAGE, "num_channels", "no channels");
  cfg.kind = (qcc_observer_kind)99;
  expect_error(qcc_observer_create(&cfg, &o), QCC_ERR_USAGE, "kind", "bad kind");

  qcc_qspec bad = u8;
  bad.qmin = 1;
  expect_error(qcc_qparams_from_range(-1, 1, &bad, &s, &z), QCC_ERR_USAGE, "qmin", "spec without 0");
  bad = u8;
  bad.eps = 0;
  expect_error(qcc_qparams_from_range(-1, 1, &bad, &s, &z), QCC_ERR_USAGE, "eps", "eps 0");
  expect_error(qcc_qparams_from_range(2, 1, &u8, &s, &z), QCC_ERR_INVALID, "larger", "min > max");
  expect_error(qcc_qparams_from_range(-INFINITY, 1, &u8, &s, &z), QCC_ERR_INVALID, "finite", "inf range");
  expect_error(qcc_qparams_from_range(-3.4e38f, 3.4e38f, &u8, &s, &z), QCC_ERR_UNSUPPORTED, "overflows",
               "scale overflow");

  /* NaN / inf: refused with the index, and the observer keeps its state. */
  const qcc_observer_kind kinds[] = {QCC_OBSERVER_MINMAX, QCC_OBSERVER_MOVING_AVG_MINMAX, QCC_OBSERVER_HISTOGRAM,
                                     QCC_OBSERVER_PERCENTILE, QCC_OBSERVER_ENTROPY};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k) {
    o = make(kinds[k], NULL);
    const float good[6] = {-1.0f, 0.5f, 2.0f, 3.0f, -0.25f, 0.0f};
    float badx[6] = {-1.0f, 0.5f, 2.0f, 3.0f, -0.25f, 0.0f};
    const int64_t shape[2] = {2, 3};
    expect_error(qcc_observer_qparams(o, &u8, &s, &z), QCC_ERR_INVALID, "no data", "qparams before data");
    ok(qcc_observer_update(o, good, shape, 2), "update");
    float s0;
    int32_t z0;
    ok(qcc_observer_qparams(o, &u8, &s0, &z0), "qparams");
    badx[4] = NAN;
    expect_error(qcc_observer_update(o, badx, shape, 2), QCC_ERR_INVALID, "NaN at flat index 4 of a batch of shape [2, 3]",
                 "NaN batch");
    badx[4] = -INFINITY;
    expect_error(qcc_observer_update(o, badx, shape, 2), QCC_ERR_INVALID, "-inf", "inf batch");
    ok(qcc_observer_qparams(o, &u8, &s, &z), "qparams");
    CHECK(same_float(s, s0) && z == z0, "kind %d: a refused batch changed the qparams", (int)kinds[k]);
    CHECK(qcc_observer_num_batches(o) == 1, "refused batches counted");
    /* an empty batch changes nothing */
    const int64_t empty[2] = {0, 3};
    ok(qcc_observer_update(o, NULL, empty, 2), "empty update");
    CHECK(qcc_observer_num_batches(o) == 1, "empty batch counted");
    const int64_t neg[1] = {-2};
    expect_error(qcc_observer_update(o, good, neg, 1), QCC_ERR_INVALID, "negative", "negative dim");
    double h[4];
    double lo, hi;
    if (kinds[k] == QCC_OBSERVER_HISTOGRAM || kinds[k] == QCC_OBSERVER_PERCENTILE || kinds[k] == QCC_OBSERVER_ENTROPY)
      expect_error(qcc_observer_histogram(o, h, 4, &lo, &hi), QCC_ERR_USAGE, "bins", "small histogram buffer");
    else
      expect_error(qcc_observer_histogram(o, h, 4, &lo, &hi), QCC_ERR_USAGE, "no histogram", "histogram of minmax");
    qcc_observer_destroy(o);
  }

  /* Per-channel shape checks. */
  qcc_observer_config_init(&cfg, QCC_OBSERVER_PER_CHANNEL_MINMAX);
  cfg.channel_axis = -1;
  cfg.num_channels = 3;
  ok(qcc_observer_create(&cfg, &o), "create");
  const float w[6] = {1, -2, 3, -4, 5, 0};
  const int64_t good_shape[2] = {2, 3}, bad_shape[2] = {3, 2};
  ok(qcc_observer_update(o, w, good_shape, 2), "per-channel update");
  float mn[3], mx[3];
  ok(qcc_observer_observed_range(o, mn, mx), "range");
  CHECK(mn[0] == -4 && mx[0] == 1 && mn[1] == -2 && mx[1] == 5 && mn[2] == 0 && mx[2] == 3,
        "per-channel axis -1: [%g %g] [%g %g] [%g %g]", mn[0], mx[0], mn[1], mx[1], mn[2], mx[2]);
  expect_error(qcc_observer_update(o, w, bad_shape, 2), QCC_ERR_USAGE, "has 2 channels on axis 1", "wrong channels");
  expect_error(qcc_observer_update(o, w, NULL, 0), QCC_ERR_USAGE, "no channel axis", "scalar per-channel");
  qcc_observer_destroy(o);

  /* A histogram whose range explodes in one batch. */
  o = make(QCC_OBSERVER_HISTOGRAM, NULL);
  const float narrow[2] = {1.0f, 1.0000001f}, wide[2] = {-1e30f, 1e30f};
  const int64_t two[1] = {2};
  ok(qcc_observer_update(o, narrow, two, 1), "narrow");
  expect_error(qcc_observer_update(o, wide, two, 1), QCC_ERR_UNSUPPORTED, "too much to re-bin", "range explosion");
  qcc_observer_destroy(o);
}

static void test_memory_and_determinism(float *x) {
  make_data(1, x);
  const qcc_observer_kind kinds[] = {QCC_OBSERVER_MINMAX,     QCC_OBSERVER_MOVING_AVG_MINMAX, QCC_OBSERVER_HISTOGRAM,
                                     QCC_OBSERVER_PERCENTILE, QCC_OBSERVER_ENTROPY};
  const qcc_qspec specs[] = {qcc_qspec_int8(false, false, false), qcc_qspec_int8(true, true, false)};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k) {
    qcc_observer *a = make(kinds[k], NULL), *b = make(kinds[k], NULL);
    const size_t bytes = qcc_observer_state_bytes(a);
    /* memory: bounded by bins, independent of the number of values */
    CHECK(bytes <= 2048 * 48 + 4096, "kind %d holds %zu bytes", (int)kinds[k], bytes);
    for (int rep = 0; rep < 10; ++rep) feed(a, x); /* 2M values */
    CHECK(qcc_observer_state_bytes(a) == bytes, "kind %d grew from %zu to %zu bytes", (int)kinds[k], bytes,
          qcc_observer_state_bytes(a));
    for (int rep = 0; rep < 10; ++rep) feed(b, x);
    for (size_t s = 0; s < 2; ++s) {
      float sa, sb;
      int32_t za, zb;
      ok(qcc_observer_qparams(a, &specs[s], &sa, &za), "qparams a");
      ok(qcc_observer_qparams(b, &specs[s], &sb, &zb), "qparams b");
      CHECK(same_float(sa, sb) && za == zb, "kind %d: same data, different qparams", (int)kinds[k]);
    }
    qcc_observer_destroy(a);
    qcc_observer_destroy(b);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR (holding expected.txt and data/)\n", argv[0]);
    return 2;
  }
  snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
  run_fixtures();
  float *x = malloc(sizeof(float) * NB * BN);
  test_percentile(x);
  test_entropy(x);
  test_histogram_tiny(x);
  test_constant_data();
  test_errors();
  test_memory_and_determinism(x);
  free(x);
  for (int i = 0; i < g_ntensors; ++i) free(g_tensors[i].data);
  printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
