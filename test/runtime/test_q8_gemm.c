/* QGemm / Linear (qrt_q8_gemm*, static and dynamic) against a naive int64
 * reference with the requantization contract spelled out here: random M, N, K
 * with tails and leading dimensions, u8/s8 activations and weights, per-tensor
 * and per-channel weights with and without zero points, extreme values, bias,
 * fused clamp ranges; dynamic Linear with per-row and per-tensor activation
 * parameters from qrt_q8_dynamic_quantize_rows. Exact equality. The AMX row
 * (32-row tiles, K padded to 64) also on shapes chosen for its tails, against
 * the scalar row byte for byte, on 1 to 4 threads. */
#include "qrt/qrt_pool.h"
#include "qrt/qrt_q8.h"
#include "test_util.h"

static float ref_mult(float s_in, float s_w, float s_out) {
  const float p = s_in * s_w;
  const float m = p / s_out;
  return m;
}
static int32_t ref_requant(int64_t acc, float m, int32_t zp, int32_t lo, int32_t hi) {
  const float a = (float)acc;
  const float v = a * m;
  if (v != v) return zp < lo ? lo : zp > hi ? hi : zp;
  float c = v < (float)(lo - zp) ? (float)(lo - zp) : v;
  c = c > (float)(hi - zp) ? (float)(hi - zp) : c;
  return (int32_t)nearbyintf(c) + zp;
}
static int32_t type_lo(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 0 : -128; }
static int32_t type_hi(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 255 : 127; }
static qrt_dtype_t rand_type(void) { return (rng_u32() & 1) ? QRT_DTYPE_U8 : QRT_DTYPE_I8; }
static int32_t rand_zp(qrt_dtype_t t) {
  switch (rng_u32() % 4) {
    case 0: return type_lo(t);
    case 1: return type_hi(t);
    default: return (int32_t)rng_range(type_lo(t), type_hi(t));
  }
}
static void fill_q(qrt_dtype_t t, int32_t *v, int64_t n) {
  const int extremes = rng_u32() % 4 == 0;
  for (int64_t i = 0; i < n; i++)
    v[i] = extremes ? ((rng_u32() & 1) ? type_hi(t) : type_lo(t)) : (int32_t)rng_range(type_lo(t), type_hi(t));
}
static float rand_scale(float lo, float hi) { return lo + (hi - lo) * (float)(rng_u32() % 1000000) / 1e6f; }

/* ---- static QGemm ---------------------------------------------------------------- */

/* The variant a packed buffer records: the header's third int32 (runtime/src/
 * q8_conv_gemm_internal.h); counted to show which variants the cases ran. */
static int g_variant_count[256];
static int packed_variant(const void *packed) {
  int32_t v;
  memcpy(&v, (const char *)packed + 8, 4);
  return v & 255;
}

