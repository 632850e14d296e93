/*
 * kb_gemm_openblas.c - gemm through OpenBLAS's CBLAS interface
 * (kb_gemm_f32_openblas, kb_gemm_f64_openblas).
 *
 * Maths:   C = A·B, or C = A·Bᵀ with b_trans (alpha = 1, beta = 0).
 * Layout:  row-major and dense: A m×k, B k×n (n×k transposed), C m×n.
 * Flops:   2·m·n·k.  Bytes: at least 4·(m·k + k·n + m·n) for f32 (8· f64).
 *
 * With beta = 0 BLAS does not read C, so a NaN-poisoned C is fine.  Built
 * without OpenBLAS (no KB_HAVE_OPENBLAS), every call returns -1 and the
 * suite skips the benchmark.
 */
#include "cpu/kb_gemm_openblas.h"

#if KB_HAVE_OPENBLAS
#include <cblas.h>
#endif

bool kb_openblas_available(void)
{
#if KB_HAVE_OPENBLAS
	return true;
#else
	return false;
#endif
}

int kb_openblas_set_threads(int nthreads)
{
#if KB_HAVE_OPENBLAS
	openblas_set_num_threads(nthreads < 1 ? 1 : nthreads);
	return openblas_get_num_threads();
#else
	(void)nthreads;
	return 0;
#endif
}

const char *kb_openblas_config(void)
{
#if KB_HAVE_OPENBLAS
	return openblas_get_config();
#else
	return NULL;
#endif
}

int kb_gemm_f32_openblas(bool b_trans, size_t m, size_t n, size_t k,
			 const float *a, const float *b, float *c)
{
#if KB_HAVE_OPENBLAS
	if (m == 0 || n == 0)
		return 0;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, b_trans ? CblasTrans : CblasNoTrans,
		    (blasint)m, (blasint)n, (blasint)k, 1.0f, a, (blasint)(k ? k : 1),
		    b, (blasint)(b_trans ? (k ? k : 1) : n), 0.0f, c, (blasint)n);
	return 0;
#else
	(void)b_trans, (void)m, (void)n, (void)k, (void)a, (void)b, (void)c;
	return -1;
#endif
}

int kb_gemm_f64_openblas(bool b_trans, size_t m, size_t n, size_t k,
			 const double *a, const double *b, double *c)
{
#if KB_HAVE_OPENBLAS
	if (m == 0 || n == 0)
		return 0;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, b_trans ? CblasTrans : CblasNoTrans,
		    (blasint)m, (blasint)n, (blasint)k, 1.0, a, (blasint)(k ? k : 1),
		    b, (blasint)(b_trans ? (k ? k : 1) : n), 0.0, c, (blasint)n);
	return 0;
#else
	(void)b_trans, (void)m, (void)n, (void)k, (void)a, (void)b, (void)c;
	return -1;
#endif
}
