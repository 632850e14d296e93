/*
 * kb_gemm_ref.c - reference gemm: the plain triple loop.
 *
 * Maths:   C[i][j] = sum_{p<k} A[i][p] * B[p][j]      (b_trans: B[j][p])
 * Layout:  row-major, dense; A m×k, B k×n (n×k transposed), C m×n.
 * Flops:   2·m·n·k (one multiply and one add per term).
 * Bytes:   not a bandwidth kernel; at least 4·(m·k + k·n + m·n) for f32
 *          (8· for f64) if every matrix is touched once.
 *
 * One dot product per element, accumulated in a wider type (double for f32,
 * long double for f64): the result is then a good approximation of the
 * exact product rounded once, which is what the optimised kernels are
 * judged against.
 */
#include "ref/kb_gemm_ref.h"

#include <stdlib.h>

/*
 * B not transposed: the loop runs i-p-j over a row of wide accumulators so B
 * is read along its rows; each element still sums its terms in order p.
 */
#define KB_GEMM_REF_ROWS(NAME, T, ACC)                                          \
	void NAME(bool b_trans, size_t m, size_t n, size_t k, const T *a,       \
		  const T *b, T *c, size_t row_lo, size_t row_hi)               \
	{                                                                       \
		(void)m;                                                        \
		ACC *acc = b_trans ? NULL : malloc(n * sizeof(*acc) + 1);       \
		for (size_t i = row_lo; i < row_hi; i++) {                      \
			if (acc) {                                              \
				for (size_t j = 0; j < n; j++)                  \
					acc[j] = 0;                             \
				for (size_t p = 0; p < k; p++) {                \
					ACC aip = a[i * k + p];                 \
					const T *bp = b + p * n;                \
					for (size_t j = 0; j < n; j++)          \
						acc[j] += aip * bp[j];          \
				}                                               \
				for (size_t j = 0; j < n; j++)                  \
					c[i * n + j] = (T)acc[j];               \
				continue;                                       \
			}                                                       \
			size_t sb_p = b_trans ? 1 : n;                          \
			size_t sb_j = b_trans ? k : 1;                          \
			for (size_t j = 0; j < n; j++) {                        \
				ACC s = 0;                                      \
				for (size_t p = 0; p < k; p++)                  \
					s += (ACC)a[i * k + p] *                \
					     b[p * sb_p + j * sb_j];            \
				c[i * n + j] = (T)s;                            \
			}                                                       \
		}                                                               \
		free(acc);                                                      \
	}

KB_GEMM_REF_ROWS(kb_gemm_f32_ref_rows, float, double)
KB_GEMM_REF_ROWS(kb_gemm_f64_ref_rows, double, long double)

void kb_gemm_f32_ref(bool b_trans, size_t m, size_t n, size_t k,
		     const float *a, const float *b, float *c)
{
	kb_gemm_f32_ref_rows(b_trans, m, n, k, a, b, c, 0, m);
}

void kb_gemm_f64_ref(bool b_trans, size_t m, size_t n, size_t k,
		     const double *a, const double *b, double *c)
{
	kb_gemm_f64_ref_rows(b_trans, m, n, k, a, b, c, 0, m);
}
