/*
 * kb_reduce_ref.c - reference reductions in long double.
 *
 * Maths:   sum = Σ x[i];  dot = Σ x[i]·y[i];  max = max_i x[i];
 *          asum = Σ |x[i]|;  adot = Σ |x[i]·y[i]| (scales for error bounds).
 * Layout:  dense vectors of n elements.
 * Flops:   n (sum, max, asum) or 2n (dot, adot).
 * Bytes:   w·n (sum, max) or 2·w·n (dot), w = sizeof(T).
 *
 * Sequential loops with a long double accumulator: for n up to 2^24 terms
 * of magnitude <= 1 the accumulated rounding error is below 2^-40 relative
 * to Σ|x|, far below the f32 and f64 errors being measured.
 */
#include "ref/kb_reduce_ref.h"

#include <math.h>

#define REDUCE_REF(T, SFX)                                                      \
	long double kb_sum_##SFX##_ref(const T *x, size_t n)                    \
	{                                                                       \
		long double s = 0;                                              \
		for (size_t i = 0; i < n; i++)                                  \
			s += x[i];                                              \
		return s;                                                       \
	}                                                                       \
	long double kb_asum_##SFX##_ref(const T *x, size_t n)                   \
	{                                                                       \
		long double s = 0;                                              \
		for (size_t i = 0; i < n; i++)                                  \
			s += fabsl(x[i]);                                       \
		return s;                                                       \
	}                                                                       \
	long double kb_dot_##SFX##_ref(const T *x, const T *y, size_t n)        \
	{                                                                       \
		long double s = 0;                                              \
		for (size_t i = 0; i < n; i++)                                  \
			s += (long double)x[i] * y[i];                          \
		return s;                                                       \
	}                                                                       \
	long double kb_adot_##SFX##_ref(const T *x, const T *y, size_t n)       \
	{                                                                       \
		long double s = 0;                                              \
		for (size_t i = 0; i < n; i++)                                  \
			s += fabsl((long double)x[i] * y[i]);                   \
		return s;                                                       \
	}                                                                       \
	T kb_max_##SFX##_ref(const T *x, size_t n)                              \
	{                                                                       \
		T m = -INFINITY;                                                \
		for (size_t i = 0; i < n; i++)                                  \
			if (x[i] > m)                                           \
				m = x[i];                                       \
		return m;                                                       \
	}

REDUCE_REF(float, f32)
REDUCE_REF(double, f64)