static int random_gemm(int idx) {
  /* 1 in 4 larger: several 8/16-channel panels and row tiles, long K; 1 in 20
   * larger still: several groups of 4 panels, K blocks of 64 lane groups and
   * row blocks of up to 96 rows (q8_conv_gemm.c, "Cache blocking of Linear") */
  const int big = idx % 4 == 3, huge = idx % 20 == 19;
  const int64_t m = rng_range(1, huge ? 200 : big ? 13 : 9), n = rng_range(1, huge ? 140 : big ? 70 : 40),
                k = rng_range(1, huge ? 600 : big ? 700 : 70);
  const int64_t ldx = k + rng_range(0, 3), ldy = n + rng_range(0, 3);
  const qrt_dtype_t xt = rand_type(), wt = idx % 2 ? QRT_DTYPE_I8 : rand_type(), yt = rand_type();
  const int dyadic = rng_u32() % 3 == 0;
  const qrt_q8_act_t xq = {xt, dyadic ? 0x1p-6f : rand_scale(0.001f, 0.1f), rand_zp(xt)};
  const int per_channel = rng_u32() % 3 != 0, with_zp = rng_u32() % 2;
  const int mid_u8 = with_zp && wt == QRT_DTYPE_U8 && rng_u32() % 2; /* zero point 128: w - zw fits s8 */
  const int64_t nch = per_channel ? n : 1;
  float *ws = malloc((size_t)nch * sizeof *ws);
  int32_t *wz = malloc((size_t)nch * sizeof *wz);
  for (int64_t c = 0; c < nch; c++) {
    ws[c] = dyadic ? ldexpf(1.0f, (int)rng_range(-9, -5)) : rand_scale(0.001f, 0.02f);
    wz[c] = with_zp ? (mid_u8 ? 128 : rand_zp(wt)) : 0;
  }
  const qrt_q8_weights_t wq = {wt, nch, ws, with_zp ? nch : 0, with_zp ? wz : NULL};
  int32_t *xv = malloc((size_t)(m * ldx) * sizeof *xv), *wv = malloc((size_t)(n * k) * sizeof *wv);
  fill_q(xt, xv, m * ldx);
  fill_q(wt, wv, n * k);
  int32_t *bias = NULL;
  if (rng_u32() % 3) {
    bias = malloc((size_t)n * sizeof *bias);
    for (int64_t o = 0; o < n; o++) bias[o] = (int32_t)rng_range(-(1 << 18), 1 << 18);
  }
  float ys = xq.scale * ws[0] * 128.0f * 64.0f * sqrtf((float)k) / (float)(1 << rng_range(5, 9));
  if (dyadic) ys = xq.scale * ws[0] * (float)(1 << rng_range(1, 12));
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, yt, ys, rand_zp(yt));
  if (rng_u32() % 3 == 0)
    CHECK_OK(qrt_quant_clamp_range(0.0f, INFINITY, yq.scale, yq.zero_point, yq.qmin, yq.qmax, &yq.qmin, &yq.qmax));

  void *xb = malloc((size_t)(m * ldx)), *wb = malloc((size_t)(n * k));
  for (int64_t i = 0; i < m * ldx; i++) qrt_q8_store(xt, xb, i, xv[i]);
  for (int64_t i = 0; i < n * k; i++) qrt_q8_store(wt, wb, i, wv[i]);
  int32_t *want = malloc((size_t)(m * n) * sizeof *want);
  for (int64_t r = 0; r < m; r++)
    for (int64_t o = 0; o < n; o++) {
      int64_t acc = bias ? bias[o] : 0;
      const int32_t z = with_zp ? wz[per_channel ? o : 0] : 0;
      for (int64_t i = 0; i < k; i++) acc += (int64_t)(xv[r * ldx + i] - xq.zero_point) * (wv[o * k + i] - z);
      want[r * n + o] = ref_requant(acc, ref_mult(xq.scale, ws[per_channel ? o : 0], yq.scale), yq.zero_point,
                                    yq.qmin, yq.qmax);
    }
  /* every variant the CPU has: against the contract, and byte for byte against scalar */
  qrt_isa_t lv[QRT_TEST_MAX_ISAS + 1];
  const int nl = isa_levels_amx(lv);
  const size_t ss = qrt_q8_gemm_unpacked_scratch_size(m, n, k);
  const size_t ps = qrt_q8_gemm_packed_weights_size(n, k), gs = qrt_q8_gemm_scratch_size(m, n, k);
  void *scratch = malloc(ss), *packed = malloc(ps), *gscratch = malloc(gs + 3);
  uint8_t *y = malloc((size_t)(m * ldy)), *y2 = malloc((size_t)(m * ldy)), *y_scalar = malloc((size_t)(m * ldy));
  int ok = 1;
  for (int li = 0; li < nl; li++) {
    const qrt_isa_t prev = qrt_set_isa_limit(lv[li]);
    memset(y, 0xa5, (size_t)(m * ldy));
    CHECK_OK(qrt_q8_gemm(m, n, k, &xq, xb, ldx, &wq, wb, bias, &yq, y, ldy, scratch, ss));
    g_checks++;
    for (int64_t r = 0; r < m && ok; r++) {
      for (int64_t o = 0; o < n && ok; o++)
        if (qrt_q8_load(yt, y, r * ldy + o) != want[r * n + o]) {
          g_failures++, ok = 0;
          fprintf(stderr, "FAIL gemm case %d (m %lld n %lld k %lld, %s) at [%lld, %lld]: got %d, want %d\n", idx,
                  (long long)m, (long long)n, (long long)k, qrt_isa_name(lv[li]), (long long)r, (long long)o,
                  qrt_q8_load(yt, y, r * ldy + o), want[r * n + o]);
        }
      for (int64_t o = n; o < ldy && ok; o++)
        if (y[r * ldy + o] != 0xa5) g_failures++, ok = 0, fprintf(stderr, "FAIL gemm case %d wrote past n\n", idx);
    }
    if (li == 0) memcpy(y_scalar, y, (size_t)(m * ldy));
    /* packed (scratch not 64-byte aligned on purpose): the same bytes */
    memset(y2, 0xa5, (size_t)(m * ldy));
    CHECK_OK(qrt_q8_gemm_pack_weights(n, k, &xq, &wq, wb, bias, &yq, packed, ps));
    g_variant_count[packed_variant(packed)]++;
    CHECK_OK(qrt_q8_gemm_packed(m, n, k, xb, ldx, packed, y2, ldy, (char *)gscratch + 3, gs));
    CHECK(memcmp(y, y2, (size_t)(m * ldy)) == 0, "gemm case %d (%s): packed differs from unpacked", idx,
          qrt_isa_name(lv[li]));
    CHECK(memcmp(y, y_scalar, (size_t)(m * ldy)) == 0, "gemm case %d (%s): bytes differ from scalar", idx,
          qrt_isa_name(lv[li]));
    qrt_set_isa_limit(prev);
  }
  free(gscratch), free(y_scalar);
  free(xb), free(wb), free(xv), free(wv), free(bias), free(ws), free(wz), free(want), free(scratch), free(y),
      free(y2), free(packed);
  return ok;
}

/* ---- dynamic Linear -------------------------------------------------------------------- */

