/* Weight-only Linear (qrt_wo.h): argument checks, packing, the variant table
 * and the tile loop. The microkernels are in wo_gemm__<isa>.c; the packed
 * layout and their contract in wo_internal.h. */
#include <math.h>
#include <string.h>

#include "qrt/qrt_data.h"
#include "qrt_internal.h"
#include "wo_internal.h"

/* ---- variants, oldest ISA first ------------------------------------------------ */
/* A one-target build keeps the scalar row and the newest at or below its level
 * (qrt_target.h): the others have NULL tiles. */
#if defined(__x86_64__) || defined(_M_X64)
enum { QRT_WO_LEVELS = QRT_LEVEL_BIT(QRT_ISA_AVX2_FMA) | QRT_LEVEL_BIT(QRT_ISA_AVX512F) };
#elif defined(__aarch64__)
enum { QRT_WO_LEVELS = QRT_LEVEL_BIT(QRT_ISA_NEON) };
#endif
#define QRT_WO_ROW(name, level, features, mr, nr, isa)                                                         \
  {name, level, features, mr, nr, QRT_WO_FN(level, qrt_wo_gemm_s8__##isa), QRT_WO_FN(level, qrt_wo_gemm_q4__##isa), \
   QRT_WO_FN(level, qrt_wo_gemm_f16__##isa), QRT_WO_FN(level, qrt_wo_dequant_s8__##isa),                        \
   QRT_WO_FN(level, qrt_wo_dequant_q4__##isa), QRT_WO_FN(level, qrt_wo_dequant_f16__##isa),                     \
   QRT_WO_FN(level, qrt_wo_gemm_f32__##isa)}
#define QRT_WO_FN(level, f) QRT_ROW_FN(QRT_ROW_KEPT(level, QRT_WO_LEVELS), f)
static const qrt_wo_ukernel_t qrt_wo_ukernels[] = {
    {"wo_gemm_4x8__scalar", QRT_ISA_SCALAR, 0, QRT_WO_SCALAR_MR, QRT_WO_SCALAR_NR,
     qrt_wo_gemm_s8__scalar, qrt_wo_gemm_q4__scalar, qrt_wo_gemm_f16__scalar, NULL, NULL, NULL, NULL},
#if defined(__x86_64__) || defined(_M_X64)
    /* x86-64-v3 includes F16C; the ISA level does not check it, the row does. */
    QRT_WO_ROW("wo_gemm_4x16__avx2_f16c", QRT_ISA_AVX2_FMA, QRT_CPU_F16C, QRT_WO_AVX2_MR, QRT_WO_AVX2_NR, avx2_f16c),
    QRT_WO_ROW("wo_gemm_8x32__avx512f", QRT_ISA_AVX512F, 0, QRT_WO_AVX512_MR, QRT_WO_AVX512_NR, avx512f),
#endif
#if defined(__aarch64__)
    QRT_WO_ROW("wo_gemm_4x16__neon", QRT_ISA_NEON, 0, QRT_WO_NEON_MR, QRT_WO_NEON_NR, neon),
#endif
};
#undef QRT_WO_ROW
#undef QRT_WO_FN
enum { QRT_WO_NVARIANTS = (int)(sizeof qrt_wo_ukernels / sizeof qrt_wo_ukernels[0]) };
_Static_assert(sizeof(qrt_wo_header_t) <= QRT_WO_HEADER_BYTES, "the header outgrew its bytes");

static int qrt_wo_cpu_has(const qrt_wo_ukernel_t *v) {
  return qrt_cpu_isa() >= v->isa && (qrt_cpu_features() & v->features) == v->features;
}

/* The newest variant at or below isa (scalar at worst); with cpu_only, only
 * those this CPU can run. */
static const qrt_wo_ukernel_t *qrt_wo_select(qrt_isa_t isa, int cpu_only) {
  const qrt_wo_ukernel_t *best = &qrt_wo_ukernels[0];
  for (int i = 1; i < QRT_WO_NVARIANTS; i++)
    if (qrt_wo_ukernels[i].isa <= isa && qrt_wo_ukernels[i].s8 && (!cpu_only || qrt_wo_cpu_has(&qrt_wo_ukernels[i])))
      best = &qrt_wo_ukernels[i];
  return best;
}

static const qrt_wo_ukernel_t *qrt_wo_by_isa(uint32_t isa) {
  for (int i = 0; i < QRT_WO_NVARIANTS; i++)
    if ((uint32_t)qrt_wo_ukernels[i].isa == isa && qrt_wo_ukernels[i].s8) return &qrt_wo_ukernels[i];
  return NULL;
}

const char *qrt_wo_format_name(qrt_wo_format_t fmt) {
  switch (fmt) {
    case QRT_WO_S8_CHANNEL: return "s8_channel";
    case QRT_WO_S4_GROUP: return "s4_group";
    case QRT_WO_U4_GROUP: return "u4_group";
    case QRT_WO_F16: return "f16";
  }
  return NULL;
}

static int qrt_wo_is4(qrt_wo_format_t fmt) { return fmt == QRT_WO_S4_GROUP || fmt == QRT_WO_U4_GROUP; }

/* Shape and group checks shared by every entry point. The size limit keeps
 * every byte count below 2^62. */
static int qrt_wo_shape_ok(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group) {
  if (!qrt_wo_format_name(fmt) || n < 0 || k < 0 || n > ((int64_t)1 << 40) || k > ((int64_t)1 << 40) ||
      (n > 0 && k > ((int64_t)1 << 56) / n))
    return 0;
  if (qrt_wo_is4(fmt)) return (group == 32 || group == 64 || group == 128) && k % group == 0;
  return 1;
}

static int64_t qrt_wo_groups(qrt_wo_format_t fmt, int64_t k, int64_t group) {
  if (qrt_wo_is4(fmt)) return k / group;
  return fmt == QRT_WO_S8_CHANNEL ? 1 : 0;
}

static uint64_t qrt_wo_round64(uint64_t b) { return (b + 63) & ~(uint64_t)63; }

/* Fills the header's sizes and offsets for panel width nr; returns the total. */
static uint64_t qrt_wo_layout(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group, int64_t nr,
                              int has_bias, qrt_wo_header_t *h) {
  const uint64_t panels = (uint64_t)((n + nr - 1) / nr), g = (uint64_t)qrt_wo_groups(fmt, k, group);
  uint64_t wb;
  switch (fmt) {
    case QRT_WO_S8_CHANNEL: wb = (uint64_t)k * (uint64_t)nr; break;
    case QRT_WO_F16: wb = 2 * (uint64_t)k * (uint64_t)nr; break;
    default: wb = (uint64_t)k / 2 * (uint64_t)nr; break;
  }
  memset(h, 0, sizeof *h);
  h->magic = QRT_WO_MAGIC;
  h->fmt = (uint32_t)fmt;
  h->nr = (uint32_t)nr;
  h->n = n, h->k = k, h->group = qrt_wo_is4(fmt) ? group : 0;
  h->has_bias = has_bias ? 1u : 0u;
  h->panel_bytes = qrt_wo_round64(wb);
  h->w_off = QRT_WO_HEADER_BYTES;
  h->s_off = h->w_off + panels * h->panel_bytes;
  h->zp_off = h->s_off + qrt_wo_round64(panels * g * (uint64_t)nr * sizeof(float));
  const uint64_t zpb = fmt == QRT_WO_U4_GROUP ? qrt_wo_round64(panels * g * (uint64_t)nr) : 0;
  h->bias_off = h->zp_off + zpb;
  return h->bias_off + qrt_wo_round64(panels * (uint64_t)nr * sizeof(float)); /* bias: always room */
}

size_t qrt_wo_gemm_packed_size(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group) {
  if (!qrt_wo_shape_ok(fmt, n, k, group)) return 0;
  uint64_t most = 0;
  qrt_wo_header_t h;
  for (int i = 0; i < QRT_WO_NVARIANTS; i++) {
    const uint64_t b = qrt_wo_layout(fmt, n, k, group, qrt_wo_ukernels[i].nr, 1, &h);
    if (b > most) most = b;
  }
  return (size_t)most;
}

/* Value checks of the plain inputs (before anything is written). */
static qrt_status_t qrt_wo_check_inputs(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group,
                                        const void *q, const float *scales, const void *zero_points) {
  if (!qrt_wo_shape_ok(fmt, n, k, group)) return QRT_INVALID_ARGUMENT;
  if (n == 0 || k == 0) return QRT_OK;
  const int64_t g = qrt_wo_groups(fmt, k, group);
  if (!q || (g > 0 && !scales) || (fmt == QRT_WO_U4_GROUP && !zero_points)) return QRT_INVALID_ARGUMENT;
  for (int64_t i = 0; i < n * g; i++)
    if (!isfinite(scales[i])) return QRT_INVALID_ARGUMENT;
  if (fmt == QRT_WO_S4_GROUP) {
    const int8_t *v = (const int8_t *)q;
    for (int64_t i = 0; i < n * k; i++)
      if (v[i] < -8 || v[i] > 7) return QRT_INVALID_ARGUMENT;
  } else if (fmt == QRT_WO_U4_GROUP) {
    const uint8_t *v = (const uint8_t *)q, *z = (const uint8_t *)zero_points;
    for (int64_t i = 0; i < n * k; i++)
      if (v[i] > 15) return QRT_INVALID_ARGUMENT;
    for (int64_t i = 0; i < n * g; i++)
      if (z[i] > 15) return QRT_INVALID_ARGUMENT;
  }
  return QRT_OK;
}

/* The 4-bit code stored for weight (col, kk): s4 is biased by 8. */
static uint8_t qrt_wo_code(qrt_wo_format_t fmt, const void *q, int64_t idx) {
  if (fmt == QRT_WO_S4_GROUP) return (uint8_t)(((const int8_t *)q)[idx] + 8);
  return ((const uint8_t *)q)[idx];
}

/* Where the plain inputs keep element (col, kk) and parameter (col, group):
 * q[col*qn + kk*qk], scales/zero points [col*pn + gi*pg]. */
typedef struct {
  int64_t qn, qk, pn, pg;
} qrt_wo_src_t;

static void qrt_wo_pack_panel(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t nr, int64_t n0,
                              const void *q, const qrt_wo_src_t *src, uint8_t *dst) {
  for (int64_t kk = 0; kk < k; kk += (qrt_wo_is4(fmt) ? 2 : 1))
    for (int64_t j = 0; j < nr; j++) {
      const int64_t col = n0 + j, row = kk * nr + j, at = col * src->qn + kk * src->qk;
      const int live = col < n;
      switch (fmt) {
        case QRT_WO_S8_CHANNEL: ((int8_t *)dst)[row] = live ? ((const int8_t *)q)[at] : 0; break;
        case QRT_WO_F16: {
          const uint16_t v = live ? ((const uint16_t *)q)[at] : 0;
          memcpy(dst + 2 * row, &v, 2);
          break;
        }
        default: {
          const uint8_t pad = fmt == QRT_WO_S4_GROUP ? 8 : 0;
          const uint8_t lo = live ? qrt_wo_code(fmt, q, at) : pad;
          const uint8_t hi = live ? qrt_wo_code(fmt, q, at + src->qk) : pad;
          dst[kk / 2 * nr + j] = (uint8_t)(lo | hi << 4);
          break;
        }
      }
    }
}

static qrt_status_t qrt_wo_pack_src(qrt_isa_t isa, qrt_wo_format_t fmt, int64_t n, int64_t k,
                                    int64_t group, const void *q, const float *scales,
                                    const void *zero_points, const float *bias, const qrt_wo_src_t *src,
                                    void *packed, size_t packed_size) {
  const qrt_status_t st = qrt_wo_check_inputs(fmt, n, k, group, q, scales, zero_points);
  if (st != QRT_OK) return st;
  if (!packed) return QRT_INVALID_ARGUMENT;
  if (packed_size < qrt_wo_gemm_packed_size(fmt, n, k, group)) return QRT_BUFFER_TOO_SMALL;
  const qrt_wo_ukernel_t *v = qrt_wo_select(isa, 0);
  qrt_wo_header_t h;
  const uint64_t total = qrt_wo_layout(fmt, n, k, group, v->nr, bias != NULL, &h);
  h.isa = (uint32_t)v->isa;
  uint8_t *base = (uint8_t *)packed;
  memset(base, 0, (size_t)total);
  const int64_t nr = v->nr, panels = (n + nr - 1) / nr, g = qrt_wo_groups(fmt, k, group);
  for (int64_t p = 0; p < panels; p++) {
    const int64_t n0 = p * nr;
    if (k > 0) qrt_wo_pack_panel(fmt, n, k, nr, n0, q, src, base + h.w_off + (uint64_t)p * h.panel_bytes);
    float *s = (float *)(base + h.s_off) + p * g * nr;
    uint8_t *z = base + h.zp_off + p * g * nr;
    for (int64_t gi = 0; gi < g; gi++)
      for (int64_t j = 0; j < nr && n0 + j < n; j++) {
        const int64_t at = (n0 + j) * src->pn + gi * src->pg;
        s[gi * nr + j] = scales[at];
        if (fmt == QRT_WO_U4_GROUP) z[gi * nr + j] = ((const uint8_t *)zero_points)[at];
      }
    if (bias) {
      float *b = (float *)(base + h.bias_off) + p * nr;
      for (int64_t j = 0; j < nr && n0 + j < n; j++) b[j] = bias[n0 + j];
    }
  }
  memcpy(base, &h, sizeof h);
  return QRT_OK;
}

qrt_status_t qrt_wo_gemm_pack_isa(qrt_isa_t isa, qrt_wo_format_t fmt, int64_t n, int64_t k,
                                  int64_t group, const void *q, const float *scales,
                                  const void *zero_points, const float *bias, void *packed,
                                  size_t packed_size) {
  const int64_t g = qrt_wo_shape_ok(fmt, n, k, group) ? qrt_wo_groups(fmt, k, group) : 0;
  const qrt_wo_src_t nk = {k, 1, g, 1};
  return qrt_wo_pack_src(isa, fmt, n, k, group, q, scales, zero_points, bias, &nk, packed, packed_size);
}

qrt_status_t qrt_wo_gemm_pack_kn(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group, const void *q,
                                 const float *scales, const void *zero_points, const float *bias,
                                 void *packed, size_t packed_size) {
  /* s8: one scale per column, scales[n] either way */
  const qrt_wo_src_t kn = {1, n, 1, n};
  return qrt_wo_pack_src(qrt_wo_select(qrt_active_isa(), 1)->isa, fmt, n, k, group, q, scales, zero_points,
                         bias, &kn, packed, packed_size);
}

qrt_status_t qrt_wo_gemm_pack(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group, const void *q,
                              const float *scales, const void *zero_points, const float *bias,
                              void *packed, size_t packed_size) {
  return qrt_wo_gemm_pack_isa(qrt_wo_select(qrt_active_isa(), 1)->isa, fmt, n, k, group, q, scales,
                              zero_points, bias, packed, packed_size);
}

/* The header of a packed buffer and its variant: QRT_INVALID_ARGUMENT when it
 * is not one, QRT_UNSUPPORTED when this build has no such variant (a buffer
 * packed for another architecture). */
static qrt_status_t qrt_wo_header(const void *packed, qrt_wo_header_t *h, const qrt_wo_ukernel_t **out) {
  *out = NULL;
  if (!packed) return QRT_INVALID_ARGUMENT;
  memcpy(h, packed, sizeof *h);
  if (h->magic != QRT_WO_MAGIC || !qrt_wo_shape_ok((qrt_wo_format_t)h->fmt, h->n, h->k, h->group))
    return QRT_INVALID_ARGUMENT;
  const qrt_wo_ukernel_t *v = qrt_wo_by_isa(h->isa);
  if (!v) return QRT_UNSUPPORTED;
  if ((int64_t)h->nr != v->nr) return QRT_INVALID_ARGUMENT;
  *out = v;
  return QRT_OK;
}

qrt_status_t qrt_wo_gemm_packed_info(const void *packed, qrt_wo_format_t *out_fmt, int64_t *out_n,
                                     int64_t *out_k, int64_t *out_group, qrt_isa_t *out_isa,
                                     const char **out_variant) {
  qrt_wo_header_t h;
  const qrt_wo_ukernel_t *v;
  const qrt_status_t st = qrt_wo_header(packed, &h, &v);
  if (st != QRT_OK) return st;
  if (out_fmt) *out_fmt = (qrt_wo_format_t)h.fmt;
  if (out_n) *out_n = h.n;
  if (out_k) *out_k = h.k;
  if (out_group) *out_group = h.group;
  if (out_isa) *out_isa = v->isa;
  if (out_variant) *out_variant = v->name;
  return QRT_OK;
}

/* Scratch: the dequantized block of the many-row path, for the widest panel. */
size_t qrt_wo_gemm_scratch_size(int64_t m, int64_t n, int64_t k) {
  (void)n;
  int nr = 0;
  for (int i = 0; i < QRT_WO_NVARIANTS; i++)
    if (qrt_wo_ukernels[i].f32 && m > qrt_wo_ukernels[i].mr && qrt_wo_ukernels[i].nr > nr) nr = qrt_wo_ukernels[i].nr;
  return nr && k > 0 ? 64 + (size_t)QRT_WO_BLOCK_KC * (size_t)nr * sizeof(float) : 0;
}

/* K per pass of the direct path when the rows do not fit one tile (variants
 * without the block path): a kc x NR block of a panel (4-16 KB) stays in L1
 * while every row block of x passes over it. A multiple of every group size. */
enum { QRT_WO_KC = 512 };

/* The tile fields of panel p for k = k0.. (weights, scales, zero points, bias). */
static void qrt_wo_panel(const qrt_wo_header_t *h, const uint8_t *base, int64_t p, int64_t k0,
                         qrt_wo_tile_t *t) {
  const qrt_wo_format_t fmt = (qrt_wo_format_t)h->fmt;
  const int64_t NR = h->nr, g = qrt_wo_groups(fmt, h->k, h->group);
  const uint8_t *pw = base + h->w_off + (uint64_t)p * h->panel_bytes;
  const float *ps = (const float *)(base + h->s_off) + p * g * NR;
  t->nr = QRT_MIN(NR, h->n - p * NR);
  switch (fmt) {
    case QRT_WO_S8_CHANNEL: t->w = pw + k0 * NR, t->scales = ps, t->zp = NULL; break;
    case QRT_WO_F16: t->w = pw + 2 * k0 * NR, t->scales = NULL, t->zp = NULL; break;
    default:
      t->w = pw + k0 / 2 * NR;
      t->scales = ps + k0 / h->group * NR;
      t->zp = fmt == QRT_WO_U4_GROUP ? base + h->zp_off + (p * g + k0 / h->group) * NR : NULL;
      break;
  }
  t->bias = h->has_bias ? (const float *)(base + h->bias_off) + p * NR : NULL;
}

qrt_status_t qrt_wo_gemm(int64_t m, int64_t n, int64_t k, const float *x, int64_t ldx,
                         const void *packed, float *y, int64_t ldy, void *scratch,
                         size_t scratch_size) {
  qrt_wo_header_t h;
  const qrt_wo_ukernel_t *v;
  const qrt_status_t st = qrt_wo_header(packed, &h, &v);
  if (st != QRT_OK) return st;
  if (h.n != n || h.k != k || m < 0 || ldy < n || ldx < k) return QRT_INVALID_ARGUMENT;
  if (m == 0 || n == 0) return QRT_OK;
  if (!y || (k > 0 && !x)) return QRT_INVALID_ARGUMENT;
  if (!qrt_wo_cpu_has(v)) return QRT_UNSUPPORTED;
  const uint8_t *base = (const uint8_t *)packed;
  const int64_t NR = v->nr, MR = v->mr, panels = (n + NR - 1) / NR;
  if (k == 0) {
    const float *bias = h.has_bias ? (const float *)(base + h.bias_off) : NULL;
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) y[i * ldy + j] = bias ? bias[j] : 0.0f;
    return QRT_OK;
  }
  const qrt_wo_format_t fmt = (qrt_wo_format_t)h.fmt;
  const qrt_wo_ukernel_fn fn = fmt == QRT_WO_S8_CHANNEL ? v->s8 : fmt == QRT_WO_F16 ? v->f16 : v->q4;
  const qrt_wo_ukernel_fn dq = fmt == QRT_WO_S8_CHANNEL ? v->dq_s8 : fmt == QRT_WO_F16 ? v->dq_f16 : v->dq_q4;
  const int block = m > MR && v->f32 && dq;
  float *blk = NULL;
  if (block) {
    if (!scratch) return QRT_INVALID_ARGUMENT;
    if (scratch_size < qrt_wo_gemm_scratch_size(m, n, k)) return QRT_BUFFER_TOO_SMALL;
    blk = qrt_align64(scratch);
  }
  const int64_t kcb = block ? QRT_WO_BLOCK_KC : m <= MR ? k : QRT_WO_KC;
  for (int64_t k0 = 0; k0 < k; k0 += kcb) {
    qrt_wo_tile_t t;
    t.kc = QRT_MIN(kcb, k - k0);
    t.group = h.group;
    t.ldx = ldx, t.ldy = ldy;
    t.accumulate = k0 > 0;
    for (int64_t p = 0; p < panels; p++) {
      qrt_wo_panel(&h, base, p, k0, &t);
      if (block) { /* dequantize this kc x NR block once, then every row block from it */
        qrt_wo_tile_t d = t;
        d.mr = 0, d.x = NULL, d.y = blk;
        dq(&d);
        t.w = blk;
      }
      for (int64_t i0 = 0; i0 < m; i0 += MR) {
        t.mr = QRT_MIN(MR, m - i0);
        t.x = x + i0 * ldx + k0;
        t.y = y + i0 * ldy + p * NR;
        (block ? v->f32 : fn)(&t);
      }
    }
  }
  return QRT_OK;
}

qrt_status_t qrt_wo_dequantize(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group, const void *q,
                               const float *scales, const void *zero_points, float *out) {
  const qrt_status_t st = qrt_wo_check_inputs(fmt, n, k, group, q, scales, zero_points);
  if (st != QRT_OK) return st;
  if (n * k > 0 && !out) return QRT_INVALID_ARGUMENT;
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < k; c++) {
      const int64_t i = r * k + c;
      switch (fmt) {
        case QRT_WO_S8_CHANNEL: out[i] = (float)((const int8_t *)q)[i] * scales[r]; break;
        case QRT_WO_S4_GROUP:
          out[i] = (float)((const int8_t *)q)[i] * scales[r * (k / group) + c / group];
          break;
        case QRT_WO_U4_GROUP: {
          const int64_t gi = r * (k / group) + c / group;
          const int d = (int)((const uint8_t *)q)[i] - (int)((const uint8_t *)zero_points)[gi];
          out[i] = (float)d * scales[gi];
          break;
        }
        case QRT_WO_F16: out[i] = qrt_f16_to_f32(((const uint16_t *)q)[i]); break;
      }
    }
  return QRT_OK;
}
