/*
 * kb_cpu.h - what the optimised CPU kernels share: the SIMD level chosen at
 * run time, a small persistent pthread pool, and the cache sizes the
 * kernels block and choose non-temporal stores for.
 *
 * The code is built for baseline x86-64 (no -march), so every SIMD path is a
 * function compiled with __attribute__((target(...))) and selected here from
 * __builtin_cpu_supports; every kernel also has a portable C path.
 */
#ifndef KB_CPU_H
#define KB_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SIMD levels, in increasing order. */
enum kb_simd {
	KB_SIMD_NONE = 0,   /* portable C */
	KB_SIMD_AVX2 = 1,   /* AVX2 + FMA */
	KB_SIMD_AVX512 = 2, /* AVX-512F */
};

/*
 * The SIMD level the kernels use: the best the CPU supports, lowered by
 * kb_cpu_simd_limit() or the environment variable KBENCH_SIMD
 * (none|avx2|avx512), which tests use to exercise every path.
 */
enum kb_simd kb_cpu_simd(void);
/* Caps the level (tests); returns the level now in use. */
enum kb_simd kb_cpu_simd_limit(enum kb_simd max);
/* "none", "avx2", "avx512". */
const char *kb_cpu_simd_name(enum kb_simd level);

/*
 * Cache sizes in bytes used for blocking and for the non-temporal store
 * threshold.  A zero keeps the current value.  Defaults: 32 KiB, 1 MiB,
 * 8 MiB (sysconf is not trusted: VMs report odd L3 sizes).
 */
void kb_cpu_set_caches(uint64_t l1d_bytes, uint64_t l2_bytes, uint64_t l3_bytes);
uint64_t kb_cpu_cache(int level);

/*
 * Output size in bytes above which streaming kernels use non-temporal
 * stores (they bypass the caches: a win only when the output cannot stay
 * cached anyway).  Default: the L3 size.  0 restores the default.
 */
void kb_cpu_set_nt_threshold(uint64_t bytes);
uint64_t kb_cpu_nt_threshold(void);

/* The largest thread count the pool accepts. */
#define KB_CPU_MAX_THREADS 64

/* A task run by every thread of a parallel region: tid in [0, nthreads). */
typedef void (*kb_cpu_task_fn)(void *arg, int tid, int nthreads);

/*
 * Runs fn(arg, tid, nthreads) on `nthreads` threads (the caller is tid 0,
 * the others are persistent pool workers) and returns when all are done.
 * nthreads <= 1, or a call from inside a region, runs fn on the caller
 * only with nthreads = 1.  Returns the thread count actually used.
 */
int kb_cpu_parallel(int nthreads, kb_cpu_task_fn fn, void *arg);

/* The threads worth using for `bytes` of work: at most nthreads (and
 * KB_CPU_MAX_THREADS), and no more than leave each at least min_per_thread
 * bytes (below that, waking a thread costs more than it saves); >= 1. */
int kb_cpu_threads_for(size_t bytes, int nthreads, size_t min_per_thread);

/*
 * Splits [0, n) into `parts` contiguous ranges whose boundaries are
 * multiples of `align` (except n itself); range `i` is [*lo, *hi).
 */
void kb_cpu_split(size_t n, int parts, int i, size_t align, size_t *lo, size_t *hi);

#ifdef __cplusplus
}
#endif

#endif /* KB_CPU_H */
