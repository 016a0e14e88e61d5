/* Int8 depthwise convolution (groups == c_in == c_out): packing, the input
 * planes and the driver of the row kernels (q8_dwconv_internal.h), shared by
 * every ISA. q8_conv_gemm.c calls it from the public qrt_q8_conv2d_* entry
 * points, after its argument checks.
 *
 * Each channel of each image is one job: its input is copied into byte
 * planes (the stored byte, flipped to unsigned for s8; the zero point in the
 * padding; one plane per stride phase a tap reads), the row kernel sums the
 * taps for every output position of the channel into an int32 buffer, and the
 * variant's requantization of q8_conv_gemm (which reproduces
 * qrt_requantize_scalar bit for bit) adds the bias and writes the channel's
 * bytes. Lanes are output positions of one channel: NCHW keeps a
 * channel's plane contiguous, so nothing is transposed, every multiply is
 * useful (the general vector path multiplied 4 channels' zeros), and a
 * stride-1 row reads its taps as shifted unaligned loads of one plane. On
 * AVX512-VNNI CPUs with VBMI and VBMI2, s8-range weights and a finite
 * multiplier, the quad kernel (q8_dwconv_internal.h) replaces the row kernel
 * and the requantization pass: 4 taps per vpdpbusd over flat positions,
 * requantized from the registers; its tables (quads, output masks, and the
 * gather or pair fills of the planes) are built here once per call.
 *
 * Threads: channels (of all images) in blocks as tasks, each worker with its
 * own planes and accumulators in scratch; a channel is computed by the same
 * code whichever worker runs it, so the bytes do not depend on the thread
 * count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "q8_dwconv_internal.h"
#include "qrt_target.h"

/* A one-target build keeps the scalar row and the newest row at or below its
 * level (qrt_target.h); qcc packs a model's depthwise weights for that row. */
#if defined(__x86_64__) || defined(_M_X64)
enum {
  DW_LEVELS = QRT_LEVEL_BIT(QRT_ISA_AVX2_FMA) | QRT_LEVEL_BIT(QRT_ISA_AVX512F) | QRT_LEVEL_BIT(QRT_ISA_AVX512VNNI)
};
#define DW_X86(level, f) QRT_ROW_FN(QRT_ROW_KEPT(level, DW_LEVELS), f)
#else
#define DW_X86(level, f) NULL
#endif
#if defined(__aarch64__)
enum { DW_LEVELS = QRT_LEVEL_BIT(QRT_ISA_NEON) };
#define DW_ARM(level, f) QRT_ROW_FN(QRT_ROW_KEPT(level, DW_LEVELS), f)
#else
#define DW_ARM(level, f) NULL
#endif

/* Oldest first. The AVX-512 kernel needs F + BW (vpmaddwd on zmm); with VNNI
 * it uses vpdpwssd and the avx512vnni requantization. */
static const q8_dw_variant_t kDwVariants[] = {
    {"q8_dw_rows__scalar", QRT_ISA_SCALAR, qrt_q8_dw_rows__scalar, qrt_q8_requant_run, qrt_q8_dw_fill_run,
     NULL, NULL, NULL},
#define AVX2 QRT_ISA_AVX2_FMA
#define AVX512 QRT_ISA_AVX512F
#define VNNI QRT_ISA_AVX512VNNI
    {"q8_dw_rows__avx2", AVX2, DW_X86(AVX2, qrt_q8_dw_rows__avx2), DW_X86(AVX2, qrt_q8_requant__avx2),
     DW_X86(AVX2, qrt_q8_dw_fill_run), NULL, NULL, NULL},
    {"q8_dw_rows__avx512f", AVX512, DW_X86(AVX512, qrt_q8_dw_rows__avx512f), DW_X86(AVX512, qrt_q8_requant__avx2),
     DW_X86(AVX512, qrt_q8_dw_fill__avx512f), NULL, NULL, NULL},
    {"q8_dw_rows__avx512vnni", VNNI, DW_X86(VNNI, qrt_q8_dw_rows__avx512vnni),
     DW_X86(VNNI, qrt_q8_requant__avx512vnni), DW_X86(VNNI, qrt_q8_dw_fill__avx512vnni),
     DW_X86(VNNI, qrt_q8_dw_gather__avx512vnni), DW_X86(VNNI, qrt_q8_dw_pairs__avx512vnni),
     DW_X86(VNNI, qrt_q8_dw_chan__avx512vnni)},
#undef AVX2
#undef AVX512
#undef VNNI
    {"q8_dw_rows__neon", QRT_ISA_NEON, DW_ARM(QRT_ISA_NEON, qrt_q8_dw_rows__neon),
     DW_ARM(QRT_ISA_NEON, qrt_q8_requant__neon),
     DW_ARM(QRT_ISA_NEON, qrt_q8_dw_fill_run), NULL, NULL, NULL},
};
enum { DW_N_VARIANTS = sizeof kDwVariants / sizeof kDwVariants[0] };

