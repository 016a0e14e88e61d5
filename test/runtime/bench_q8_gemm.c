/* The int8 GEMM against the machine's VPDPBUSD peak and oneDNN, in one run
 * (issue 5, "int8 GEMM kernel"). Not run by ctest; tools/bench_gemm.sh runs it.
 *
 * usage: qrt_bench_q8_gemm [--samples S] [--ms T] [--grid full|small] [--shape MxNxK] [--onednn-isa all]
 *   S samples per shape and library (default 7), each at least T ms of calls
 *   (default 20); the time of a shape is the median sample's time per call.
 *   --shape runs that shape alone. oneDNN is limited to AVX-512 VNNI (its
 *   avx512_core_vnni, the instructions of qcc's avx512vnni row; qcc runs its
 *   amx row where the CPU has AMX-INT8, QRT_ISA=avx512vnni keeps it off) unless --onednn-isa
 *   all lets it use what the CPU has (AMX on recent Xeons).
 *
 * One thread, thread CPU time (CLOCK_THREAD_CPUTIME_ID), so time the machine
 * gives other jobs is not counted. Shapes: M in {1,16,128,512,3136} and N, K
 * in {64,256,768,3072} (small: M in {1,128}, N, K in {64,768}); u8
 * activations (zero point 128), s8 symmetric per-channel weights, u8 output
 * requantized per channel. Weight packing (qcc) and the weights' reorder
 * (oneDNN) are done before the timing.
 *
 * - peak: VPDPBUSD zmm, 16 independent accumulators (an inline-asm loop), in
 *   GOP/s (a multiply-add is 2 operations; one vpdpbusd zmm is 64). Measured
 *   (best of 5 runs of about 2 ms) before every shape; the peak is the highest
 *   of these, so a neighbour's load on the VM lowers it less than a single
 *   measurement.
 * - qcc: qrt_q8_gemm_packed, weights packed for the newest variant the CPU has.
 * - oneDNN (built in when libdnnl-dev is present): the faster of matmul and
 *   inner product, u8 x s8 -> u8 with per-channel output scales, weights in the
 *   layout oneDNN picks ("any"). oneDNN runs without a source zero point (which
 *   would only add work on its side). The program re-executes itself with
 *   OMP_NUM_THREADS=1 so oneDNN runs on this thread.
 * Prints per shape GOP/s, % of peak and qcc's speed over oneDNN's; then the
 * median % of peak over the shapes with M >= 128 and the smallest ratio. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qrt/qrt_q8.h"

#ifdef QRT_BENCH_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- the VPDPBUSD peak ------------------------------------------------------------- */

#if defined(__x86_64__)
/* `iters` x 16 vpdpbusd zmm into 16 accumulators (zmm16..31) that do not depend
 * on each other; the loop counter is the only other work. */
__attribute__((target("avx512f,avx512vnni"))) static void vpdpbusd_loop(long iters) {
  __asm__ volatile(
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"
      "vpxord %%zmm1, %%zmm1, %%zmm1\n\t"
      ".p2align 5\n"
      "1:\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm16\n\tvpdpbusd %%zmm1, %%zmm0, %%zmm17\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm18\n\tvpdpbusd %%zmm1, %%zmm0, %%zmm19\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm20\n\tvpdpbusd %%zmm1, %%zmm0, %%zmm21\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm22\n\tvpdpbusd %%zmm1, %%zmm0, %%zmm23\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm24\n\tvpdpbusd %%zmm1, %%zmm0, %%zmm25\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm26\n\tvpdpbusd %%zmm1, %%zmm0, %%zmm27\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm28\n\tvpdpbusd %%zmm1, %%zmm0, %%zmm29\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm30\n\tvpdpbusd %%zmm1, %%zmm0, %%zmm31\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      : "+r"(iters)
      :
      : "memory", "xmm0", "xmm1", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",
        "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31");
}

/* Best of 5 runs of about 2 ms, GOP/s. */
static double vpdpbusd_peak(void) {
  const long iters = 250000;
  double best = 1e30;
  vpdpbusd_loop(iters / 10);
  for (int r = 0; r < 5; r++) {
    const double t0 = now_s();
    vpdpbusd_loop(iters);
    const double t = now_s() - t0;
    if (t < best) best = t;
  }
  return (double)iters * 16 * 64 * 2 / best / 1e9;
}
#endif

