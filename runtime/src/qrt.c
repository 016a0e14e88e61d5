/* Version, statuses, CPU feature detection, ISA limit and the kernel tables. */
#define _DEFAULT_SOURCE /* syscall() */
#include <stdlib.h>
#include <string.h>

#include "qrt_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__x86_64__) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

#define QRT_STR2(x) #x
#define QRT_STR(x) QRT_STR2(x)

const char *qrt_version(void) {
  return QRT_STR(QRT_VERSION_MAJOR) "." QRT_STR(QRT_VERSION_MINOR) "." QRT_STR(QRT_VERSION_PATCH);
}

const char *qrt_status_string(qrt_status_t status) {
  switch (status) {
    case QRT_OK: return "OK";
    case QRT_INVALID_ARGUMENT: return "invalid argument";
    case QRT_UNSUPPORTED: return "unsupported";
    case QRT_BUFFER_TOO_SMALL: return "buffer too small";
  }
  return "unknown status";
}

#if defined(__x86_64__) || defined(__i386__)
static uint64_t qrt_xgetbv0(void) {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((uint64_t)edx << 32) | eax;
}

/* Linux hands out the AMX tile data state (XFEATURE_XTILEDATA, 18) per process:
 * arch_prctl(ARCH_REQ_XCOMP_PERM) must grant it before the first tile
 * instruction, which otherwise dies by SIGILL. Refused (a kernel before 5.16,
 * a seccomp filter, no room for the larger signal frame): no AMX. */
static int qrt_amx_permitted(void) {
#if defined(__x86_64__) && defined(__linux__)
  enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
#else
  return 0;
#endif
}

static uint32_t qrt_detect_features(void) {
  uint32_t eax, ebx, ecx, edx, f = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  const int osxsave = (ecx >> 27) & 1;
  if (ecx & (1u << 19)) f |= QRT_CPU_SSE41;
  /* The OS must save the registers: XCR0 bits 1,2 (SSE, AVX) and 5,6,7
   * (opmask, ZMM_Hi256, Hi16_ZMM) for AVX-512. */
  const uint64_t xcr0 = osxsave ? qrt_xgetbv0() : 0;
  const int os_avx = (xcr0 & 0x6) == 0x6;
  const int os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
  if (os_avx && (ecx & (1u << 28))) f |= QRT_CPU_AVX;
  if (os_avx && (ecx & (1u << 12))) f |= QRT_CPU_FMA;
  if (os_avx && (ecx & (1u << 29))) f |= QRT_CPU_F16C;
  if (__get_cpuid_max(0, NULL) >= 7) {
    uint32_t a7, b7, c7, d7;
    __cpuid_count(7, 0, a7, b7, c7, d7);
    if (os_avx && (b7 & (1u << 5))) f |= QRT_CPU_AVX2;
    if (os_avx512) {
      if (b7 & (1u << 16)) f |= QRT_CPU_AVX512F;
      if (b7 & (1u << 17)) f |= QRT_CPU_AVX512DQ;
      if (b7 & (1u << 30)) f |= QRT_CPU_AVX512BW;
      if (b7 & (1u << 31)) f |= QRT_CPU_AVX512VL;
      if (c7 & (1u << 11)) f |= QRT_CPU_AVX512VNNI;
      /* AMX: CPUID.7.0 EDX bits 24 (AMX-TILE) and 25 (AMX-INT8), XCR0 bits 17
       * and 18 (XTILECFG, XTILEDATA saved by the OS), then the permission */
      if ((d7 & (3u << 24)) == (3u << 24) && (xcr0 & 0x60000) == 0x60000 && qrt_amx_permitted())
        f |= QRT_CPU_AMXINT8;
    }
    uint32_t a71, b71, c71, d71;
    __cpuid_count(7, 1, a71, b71, c71, d71);
    if (os_avx && (a71 & (1u << 4))) f |= QRT_CPU_AVXVNNI;
  }
  return f;
}
#elif defined(__aarch64__)
static uint32_t qrt_detect_features(void) {
  uint32_t f = QRT_CPU_NEON; /* Advanced SIMD is part of the aarch64 baseline */
#if defined(__linux__)
  if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) f |= QRT_CPU_DOTPROD;
#endif
  return f;
}
#else
static uint32_t qrt_detect_features(void) { return 0; }
#endif

/* Benign races: every thread computes the same value. */
static volatile uint32_t qrt_features_cache;
static volatile int qrt_features_known;

uint32_t qrt_cpu_features(void) {
  if (!qrt_features_known) {
    qrt_features_cache = qrt_detect_features();
    qrt_features_known = 1;
  }
  return qrt_features_cache;
}

