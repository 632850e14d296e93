/*
 * test_kernels_reduction - every summation algorithm and the vectorised,
 * threaded sum/dot/max against the long double reference.
 *
 * Exactness test: inputs are small multiples of 2^-10 (sums of up to
 * 2^13 such terms are exact in f32 and f64), so every algorithm must return
 * the reference exactly, whatever its order: a dropped, doubled or
 * out-of-range element is caught for sure.  Random test: uniform inputs
 * within the worst-case error bound.  Odd sizes, misaligned starts, every
 * SIMD path, 1-3 threads.  And the thread count the kernels report is
 * the one they ran on.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cpu/kb_cpu.h"
#include "cpu/kb_reduce_scalar.h"
#include "cpu/kb_reduce_simd.h"
#include "ref/kb_reduce_ref.h"

static const size_t sizes[] = { 1, 2, 7, 33, 129, 257, 1000, 4099, 8191 };

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define TEST_RED(T, SFX)                                                        \
	static void exact_##SFX(size_t n, size_t off, int threads)              \
	{                                                                       \
		T *xb = malloc((n + 8) * sizeof(T)), *yb = malloc((n + 8) * sizeof(T)); \
		assert_true(xb && yb);                                          \
		T *x = xb + off, *y = yb + off;                                 \
		for (size_t i = 0; i < n; i++) {                                \
			x[i] = (T)((int)(next() % 2048) - 1024) * (T)0x1p-10;   \
			y[i] = (T)((int)(next() % 4) - 2); /* |partial sums| < 2^14: exact */                     \
		}                                                               \
		long double s = kb_sum_##SFX##_ref(x, n), d = kb_dot_##SFX##_ref(x, y, n); \
		T m = kb_max_##SFX##_ref(x, n);                                 \
		assert_true(kb_sum_##SFX##_naive(x, n) == s);                   \
		assert_true(kb_sum_##SFX##_pairwise(x, n) == s);                \
		assert_true(kb_sum_##SFX##_kahan(x, n) == s);                   \
		if (kb_sum_##SFX##_simd(x, n, threads) != s)                    \
			fail_msg("sum_%s_simd n=%zu off=%zu threads=%d simd=%s: %.17g, want %.17Lg", \
				 #SFX, n, off, threads, kb_cpu_simd_name(kb_cpu_simd()), \
				 (double)kb_sum_##SFX##_simd(x, n, threads), s); \
		assert_true(kb_dot_##SFX##_naive(x, y, n) == d);                \
		assert_true(kb_dot_##SFX##_kahan(x, y, n) == d);                \
		assert_true(kb_dot_##SFX##_simd(x, y, n, threads) == d);        \
		assert_true(kb_max_##SFX##_naive(x, n) == m);                   \
		assert_true(kb_max_##SFX##_simd(x, n, threads) == m);           \
		free(xb);                                                       \
		free(yb);                                                       \
	}                                                                       \
	static void test_exact_##SFX(void **st)                                 \
	{                                                                       \
		(void)st;                                                       \
		for (int level = KB_SIMD_NONE; level <= KB_SIMD_AVX512; level++) { \
			kb_cpu_simd_limit((enum kb_simd)level);                 \
			for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) \
				for (int t = 1; t <= 3; t++)                    \
					exact_##SFX(sizes[s], s % 4, t);        \
		}                                                               \
		kb_cpu_simd_limit(KB_SIMD_AVX512);                              \
	}

TEST_RED(float, f32)
TEST_RED(double, f64)

/* Large enough for the multi-threaded split (> 32 KiB per thread) and the
 * prefetching loop (> 512 KiB); uniform [0, 1) inputs, Higham bounds. */
static void test_random_bounds(void **st)
{
	(void)st;
	size_t n = (1 << 18) + 13;
	float *x = malloc(n * sizeof(float));
	assert_non_null(x);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)((next() >> 40) * 0x1p-24);
	long double want = kb_sum_f32_ref(x, n), a = kb_asum_f32_ref(x, n);
	double u = 0x1p-24;
	for (int t = 1; t <= 2; t++) {
		double lanes = (double)kb_reduce_simd_lanes(false);
		double bound = (ceil(n / (lanes * t)) + log2(lanes) + t + 2) * u * (double)a;
		assert_true(fabsl(kb_sum_f32_simd(x, n, t) - want) <= bound);
	}
	assert_true(fabsl(kb_sum_f32_pairwise(x, n) - want) <= (KB_PAIRWISE_BLOCK + 20) * u * a);
	assert_true(fabsl(kb_sum_f32_kahan(x, n) - want) <= 3 * u * a);
	assert_true(fabsl(kb_sum_f32_naive(x, n) - want) <= n * u * a);
	assert_true(kb_max_f32_simd(x, n, 2) == kb_max_f32_ref(x, n));
	free(x);
}

static void test_empty(void **st)
{
	(void)st;
	float x[1] = { 1 };
	assert_true(kb_sum_f32_simd(x, 0, 1) == 0);
	assert_true(kb_dot_f32_simd(x, x, 0, 2) == 0);
	assert_true(isinf(kb_max_f32_simd(x, 0, 1)) && kb_max_f32_simd(x, 0, 1) < 0);
	assert_true(isinf(kb_max_f64_naive(NULL, 0)));
}

/*
 * Honest thread counts: what a benchmark reports as "threads" (and puts in
 * its error bound) is kb_reduce_threads_used() of the input's bytes (as
 * suites/reduction.c counts them); it must be what the kernel ran on.  At
 * a small n the kernel runs on fewer threads than asked (32 KiB per thread
 * at least), at a large n on all of them; nonsense requests on one.
 */
static void reduce(int op, bool f64, const double *x, const double *y, size_t n, int t)
{
	const float *xf = (const float *)x, *yf = (const float *)y;
	switch (op) {
	case 0:
		if (f64)
			kb_sum_f64_simd(x, n, t);
		else
			kb_sum_f32_simd(xf, n, t);
		break;
	case 1:
		if (f64)
			kb_dot_f64_simd(x, y, n, t);
		else
			kb_dot_f32_simd(xf, yf, n, t);
		break;
	default:
		if (f64)
			kb_max_f64_simd(x, n, t);
		else
			kb_max_f32_simd(xf, n, t);
	}
}

static void test_threads_used(void **st)
{
	(void)st;
	static const size_t ns[] = { 4099, 20000, 1 << 16 }; /* small, between, large */
	static const int asked[] = { -1, 0, 1, 2, 3, 4 };
	static const char *const ops[] = { "sum", "dot", "max" };
	size_t nmax = 1 << 16;
	double *x = calloc(nmax, sizeof(double)), *y = calloc(nmax, sizeof(double));
	assert_true(x && y);
	for (int f64 = 0; f64 < 2; f64++)
		for (int op = 0; op < 3; op++)
			for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
				for (size_t j = 0; j < sizeof(asked) / sizeof(asked[0]); j++) {
					size_t n = ns[i], w = f64 ? 8 : 4;
					int t = asked[j];
					reduce(op, f64, x, y, n, t);
					int used = kb_reduce_simd_last_threads();
					int reported = kb_reduce_threads_used(n * w * (op == 1 ? 2 : 1), t);
					if (used != reported)
						fail_msg("%s_%s n=%zu threads=%d: ran on %d threads, reports %d",
							 ops[op], f64 ? "f64" : "f32", n, t, used, reported);
				}
	/* both sides of the fallback are exercised above */
	assert_int_equal(kb_reduce_threads_used(4099 * 4, 2), 1);
	assert_int_equal(kb_reduce_threads_used(20000 * 4, 4), 2);
	assert_int_equal(kb_reduce_threads_used((1 << 16) * 4, 4), 4);
	/* the boundary, the cap, and no overflow in the per-thread test */
	assert_int_equal(kb_reduce_threads_used(65536, 2), 2);
	assert_int_equal(kb_reduce_threads_used(65535, 2), 1);
	assert_int_equal(kb_reduce_threads_used(SIZE_MAX, 1000), KB_CPU_MAX_THREADS);
	assert_int_equal(kb_reduce_threads_used(SIZE_MAX, -5), 1);
	free(x);
	free(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_f32),
		cmocka_unit_test(test_exact_f64),
		cmocka_unit_test(test_random_bounds),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_threads_used),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