/* ---- timing ---------------------------------------------------------------------- */

typedef void (*run_fn)(void *ctx);

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Times nf functions with their samples interleaved (sample s of every
 * function, then sample s + 1), so a neighbour's burst of load slows all of
 * them alike: t[f] = the median over `samples` samples of the time per call,
 * each sample at least min_s of calls. */
static void time_interleaved(int nf, const run_fn *fn, void *const *ctx, int samples, double min_s, double *t) {
  long reps[4];
  double ts[4][64];
  if (samples > 64) samples = 64;
  for (int f = 0; f < nf; f++) {
    fn[f](ctx[f]); /* warm-up */
    const double t0 = now_s();
    fn[f](ctx[f]);
    double one = now_s() - t0;
    if (one < 1e-7) one = 1e-7;
    reps[f] = one >= min_s ? 1 : (long)(min_s / one) + 1;
  }
  for (int s = 0; s < samples; s++)
    for (int f = 0; f < nf; f++) {
      const double t0 = now_s();
      for (long r = 0; r < reps[f]; r++) fn[f](ctx[f]);
      ts[f][s] = (now_s() - t0) / (double)reps[f];
    }
  for (int f = 0; f < nf; f++) {
    qsort(ts[f], (size_t)samples, sizeof(double), cmp_double);
    t[f] = ts[f][samples / 2];
  }
}

/* ---- qcc --------------------------------------------------------------------------- */

typedef struct {
  int64_t m, n, k;
  const uint8_t *x;
  void *packed, *scratch, *y;
  size_t scratch_size;
  qrt_status_t st;
} qcc_ctx;

static void qcc_run(void *p) {
  qcc_ctx *c = p;
  const qrt_status_t s = qrt_q8_gemm_packed(c->m, c->n, c->k, c->x, c->k, c->packed, c->y, c->n, c->scratch,
                                            c->scratch_size);
  if (s != QRT_OK) c->st = s;
}

/* Packs the weights; 0 on failure. */
static int qcc_setup(qcc_ctx *c, int64_t m, int64_t n, int64_t k, const uint8_t *x, const int8_t *w,
                     const float *ws) {
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.02f, 128};
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, n, ws, 0, NULL};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.05f, 0);
  const size_t ps = qrt_q8_gemm_packed_weights_size(n, k);
  /* y 64-byte aligned, as a compiled model's arena places every tensor and as
   * oneDNN allocates its own destination */
  qcc_ctx z = {m, n, k, x, aligned_alloc(64, (ps + 63) / 64 * 64), NULL, aligned_alloc(64, (size_t)(m * n + 63) / 64 * 64),
               0, QRT_OK};
  *c = z;
  c->scratch_size = qrt_q8_gemm_scratch_size(m, n, k);
  c->scratch = malloc(c->scratch_size);
  return qrt_q8_gemm_pack_weights(n, k, &xq, &wq, w, NULL, &yq, c->packed, ps) == QRT_OK;
}

static void qcc_free(qcc_ctx *c) { free(c->packed), free(c->scratch), free(c->y); }

/* ---- oneDNN ------------------------------------------------------------------------ */

#ifdef QRT_BENCH_ONEDNN
typedef struct {
  dnnl_primitive_t prim, reorder;
  dnnl_primitive_desc_t pd, rpd;
  dnnl_memory_t mem[4];
  dnnl_stream_t stream;
  dnnl_exec_arg_t args[3];
  int ok;
} dnnl_ctx;

static void dnnl_run(void *p) {
  dnnl_ctx *c = p;
  if (dnnl_primitive_execute(c->prim, c->stream, 3, c->args) != dnnl_success || dnnl_stream_wait(c->stream) != dnnl_success)
    c->ok = 0;
}

/* matmul (ip = 0) or inner product (ip = 1) with its weights reordered; 0 if
 * oneDNN has no such primitive. */
