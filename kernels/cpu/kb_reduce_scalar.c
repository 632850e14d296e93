/*
 * kb_reduce_scalar.c - scalar summation algorithms (naive, pairwise, Kahan)
 * for sum and dot, and the naive max.
 *
 * Maths:   sum = Σ x[i];  dot = Σ x[i]·y[i];  max = max_i x[i].
 * Layout:  dense vectors of n elements.
 * Flops:   sum n, dot 2n (Kahan does 4 more per element; not counted), max n.
 * Bytes:   sum and max w·n, dot 2·w·n, w = sizeof(T).
 *
 * These are built without -ffast-math, so the compiler keeps the order of
 * the additions (and the Kahan compensation) exactly as written: the naive
 * loop is one dependent add per element, which is why it is slow.
 */
#include "cpu/kb_reduce_scalar.h"

#include <math.h>

#define REDUCE_SCALAR(T, SFX)                                                   \
	T kb_sum_##SFX##_naive(const T *x, size_t n)                            \
	{                                                                       \
		T s = 0;                                                        \
		for (size_t i = 0; i < n; i++)                                  \
			s += x[i];                                              \
		return s;                                                       \
	}                                                                       \
	T kb_sum_##SFX##_pairwise(const T *x, size_t n)                         \
	{                                                                       \
		if (n <= KB_PAIRWISE_BLOCK)                                     \
			return kb_sum_##SFX##_naive(x, n);                      \
		size_t half = n / 2;                                            \
		return kb_sum_##SFX##_pairwise(x, half) +                       \
		       kb_sum_##SFX##_pairwise(x + half, n - half);             \
	}                                                                       \
	T kb_sum_##SFX##_kahan(const T *x, size_t n)                            \
	{                                                                       \
		T s = 0, c = 0;                                                 \
		for (size_t i = 0; i < n; i++) {                                \
			T y = x[i] - c;                                         \
			T t = s + y;                                            \
			c = (t - s) - y;                                        \
			s = t;                                                  \
		}                                                               \
		return s;                                                       \
	}                                                                       \
	T kb_dot_##SFX##_naive(const T *x, const T *y, size_t n)                \
	{                                                                       \
		T s = 0;                                                        \
		for (size_t i = 0; i < n; i++)                                  \
			s += x[i] * y[i];                                       \
		return s;                                                       \
	}                                                                       \
	T kb_dot_##SFX##_kahan(const T *x, const T *y, size_t n)                \
	{                                                                       \
		T s = 0, c = 0;                                                 \
		for (size_t i = 0; i < n; i++) {                                \
			T v = x[i] * y[i] - c;                                  \
			T t = s + v;                                            \
			c = (t - s) - v;                                        \
			s = t;                                                  \
		}                                                               \
		return s;                                                       \
	}                                                                       \
	T kb_max_##SFX##_naive(const T *x, size_t n)                            \
	{                                                                       \
		T m = -INFINITY;                                                \
		for (size_t i = 0; i < n; i++)                                  \
			if (x[i] > m)                                           \
				m = x[i];                                       \
		return m;                                                       \
	}

REDUCE_SCALAR(float, f32)
REDUCE_SCALAR(double, f64)
