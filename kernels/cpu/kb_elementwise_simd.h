/*
 * kb_elementwise_simd.h - vectorised, threaded elementwise kernels.
 *
 * Same maths, layout and byte counts as kb_elementwise_ref.h; each runs on
 * `nthreads` threads (1: the caller only) with the SIMD path kb_cpu_simd()
 * reports.  When the arrays together exceed kb_cpu_nt_threshold() bytes the
 * output is written with non-temporal stores (it could not stay cached, and
 * streaming it saves the write-allocate read).  Triad and axpy use fused
 * multiply-adds.  Arrays may have any alignment; y may equal an input.
 */
#ifndef KB_ELEMENTWISE_SIMD_H
#define KB_ELEMENTWISE_SIMD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void kb_copy_f32_simd(size_t n, float *y, const float *x, int nthreads);
void kb_scale_f32_simd(size_t n, float *y, const float *x, float s, int nthreads);
void kb_add_f32_simd(size_t n, float *y, const float *a, const float *b, int nthreads);
void kb_triad_f32_simd(size_t n, float *y, const float *b, const float *c, float s,
		       int nthreads);
void kb_axpy_f32_simd(size_t n, float *y, const float *x, float s, int nthreads);
/* e^x with a degree-6 polynomial after reduction by ln 2, within 2 ulp of
 * expf for |x| <= 87; above 88.72 gives +inf, below -87.3 gives 0. */
void kb_exp_f32_simd(size_t n, float *y, const float *x, int nthreads);

void kb_copy_f64_simd(size_t n, double *y, const double *x, int nthreads);
void kb_scale_f64_simd(size_t n, double *y, const double *x, double s, int nthreads);
void kb_add_f64_simd(size_t n, double *y, const double *a, const double *b, int nthreads);
void kb_triad_f64_simd(size_t n, double *y, const double *b, const double *c, double s,
		       int nthreads);
void kb_axpy_f64_simd(size_t n, double *y, const double *x, double s, int nthreads);
/* e^x with a degree-13 Taylor polynomial after reduction by ln 2, within
 * 2 ulp of exp for |x| <= 708; above 709.78 gives +inf, below -708 gives 0. */
void kb_exp_f64_simd(size_t n, double *y, const double *x, int nthreads);

/*
 * The thread count the kernels above run on for `nthreads` requested and
 * `bytes` = the bytes kb_elementwise_ref.h counts for the call (copy,
 * scale, exp 2·n·w; add, triad, axpy 3·n·w): at least 1, at most
 * KB_CPU_MAX_THREADS, and fewer than asked below 16 KiB per thread, where
 * waking a thread costs more than its share saves.  The kernels use it to
 * decide; benchmarks report it as their thread count, so a small n on
 * --threads=4 does not claim 4.
 */
int kb_elementwise_threads_used(size_t bytes, int nthreads);

/*
 * The thread count the calling thread's last call of a kernel above really
 * ran on (what the pool granted; lower than kb_elementwise_threads_used()
 * only if it could not start a thread), 0 before the first call.  For tests
 * that check the two agree.
 */
int kb_elementwise_simd_last_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* KB_ELEMENTWISE_SIMD_H */
