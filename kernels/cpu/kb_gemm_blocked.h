/*
 * kb_gemm_blocked.h - cache-blocked, packed, vectorised and threaded gemm.
 */
#ifndef KB_GEMM_BLOCKED_H
#define KB_GEMM_BLOCKED_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * C = A·B (b_trans false) or C = A·Bᵀ (b_trans true), row-major and dense:
 * A is m×k, B is k×n (n×k when transposed), C is m×n and is overwritten.
 * Runs on `nthreads` threads (1: the calling thread only).  Returns 0, or
 * -1 when the packing buffers cannot be allocated (C is then unchanged).
 * The SIMD path is the one kb_cpu_simd() reports.
 */
int kb_gemm_f32_blocked(bool b_trans, size_t m, size_t n, size_t k,
			const float *a, const float *b, float *c, int nthreads);
int kb_gemm_f64_blocked(bool b_trans, size_t m, size_t n, size_t k,
			const double *a, const double *b, double *c, int nthreads);

/* The micro-tile of the current SIMD path, e.g. "14x32 avx512", for labels. */
const char *kb_gemm_f32_blocked_tile(void);
const char *kb_gemm_f64_blocked_tile(void);

#ifdef __cplusplus
}
#endif

#endif /* KB_GEMM_BLOCKED_H */