/* A switch for before/after measurements: -1 until first read, then the
 * environment variable NAME (=0: off; unset or anything else: on), read once,
 * unless a setter stored 0 or 1 first. */
static int env_switch(volatile int *state, const char *name) {
  if (*state < 0) {
    const char *e = getenv(name);
    *state = !(e && e[0] == '0');
  }
  return *state;
}

/* QRT_Q8_DWCONV=0 or qrt_q8_set_pack_dwconv(0): depthwise convs through the
 * general conv path (whole-model before/after measurements). */
static volatile int dw_enabled = -1;
static int dw_on(void) { return env_switch(&dw_enabled, "QRT_Q8_DWCONV"); }

int qrt_q8_set_pack_dwconv(int enable) {
  const int old = dw_on();
  dw_enabled = enable != 0;
  return old;
}

/* QRT_Q8_DW_QUADS=0 or qrt_q8_dw_set_quads(0): the row kernels where the quad
 * kernel would run (the same bytes). */
static volatile int dw_quads_enabled = -1;
static int dw_quads_on(void) { return env_switch(&dw_quads_enabled, "QRT_Q8_DW_QUADS"); }

int qrt_q8_dw_set_quads(int enable) {
  const int old = dw_quads_on();
  dw_quads_enabled = enable != 0;
  return old;
}

/* QRT_Q8_DW_GATHER=0: small planes by the masked copies, not the gather fill. */
static volatile int dw_gather_enabled = -1;
static int dw_gather_on(void) { return env_switch(&dw_gather_enabled, "QRT_Q8_DW_GATHER"); }

int qrt_q8_dw_applies(int64_t groups, int64_t c_in, int64_t c_out) {
  return groups > 1 && c_in == groups && c_out == groups && dw_on();
}

/* After the int32 weights: s8_ok (64 bytes), then wb[C][T] and 64 zero bytes. */
static size_t dw_wb_offset(int64_t c, int64_t taps) { return q8_align64((size_t)(c * taps) * 4) + 64; }

size_t qrt_q8_dw_packed_size(int64_t c, int64_t kh, int64_t kw) {
  return 128 + 2 * q8_align64((size_t)c * 4) + dw_wb_offset(c, kh * kw) + q8_align64((size_t)(c * kh * kw) + 64);
}

/* ---- packing ---------------------------------------------------------------------- */

static int dw_is_arm(qrt_isa_t isa) { return isa >= QRT_ISA_NEON; }

/* The newest row up to `limit`; the scalar row serves every architecture. A
 * level of the other architecture picks among that one's rows (packing is
 * portable: the layout is the same for every row). */
static const q8_dw_variant_t *dw_choose(qrt_isa_t limit) {
  const q8_dw_variant_t *best = &kDwVariants[0];
  const int native = limit == QRT_ISA_NATIVE;
  const qrt_isa_t cpu = qrt_active_isa();
  for (int i = 1; i < DW_N_VARIANTS; i++) {
    const q8_dw_variant_t *v = &kDwVariants[i];
    if (native ? !v->rows || v->isa > cpu : v->isa > limit || dw_is_arm(v->isa) != dw_is_arm(limit)) continue;
    best = v;
  }
  return best;
}