qrt_isa_t qrt_cpu_isa(void) {
  const uint32_t f = qrt_cpu_features();
  const uint32_t v4 = QRT_CPU_AVX512F | QRT_CPU_AVX512BW | QRT_CPU_AVX512DQ | QRT_CPU_AVX512VL;
  const uint32_t v3 = QRT_CPU_AVX2 | QRT_CPU_FMA;
  if (f & QRT_CPU_DOTPROD) return QRT_ISA_DOTPROD;
  if (f & QRT_CPU_NEON) return QRT_ISA_NEON;
  if ((f & v4) == v4 && (f & v3) == v3 && (f & QRT_CPU_AVX512VNNI) && (f & QRT_CPU_AMXINT8)) return QRT_ISA_AMX;
  if ((f & v4) == v4 && (f & v3) == v3 && (f & QRT_CPU_AVX512VNNI)) return QRT_ISA_AVX512VNNI;
  if ((f & v4) == v4 && (f & v3) == v3) return QRT_ISA_AVX512F;
  if ((f & v3) == v3) return QRT_ISA_AVX2_FMA;
  return QRT_ISA_SCALAR;
}

static volatile int qrt_limit_known;
static volatile qrt_isa_t qrt_limit;

static qrt_isa_t qrt_get_limit(void) {
  if (!qrt_limit_known) {
    qrt_isa_t l = QRT_ISA_NATIVE;
    const char *env = getenv("QRT_ISA");
    if (env) {
      if (!strcmp(env, "scalar")) l = QRT_ISA_SCALAR;
      else if (!strcmp(env, "avx2") || !strcmp(env, "avx2_fma")) l = QRT_ISA_AVX2_FMA;
      else if (!strcmp(env, "avx512") || !strcmp(env, "avx512f")) l = QRT_ISA_AVX512F;
      else if (!strcmp(env, "avx512vnni")) l = QRT_ISA_AVX512VNNI;
      else if (!strcmp(env, "amx")) l = QRT_ISA_AMX;
      else if (!strcmp(env, "neon")) l = QRT_ISA_NEON;
      else if (!strcmp(env, "dotprod")) l = QRT_ISA_DOTPROD;
    }
    qrt_limit = l;
    qrt_limit_known = 1;
  }
  return qrt_limit;
}

qrt_isa_t qrt_set_isa_limit(qrt_isa_t limit) {
  const qrt_isa_t old = qrt_get_limit();
  qrt_limit = limit;
  return old;
}

qrt_isa_t qrt_active_isa(void) {
  const qrt_isa_t cpu = qrt_cpu_isa(), lim = qrt_get_limit();
  return cpu < lim ? cpu : lim;
}

const char *qrt_isa_name(qrt_isa_t isa) {
  switch (isa) {
    case QRT_ISA_SCALAR: return "scalar";
    case QRT_ISA_AVX2_FMA: return "avx2_fma";
    case QRT_ISA_AVX512F: return "avx512f";
    case QRT_ISA_AVX512VNNI: return "avx512vnni";
    case QRT_ISA_AMX: return "amx";
    case QRT_ISA_NEON: return "neon";
    case QRT_ISA_DOTPROD: return "dotprod";
    case QRT_ISA_NATIVE: return "native";
  }
  return "unknown";
}

/* ---- microkernel table ---------------------------------------------------- */
static const qrt_f32_gemm_ukernel_t qrt_f32_gemm_ukernels[] = {
#define QRT_F32_GEMM_UKERNEL(name, isa, mr, nr, kc, mc, nc) \
  {#name, isa, mr, nr, kc, mc, nc, QRT_ROW_FN(QRT_ROW_KEPT(isa, QRT_F32_GEMM_LEVELS), qrt_##name)},
#include "f32_gemm_ukernels.inl"
#undef QRT_F32_GEMM_UKERNEL
};

int qrt_f32_gemm_ukernel_count(void) {
  return (int)(sizeof qrt_f32_gemm_ukernels / sizeof qrt_f32_gemm_ukernels[0]);
}

const qrt_f32_gemm_ukernel_t *qrt_f32_gemm_ukernel_at(int index) {
  if (index < 0 || index >= qrt_f32_gemm_ukernel_count()) return NULL;
  return &qrt_f32_gemm_ukernels[index];
}

const qrt_f32_gemm_ukernel_t *qrt_f32_gemm_ukernel_select(int *out_index) {
  const qrt_isa_t isa = qrt_active_isa();
  int best = 0;
  for (int i = 0; i < qrt_f32_gemm_ukernel_count(); i++)
    if (qrt_f32_gemm_ukernels[i].isa <= isa && qrt_f32_gemm_ukernels[i].fn) best = i;
  if (out_index) *out_index = best;
  return &qrt_f32_gemm_ukernels[best];
}
