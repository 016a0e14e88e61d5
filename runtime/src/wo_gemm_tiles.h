/* The loop skeleton shared by the vector weight-only tiles (wo_gemm__<isa>.c).
 * Include once per ISA file, after it defines (all QRT_INLINE):
 *   MR                     rows of its tile (the dispatch instantiates 1..MR)
 *   acc_t                  the accumulators; begin(t, R, &acc) / end(t, R, &acc)
 *                          load them (y, bias or 0) and store them (nr columns)
 *   s8_scales_t, s8_scales(t, &s), s8_step(t, R, kk, odd, &s, &acc)
 *   f16_step(t, R, kk, odd, &acc), f32_step(t, R, kk, odd, &acc) (weights
 *                          already dequantized: a float block [kc][NR] at t->w)
 *   q4_group_t, q4_group(t, gi, &g): the scales and zero points of group gi;
 *   q4_pair(t, R, kk, &g, &acc): k = kk (odd 0) and kk + 1 (odd 1) from one
 *                          byte row
 * and QRT_WO_ISA, the suffix of the entry points it defines (wo_internal.h):
 * qrt_wo_gemm_{s8,q4,f16,f32}__<QRT_WO_ISA> and qrt_wo_dequant_{s8,q4,f16}__<..>.
 * `odd` marks odd k: a one-row tile sums them separately (two FMA chains per
 * vector). R = -1 (the dequant entry points) stores each k's dequantized
 * vectors to the block t->y + kk*NR instead of multiplying: the same
 * instructions compute wdq on both paths. */
#ifndef QRT_WO_ISA
#error "define QRT_WO_ISA before including wo_gemm_tiles.h"
#endif

QRT_INLINE void s8_tile(const qrt_wo_tile_t *t, const int R) {
  acc_t acc;
  begin(t, R, &acc);
  s8_scales_t s;
  s8_scales(t, &s);
  int64_t kk = 0;
  for (; kk + 2 <= t->kc; kk += 2) {
    s8_step(t, R, kk, 0, &s, &acc);
    s8_step(t, R, kk + 1, 1, &s, &acc);
  }
  if (kk < t->kc) s8_step(t, R, kk, 0, &s, &acc);
  end(t, R, &acc);
}

QRT_INLINE void q4_tile(const qrt_wo_tile_t *t, const int R) {
  acc_t acc;
  begin(t, R, &acc);
  for (int64_t g0 = 0; g0 < t->kc; g0 += t->group) {
    q4_group_t g;
    q4_group(t, g0 / t->group, &g);
    for (int64_t kk = g0; kk < g0 + t->group; kk += 2) q4_pair(t, R, kk, &g, &acc);
  }
  end(t, R, &acc);
}

/* Unscaled weights: f16 (is_f32 0) or an already dequantized block (1). */
QRT_INLINE void plain_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, acc_t *acc,
                           const int is_f32) {
  if (is_f32) f32_step(t, R, kk, odd, acc);
  else f16_step(t, R, kk, odd, acc);
}

QRT_INLINE void plain_tile(const qrt_wo_tile_t *t, const int R, const int is_f32) {
  acc_t acc;
  begin(t, R, &acc);
  int64_t kk = 0;
  for (; kk + 2 <= t->kc; kk += 2) {
    plain_step(t, R, kk, 0, &acc, is_f32);
    plain_step(t, R, kk + 1, 1, &acc, is_f32);
  }
  if (kk < t->kc) plain_step(t, R, kk, 0, &acc, is_f32);
  end(t, R, &acc);
}
QRT_INLINE void f16_tile(const qrt_wo_tile_t *t, const int R) { plain_tile(t, R, 0); }
QRT_INLINE void f32_tile(const qrt_wo_tile_t *t, const int R) { plain_tile(t, R, 1); }

/* One instance per row count, so the accumulators live in registers. */
#define QRT_WO_R(r) ((r) <= MR ? (r) : MR)
#define QRT_WO_DISPATCH(tile)                                \
  switch (t->mr) {                                           \
    case 1: tile(t, 1); break;                               \
    case 2: tile(t, QRT_WO_R(2)); break;                     \
    case 3: tile(t, QRT_WO_R(3)); break;                     \
    case 4: tile(t, QRT_WO_R(4)); break;                     \
    case 5: tile(t, QRT_WO_R(5)); break;                     \
    case 6: tile(t, QRT_WO_R(6)); break;                     \
    case 7: tile(t, QRT_WO_R(7)); break;                     \
    default: tile(t, QRT_WO_R(8)); break;                    \
  }
#define QRT_WO_NAME2(f, isa) qrt_wo_gemm_##f##__##isa
#define QRT_WO_NAME(f, isa) QRT_WO_NAME2(f, isa)

void QRT_WO_NAME(s8, QRT_WO_ISA)(const qrt_wo_tile_t *t) { QRT_WO_DISPATCH(s8_tile) }
void QRT_WO_NAME(q4, QRT_WO_ISA)(const qrt_wo_tile_t *t) { QRT_WO_DISPATCH(q4_tile) }
void QRT_WO_NAME(f16, QRT_WO_ISA)(const qrt_wo_tile_t *t) { QRT_WO_DISPATCH(f16_tile) }
void QRT_WO_NAME(f32, QRT_WO_ISA)(const qrt_wo_tile_t *t) { QRT_WO_DISPATCH(f32_tile) }
#define QRT_WO_DQ_NAME2(f, isa) qrt_wo_dequant_##f##__##isa
#define QRT_WO_DQ_NAME(f, isa) QRT_WO_DQ_NAME2(f, isa)
void QRT_WO_DQ_NAME(s8, QRT_WO_ISA)(const qrt_wo_tile_t *t) { s8_tile(t, -1); }
void QRT_WO_DQ_NAME(q4, QRT_WO_ISA)(const qrt_wo_tile_t *t) { q4_tile(t, -1); }
void QRT_WO_DQ_NAME(f16, QRT_WO_ISA)(const qrt_wo_tile_t *t) { f16_tile(t, -1); }