void qrt_q8_dw_pack(const q8_pack_args_t *a, qrt_isa_t limit, void *packed) {
  const q8_dw_variant_t *v = dw_choose(limit);
  qrt_q8_pack_common(a, (int32_t)v->isa, packed);
  q8_packed_header_t *h = (q8_packed_header_t *)packed;
  h->kind = Q8_KIND_DWCONV;
  const q8_packed_view_t pv = q8_view(packed);
  int32_t *wt = (int32_t *)pv.rest, *bias = (int32_t *)pv.bias;
  const int64_t taps = a->kernel_h * a->kernel_w;
  const uint32_t zu = (uint32_t)q8_xoff(a->x_type, a->x->zero_point).zflip;
  int8_t *wb = (int8_t *)pv.rest + dw_wb_offset(a->c_out, taps);
  int32_t s8_ok = 1;
  memset(wt, 0, dw_wb_offset(a->c_out, taps));
  memset(wb, 0, q8_align64((size_t)(a->c_out * taps) + 64));
  for (int64_t c = 0; c < a->c_out; c++) {
    const int32_t zw = a->wq->zero_points ? a->wq->zero_points[a->wq->n_zero_points == 1 ? 0 : c] : 0;
    int32_t sum = 0; /* |sum| <= 255 * taps: the bound makes it fit */
    for (int64_t t = 0; t < taps; t++) {
      const int32_t d = qrt_q8_load(a->wq->type, a->w, c * taps + t) - zw;
      wt[c * taps + t] = (int32_t)(uint16_t)(int16_t)d; /* low half: w - zw, high half 0 */
      wb[c * taps + t] = (int8_t)d;
      s8_ok &= d >= -128 && d <= 127;
      sum += d;
    }
    /* the planes hold x - zx + zu: take zu * sum (w - zw) back, modulo 2^32 */
    bias[c] = (int32_t)((uint32_t)bias[c] - zu * (uint32_t)sum);
  }
  memcpy((char *)pv.rest + q8_align64((size_t)(a->c_out * taps) * 4), &s8_ok, 4);
}

/* ---- geometry --------------------------------------------------------------------- */

/* The quads' part of the table: src [16][2] int64, idx [16][64], wsel [64]. */
enum { DW_QUAD_TABLE = Q8_DW_MAX_QUADS * 16 + Q8_DW_MAX_QUADS * 64 + 64 };

typedef struct {
  int64_t OH, OW, Hph, Wph, n_phase, taps;
  int64_t L;         /* bytes per phase plane, tail included (a multiple of 64) */
  int64_t nvec;      /* the quad kernel's vectors: 16 flat positions of OH * Wph */
  size_t table;      /* bytes of the tap table, the used-phase marks and the quads, at the start of scratch */
  size_t worker;     /* bytes of one worker's planes and accumulators */
} dw_geom_t;

static int dw_geom(const qrt_conv2d_params_t *p, int64_t h, int64_t w, dw_geom_t *g) {
  if (qrt_conv2d_output_size(p, h, w, &g->OH, &g->OW) != QRT_OK) return 0;
  const int64_t Hp = h + p->pad_top + p->pad_bottom, Wp = w + p->pad_left + p->pad_right;
  g->Hph = (Hp + p->stride_h - 1) / p->stride_h;
  g->Wph = (Wp + p->stride_w - 1) / p->stride_w;
  g->n_phase = p->stride_h * p->stride_w;
  g->taps = p->kernel_h * p->kernel_w;
  g->L = (int64_t)q8_align64((size_t)(g->Hph * g->Wph + Q8_DW_TAIL));
  g->nvec = (g->OH * g->Wph + 15) / 16;
  /* off[taps], used[n_phase], copies (at most one per tap), quads, vmask[nvec], chunks or pairs */
  g->table = q8_align64((size_t)g->taps * 8) + q8_align64((size_t)g->n_phase) + q8_align64((size_t)g->taps * 32) +
             DW_QUAD_TABLE + q8_align64((size_t)g->nvec * 2) + sizeof(q8_dw_chunk_t) * Q8_DW_MAX_CHUNKS;
  g->worker = (size_t)(g->n_phase * g->L) + q8_align64((size_t)(g->OH * g->OW + Q8_DW_TAIL) * 4);
  return 1;
}

