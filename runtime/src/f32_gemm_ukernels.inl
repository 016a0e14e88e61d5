/* The f32 GEMM microkernel table, oldest ISA first (X-macro; the newest entry
 * the CPU and the ISA limit allow is selected). Columns: name (= file name and
 * contract), ISA, MR, NR, KC, MC, NC. */
QRT_F32_GEMM_UKERNEL(f32_gemm_4x4__scalar, QRT_ISA_SCALAR, 4, 4, 128, 64, 512)
#if defined(__x86_64__) || defined(_M_X64)
QRT_F32_GEMM_UKERNEL(f32_gemm_6x16__avx2_fma, QRT_ISA_AVX2_FMA, 6, 16, 256, 144, 768)
QRT_F32_GEMM_UKERNEL(f32_gemm_14x32__avx512f, QRT_ISA_AVX512F, 14, 32, 256, 168, 768)
#endif
#if defined(__aarch64__)
/* NR, KC, MC and NC as the scalar tile's: a library compiled on x86 for
 * aarch64 sizes the unpacked gemm's scratch for the scalar row, and its B
 * packed for the scalar row is this row's layout too (docs/aarch64.md). */
QRT_F32_GEMM_UKERNEL(f32_gemm_16x4__neon, QRT_ISA_NEON, 16, 4, 128, 64, 512)
#endif
