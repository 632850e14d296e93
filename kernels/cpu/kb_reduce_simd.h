/*
 * kb_reduce_simd.h - vectorised, threaded reductions: sum, dot, max.
 *
 * Same maths and layout as kb_reduce_ref.h.  Each thread reduces a
 * contiguous range into 8 vector accumulators (so several adds are in
 * flight), which are combined as a tree; the threads' partial results are
 * then added in thread order, so a given n and thread count always gives
 * the same bits.  Accumulation is in the input's precision.
 *
 * Error bound (Higham §4.2 applied per lane): with L = kb_reduce_simd_lanes()
 * lanes and t threads, |err| <= (n/(L·t) + log2 L + t + 1)·u·Σ|x| (dot:
 * Σ|x·y|, plus u for the product).
 */
#ifndef KB_REDUCE_SIMD_H
#define KB_REDUCE_SIMD_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

float kb_sum_f32_simd(const float *x, size_t n, int nthreads);
double kb_sum_f64_simd(const double *x, size_t n, int nthreads);
float kb_dot_f32_simd(const float *x, const float *y, size_t n, int nthreads);
double kb_dot_f64_simd(const double *x, const double *y, size_t n, int nthreads);
/* max x[i]; n = 0 gives -inf.  NaN inputs are not propagated reliably. */
float kb_max_f32_simd(const float *x, size_t n, int nthreads);
double kb_max_f64_simd(const double *x, size_t n, int nthreads);

/* Independent accumulator lanes per thread of the current SIMD path
 * (8 vectors × elements per vector), for the error bound above. */
size_t kb_reduce_simd_lanes(bool f64);

/*
 * The thread count t the reductions above run on for `nthreads` requested
 * and `bytes` = the input they read (n · sizeof(T); dot: both vectors): at
 * least 1, at most KB_CPU_MAX_THREADS, and fewer than asked below 32 KiB
 * per thread, where waking a thread costs more than its share saves.  The
 * kernels use it to decide; benchmarks report it as their thread count and
 * put it in the error bound above.
 */
int kb_reduce_threads_used(size_t bytes, int nthreads);

/*
 * The thread count the calling thread's last reduction above really ran on
 * (what the pool granted; lower than kb_reduce_threads_used() only if it
 * could not start a thread), 0 before the first call.  For tests that check
 * the two agree.
 */
int kb_reduce_simd_last_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* KB_REDUCE_SIMD_H */