size_t qrt_q8_dw_scratch_size(const qrt_conv2d_params_t *p, int64_t h, int64_t w, int threads) {
  dw_geom_t g;
  if (!dw_geom(p, h, w, &g)) return 0;
  return 64 + g.table + (size_t)(threads < 1 ? 1 : threads) * g.worker;
}

/* ---- running ---------------------------------------------------------------------- */

typedef struct {
  const q8_dw_variant_t *v;
  const qrt_conv2d_params_t *p;
  dw_geom_t g;
  q8_packed_view_t pv;
  q8_xoff_t xo;
  q8_out_t out;
  const uint8_t *x;
  const int64_t *off;
  q8_dw_quads_t quads;
  q8_dw_fill_t fill;
  const int8_t *wb;  /* the packed byte weights, when the quad kernel runs */
  uint8_t *y, *work; /* worker i's planes at work + i * g.worker */
  int64_t c, h, w, per_task, jobs; /* jobs = n * c channels of all images */
} dw_job_t;

void qrt_q8_dw_fill_run(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes) {
  for (int64_t i = 0; i < f->n; i++) {
    const q8_dw_copy_t *c = &f->c[i];
    for (int64_t r = 0; r < c->rows; r++) {
      const uint8_t *s = src + c->src + r * f->src_ld;
      uint8_t *d = planes + c->dst + r * f->dst_ld;
      for (int64_t k = 0; k < c->cols; k++) d[k] = s[k * f->sw] ^ f->flip;
    }
  }
}

/* The copies of dw_fill: per phase plane a tap reads, the rows r and columns
 * k of the plane with an input byte (0 <= r*sh + py - pt < h, 0 <= k*sw + px -
 * pl < w). Returns their count. */
static __attribute__((cold)) int64_t dw_copies(const qrt_conv2d_params_t *p, const dw_geom_t *g, int64_t h,
                                               int64_t w, const uint8_t *used, q8_dw_copy_t *cp) {
  const int64_t sh = p->stride_h, sw = p->stride_w, pt = p->pad_top, pl = p->pad_left;
  int64_t n = 0;
  for (int64_t ph = 0; ph < g->n_phase; ph++) {
    if (!used[ph]) continue;
    const int64_t py = ph / sw, px = ph % sw;
    const int64_t c0 = pl > px ? (pl - px + sw - 1) / sw : 0;
    int64_t c1 = w - 1 + pl - px < 0 ? 0 : (w - 1 + pl - px) / sw + 1;
    if (c1 > g->Wph) c1 = g->Wph;
    const int64_t r0 = pt > py ? (pt - py + sh - 1) / sh : 0;
    int64_t r1 = h - 1 + pt - py < 0 ? 0 : (h - 1 + pt - py) / sh + 1;
    if (r1 > g->Hph) r1 = g->Hph;
    if (r0 >= r1 || c0 >= c1) continue;
    cp[n++] = (q8_dw_copy_t){r1 - r0, c1 - c0, (r0 * sh + py - pt) * w + c0 * sw + px - pl,
                             ph * g->L + r0 * g->Wph + c0};
  }
  return n;
}

/* The chunks of the gather fill (q8_dw_chunk_t) for the planes of the phases
 * a tap reads; 0 when there would be more than Q8_DW_MAX_CHUNKS or a chunk's
 * input bytes span more than 256 (then the copies run). */
