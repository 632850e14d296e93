/*
 * kb_peak_cpu.c - the calibration kernels behind the CPU peaks
 * (kb_peak_cpu.h): FMA chains per ISA and per-thread streaming bandwidth.
 *
 * Maths:   FMA: KB_PEAK_CHAINS chains of x <- x·m + a per lane, m = 1 - 2^-10,
 *          a = 2^-12 (x converges to a/(1-m) = 0.25: no overflow, no
 *          subnormals).  Read: Σ x[i].  Triad: y[i] = b[i] + s·c[i].
 * Flops:   FMA: 2 per lane per chain per iteration.
 * Bytes:   read 4·n, triad 12·n per thread per pass.
 */
#define _GNU_SOURCE
#include "cpu/kb_peak_cpu.h"

#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/kb_elementwise_simd.h"
#include "cpu/kb_reduce_simd.h"

#define TGT512 __attribute__((target("avx512f")))
#define TGT2 __attribute__((target("avx2,fma")))
#define FMA_M (1.0 - 0x1p-10)
#define FMA_A 0x1p-12

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Twelve independent chains, written out so they stay in registers. */
#define CHAINS(OP)                                                               \
	OP(0) OP(1) OP(2) OP(3) OP(4) OP(5) OP(6) OP(7) OP(8) OP(9) OP(10) OP(11)