static int dnnl_setup(dnnl_ctx *c, int ip, dnnl_engine_t eng, dnnl_stream_t stream, int64_t m, int64_t n, int64_t k,
                      const uint8_t *x, const int8_t *w_nk, const float *scales) {
  dnnl_memory_desc_t a_md, w_md, w_any, c_md;
  const dnnl_dims_t ad = {m, k}, cd = {m, n}, wd_kn = {k, n}, wd_nk = {n, k};
  dnnl_memory_desc_init_by_tag(&a_md, 2, ad, dnnl_u8, dnnl_ab);
  dnnl_memory_desc_init_by_tag(&c_md, 2, cd, dnnl_u8, dnnl_ab);
  /* w_nk is [n][k]: as the matmul's k x n weights that is the "ba" layout */
  dnnl_memory_desc_init_by_tag(&w_md, 2, ip ? wd_nk : wd_kn, dnnl_s8, ip ? dnnl_ab : dnnl_ba);
  dnnl_memory_desc_init_by_tag(&w_any, 2, ip ? wd_nk : wd_kn, dnnl_s8, dnnl_format_tag_any);
  dnnl_primitive_attr_t attr;
  dnnl_primitive_attr_create(&attr);
  dnnl_primitive_attr_set_output_scales(attr, n, 1 << 1, scales); /* per output channel (dim 1) */
  dnnl_primitive_desc_t pd = NULL;
  dnnl_status_t s;
  if (ip) {
    dnnl_inner_product_desc_t d;
    s = dnnl_inner_product_forward_desc_init(&d, dnnl_forward_inference, &a_md, &w_any, NULL, &c_md);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &d, attr, eng, NULL);
  } else {
    dnnl_matmul_desc_t d;
    s = dnnl_matmul_desc_init(&d, &a_md, &w_any, NULL, &c_md);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &d, attr, eng, NULL);
  }
  dnnl_primitive_attr_destroy(attr);
  if (s != dnnl_success) return 0;
  const dnnl_memory_desc_t *wp_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  dnnl_memory_t A, W0, W, C;
  dnnl_memory_create(&A, &a_md, eng, (void *)x);
  dnnl_memory_create(&W0, &w_md, eng, (void *)w_nk);
  dnnl_memory_create(&W, wp_md, eng, DNNL_MEMORY_ALLOCATE);
  dnnl_memory_create(&C, &c_md, eng, DNNL_MEMORY_ALLOCATE);
  dnnl_primitive_desc_t rpd;
  dnnl_primitive_t reorder, prim;
  dnnl_reorder_primitive_desc_create(&rpd, &w_md, eng, wp_md, eng, NULL);
  dnnl_primitive_create(&reorder, rpd);
  dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, W0}, {DNNL_ARG_TO, W}};
  dnnl_primitive_execute(reorder, stream, 2, rargs);
  dnnl_stream_wait(stream);
  dnnl_primitive_create(&prim, pd);
  dnnl_ctx z = {prim, reorder, pd, rpd, {A, W0, W, C}, stream, {{DNNL_ARG_SRC, A}, {DNNL_ARG_WEIGHTS, W}, {DNNL_ARG_DST, C}}, 1};
  *c = z;
  return 1;
}

static void dnnl_free(dnnl_ctx *c) {
  dnnl_primitive_destroy(c->prim), dnnl_primitive_destroy(c->reorder);
  dnnl_primitive_desc_destroy(c->rpd), dnnl_primitive_desc_destroy(c->pd);
  for (int i = 0; i < 4; i++) dnnl_memory_destroy(c->mem[i]);
}
#endif

/* ---- main -------------------------------------------------------------------------- */

static void fill(uint8_t *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)((i * 2654435761u + seed * 40503u) >> 13);
}

int main(int argc, char **argv) {
  int samples = 7;
  double min_ms = 20;
  int small = 0;
  long long one[3] = {0, 0, 0};
  int dnnl_all = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--ms") && i + 1 < argc) min_ms = atof(argv[++i]);
    else if (!strcmp(argv[i], "--grid") && i + 1 < argc && !strcmp(argv[i + 1], "small")) small = 1, i++;
    else if (!strcmp(argv[i], "--grid") && i + 1 < argc && !strcmp(argv[i + 1], "full")) i++;
    else if (!strcmp(argv[i], "--onednn-isa") && i + 1 < argc && !strcmp(argv[i + 1], "all")) dnnl_all = 1, i++;
    else if (!strcmp(argv[i], "--shape") && i + 1 < argc &&
             sscanf(argv[i + 1], "%lldx%lldx%lld", &one[0], &one[1], &one[2]) == 3 && one[0] > 0 && one[1] > 0 &&
             one[2] > 0)
      i++;
    else {
      fprintf(stderr, "qrt_bench_q8_gemm: unknown argument '%s' (usage: [--samples S] [--ms T] [--grid full|small] [--shape MxNxK] [--onednn-isa all])\n",
              argv[i]);
      return 2;
    }
  }
  if (samples < 1 || samples > 64 || !(min_ms > 0)) {
    fprintf(stderr, "qrt_bench_q8_gemm: --samples must be 1..64 and --ms positive\n");
    return 2;
  }