static int random_dynamic(int idx) {
  const int huge = idx % 10 == 9; /* several row and K blocks, as above */
  const int64_t m = rng_range(1, huge ? 120 : 7), n = rng_range(1, huge ? 100 : 33), k = rng_range(1, huge ? 400 : 80);
  const int per_row = idx % 2, symmetric = idx % 3 == 0;
  const qrt_dtype_t xt = symmetric ? QRT_DTYPE_I8 : rand_type(), wt = idx % 4 ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
  float *xf = malloc((size_t)(m * k) * sizeof *xf);
  for (int64_t i = 0; i < m * k; i++) xf[i] = rng_f() * (float)(1 + (i / k) * 3); /* rows with different ranges */
  const int64_t rows = per_row ? m : 1, cols = per_row ? k : m * k;
  float *xs = malloc((size_t)rows * sizeof *xs);
  int32_t *xz = malloc((size_t)rows * sizeof *xz);
  void *xb = malloc((size_t)(m * k));
  CHECK_OK(qrt_q8_dynamic_quantize_rows(xt, symmetric, rows, cols, xf, xb, xs, xz));
  float *ws = malloc((size_t)n * sizeof *ws), *bias = malloc((size_t)n * sizeof *bias);
  int32_t *wz = malloc((size_t)n * sizeof *wz), *wv = malloc((size_t)(n * k) * sizeof *wv);
  for (int64_t o = 0; o < n; o++)
    ws[o] = rand_scale(0.001f, 0.02f), wz[o] = wt == QRT_DTYPE_U8 ? rand_zp(wt) : 0, bias[o] = rng_f();
  fill_q(wt, wv, n * k);
  void *wb = malloc((size_t)(n * k));
  for (int64_t i = 0; i < n * k; i++) qrt_q8_store(wt, wb, i, wv[i]);
  const qrt_q8_weights_t wq = {wt, n, ws, n, wz};
  const int with_bias = idx % 5 != 0;
  const size_t ps = qrt_q8_gemm_packed_weights_size(n, k), gs = qrt_q8_gemm_scratch_size(m, n, k);
  void *packed = malloc(ps), *gscratch = malloc(gs);
  float *y = malloc((size_t)(m * n) * sizeof *y), *want = malloc((size_t)(m * n) * sizeof *want);
  for (int64_t r = 0; r < m; r++)
    for (int64_t o = 0; o < n; o++) {
      int64_t acc = 0;
      for (int64_t i = 0; i < k; i++)
        acc += (int64_t)(qrt_q8_load(xt, xb, r * k + i) - xz[per_row ? r : 0]) * (wv[o * k + i] - wz[o]);
      const float s = xs[per_row ? r : 0] * ws[o];
      const float v = (float)acc * s;
      want[r * n + o] = with_bias ? v + bias[o] : v;
    }
  const int64_t shape[2] = {m, n};
  char what[64];
  qrt_isa_t lv[QRT_TEST_MAX_ISAS + 1];
  const int nl = isa_levels_amx(lv);
  int ok = 1;
  for (int li = 0; li < nl; li++) { /* every variant: exactly the scalar formula */
    const qrt_isa_t prev = qrt_set_isa_limit(lv[li]);
    CHECK_OK(qrt_q8_gemm_pack_weights_dynamic(n, k, xt, &wq, wb, with_bias ? bias : NULL, packed, ps));
    g_variant_count[packed_variant(packed)]++;
    CHECK_OK(qrt_q8_gemm_dynamic_packed(m, n, k, xb, k, xs, xz, per_row, packed, y, n, gscratch, gs));
    snprintf(what, sizeof what, "dynamic gemm case %d, %s", idx, qrt_isa_name(lv[li]));
    ok &= expect_equal(what, 2, shape, y, want);
    qrt_set_isa_limit(prev);
  }
  free(gscratch);
  /* and close to the float product (a check on the quantization itself) */
  float worst = 0;
  for (int64_t r = 0; r < m; r++)
    for (int64_t o = 0; o < n; o++) {
      double exact = with_bias ? bias[o] : 0;
      double amax = 0;
      for (int64_t i = 0; i < k; i++) {
        exact += (double)xf[r * k + i] * ((wv[o * k + i] - wz[o]) * (double)ws[o]);
        amax += fabs((wv[o * k + i] - wz[o]) * (double)ws[o]);
      }
      const double err = fabs(y[r * n + o] - exact) / (amax * xs[per_row ? r : 0] * 0.5 + 1e-6);
      if (err > worst) worst = (float)err;
    }
  CHECK(worst <= 1.01f, "dynamic gemm case %d: error %.3g of the rounding bound", idx, worst);
  free(xf), free(xs), free(xz), free(xb), free(ws), free(bias), free(wz), free(wv), free(wb), free(packed), free(y),
      free(want);
  return ok;
}

/* ---- the AMX row ------------------------------------------------------------------ */

