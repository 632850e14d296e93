/*
 * kb_reduce_ref.h - reference reductions (the oracle), in long double.
 *
 * sum = Σ x[i], dot = Σ x[i]·y[i], max = max x[i] over dense vectors of n
 * elements.  Sums and dots accumulate in long double (64-bit significand on
 * x86), so the reference is far more accurate than any f32 or f64 kernel it
 * judges.  max is exact in any precision; n = 0 gives -inf.
 */
#ifndef KB_REDUCE_REF_H
#define KB_REDUCE_REF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

long double kb_sum_f32_ref(const float *x, size_t n);
long double kb_sum_f64_ref(const double *x, size_t n);
long double kb_dot_f32_ref(const float *x, const float *y, size_t n);
long double kb_dot_f64_ref(const double *x, const double *y, size_t n);
float kb_max_f32_ref(const float *x, size_t n);
double kb_max_f64_ref(const double *x, size_t n);
/* Σ |x[i]| and Σ |x[i]·y[i]| in long double: the scale of the error bounds. */
long double kb_asum_f32_ref(const float *x, size_t n);
long double kb_asum_f64_ref(const double *x, size_t n);
long double kb_adot_f32_ref(const float *x, const float *y, size_t n);
long double kb_adot_f64_ref(const double *x, const double *y, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* KB_REDUCE_REF_H */