#ifdef QRT_BENCH_ONEDNN
  /* oneDNN's OpenMP reads OMP_NUM_THREADS when the library loads: set it and start again */
  const char *omp = getenv("OMP_NUM_THREADS");
  if (!omp || strcmp(omp, "1") != 0) {
    setenv("OMP_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
    fprintf(stderr, "qrt_bench_q8_gemm: cannot restart with OMP_NUM_THREADS=1; set it and run again\n");
    return 1;
  }
#endif
  const double min_s = min_ms * 1e-3;
  const int64_t kMs[] = {1, 16, 128, 512, 3136}, kNK[] = {64, 256, 768, 3072};
  const int64_t sMs[] = {1, 128}, sNK[] = {64, 768};
  const int64_t *Ms = small ? sMs : kMs, *NKs = small ? sNK : kNK;
  int nM = small ? 2 : 5, nNK = small ? 2 : 4;
  const int64_t oM[] = {one[0]}, oN[] = {one[1]}, oK[] = {one[2]};
  const int64_t *Ns = NKs, *Ks = NKs;
  int nN = nNK, nK = nNK;
  if (one[0] > 0) Ms = oM, Ns = oN, Ks = oK, nM = nN = nK = 1;

  const qrt_isa_t isa = qrt_cpu_isa();
  double peak = 0;
  printf("# qcc int8 GEMM (qrt_q8_gemm_packed, %s) against the VPDPBUSD peak", qrt_isa_name(qrt_active_isa()));
#ifdef QRT_BENCH_ONEDNN
  dnnl_engine_t eng;
  dnnl_stream_t stream;
  if (!dnnl_all && dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx512_core_vnni) != dnnl_success) {
    fprintf(stderr, "qrt_bench_q8_gemm: oneDNN refused to be limited to avx512_core_vnni\n");
    return 1;
  }
  if (dnnl_engine_create(&eng, dnnl_cpu, 0) != dnnl_success ||
      dnnl_stream_create(&stream, eng, dnnl_stream_default_flags) != dnnl_success) {
    fprintf(stderr, "qrt_bench_q8_gemm: oneDNN: no CPU engine\n");
    return 1;
  }
  const dnnl_version_t *ver = dnnl_version();
  printf(" and oneDNN %d.%d.%d (%s)", ver->major, ver->minor, ver->patch,
         dnnl_all ? "every ISA the CPU has" : "limited to avx512_core_vnni");
#else
  (void)dnnl_all;
  printf(" (built without oneDNN: install libdnnl-dev and rebuild for the comparison)");