/* Static and dynamic Linear packed for the AMX row against the scalar row's
 * bytes (static) or floats (dynamic): M across the 16-row tile halves and the
 * 32-row tiles (and the small-M choice), N across the pairs of 16-channel
 * panels, K with tails of lanes (K % 4) and of tiles (K % 64) and whole tiles
 * (u8 activations with K % 64 == 0 are read in place), zero points at the
 * ends of the range; 1 to 4 threads give the same bytes. */
/* AMX_BIG_MULT: output scale below x scale * w scale for some channels (multipliers
 * above 1: the float clamp); AMX_Y_OFFSET: y 16 bytes past a 64-byte boundary;
 * AMX_STATIC_ONLY: no dynamic Linear, no pools past the first (the large cases). */
enum { AMX_BIG_MULT = 1, AMX_Y_OFFSET = 2, AMX_STATIC_ONLY = 4 };
static int amx_run(int idx, int64_t m, int64_t n, int64_t k, qrt_dtype_t xt, int relu, int flags, qrt_pool_t *pools,
                   int n_pools);

static int amx_case(int idx, qrt_pool_t *pools, int n_pools) {
  static const int64_t ms[] = {1, 2, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 96, 97, 130, 200};
  const int64_t m = idx % 3 == 2 ? rng_range(1, 220) : ms[idx % 16];
  const int64_t n = rng_range(1, 100), k = idx % 4 == 1 ? 64 * rng_range(1, 10) : rng_range(1, 700);
  return amx_run(idx, m, n, k, idx % 4 == 1 ? QRT_DTYPE_U8 : rand_type(), idx % 3 == 2, 0, pools, n_pools);
}

static int amx_run(int idx, int64_t m, int64_t n, int64_t k, qrt_dtype_t xt, int relu, int flags, qrt_pool_t *pools,
                   int n_pools) {
  const qrt_dtype_t yt = rand_type();
  const qrt_q8_act_t xq = {xt, rand_scale(0.001f, 0.1f), rand_zp(xt)};
  float *ws = malloc((size_t)n * sizeof *ws);
  for (int64_t c = 0; c < n; c++) ws[c] = rand_scale(0.001f, 0.02f);
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, n, ws, 0, NULL};
  int32_t *xv = malloc((size_t)(m * k) * sizeof *xv), *wv = malloc((size_t)(n * k) * sizeof *wv);
  fill_q(xt, xv, m * k);
  fill_q(QRT_DTYPE_I8, wv, n * k);
  int32_t *bias = malloc((size_t)n * sizeof *bias);
  for (int64_t o = 0; o < n; o++) bias[o] = (int32_t)rng_range(-(1 << 18), 1 << 18);
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, yt, xq.scale * ws[0] * (flags & AMX_BIG_MULT ? 0.25f : 128.0f * 16.0f * sqrtf((float)k)),
                     rand_zp(yt));
  /* a fused Relu (one time in three): a clamp range above the type's minimum */
  if (relu) CHECK_OK(qrt_quant_clamp_range(0.0f, INFINITY, yq.scale, yq.zero_point, yq.qmin, yq.qmax, &yq.qmin, &yq.qmax));
  void *xb = malloc((size_t)(m * k)), *wb = malloc((size_t)(n * k));
  for (int64_t i = 0; i < m * k; i++) qrt_q8_store(xt, xb, i, xv[i]);
  for (int64_t i = 0; i < n * k; i++) qrt_q8_store(QRT_DTYPE_I8, wb, i, wv[i]);
  const size_t ps = qrt_q8_gemm_packed_weights_size(n, k), gs = qrt_q8_gemm_scratch_size(m, n, k);
  void *pk_ref = malloc(ps), *pk = malloc(ps), *scratch = malloc(gs);
  uint8_t *want = malloc((size_t)(m * n)), *y_mem = aligned_alloc(64, (size_t)(m * n + 127) / 64 * 64);
  uint8_t *y = y_mem + (flags & AMX_Y_OFFSET ? 16 : 0);
  CHECK_OK(qrt_q8_gemm_pack_weights_isa(QRT_ISA_SCALAR, n, k, &xq, &wq, wb, bias, &yq, pk_ref, ps));
  CHECK_OK(qrt_q8_gemm_packed(m, n, k, xb, k, pk_ref, want, n, scratch, gs));
  CHECK_OK(qrt_q8_gemm_pack_weights_isa(QRT_ISA_AMX, n, k, &xq, &wq, wb, bias, &yq, pk, ps));
  CHECK(packed_variant(pk) == QRT_ISA_AMX, "amx case %d: packed for %d", idx, packed_variant(pk));
  g_variant_count[packed_variant(pk)]++;
  int ok = 1;
  for (int t = 0; t <= (flags & AMX_STATIC_ONLY ? 1 : n_pools); t++) { /* t == 0: no pool */
    memset(y, 0xa5, (size_t)(m * n));
    CHECK_OK(qrt_q8_gemm_packed_mt(t ? &pools[t - 1] : NULL, m, n, k, xb, k, pk, y, n, scratch, gs));
    for (int64_t i = 0; i < m * n && ok; i++)
      if (y[i] != want[i])
        g_failures++, ok = 0,
            fprintf(stderr, "FAIL amx case %d (m %lld n %lld k %lld, %d threads) at [%lld, %lld]: got %d, want %d\n",
                    idx, (long long)m, (long long)n, (long long)k, t ? qrt_pool_threads(&pools[t - 1]) : 1,
                    (long long)(i / n), (long long)(i % n), y[i], want[i]);
    g_checks++;
  }
  if (flags & AMX_STATIC_ONLY) {
    free(ws), free(xv), free(wv), free(bias), free(xb), free(wb), free(pk_ref), free(pk), free(scratch), free(want),
        free(y_mem);
    return ok;
  }
  /* dynamic: the same weights, per-row activation parameters */
  float *xs = malloc((size_t)m * sizeof *xs), *yf = malloc((size_t)(m * n) * sizeof *yf),
        *wantf = malloc((size_t)(m * n) * sizeof *wantf), *bf = malloc((size_t)n * sizeof *bf);
  int32_t *xz = malloc((size_t)m * sizeof *xz);
  for (int64_t r = 0; r < m; r++) xs[r] = rand_scale(0.001f, 0.1f), xz[r] = rand_zp(xt);
  for (int64_t o = 0; o < n; o++) bf[o] = rng_f();
  const qrt_isa_t prev = qrt_set_isa_limit(QRT_ISA_SCALAR);
  CHECK_OK(qrt_q8_gemm_pack_weights_dynamic(n, k, xt, &wq, wb, bf, pk_ref, ps));
  CHECK_OK(qrt_q8_gemm_dynamic_packed(m, n, k, xb, k, xs, xz, 1, pk_ref, wantf, n, scratch, gs));
  qrt_set_isa_limit(prev);
  CHECK_OK(qrt_q8_gemm_pack_weights_dynamic(n, k, xt, &wq, wb, bf, pk, ps));
  CHECK(packed_variant(pk) == QRT_ISA_AMX, "amx dynamic case %d: packed for %d", idx, packed_variant(pk));
  for (int t = 0; t <= n_pools; t++) {
    CHECK_OK(qrt_q8_gemm_dynamic_packed_mt(t ? &pools[t - 1] : NULL, m, n, k, xb, k, xs, xz, 1, pk, yf, n, scratch, gs));
    CHECK(!memcmp(yf, wantf, (size_t)(m * n) * sizeof *yf), "amx dynamic case %d (m %lld n %lld k %lld, pool %d): differs from scalar",
          idx, (long long)m, (long long)n, (long long)k, t);
  }
  free(xs), free(yf), free(wantf), free(bf), free(xz);
  free(ws), free(xv), free(wv), free(bias), free(xb), free(wb), free(pk_ref), free(pk), free(scratch), free(want),
      free(y_mem);
  return ok;
}

