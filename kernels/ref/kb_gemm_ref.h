/*
 * kb_gemm_ref.h - reference matrix multiply, the oracle for every gemm.
 */
#ifndef KB_GEMM_REF_H
#define KB_GEMM_REF_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * C = A·B (b_trans false) or C = A·Bᵀ (b_trans true), all row-major and
 * dense: A is m×k, B is k×n (or n×k when transposed), C is m×n and is
 * overwritten.  The f32 version accumulates in double and the f64 version
 * in long double, so the oracle is more accurate than what it judges.
 */
void kb_gemm_f32_ref(bool b_trans, size_t m, size_t n, size_t k,
		     const float *a, const float *b, float *c);
void kb_gemm_f64_ref(bool b_trans, size_t m, size_t n, size_t k,
		     const double *a, const double *b, double *c);

/* The same, for rows [row_lo, row_hi) of C only (C still points at row 0):
 * validation of large products checks a sample of rows. */
void kb_gemm_f32_ref_rows(bool b_trans, size_t m, size_t n, size_t k,
			  const float *a, const float *b, float *c,
			  size_t row_lo, size_t row_hi);
void kb_gemm_f64_ref_rows(bool b_trans, size_t m, size_t n, size_t k,
			  const double *a, const double *b, double *c,
			  size_t row_lo, size_t row_hi);

#ifdef __cplusplus
}
#endif

#endif /* KB_GEMM_REF_H */
