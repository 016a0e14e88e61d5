/* Weight-only tiles, portable C: the reference the vector variants are tested
 * against. Contract in wo_internal.h. For each k the NR weights are
 * dequantized, wdq = (float)(code - zero_point) * scale (one multiply), then
 * each product x * wdq is rounded and added to the accumulator in increasing
 * k (built with -ffp-contract=off, so no FMA). */
#include <string.h>

#include "qrt/qrt_data.h"
#include "wo_internal.h"

enum { NR = QRT_WO_SCALAR_NR, S8 = 0, Q4 = 1, F16 = 2 };

/* wdq[j], j < NR, of the tile's weights at k = kk. */
static void qrt_wo_dequant_row(const qrt_wo_tile_t *t, int kind, int64_t kk, float *wdq) {
  for (int64_t j = 0; j < NR; j++) {
    if (kind == S8) {
      wdq[j] = (float)((const int8_t *)t->w)[kk * NR + j] * t->scales[j];
    } else if (kind == Q4) {
      const int64_t g = kk / t->group;
      const int zp = t->zp ? t->zp[g * NR + j] : 8;
      const uint8_t b = ((const uint8_t *)t->w)[kk / 2 * NR + j];
      const int code = kk % 2 ? b >> 4 : b & 15;
      wdq[j] = (float)(code - zp) * t->scales[g * NR + j];
    } else {
      uint16_t h;
      memcpy(&h, (const uint8_t *)t->w + 2 * (kk * NR + j), 2);
      wdq[j] = qrt_f16_to_f32(h);
    }
  }
}

static void qrt_wo_tile(const qrt_wo_tile_t *t, int kind) {
  for (int64_t i = 0; i < t->mr; i++) {
    float acc[NR], wdq[NR];
    for (int64_t j = 0; j < NR; j++)
      acc[j] = (t->accumulate && j < t->nr) ? t->y[i * t->ldy + j] : t->bias ? t->bias[j] : 0.0f;
    const float *x = t->x + i * t->ldx;
    for (int64_t kk = 0; kk < t->kc; kk++) {
      qrt_wo_dequant_row(t, kind, kk, wdq);
      for (int64_t j = 0; j < NR; j++) {
        const float p = x[kk] * wdq[j];
        acc[j] = acc[j] + p;
      }
    }
    for (int64_t j = 0; j < t->nr; j++) t->y[i * t->ldy + j] = acc[j];
  }
}

void qrt_wo_gemm_s8__scalar(const qrt_wo_tile_t *t) { qrt_wo_tile(t, S8); }
void qrt_wo_gemm_q4__scalar(const qrt_wo_tile_t *t) { qrt_wo_tile(t, Q4); }
void qrt_wo_gemm_f16__scalar(const qrt_wo_tile_t *t) { qrt_wo_tile(t, F16); }