/* One K step (K <= 64: one tile of 16 lane groups) runs 4 panels per call
 * (the AMX row's nv_k1): 64 rows x 64 channels with whole output lines, the
 * pairs of a narrower group, and row tails; multipliers below 1 (the byte
 * clamp) and above (the float clamp), fused Relu, u8 and s8 out; outputs past
 * Q8_GEMM_STREAM_BYTES (4 MB) with non-temporal stores when y is aligned, and
 * plain ones when it is not. */
static int amx_k1_cases(qrt_pool_t *pools, int n_pools) {
  static const struct {
    int64_t m, n, k;
    int flags;
  } cs[] = {{64, 64, 64, 0},     {128, 64, 64, AMX_BIG_MULT}, {200, 100, 64, 0}, {64, 80, 37, AMX_BIG_MULT},
            {130, 128, 3, AMX_Y_OFFSET}, {64, 192, 64, 0},  {97, 48, 64, 0},   {256, 256, 61, AMX_BIG_MULT},
            {1088, 4096, 64, AMX_STATIC_ONLY}, {1088, 4096, 64, AMX_STATIC_ONLY | AMX_Y_OFFSET}};
  int ok = 0;
  for (int i = 0; i < (int)(sizeof cs / sizeof cs[0]); i++)
    ok += amx_run(1000 + i, cs[i].m, cs[i].n, cs[i].k, i % 2 ? rand_type() : QRT_DTYPE_U8, i % 3 == 1, cs[i].flags,
                  pools, n_pools);
  return ok == (int)(sizeof cs / sizeof cs[0]);
}

static void test_amx(void) {
  if (qrt_cpu_isa() < QRT_ISA_AMX || qrt_cpu_isa() >= QRT_ISA_NEON) {
    printf("amx: skipped, this CPU has no usable AMX-INT8 (cpuid, XCR0 tile state and the arch_prctl permission)\n");
    return;
  }
  qrt_pool_t pools[3];
  for (int t = 0; t < 3; t++) CHECK_OK(qrt_pool_init(&pools[t], t + 2));
  const qrt_isa_t prev = qrt_set_isa_limit(QRT_ISA_AMX);
  int ok = 0, n = 96;
  for (int i = 0; i < n; i++) ok += amx_case(i, pools, 3);
  const int k1_ok = amx_k1_cases(pools, 3);
  qrt_set_isa_limit(prev);
  for (int t = 0; t < 3; t++) qrt_pool_deinit(&pools[t]);
  printf("amx: %d of %d random cases equal to scalar on 1-4 threads; one K step cases %s\n", ok, n,
         k1_ok ? "equal" : "DIFFER");
}

