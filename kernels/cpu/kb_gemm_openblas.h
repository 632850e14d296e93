/*
 * kb_gemm_openblas.h - gemm through OpenBLAS (when built with it).
 */
#ifndef KB_GEMM_OPENBLAS_H
#define KB_GEMM_OPENBLAS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True when kbench was built with OpenBLAS (KB_HAVE_OPENBLAS). */
bool kb_openblas_available(void);
/*
 * Sets OpenBLAS's thread count (openblas_set_num_threads) and returns the
 * count it then reports (openblas_get_num_threads), or 0 without OpenBLAS.
 */
int kb_openblas_set_threads(int nthreads);
/* openblas_get_config(), e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Zen MAX_THREADS=64",
 * or NULL without OpenBLAS. */
const char *kb_openblas_config(void);

/*
 * C = A·B or A·Bᵀ, row-major and dense as in kb_gemm_ref.h, through
 * cblas_sgemm / cblas_dgemm with alpha 1 and beta 0, on the threads last
 * set with kb_openblas_set_threads.  Returns 0, or -1 without OpenBLAS.
 */
int kb_gemm_f32_openblas(bool b_trans, size_t m, size_t n, size_t k,
			 const float *a, const float *b, float *c);
int kb_gemm_f64_openblas(bool b_trans, size_t m, size_t n, size_t k,
			 const double *a, const double *b, double *c);

#ifdef __cplusplus
}
#endif

#endif /* KB_GEMM_OPENBLAS_H */