static __attribute__((cold)) int64_t dw_chunks(const qrt_conv2d_params_t *p, const dw_geom_t *g, int64_t h,
                                               int64_t w, const uint8_t *used, q8_dw_chunk_t *ch) {
  const int64_t sh = p->stride_h, sw = p->stride_w, pt = p->pad_top, pl = p->pad_left, P = g->Hph * g->Wph;
  int64_t n = 0;
  for (int64_t ph = 0; ph < g->n_phase; ph++) {
    if (!used[ph]) continue;
    const int64_t py = ph / sw, px = ph % sw;
    for (int64_t b0 = 0; b0 < P; b0 += 64) {
      if (n == Q8_DW_MAX_CHUNKS) return 0;
      q8_dw_chunk_t *c = &ch[n++];
      int64_t s[64], lo = INT64_MAX, hi = -1, r = b0 / g->Wph, x = b0 % g->Wph;
      for (int64_t b = 0; b < 64; b++) {
        const int64_t iy = r * sh + py - pt, ix = x * sw + px - pl;
        s[b] = b0 + b < P && iy >= 0 && iy < h && ix >= 0 && ix < w ? iy * w + ix : -1;
        if (s[b] >= 0) lo = s[b] < lo ? s[b] : lo, hi = s[b] > hi ? s[b] : hi;
        if (++x == g->Wph) x = 0, r++;
      }
      if (hi < 0) lo = hi = 0; /* all padding */
      if (hi - lo >= 256) return 0;
      memset(c, 0, sizeof *c);
      c->src = lo, c->dst = ph * g->L + b0;
      for (int64_t b = 0; b < 64; b++) {
        if (s[b] < 0) continue;
        c->idx[b] = (uint8_t)((s[b] - lo) & 127);
        c->pad |= 1ull << b;
        if (s[b] - lo >= 128) c->hmask |= 1ull << b;
      }
      for (int64_t i = 0; i < 4; i++) { /* bytes of [src + 64i, src + 64i + 64) inside the input */
        const int64_t left = h * w - (lo + 64 * i);
        c->lmask[i] = left >= 64 ? ~0ull : left <= 0 ? 0 : (1ull << left) - 1;
      }
    }
  }
  return n;
}

/* Channel jobs [t*per_task, ...) (job = image * c + channel) on `worker`'s
 * scratch. Not inlined into qrt_q8_dw_run, which is cold. */
static __attribute__((noinline)) void dw_task(void *arg, int64_t t, int worker) {
  const dw_job_t *j = (const dw_job_t *)arg;
  const dw_geom_t *g = &j->g;
  uint8_t *planes = j->work + (size_t)worker * g->worker;
  int32_t *acc = (int32_t *)(planes + g->n_phase * g->L);
  const int64_t taps = g->taps, ohw = g->OH * g->OW;
  const int64_t end = (t + 1) * j->per_task < j->jobs ? (t + 1) * j->per_task : j->jobs;
  memset(planes, (uint8_t)j->xo.zflip, (size_t)(g->n_phase * g->L)); /* padding and tails: zu */
  for (int64_t job = t * j->per_task; job < end; job++) {
    const int64_t c = job % j->c;
    /* over the previous channel's input bytes only */
    (j->fill.n_chunks ? j->v->gather : j->fill.n_pairs ? j->v->pairs : j->v->fill)(&j->fill, j->x + job * j->h * j->w,
                                                                                  planes);
    const float m = j->pv.scale[c];
    if (j->wb && isfinite(m)) {
      j->v->chan(&j->quads, planes, j->wb + c * taps, j->pv.bias[c], m, &j->out, j->y + job * ohw);
      continue;
    }
    j->v->rows(g->OH, g->OW, g->Wph, taps, j->off, planes, (const int32_t *)j->pv.rest + c * taps, acc);
    j->v->requant(ohw, acc, &j->pv.bias[c], &j->pv.scale[c], 0, &j->out, j->y + job * ohw);
  }
}