/* test_hand's gemm, also packed by test_packed_multipliers. */
static const uint8_t kHandX[6] = {1, 2, 3, 4, 5, 6};
static const int8_t kHandW[6] = {1, 1, 1, -1, 0, 1};
static const float kHandWs[2] = {0.5f, 0.25f};
static const int32_t kHandBias[2] = {1, 0};
static const qrt_q8_act_t kHandXq = {QRT_DTYPE_U8, 1.0f, 1};
static const qrt_q8_weights_t kHandWq = {QRT_DTYPE_I8, 2, kHandWs, 0, NULL};

static void test_hand(void) {
  /* x [2][3] u8 zp 1, w [2][3] s8, per-channel scales 0.5 / 0.25, s_x 1, s_y 1, zp_y -1 (s8)
   * x - zx = [0 1 2; 3 4 5], w = [1 1 1; -1 0 1]
   * acc = [3 2; 12 2] (+ bias [1, 0]: [4 2; 13 2]); * M = [0.5 0.25] -> [2 0.5; 6.5 0.5]
   * -> [2 0; 6 0] (ties to even) - 1 -> [1 -1; 5 -1] */
  const uint8_t *x = kHandX;
  const int8_t *w = kHandW;
  const int32_t *bias = kHandBias;
  const qrt_q8_act_t xq = kHandXq;
  const qrt_q8_weights_t wq = kHandWq;
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_I8, 1.0f, -1);
  static _Alignas(8) char sc[16384];
  int8_t y[4];
  CHECK_OK(qrt_q8_gemm(2, 2, 3, &xq, x, 3, &wq, w, bias, &yq, y, 2, sc, sizeof sc));
  const int8_t want[4] = {1, -1, 5, -1};
  for (int i = 0; i < 4; i++) CHECK(y[i] == want[i], "hand gemm y[%d] = %d, want %d", i, y[i], want[i]);

  /* dynamic: x s8 per row, scales 0.5 and 2, zp 0 / 1; w s8 per-channel 0.25; bias 0.125
   * row 0: (x - 0) = [2 -2], w = [3 1] -> acc 4, * (0.5 * 0.25) = 0.5, + 0.125 = 0.625
   * row 1: (x - 1) = [1 0] -> acc 3, * (2 * 0.25) = 1.5, + 0.125 = 1.625 */
  const int8_t xd[4] = {2, -2, 2, 1};
  const float xs[2] = {0.5f, 2.0f};
  const int32_t xz[2] = {0, 1};
  const int8_t wd[2] = {3, 1};
  const float wsd = 0.25f, bd = 0.125f;
  const qrt_q8_weights_t wqd = {QRT_DTYPE_I8, 1, &wsd, 0, NULL};
  const size_t ps = qrt_q8_gemm_packed_weights_size(1, 2);
  void *packed = malloc(ps);
  CHECK_OK(qrt_q8_gemm_pack_weights_dynamic(1, 2, QRT_DTYPE_I8, &wqd, wd, &bd, packed, ps));
  float yd[2];
  CHECK_OK(qrt_q8_gemm_dynamic_packed(2, 1, 2, xd, 2, xs, xz, 1, packed, yd, 1, sc, sizeof sc));
  CHECK(yd[0] == 0.625f && yd[1] == 1.625f, "hand dynamic: %g %g", yd[0], yd[1]);
  /* a static packing is not a dynamic one */
  CHECK(qrt_q8_gemm_packed(2, 1, 2, xd, 2, packed, yd, 1, sc, sizeof sc) == QRT_INVALID_ARGUMENT, "kind mismatch");
  /* invalid activation parameters at run time */
  const float bad_s[2] = {0.5f, 0.0f};
  CHECK(qrt_q8_gemm_dynamic_packed(2, 1, 2, xd, 2, bad_s, xz, 1, packed, yd, 1, sc, sizeof sc) == QRT_INVALID_ARGUMENT,
        "scale 0 refused");
  const int32_t bad_z[2] = {0, 200};
  CHECK(qrt_q8_gemm_dynamic_packed(2, 1, 2, xd, 2, xs, bad_z, 1, packed, yd, 1, sc, sizeof sc) == QRT_INVALID_ARGUMENT,
        "s8 zero point 200 refused");
  CHECK(yd[0] == 0.625f, "nothing written");
  free(packed);
  /* dynamic bound: any x zero point, |x - zx| <= 255: K = 65793 with w = -128 fits, 65794 not */
  int8_t *wb = malloc(65794);
  memset(wb, 0x80, 65794);
  void *p2 = malloc(qrt_q8_gemm_packed_weights_size(1, 65794));
  CHECK_OK(qrt_q8_gemm_pack_weights_dynamic(1, 65793, QRT_DTYPE_I8, &wqd, wb, NULL, p2,
                                            qrt_q8_gemm_packed_weights_size(1, 65794)));
  CHECK(qrt_q8_gemm_pack_weights_dynamic(1, 65794, QRT_DTYPE_I8, &wqd, wb, NULL, p2,
                                         qrt_q8_gemm_packed_weights_size(1, 65794)) == QRT_INVALID_ARGUMENT,
        "dynamic K past the bound");
  free(wb), free(p2);
}

