/* The f32 conv microkernel table, oldest ISA first (X-macro; the newest entry
 * the CPU and the ISA limit allow is selected). Each ISA level provides the
 * indirect-GEMM tile f32_igemm_<MR>x<NR>__<isa> and the depthwise row kernel
 * f32_dwconv__<isa>. Columns: ISA suffix, ISA level, MR (pixels), NR
 * (channels), KC (K block), MC (pixels per block). */
QRT_F32_CONV_UKERNEL(scalar, QRT_ISA_SCALAR, 4, 4, 256, 256)
#if defined(__x86_64__) || defined(_M_X64)
QRT_F32_CONV_UKERNEL(avx2_fma, QRT_ISA_AVX2_FMA, 6, 16, 256, 384)
QRT_F32_CONV_UKERNEL(avx512f, QRT_ISA_AVX512F, 14, 32, 256, 448)
#endif
