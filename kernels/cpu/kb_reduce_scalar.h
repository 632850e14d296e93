/*
 * kb_reduce_scalar.h - scalar summation algorithms, to compare speed and
 * accuracy: naive (one sequential accumulator), pairwise (recursive
 * halving), Kahan (compensated).  Same maths and layout as kb_reduce_ref.h,
 * accumulating in the input's own precision.
 *
 * Worst-case error bounds (Higham, "Accuracy and Stability of Numerical
 * Algorithms", 2nd ed., §4.2-4.3), u = unit roundoff (2^-24 f32, 2^-53 f64):
 *   naive     |err| <= (n-1)·u·Σ|x|
 *   pairwise  |err| <= (⌈log2 n⌉ + 128)·u·Σ|x|   (sequential blocks of <= 128)
 *   Kahan     |err| <= (2u + O(n·u²))·Σ|x|
 * dot: the same with Σ|x·y| and one more u for the product.
 */
#ifndef KB_REDUCE_SCALAR_H
#define KB_REDUCE_SCALAR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

float kb_sum_f32_naive(const float *x, size_t n);
float kb_sum_f32_pairwise(const float *x, size_t n);
float kb_sum_f32_kahan(const float *x, size_t n);
double kb_sum_f64_naive(const double *x, size_t n);
double kb_sum_f64_pairwise(const double *x, size_t n);
double kb_sum_f64_kahan(const double *x, size_t n);

float kb_dot_f32_naive(const float *x, const float *y, size_t n);
float kb_dot_f32_kahan(const float *x, const float *y, size_t n);
double kb_dot_f64_naive(const double *x, const double *y, size_t n);
double kb_dot_f64_kahan(const double *x, const double *y, size_t n);

/* max x[i] with one sequential compare per element; n = 0 gives -inf. */
float kb_max_f32_naive(const float *x, size_t n);
double kb_max_f64_naive(const double *x, size_t n);

/* Sequential blocks of the pairwise sum (the recursion stops here). */
#define KB_PAIRWISE_BLOCK 128

#ifdef __cplusplus
}
#endif

#endif /* KB_REDUCE_SCALAR_H */