/* Quad qi's next slot takes tap t (column col) from source sel (0 or 1). */
static void dw_quad_add(q8_dw_quads_t *q, uint8_t *idx, uint8_t *wsel, int64_t *fill, int64_t qi, int64_t t,
                        int64_t col, int64_t sel) {
  const int64_t slot = fill[qi]++;
  for (int64_t i = 0; i < 16; i++) idx[qi * 64 + 4 * i + slot] = (uint8_t)(i + col + 64 * sel);
  wsel[4 * qi + slot] = (uint8_t)t;
  q->wmask |= 1ull << (4 * qi + slot);
}

/* Groups the taps in quads (q8_dwconv_internal.h) and writes their tables at
 * `table` (DW_QUAD_TABLE bytes, 64-aligned) and the output masks at vmask.
 * The taps of each source (phase plane, row offset), in tap order, fill
 * one-source quads 4 at a time (a 3x3 stride-1 kernel: one quad per kernel
 * row, one load and one vpermb each); the remainders (1 to 3 taps) are
 * paired, largest first, into two-source quads where they fit (3x3 stride 2:
 * 6 sources of 1 or 2 taps in 3 quads). 0 when the kernel does not fit the
 * quad kernel (more than 64 taps or Q8_DW_MAX_QUADS quads, or a column past
 * Q8_DW_QUAD_COL); then the row kernel runs. */
static __attribute__((cold)) int dw_quads(const qrt_conv2d_params_t *p, const dw_geom_t *g, uint8_t *table,
                                          uint16_t *vmask, q8_dw_quads_t *q) {
  if (g->taps > 64) return 0;
  int64_t *src = (int64_t *)table;
  uint8_t *idx = table + Q8_DW_MAX_QUADS * 16, *wsel = idx + Q8_DW_MAX_QUADS * 64;
  int64_t key[64], col[64], n_src = 0, srcs[64];
  for (int64_t t = 0; t < g->taps; t++) {
    const int64_t dy = t / p->kernel_w * p->dilation_h, dx = t % p->kernel_w * p->dilation_w;
    key[t] = ((dy % p->stride_h) * p->stride_w + dx % p->stride_w) * g->L + dy / p->stride_h * g->Wph;
    col[t] = dx / p->stride_w;
    if (col[t] > Q8_DW_QUAD_COL) return 0;
    int64_t i = 0;
    while (i < n_src && srcs[i] != key[t]) i++;
    if (i == n_src) srcs[n_src++] = key[t];
  }
  memset(idx, 0, Q8_DW_MAX_QUADS * 64 + 64);
  q->wmask = 0;
  int64_t nq = 0, fill[Q8_DW_MAX_QUADS] = {0}, rem[64], n_rem = 0; /* rem: sources with 1-3 taps left */
  for (int64_t si = 0; si < n_src; si++) {
    int64_t n = 0, k = 0;
    for (int64_t t = 0; t < g->taps; t++) n += key[t] == srcs[si];
    for (int64_t t = 0; t < g->taps && k < n / 4 * 4; t++) {
      if (key[t] != srcs[si]) continue;
      if (k++ % 4 == 0) {
        if (nq == Q8_DW_MAX_QUADS) return 0;
        src[2 * nq] = src[2 * nq + 1] = srcs[si], nq++;
      }
      dw_quad_add(q, idx, wsel, fill, nq - 1, t, col[t], 0);
    }
    if (n % 4) rem[n_rem++] = si;
  }
  /* the remainders, largest first (stable), first fit into a quad with one source and room */
  const int64_t first_pair = nq;
  for (int64_t size = 3; size >= 1; size--)
    for (int64_t r = 0; r < n_rem; r++) {
      const int64_t si = rem[r];
      int64_t n = 0;
      for (int64_t t = 0; t < g->taps; t++) n += key[t] == srcs[si];
      if (n % 4 != size) continue;
      int64_t qi = first_pair;
      while (qi < nq && (src[2 * qi] != src[2 * qi + 1] || fill[qi] + size > 4)) qi++;
      if (qi == nq) {
        if (nq == Q8_DW_MAX_QUADS) return 0;
        src[2 * nq] = src[2 * nq + 1] = srcs[si], nq++;
      } else {
        src[2 * qi + 1] = srcs[si];
      }
      const int64_t sel = src[2 * qi] == srcs[si] ? 0 : 1;
      for (int64_t t = 0, k = 0; t < g->taps; t++)
        if (key[t] == srcs[si] && k++ >= n - size) dw_quad_add(q, idx, wsel, fill, qi, t, col[t], sel);
    }
  /* runs of output columns, vector by vector (x: the column of lane i) */
  const int64_t P = g->OH * g->Wph;
  int64_t x = 0;
  for (int64_t v = 0; v < g->nvec; v++) {
    unsigned m = 0;
    const int64_t lanes = P - 16 * v < 16 ? P - 16 * v : 16;
    for (int64_t i = 0; i < lanes;) {
      const int64_t run = x < g->OW ? g->OW - x : g->Wph - x, k = run < lanes - i ? run : lanes - i;
      if (x < g->OW) m |= ((1u << k) - 1) << i;
      i += k, x += k;
      if (x == g->Wph) x = 0;
    }
    vmask[v] = (uint16_t)m;
  }
  q->n_quads = nq, q->nvec = g->nvec, q->src = src, q->idx = idx, q->wsel = wsel, q->vmask = vmask;
  return 1;
}

