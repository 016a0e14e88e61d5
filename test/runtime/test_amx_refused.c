/* The AMX fallback when Linux refuses the tile state (docs/int8-kernels.md,
 * the amx row): a seccomp filter makes arch_prctl(ARCH_REQ_XCOMP_PERM) fail
 * with EPERM before libqrt's first call, as a container runtime's filter or a
 * kernel before 5.16 would. libqrt must then not report AMX (a tile
 * instruction would die of SIGILL), and weights packed for the amx row (what
 * `qcc compile --target=x86-64-v4-amx` embeds) must run on the VNNI tile with
 * the scalar row's bytes, at M sizes that take the 32-row AMX tiles when AMX
 * is there; a convolution packed for amx has no such fallback (QRT_UNSUPPORTED).
 * Needs a CPU with AMX-INT8 (CPUID) to mean anything: elsewhere it
 * prints why it checks nothing and passes. */
#include <cpuid.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "qrt/qrt.h"
#include "qrt/qrt_q8.h"
#include "test_util.h"

enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };

static int cpu_has_amx_int8(void) {
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, NULL) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  return (d & (3u << 24)) == (3u << 24);
}

/* arch_prctl(ARCH_REQ_XCOMP_PERM, ...) -> EPERM; every other call allowed. */
static int refuse_tile_permission(void) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_arch_prctl, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])), /* low half */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_REQ_XCOMP_PERM, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* One Linear: packed for the scalar row and for the amx row, run at the
 * active level (VNNI here); the same bytes. */
static void linear_case(int64_t m, int64_t n, int64_t k) {
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.02f, (int32_t)rng_range(0, 255)};
  float *ws = malloc((size_t)n * sizeof *ws);
  int32_t *bias = malloc((size_t)n * sizeof *bias);
  for (int64_t o = 0; o < n; o++) ws[o] = 0.001f + 0.01f * (float)(rng_u32() % 100) / 100.0f;
  for (int64_t o = 0; o < n; o++) bias[o] = (int32_t)rng_range(-(1 << 16), 1 << 16);
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, n, ws, 0, NULL};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, xq.scale * 0.005f * 64.0f * sqrtf((float)k), 128);
  uint8_t *x = malloc((size_t)(m * k));
  int8_t *w = malloc((size_t)(n * k));
  for (int64_t i = 0; i < m * k; i++) x[i] = (uint8_t)rng_u32();
  for (int64_t i = 0; i < n * k; i++) w[i] = (int8_t)rng_range(-127, 127);
  const size_t ps = qrt_q8_gemm_packed_weights_size(n, k), gs = qrt_q8_gemm_scratch_size(m, n, k);
  void *pk_ref = malloc(ps), *pk = malloc(ps), *scratch = malloc(gs);
  uint8_t *want = malloc((size_t)(m * n)), *got = malloc((size_t)(m * n));
  CHECK_OK(qrt_q8_gemm_pack_weights_isa(QRT_ISA_SCALAR, n, k, &xq, &wq, w, bias, &yq, pk_ref, ps));
  CHECK_OK(qrt_q8_gemm_packed(m, n, k, x, k, pk_ref, want, n, scratch, gs));
  CHECK_OK(qrt_q8_gemm_pack_weights_isa(QRT_ISA_AMX, n, k, &xq, &wq, w, bias, &yq, pk, ps));
  qrt_q8_packed_info_t in;
  CHECK_OK(qrt_q8_packed_info(pk, ps, &in));
  CHECK(in.variant == QRT_ISA_AMX, "packed for %s, want amx", qrt_isa_name(in.variant));
  memset(got, 0xa5, (size_t)(m * n));
  CHECK_OK(qrt_q8_gemm_packed(m, n, k, x, k, pk, got, n, scratch, gs));
  int64_t bad = -1;
  for (int64_t i = 0; i < m * n && bad < 0; i++)
    if (got[i] != want[i]) bad = i;
  CHECK(bad < 0, "m %lld n %lld k %lld: amx-packed weights at [%lld, %lld] gave %d, the scalar row %d",
        (long long)m, (long long)n, (long long)k, (long long)(bad / n), (long long)(bad % n),
        bad < 0 ? 0 : got[bad], bad < 0 ? 0 : want[bad]);
  free(ws), free(bias), free(x), free(w), free(pk_ref), free(pk), free(scratch), free(want), free(got);
}

/* A convolution packed for the amx row (64 input channels: its A-tile layout,
 * which the VNNI tile cannot read) is QRT_UNSUPPORTED there and writes nothing. */
static void conv_case(void) {
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, 3, 3);
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  const int64_t ci = 64, co = 16, h = 5, w = 5;
  size_t ps;
  void *pk = q8_pack_zero_conv(QRT_ISA_AMX, &p, ci, co, &ps);
  const size_t cs = qrt_q8_conv2d_scratch_size(&p, ci, h, w, co);
  uint8_t *x = calloc((size_t)(ci * h * w), 1), y[16 * 25];
  void *scratch = malloc(cs);
  qrt_q8_packed_info_t in;
  CHECK_OK(qrt_q8_packed_info(pk, ps, &in));
  CHECK(in.variant == QRT_ISA_AMX, "conv packed for %s, want amx", qrt_isa_name(in.variant));
  memset(y, 0xa5, sizeof y);
  CHECK(qrt_q8_conv2d_packed(&p, 1, ci, h, w, x, co, pk, y, scratch, cs) == QRT_UNSUPPORTED,
        "an amx-packed convolution without the tile state must be QRT_UNSUPPORTED");
  int untouched = 1;
  for (size_t i = 0; i < sizeof y; i++) untouched &= y[i] == 0xa5;
  CHECK(untouched, "the refused convolution wrote its output");
  free(x), free(pk), free(scratch);
}

int main(void) {
  if (!cpu_has_amx_int8()) {
    printf("amx_refused: this CPU has no AMX-INT8 (CPUID.7.0:EDX[24,25]): nothing to check\n");
    return 0;
  }
  /* before libqrt's first call: its feature detection asks for the permission once */
  if (refuse_tile_permission() != 0) {
    printf("amx_refused: cannot install a seccomp filter (%s): nothing to check\n", strerror(errno));
    return 0;
  }
  errno = 0;
  const long r = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA);
  CHECK(r == -1 && errno == EPERM, "the filter let arch_prctl through (returned %ld, errno %d)", r, errno);
  CHECK(!(qrt_cpu_features() & QRT_CPU_AMXINT8), "AMX-INT8 reported although its tile state was refused");
  CHECK(qrt_cpu_isa() == QRT_ISA_AVX512VNNI, "cpu isa %s, want avx512vnni", qrt_isa_name(qrt_cpu_isa()));
  static const int64_t shapes[][3] = {{32, 64, 64}, {64, 48, 256}, {100, 33, 200}, {16, 16, 70}, {1, 100, 64}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) linear_case(shapes[i][0], shapes[i][1], shapes[i][2]);
  conv_case();
  return test_finish("amx_refused");
}