/* Every architecture's rows pack on every host (qrt_q8_gemm_pack_weights_isa
 * with the other architecture's level, as qcc does for an aarch64 library on
 * x86). Rows of one shape share the layout: neon's bytes are avx2's but for
 * the recorded variant; dotprod's are avx512vnni's but for the variant and the
 * bias, which holds bias - (zu - 128) * wsum instead of bias - zu * wsum
 * (its lanes hold x - zx + zu - 128: activations moved to s8 for sdot).
 * qrt_q8_set_pack_isa makes qrt_q8_gemm_pack_weights pack the same bytes. A
 * buffer of the other architecture's row runs nowhere here: QRT_UNSUPPORTED. */
static void test_rows_of_both_architectures(void) {
  const int64_t n = 37, k = 53;
  const size_t ps = qrt_q8_gemm_packed_weights_size(n, k);
  enum { AVX2, NEON, VNNI, DOTPROD, NROWS };
  const qrt_isa_t isa[NROWS] = {QRT_ISA_AVX2_FMA, QRT_ISA_NEON, QRT_ISA_AVX512VNNI, QRT_ISA_DOTPROD};
  for (int c = 0; c < 4; c++) {
    const qrt_dtype_t xt = c % 2 ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
    const qrt_q8_act_t xq = {xt, 0.02f, rand_zp(xt)};
    int8_t *w = malloc((size_t)(n * k));
    int32_t *bias = malloc((size_t)n * 4), wz[1] = {0};
    float ws[1] = {0.01f};
    for (int64_t i = 0; i < n * k; i++) w[i] = (int8_t)rng_range(-127, 127);
    for (int64_t o = 0; o < n; o++) bias[o] = (int32_t)rng_range(-1000, 1000);
    const qrt_q8_weights_t wq = {QRT_DTYPE_I8, 1, ws, 1, wz};
    const qrt_q8_output_t yq = {QRT_DTYPE_U8, 0.05f, 3, 0, 255};
    uint8_t *pk[NROWS];
    for (int r = 0; r < NROWS; r++) {
      pk[r] = aligned_alloc(64, (ps + 63) & ~(size_t)63);
      memset(pk[r], 0, ps);
      CHECK_OK(qrt_q8_gemm_pack_weights_isa(isa[r], n, k, &xq, &wq, w, bias, &yq, pk[r], ps));
      CHECK(packed_variant(pk[r]) == (int)isa[r], "packed for %s, recorded %d", qrt_isa_name(isa[r]),
            packed_variant(pk[r]));
    }
    const size_t sec = ((size_t)n * 4 + 63) & ~(size_t)63, bias_at = 128 + sec;
    CHECK(!memcmp(pk[AVX2], pk[NEON], 8) && !memcmp(pk[AVX2] + 12, pk[NEON] + 12, ps - 12),
          "neon's layout is avx2's");
    CHECK(!memcmp(pk[VNNI], pk[DOTPROD], 8) && !memcmp(pk[VNNI] + 12, pk[DOTPROD] + 12, bias_at - 12) &&
              !memcmp(pk[VNNI] + bias_at + sec, pk[DOTPROD] + bias_at + sec, ps - bias_at - sec),
          "dotprod's weights are avx512vnni's");
    for (int64_t o = 0; o < n; o++) {
      int64_t wsum = 0;
      for (int64_t i = 0; i < k; i++) wsum += w[o * k + i];
      int32_t bv, bd;
      memcpy(&bv, pk[VNNI] + bias_at + 4 * o, 4);
      memcpy(&bd, pk[DOTPROD] + bias_at + 4 * o, 4);
      CHECK((int64_t)bd - (int64_t)bv == 128 * wsum, "dotprod bias = avx512vnni bias + 128 * wsum (channel %lld)",
            (long long)o);
    }
    /* qrt_q8_set_pack_isa: the same bytes from the functions without _isa */
    uint8_t *via = aligned_alloc(64, (ps + 63) & ~(size_t)63);
    memset(via, 0, ps);
    CHECK(qrt_q8_set_pack_isa(QRT_ISA_DOTPROD) == QRT_ISA_NATIVE, "the pack level starts at native");
    CHECK_OK(qrt_q8_gemm_pack_weights(n, k, &xq, &wq, w, bias, &yq, via, ps));
    CHECK(qrt_q8_set_pack_isa(QRT_ISA_NATIVE) == QRT_ISA_DOTPROD, "set_pack_isa returns the old level");
    CHECK(!memcmp(via, pk[DOTPROD], ps), "qrt_q8_set_pack_isa(dotprod) packs the dotprod bytes");
    /* the other architecture's rows: QRT_UNSUPPORTED, nothing written */
    const int arm = qrt_cpu_isa() >= QRT_ISA_NEON;
    uint8_t x[53] = {0}, y[37], sc[4096];
    memset(y, 0x77, sizeof y);
    for (int r = 0; r < NROWS; r++)
      if ((isa[r] >= QRT_ISA_NEON) != arm)
        CHECK(qrt_q8_gemm_packed(1, n, k, x, k, pk[r], y, n, sc, sizeof sc) == QRT_UNSUPPORTED && y[0] == 0x77,
              "a %s buffer is unsupported here", qrt_isa_name(isa[r]));
    for (int r = 0; r < NROWS; r++) free(pk[r]);
    free(via), free(w), free(bias);
  }
}

