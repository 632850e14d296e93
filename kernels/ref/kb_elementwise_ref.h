/*
 * kb_elementwise_ref.h - reference elementwise kernels (the oracle).
 *
 * Each kernel reads its inputs and writes y[0..n); the arrays are dense.
 * axpy updates y in place.  Bytes counted per element (STREAM's rule: each
 * array read or written once, write-allocate traffic not counted):
 *   copy 2·w, scale 2·w, add 3·w, triad 3·w, axpy 3·w, exp 2·w
 * with w = 4 (f32) or 8 (f64).  Flops per element: copy 0, scale 1, add 1,
 * triad 2, axpy 2, exp not counted.
 */
#ifndef KB_ELEMENTWISE_REF_H
#define KB_ELEMENTWISE_REF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void kb_copy_f32_ref(size_t n, float *y, const float *x);
void kb_scale_f32_ref(size_t n, float *y, const float *x, float s);       /* y = s·x */
void kb_add_f32_ref(size_t n, float *y, const float *a, const float *b);  /* y = a + b */
void kb_triad_f32_ref(size_t n, float *y, const float *b, const float *c,
		      float s);                                           /* y = b + s·c */
void kb_axpy_f32_ref(size_t n, float *y, const float *x, float s);        /* y = s·x + y */
void kb_exp_f32_ref(size_t n, float *y, const float *x);                  /* y = e^x (expf) */

void kb_copy_f64_ref(size_t n, double *y, const double *x);
void kb_scale_f64_ref(size_t n, double *y, const double *x, double s);
void kb_add_f64_ref(size_t n, double *y, const double *a, const double *b);
void kb_triad_f64_ref(size_t n, double *y, const double *b, const double *c, double s);
void kb_axpy_f64_ref(size_t n, double *y, const double *x, double s);
void kb_exp_f64_ref(size_t n, double *y, const double *x);

#ifdef __cplusplus
}
#endif

#endif /* KB_ELEMENTWISE_REF_H */
