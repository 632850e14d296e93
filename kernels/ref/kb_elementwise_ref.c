/*
 * kb_elementwise_ref.c - reference elementwise kernels: one plain loop each.
 *
 * Maths (i in [0, n)):  copy y = x;  scale y = s·x;  add y = a + b;
 *                       triad y = b + s·c;  axpy y = s·x + y;  exp y = e^x.
 * Layout:  dense vectors of n elements.
 * Bytes per element, w = sizeof(T), counted as STREAM does (each array once,
 * no write-allocate):  copy 2w, scale 2w, add 3w, triad 3w, axpy 3w, exp 2w.
 * Flops per element:   copy 0, scale 1, add 1, triad 2, axpy 2, exp -.
 *
 * Triad and axpy are written as a multiply and an add; the optimised
 * kernels fuse them (one rounding instead of two), which the tolerances
 * in the suite and tests allow for.
 */
#include "ref/kb_elementwise_ref.h"

#include <math.h>

#define EW_REF(T, SFX, EXP)                                                     \
	void kb_copy_##SFX##_ref(size_t n, T *y, const T *x)                    \
	{                                                                       \
		for (size_t i = 0; i < n; i++)                                  \
			y[i] = x[i];                                            \
	}                                                                       \
	void kb_scale_##SFX##_ref(size_t n, T *y, const T *x, T s)              \
	{                                                                       \
		for (size_t i = 0; i < n; i++)                                  \
			y[i] = s * x[i];                                        \
	}                                                                       \
	void kb_add_##SFX##_ref(size_t n, T *y, const T *a, const T *b)         \
	{                                                                       \
		for (size_t i = 0; i < n; i++)                                  \
			y[i] = a[i] + b[i];                                     \
	}                                                                       \
	void kb_triad_##SFX##_ref(size_t n, T *y, const T *b, const T *c, T s)  \
	{                                                                       \
		for (size_t i = 0; i < n; i++)                                  \
			y[i] = b[i] + s * c[i];                                 \
	}                                                                       \
	void kb_axpy_##SFX##_ref(size_t n, T *y, const T *x, T s)               \
	{                                                                       \
		for (size_t i = 0; i < n; i++)                                  \
			y[i] = s * x[i] + y[i];                                 \
	}                                                                       \
	void kb_exp_##SFX##_ref(size_t n, T *y, const T *x)                     \
	{                                                                       \
		for (size_t i = 0; i < n; i++)                                  \
			y[i] = EXP(x[i]);                                       \
	}

EW_REF(float, f32, expf)
EW_REF(double, f64, exp)