/* qrt_q8_packed_multipliers / _set_multipliers on test_hand's gemm, packed for
 * the scalar row and for the CPU's best: packing stores M = [0.5 0.25]; with
 * M = [1 0.5] set instead, acc [4 2; 13 2] gives [4 1; 13 1] - 1 = [3 0 12 0]
 * on every row (they all read the stored multipliers). */
static void test_packed_multipliers(void) {
  const uint8_t *x = kHandX;
  const int8_t *w = kHandW;
  const int32_t *bias = kHandBias;
  const qrt_q8_act_t xq = kHandXq;
  const qrt_q8_weights_t wq = kHandWq;
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_I8, 1.0f, -1);
  static _Alignas(8) char sc[16384];
  const size_t ps = qrt_q8_gemm_packed_weights_size(2, 3);
  void *packed = aligned_alloc(64, (ps + 63) & ~(size_t)63);
  const qrt_isa_t levels[2] = {QRT_ISA_SCALAR, qrt_active_isa()};
  for (int l = 0; l < 2; l++) {
    CHECK_OK(qrt_q8_gemm_pack_weights_isa(levels[l], 2, 3, &xq, &wq, w, bias, &yq, packed, ps));
    float m[2] = {0, 0};
    CHECK_OK(qrt_q8_packed_multipliers(packed, m, 2));
    CHECK(m[0] == 0.5f && m[1] == 0.25f, "stored multipliers %g %g (%s)", m[0], m[1], qrt_isa_name(levels[l]));
    const float bad[3][2] = {{1.0f, 0.0f}, {-1.0f, 0.5f}, {NAN, 0.5f}};
    for (int b = 0; b < 3; b++)
      CHECK(qrt_q8_packed_set_multipliers(packed, bad[b], 2) == QRT_INVALID_ARGUMENT, "bad multiplier %d refused", b);
    const float m2[2] = {1.0f, 0.5f};
    CHECK(qrt_q8_packed_set_multipliers(packed, m2, 1) == QRT_INVALID_ARGUMENT, "wrong count refused");
    CHECK_OK(qrt_q8_packed_multipliers(packed, m, 2));
    CHECK(m[0] == 0.5f && m[1] == 0.25f, "refusals change nothing");
    CHECK_OK(qrt_q8_packed_set_multipliers(packed, m2, 2));
    int8_t y[4];
    CHECK_OK(qrt_q8_gemm_packed(2, 2, 3, x, 3, packed, y, 2, sc, sizeof sc));
    const int8_t want[4] = {3, 0, 12, 0};
    for (int i = 0; i < 4; i++)
      CHECK(y[i] == want[i], "set multipliers (%s): y[%d] = %d, want %d", qrt_isa_name(levels[l]), i, y[i], want[i]);
  }
  const int8_t wd[2] = {3, 1};
  const float wsd = 0.25f, one = 1.0f;
  const qrt_q8_weights_t wqd = {QRT_DTYPE_I8, 1, &wsd, 0, NULL};
  CHECK_OK(qrt_q8_gemm_pack_weights_dynamic(1, 2, QRT_DTYPE_I8, &wqd, wd, NULL, packed, ps));
  CHECK(qrt_q8_packed_set_multipliers(packed, &one, 1) == QRT_INVALID_ARGUMENT, "a dynamic packing has none");
  free(packed);
}

int main(void) {
  test_hand();
  test_packed_multipliers();
  test_rows_of_both_architectures();
  test_amx();
  int ok = 0, n = 400;
  for (int i = 0; i < n; i++) ok += random_gemm(i);
  printf("qgemm: %d of %d random cases exact\n", ok, n);
  ok = 0;
  for (int i = 0; i < 120; i++) ok += random_dynamic(i);
  printf("dynamic gemm: %d of %d random cases exact; packed variants:", ok, 120);
  for (int v = 0; v < 256; v++)
    if (g_variant_count[v]) printf(" %s %d", qrt_isa_name((qrt_isa_t)v), g_variant_count[v]);
  printf("\n");
  check_q8_rows_ran(g_variant_count);
  return test_finish("q8_gemm");
}