#define FMA_VEC(NAME, TGT, VT, T, LANES, SET1, FMADD, STORE)                     \
	TGT static double NAME(size_t iters)                                     \
	{                                                                        \
		const VT m = SET1((T)FMA_M), a = SET1((T)FMA_A);                 \
		T out[LANES];                                                    \
		double sum = 0;                                                  \
		CHAINS(DECL_##NAME)                                              \
		for (size_t i = 0; i < iters; i++) {                             \
			CHAINS(STEP_##NAME)                                      \
		}                                                                \
		CHAINS(SUM_##NAME)                                               \
		return sum;                                                      \
	}

#define DECLV(SET1, T, k) __typeof__(SET1((T)0)) x##k = SET1((T)(1.0 + 0.125 * (k)));
#define STEPV(FMADD, k) x##k = FMADD(x##k, m, a);
#define SUMV(STORE, LANES, k)                                                    \
	STORE(out, x##k);                                                        \
	for (int l = 0; l < (LANES); l++)                                        \
		sum += (double)out[l];

#define DECL_fma512_f32(k) DECLV(_mm512_set1_ps, float, k)
#define STEP_fma512_f32(k) STEPV(_mm512_fmadd_ps, k)
#define SUM_fma512_f32(k) SUMV(_mm512_storeu_ps, 16, k)
#define DECL_fma512_f64(k) DECLV(_mm512_set1_pd, double, k)
#define STEP_fma512_f64(k) STEPV(_mm512_fmadd_pd, k)
#define SUM_fma512_f64(k) SUMV(_mm512_storeu_pd, 8, k)
#define DECL_fma256_f32(k) DECLV(_mm256_set1_ps, float, k)
#define STEP_fma256_f32(k) STEPV(_mm256_fmadd_ps, k)
#define SUM_fma256_f32(k) SUMV(_mm256_storeu_ps, 8, k)
#define DECL_fma256_f64(k) DECLV(_mm256_set1_pd, double, k)
#define STEP_fma256_f64(k) STEPV(_mm256_fmadd_pd, k)
#define SUM_fma256_f64(k) SUMV(_mm256_storeu_pd, 4, k)

FMA_VEC(fma512_f32, TGT512, __m512, float, 16, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
FMA_VEC(fma512_f64, TGT512, __m512d, double, 8, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
FMA_VEC(fma256_f32, TGT2, __m256, float, 8, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
FMA_VEC(fma256_f64, TGT2, __m256d, double, 4, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd)

/* Scalar: no FMA in the baseline ISA, a multiply and an add. */
#define SCALAR(NAME, T)                                                          \
	__attribute__((optimize("no-tree-vectorize", "no-tree-slp-vectorize")))  \
	static double NAME(size_t iters)                                         \
	{                                                                        \
		const T m = (T)FMA_M, a = (T)FMA_A;                              \
		double sum = 0;                                                  \
		CHAINS(SDECL_##T)                                                \
		for (size_t i = 0; i < iters; i++) {                             \
			CHAINS(SSTEP)                                            \
			__asm__ volatile("" ::: "memory");                       \
		}                                                                \
		CHAINS(SSUM)                                                     \
		return sum;                                                      \
	}
#define SDECL_float(k) volatile float v##k = (float)(1.0 + 0.125 * (k)); float x##k = v##k;
#define SDECL_double(k) volatile double v##k = 1.0 + 0.125 * (k); double x##k = v##k;
#define SSTEP(k) x##k = x##k * m + a;
#define SSUM(k) sum += (double)x##k;
SCALAR(scalar_f32, float)
SCALAR(scalar_f64, double)

static size_t lanes(enum kb_simd isa, bool f64)
{
	size_t bytes = isa == KB_SIMD_AVX512 ? 64 : isa == KB_SIMD_AVX2 ? 32 : (f64 ? 8 : 4);
	return bytes / (f64 ? 8 : 4);
}

static bool supported(enum kb_simd isa)
{
	if (isa == KB_SIMD_AVX512)
		return __builtin_cpu_supports("avx512f");
	if (isa == KB_SIMD_AVX2)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	return true;
}

double kb_peak_fma_flops(enum kb_simd isa, bool f64, size_t iters)
{
	return 2.0 * KB_PEAK_CHAINS * (double)lanes(isa, f64) * (double)iters;
}

double kb_peak_fma_run(enum kb_simd isa, bool f64, size_t iters)
{
	if (!supported(isa))
		return NAN;
	switch (isa) {
	case KB_SIMD_AVX512: return f64 ? fma512_f64(iters) : fma512_f32(iters);
	case KB_SIMD_AVX2: return f64 ? fma256_f64(iters) : fma256_f32(iters);
	default: return f64 ? scalar_f64(iters) : scalar_f32(iters);
	}
}

struct fma_task {
	enum kb_simd isa;
	bool f64;
	size_t iters;
	double sink[KB_CPU_MAX_THREADS];
};

static void fma_task(void *arg, int tid, int nthreads)
{
	struct fma_task *t = arg;
	(void)nthreads;
	t->sink[tid] = kb_peak_fma_run(t->isa, t->f64, t->iters);
}

double kb_peak_fma_gflops(enum kb_simd isa, bool f64, int threads, double seconds, int trials)
{
	struct fma_task t = { isa, f64, 1000, { 0 } };
	double best = 0, t0, dt;
	int used;

	if (!supported(isa) || threads < 1)
		return 0;
	for (;;) { /* iterations for a region of seconds / trials */
		t0 = now_s();
		kb_cpu_parallel(threads, fma_task, &t);
		dt = now_s() - t0;
		if (dt >= 0.002 || t.iters > ((size_t)1 << 40))
			break;
		t.iters *= 4;
	}
	t.iters = (size_t)((double)t.iters * (seconds / (trials > 0 ? trials : 1)) / (dt > 0 ? dt : 1e-3));
	if (t.iters < 1000)
		t.iters = 1000;
	for (int i = 0; i < (trials > 0 ? trials : 1); i++) {
		t0 = now_s();
		used = kb_cpu_parallel(threads, fma_task, &t);
		dt = now_s() - t0;
		if (dt > 0 && used * kb_peak_fma_flops(isa, f64, t.iters) / dt * 1e-9 > best)
			best = used * kb_peak_fma_flops(isa, f64, t.iters) / dt * 1e-9;
	}
	return best;
}

struct bw_task {
	enum kb_peak_bw kind;
	size_t n;     /* floats per array */
	size_t reps;  /* passes per region */
	float *mem[KB_CPU_MAX_THREADS];
	double sink[KB_CPU_MAX_THREADS];
};

static void bw_task(void *arg, int tid, int nthreads)
{
	struct bw_task *t = arg;
	float *x = t->mem[tid];
	double s = 0;
	(void)nthreads;

	for (size_t r = 0; r < t->reps; r++) {
		if (t->kind == KB_PEAK_READ) {
			s += kb_sum_f32_simd(x, t->n, 1);
		} else {
			kb_triad_f32_simd(t->n, x, x + t->n, x + 2 * t->n, 1.5f, 1);
			s += x[r % t->n];
		}
	}
	t->sink[tid] = s;
}

double kb_peak_bandwidth_gbps(enum kb_peak_bw kind, size_t bytes_per_thread, int threads,
			      double seconds, int trials)
{
	struct bw_task *t = calloc(1, sizeof(*t));
	size_t arrays = kind == KB_PEAK_READ ? 1 : 3;
	double best = 0, t0, dt, bytes;
	int used = 0;

	if (!t || threads < 1)
		goto out;
	if (threads > KB_CPU_MAX_THREADS)
		threads = KB_CPU_MAX_THREADS;
	t->kind = kind;
	t->n = bytes_per_thread / arrays / sizeof(float) / 16 * 16;
	if (t->n < 64)
		t->n = 64;
	for (int i = 0; i < threads; i++) {
		t->mem[i] = aligned_alloc(64, arrays * t->n * sizeof(float));
		if (!t->mem[i])
			goto out;
		for (size_t k = 0; k < arrays * t->n; k++)
			t->mem[i][k] = (float)(k % 13) * 0.125f + 1;
	}
	bytes = (double)(arrays * t->n * sizeof(float));
	t->reps = 1;
	for (;;) {
		t0 = now_s();
		kb_cpu_parallel(threads, bw_task, t);
		dt = now_s() - t0;
		if (dt >= 0.002 || t->reps > ((size_t)1 << 30))
			break;
		t->reps *= 4;
	}
	t->reps = (size_t)((double)t->reps * (seconds / (trials > 0 ? trials : 1)) / (dt > 0 ? dt : 1e-3));
	if (t->reps < 1)
		t->reps = 1;
	for (int i = 0; i < (trials > 0 ? trials : 1); i++) {
		t0 = now_s();
		used = kb_cpu_parallel(threads, bw_task, t);
		dt = now_s() - t0;
		if (dt > 0 && used * bytes * (double)t->reps / dt * 1e-9 > best)
			best = used * bytes * (double)t->reps / dt * 1e-9;
	}
out:
	if (t)
		for (int i = 0; i < KB_CPU_MAX_THREADS; i++)
			free(t->mem[i]);
	free(t);
	return best;
}

double kb_peak_fma_theoretical(enum kb_simd isa, bool f64, int cores)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
	double khz = 0;

	if (!f)
		return NAN;
	if (fscanf(f, "%lf", &khz) != 1)
		khz = 0;
	fclose(f);
	if (!(khz > 0) || !supported(isa))
		return NAN;
	return (double)cores * khz * 1e-6 * (double)lanes(isa, f64) * 2 * (isa == KB_SIMD_NONE ? 1 : 2);
}
