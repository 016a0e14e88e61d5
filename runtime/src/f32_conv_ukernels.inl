/* The f32 conv microkernel table, oldest ISA first (X-macro; the newest entry
 * the CPU and the ISA limit allow is selected). Each ISA level provides the
 * indirect-GEMM tile f32_igemm_<MR>x<NR>__<isa>, the pointwise tile
 * f32_pwconv_<PW_MR>x<PW_NP>__<isa>, the depthwise kernel f32_dwconv__<isa> and
 * f32_strided_copy__<isa>. Columns: ISA suffix, ISA level, MR (pixels), NR
 * (channels), KC (K block), MC (pixels per block), PW_MR (channels), PW_NP
 * (pixels), PW_MIN (1x1 stride-1 convs with at least this many output pixels
 * take the pointwise tile; measured crossover: 28x28 maps). */
QRT_F32_CONV_UKERNEL(scalar, QRT_ISA_SCALAR, 4, 4, 256, 256, 4, 4, 784)
#if defined(__x86_64__) || defined(_M_X64)
QRT_F32_CONV_UKERNEL(avx2_fma, QRT_ISA_AVX2_FMA, 6, 16, 256, 384, 6, 16, 784)
QRT_F32_CONV_UKERNEL(avx512f, QRT_ISA_AVX512F, 14, 32, 256, 448, 14, 32, 784)
#endif
#if defined(__aarch64__)
/* MR, NR, KC and MC as the scalar row's: a library compiled on x86 for
 * aarch64 sizes the conv scratch and unpacked weights there, from the x86
 * rows; this row's plan and packed size are the scalar row's, so they fit
 * (f32_igemm_4x4__neon.c, docs/aarch64.md). */
QRT_F32_CONV_UKERNEL(neon, QRT_ISA_NEON, 4, 4, 256, 256, 4, 16, 784)
#endif