#endif
  printf("; one thread, thread CPU time, median of %d samples of >= %.0f ms\n", samples, min_ms);
  printf("%6s %5s %5s | %9s %8s %6s | %9s %8s %6s | %6s\n", "M", "N", "K", "qcc ms", "GOP/s", "%peak",
         "oneDNN ms", "GOP/s", "%peak", "ratio");

  double pct_q[128], pct_d[128], ratios[128];
  int n_big = 0, n_ratio = 0, n_ok = 0;
  for (int mi = 0; mi < nM; mi++)
    for (int ni = 0; ni < nN; ni++)
      for (int ki = 0; ki < nK; ki++) {
        const int64_t m = Ms[mi], n = Ns[ni], k = Ks[ki];
#if defined(__x86_64__)
        if (isa >= QRT_ISA_AVX512VNNI) {
          const double pk = vpdpbusd_peak();
          if (pk > peak) peak = pk;
        }
#endif
        uint8_t *x = malloc((size_t)(m * k));
        int8_t *w = malloc((size_t)(n * k));
        float *ws = malloc((size_t)n * sizeof *ws), *scales = malloc((size_t)n * sizeof *scales);
        fill(x, (size_t)(m * k), 1);
        fill((uint8_t *)w, (size_t)(n * k), 2);
        for (int64_t i = 0; i < n * k; i++)
          if (w[i] == -128) w[i] = -127; /* symmetric */
        for (int64_t o = 0; o < n; o++) {
          ws[o] = 0.001f + 0.0001f * (float)(o % 7);
          scales[o] = 0.02f * ws[o] / 0.05f;
        }
        const double ops = 2.0 * (double)m * (double)n * (double)k;
        /* qcc, oneDNN matmul, oneDNN inner product; samples interleaved */
        run_fn fns[3];
        void *ctxs[3];
        double t[3] = {-1, -1, -1};
        int nf = 0, ix[3] = {-1, -1, -1};
        qcc_ctx qc;
        if (qcc_setup(&qc, m, n, k, x, w, ws)) ix[0] = nf, fns[nf] = qcc_run, ctxs[nf++] = &qc;
        else fprintf(stderr, "qrt_bench_q8_gemm: packing %lldx%lld failed\n", (long long)n, (long long)k);
#ifdef QRT_BENCH_ONEDNN
        dnnl_ctx dc[2];
        for (int ip = 0; ip < 2; ip++)
          if (dnnl_setup(&dc[ip], ip, eng, stream, m, n, k, x, w, scales)) ix[1 + ip] = nf, fns[nf] = dnnl_run, ctxs[nf++] = &dc[ip];
#endif
        double tf[3];
        time_interleaved(nf, fns, ctxs, samples, min_s, tf);
        for (int f = 0; f < 3; f++) t[f] = ix[f] >= 0 ? tf[ix[f]] : -1;
        if (ix[0] >= 0 && qc.st != QRT_OK) fprintf(stderr, "qrt_q8_gemm_packed: %s\n", qrt_status_string(qc.st)), t[0] = -1;
        if (ix[0] >= 0) qcc_free(&qc);
#ifdef QRT_BENCH_ONEDNN
        for (int ip = 0; ip < 2; ip++)
          if (ix[1 + ip] >= 0) {
            if (!dc[ip].ok) t[1 + ip] = -1;
            dnnl_free(&dc[ip]);
          }
#endif
        const double tq = t[0], td = t[1] < 0 ? t[2] : t[2] < 0 || t[1] < t[2] ? t[1] : t[2];
        const double gq = tq > 0 ? ops / tq / 1e9 : 0, gd = td > 0 ? ops / td / 1e9 : 0;
        const double ref_peak = peak > 0 ? peak : 1;
        printf("%6lld %5lld %5lld | %9.4f %8.1f %5.1f%% |", (long long)m, (long long)n, (long long)k, tq * 1e3, gq,
               100 * gq / ref_peak);
        if (td > 0) {
          printf(" %9.4f %8.1f %5.1f%% | %6.2f\n", td * 1e3, gd, 100 * gd / ref_peak, gq / gd);
          ratios[n_ratio++] = gq / gd;
          n_ok += gq / gd >= 0.95;
        } else {
          printf(" %9s %8s %6s | %6s\n", "-", "-", "-", "-");
        }
        if (m >= 128 && n_big < 128) pct_q[n_big] = gq, pct_d[n_big] = gd, n_big++;
        fflush(stdout);
        free(x), free(w), free(ws), free(scales);
      }
  printf("# VPDPBUSD zmm peak: %.1f GOP/s (the highest measurement; each row's %% is of the highest up to that row)\n",
         peak);
  if (peak > 0 && n_big > 0) {
    qsort(pct_q, (size_t)n_big, sizeof(double), cmp_double);
    qsort(pct_d, (size_t)n_big, sizeof(double), cmp_double);
    const double mq = n_big % 2 ? pct_q[n_big / 2] : 0.5 * (pct_q[n_big / 2 - 1] + pct_q[n_big / 2]);
    const double md = n_big % 2 ? pct_d[n_big / 2] : 0.5 * (pct_d[n_big / 2 - 1] + pct_d[n_big / 2]);
    printf("median over the %d shapes with M >= 128: qcc %.1f GOP/s = %.1f%% of peak", n_big, mq, 100 * mq / peak);
    if (md > 0) printf(", oneDNN %.1f GOP/s = %.1f%%", md, 100 * md / peak);
    printf("\n");
  }
  if (n_ratio > 0) {
    qsort(ratios, (size_t)n_ratio, sizeof(double), cmp_double);
    printf("qcc / oneDNN speed: min %.2f, median %.2f, max %.2f; %d of %d shapes >= 0.95\n", ratios[0],
           ratios[n_ratio / 2], ratios[n_ratio - 1], n_ok, n_ratio);
  }
  return 0;
}