/* Tasks per worker: enough to even out the workers' loads, few enough that the
 * pool's hand-out is cheap next to a task (a 7x7 layer's 960 channels go in
 * blocks of 60 on two threads). */
enum { DW_TASKS_PER_WORKER = 8 };

/* The per-call setup (tap offsets, copies, quads, chunks, pairs) and the tasks.
 * The setup and its helpers are `cold`, optimized for size: they run once per
 * layer, and GCC's -O3 made them 7.4 KB of a model's library (docs/codegen.md,
 * "Sizes"); the per-channel work is dw_task's and the kernels'. */
__attribute__((cold)) qrt_status_t qrt_q8_dw_run(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n,
                                                 int64_t c, int64_t h, int64_t w, const void *x,
                                                 const void *packed, void *y, void *scratch, size_t scratch_size) {
  dw_job_t j;
  j.pv = q8_view(packed);
  j.v = NULL;
  for (int i = 0; i < DW_N_VARIANTS; i++)
    if ((int32_t)kDwVariants[i].isa == j.pv.h->variant && kDwVariants[i].rows) j.v = &kDwVariants[i];
  if (!j.v || qrt_cpu_isa() < j.v->isa) return QRT_UNSUPPORTED;
  if (!dw_geom(p, h, w, &j.g)) return QRT_INVALID_ARGUMENT;
  if (!scratch) return QRT_INVALID_ARGUMENT;
  if (scratch_size < qrt_q8_dw_scratch_size(p, h, w, 1)) return QRT_BUFFER_TOO_SMALL;
  int threads = qrt_pool_threads(pool);
  /* a scratch sized for fewer workers runs on one thread (the same bytes) */
  if (threads > 1 && scratch_size < qrt_q8_dw_scratch_size(p, h, w, threads)) threads = 1;
  uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
  int64_t *off = (int64_t *)base;
  uint8_t *used = base + q8_align64((size_t)j.g.taps * 8);
  memset(used, 0, (size_t)j.g.n_phase);
  for (int64_t ky = 0; ky < p->kernel_h; ky++)
    for (int64_t kx = 0; kx < p->kernel_w; kx++) {
      const int64_t dy = ky * p->dilation_h, dx = kx * p->dilation_w;
      const int64_t ph = (dy % p->stride_h) * p->stride_w + dx % p->stride_w;
      used[ph] = 1;
      off[ky * p->kernel_w + kx] = ph * j.g.L + dy / p->stride_h * j.g.Wph + dx / p->stride_w;
    }
  j.p = p, j.off = off, j.work = base + j.g.table;
  /* the quad kernel: in the row, on a CPU with VBMI, weights in s8, quads that fit */
  q8_dw_copy_t *copies = (q8_dw_copy_t *)(used + q8_align64((size_t)j.g.n_phase));
  j.xo = q8_xoff((qrt_dtype_t)j.pv.h->x_type, j.pv.h->x_zero_point);
  j.fill = (q8_dw_fill_t){dw_copies(p, &j.g, h, w, used, copies), p->stride_w, p->stride_h * w, j.g.Wph, copies,
                          j.xo.flip, (uint8_t)j.xo.zflip, 0, NULL, 0, w, p->pad_left, NULL};
  uint8_t *qtab = (uint8_t *)copies + q8_align64((size_t)j.g.taps * 32);
  q8_dw_chunk_t *chunks = (q8_dw_chunk_t *)(qtab + DW_QUAD_TABLE + q8_align64((size_t)j.g.nvec * 2));
  const int taps = (int)j.g.taps;
  int32_t s8_ok;
  memcpy(&s8_ok, (const char *)j.pv.rest + q8_align64((size_t)(c * taps) * 4), 4);
  j.wb = NULL;
  if (j.v->chan && dw_quads_on() && (qrt_cpu_features() & (QRT_CPU_AVX512VBMI | QRT_CPU_AVX512VBMI2)) == (QRT_CPU_AVX512VBMI | QRT_CPU_AVX512VBMI2) &&
      s8_ok &&
      dw_quads(p, &j.g, qtab, (uint16_t *)(qtab + DW_QUAD_TABLE), &j.quads))
    j.wb = (const int8_t *)j.pv.rest + dw_wb_offset(c, taps);
  if (j.wb && j.v->gather && dw_gather_on()) j.fill.n_chunks = dw_chunks(p, &j.g, h, w, used, chunks), j.fill.chunk = chunks;
  if (j.wb && j.v->pairs && !j.fill.n_chunks && p->stride_w == 2 && p->stride_h <= Q8_DW_MAX_CHUNKS &&
      dw_gather_on()) {
    /* per row phase with a used plane: its rows, the input's first, its two planes' (q8_dw_pair_t) */
    q8_dw_pair_t *pairs = (q8_dw_pair_t *)chunks; /* in the chunks' space: 8 chunks hold 32 pairs */
    const int64_t sh = p->stride_h, pt = p->pad_top;
    for (int64_t py = 0; py < sh; py++) {
      if (!used[2 * py] && !used[2 * py + 1]) continue;
      const int64_t r0 = pt > py ? (pt - py + sh - 1) / sh : 0;
      int64_t r1 = h - 1 + pt - py < 0 ? 0 : (h - 1 + pt - py) / sh + 1;
      if (r1 > j.g.Hph) r1 = j.g.Hph;
      if (r0 >= r1) continue;
      pairs[j.fill.n_pairs++] = (q8_dw_pair_t){r1 - r0, (r0 * sh + py - pt) * w,
                                               {2 * py * j.g.L + r0 * j.g.Wph, (2 * py + 1) * j.g.L + r0 * j.g.Wph}};
    }
    j.fill.pair = pairs;
  }
  j.out = (q8_out_t){j.pv.h->y_zero_point, j.pv.h->y_qmin, j.pv.h->y_qmax};
  j.x = (const uint8_t *)x, j.y = (uint8_t *)y;
  j.c = c, j.h = h, j.w = w, j.jobs = n * c;
  const int64_t want = threads > 1 ? (int64_t)threads * DW_TASKS_PER_WORKER : 1;
  j.per_task = (j.jobs + want - 1) / want;
  const int64_t tasks = (j.jobs + j.per_task - 1) / j.per_task;
  if (threads > 1) {
    qrt_pool_run(pool, tasks, dw_task, &j);
  } else {
    for (int64_t t = 0; t < tasks; t++) dw_task(&j, t, 0);
  }
  return QRT_OK;
}
