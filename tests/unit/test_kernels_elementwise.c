/*
 * test_kernels_elementwise - every vectorised elementwise kernel against
 * the reference, on every SIMD path, 1-3 threads, odd sizes (not multiples
 * of the vector width) and misaligned pointers, with outputs poisoned with
 * NaN; streaming stores are forced on by a zero threshold in one pass.
 * And the thread count the kernels report is the one they ran on.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/kb_cpu.h"
#include "cpu/kb_elementwise_simd.h"
#include "ref/kb_elementwise_ref.h"

static const size_t sizes[] = { 1, 7, 33, 257, 1000, 40007 };

static uint64_t rng = 88172645463325252ULL;
static double uniform(double lo, double hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (hi - lo) * (double)(rng >> 11) * 0x1p-53;
}

enum op { COPY, SCALE, ADD, TRIAD, AXPY, EXP, NOPS };
static const char *const names[] = { "copy", "scale", "add", "triad", "axpy", "exp" };

/* Tolerances as in suites/elementwise.c: exact for copy/scale/add, one
 * rounding of the product for the fused triad/axpy, 4 ulp for exp. */
#define TEST_EW(T, SFX, U)                                                      \
	static void run_##SFX(enum op op, size_t n, size_t off, int threads)    \
	{                                                                       \
		T *x0 = malloc((n + 16) * sizeof(T)), *x1 = malloc((n + 16) * sizeof(T)); \
		T *y = malloc((n + 16) * sizeof(T)), *w = malloc((n + 16) * sizeof(T)); \
		assert_true(x0 && x1 && y && w);                                \
		for (size_t i = 0; i < n + 16; i++) {                           \
			x0[i] = (T)(op == EXP ? uniform(-80, 80) : uniform(-1, 1)); \
			x1[i] = (T)uniform(-1, 1);                              \
			y[i] = w[i] = op == AXPY ? (T)uniform(-1, 1) : (T)NAN;  \
		}                                                               \
		T *X0 = x0 + off, *X1 = x1 + off, *Y = y + off, *W = w + off;   \
		const T s = (T)1.5;                                             \
		switch (op) {                                                   \
		case COPY: kb_copy_##SFX##_simd(n, Y, X0, threads); kb_copy_##SFX##_ref(n, W, X0); break; \
		case SCALE: kb_scale_##SFX##_simd(n, Y, X0, s, threads); kb_scale_##SFX##_ref(n, W, X0, s); break; \
		case ADD: kb_add_##SFX##_simd(n, Y, X0, X1, threads); kb_add_##SFX##_ref(n, W, X0, X1); break; \
		case TRIAD: kb_triad_##SFX##_simd(n, Y, X0, X1, s, threads); kb_triad_##SFX##_ref(n, W, X0, X1, s); break; \
		case AXPY: kb_axpy_##SFX##_simd(n, Y, X0, s, threads); kb_axpy_##SFX##_ref(n, W, X0, s); break; \
		default: kb_exp_##SFX##_simd(n, Y, X0, threads); kb_exp_##SFX##_ref(n, W, X0); break; \
		}                                                               \
		double rtol = 0, atol = 0;                                      \
		if (op == TRIAD || op == AXPY)                                  \
			rtol = atol = 2 * (U);                                  \
		else if (op == EXP)                                             \
			rtol = 8 * (U);                                         \
		for (size_t i = 0; i < n; i++) {                                \
			double g = Y[i], e = W[i];                              \
			if (!(fabs(g - e) <= atol + rtol * fabs(e)))            \
				fail_msg("%s_%s n=%zu off=%zu threads=%d simd=%s: y[%zu] = %.17g, want %.17g", \
					 names[op], #SFX, n, off, threads,      \
					 kb_cpu_simd_name(kb_cpu_simd()), i, g, e); \
		}                                                               \
		/* nothing written past the end */                              \
		if (op != AXPY)                                                 \
			for (size_t i = n; i < n + 16 - off; i++)               \
				assert_true(isnan(Y[i]));                       \
		free(x0);                                                       \
		free(x1);                                                       \
		free(y);                                                        \
		free(w);                                                        \
	}                                                                       \
	static void test_##SFX(void **st)                                       \
	{                                                                       \
		(void)st;                                                       \
		for (int nt = 0; nt < 2; nt++) {                                \
			kb_cpu_set_nt_threshold(nt ? 1 : 0);                    \
			for (int level = KB_SIMD_NONE; level <= KB_SIMD_AVX512; level++) { \
				kb_cpu_simd_limit((enum kb_simd)level);         \
				for (int op = 0; op < NOPS; op++)               \
					for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) \
						for (int t = 1; t <= 3; t++)    \
							run_##SFX((enum op)op, sizes[s], (size_t)(s % 3), t); \
			}                                                       \
		}                                                               \
		kb_cpu_set_nt_threshold(0);                                     \
		kb_cpu_simd_limit(KB_SIMD_AVX512);                              \
	}

TEST_EW(float, f32, 0x1p-24)
TEST_EW(double, f64, 0x1p-53)

/* exp at the edges of its range: overflow to +inf, underflow to 0. */
static void test_exp_edges(void **st)
{
	(void)st;
	float xf[5] = { 89.0f, 100.0f, -88.0f, -200.0f, 0.0f }, yf[5];
	double xd[5] = { 710.0, 1000.0, -709.0, -2000.0, 0.0 }, yd[5];
	for (int level = KB_SIMD_NONE; level <= KB_SIMD_AVX512; level++) {
		kb_cpu_simd_limit((enum kb_simd)level);
		kb_exp_f32_simd(5, yf, xf, 1);
		kb_exp_f64_simd(5, yd, xd, 1);
		assert_true(isinf(yf[0]) && isinf(yf[1]) && yf[3] == 0.0f && yf[4] == 1.0f);
		assert_true(yf[2] >= 0.0f && yf[2] < 1e-37f);
		assert_true(isinf(yd[0]) && isinf(yd[1]) && yd[3] == 0.0 && yd[4] == 1.0);
		assert_true(yd[2] >= 0.0 && yd[2] < 1e-307);
	}
	kb_cpu_simd_limit(KB_SIMD_AVX512);
}

/*
 * Honest thread counts: what a benchmark reports as "threads" is
 * kb_elementwise_threads_used() of its arrays' bytes (as
 * suites/elementwise.c counts them); it must be what the kernel ran on.
 * At a small n the kernel runs on fewer threads than asked (16 KiB per
 * thread at least), at a large n on all of them; nonsense requests run on
 * one thread.
 */
static const int arrays[] = { 2, 2, 3, 3, 3, 2 };

#define CALL_EW(T, SFX)                                                         \
	static void call_##SFX(enum op op, size_t n, T *y, const T *x0,          \
			       const T *x1, int t)                              \
	{                                                                       \
		switch (op) {                                                   \
		case COPY: kb_copy_##SFX##_simd(n, y, x0, t); break;            \
		case SCALE: kb_scale_##SFX##_simd(n, y, x0, 1.5, t); break;     \
		case ADD: kb_add_##SFX##_simd(n, y, x0, x1, t); break;          \
		case TRIAD: kb_triad_##SFX##_simd(n, y, x0, x1, 1.5, t); break; \
		case AXPY: kb_axpy_##SFX##_simd(n, y, x0, 1.5, t); break;       \
		default: kb_exp_##SFX##_simd(n, y, x0, t); break;               \
		}                                                               \
	}
CALL_EW(float, f32)
CALL_EW(double, f64)

static void test_threads_used(void **st)
{
	(void)st;
	static const size_t ns[] = { 1000, 4099, 1 << 16 }; /* small, between, large */
	static const int asked[] = { -1, 0, 1, 2, 3, 4 };
	size_t nmax = 1 << 16;
	double *x0 = calloc(nmax, sizeof(double)), *x1 = calloc(nmax, sizeof(double));
	double *y = calloc(nmax, sizeof(double));
	assert_true(x0 && x1 && y);
	for (int f64 = 0; f64 < 2; f64++)
		for (int op = 0; op < NOPS; op++)
			for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
				for (size_t j = 0; j < sizeof(asked) / sizeof(asked[0]); j++) {
					size_t n = ns[i], w = f64 ? 8 : 4;
					int t = asked[j];
					if (f64)
						call_f64((enum op)op, n, y, x0, x1, t);
					else
						call_f32((enum op)op, n, (float *)y, (const float *)x0,
							 (const float *)x1, t);
					int used = kb_elementwise_simd_last_threads();
					int reported = kb_elementwise_threads_used(arrays[op] * n * w, t);
					if (used != reported)
						fail_msg("%s_%s n=%zu threads=%d: ran on %d threads, reports %d",
							 names[op], f64 ? "f64" : "f32", n, t, used, reported);
				}
	/* both sides of the fallback are exercised above */
	assert_int_equal(kb_elementwise_threads_used(2 * 1000 * 4, 4), 1);
	assert_int_equal(kb_elementwise_threads_used(2 * 4099 * 4, 4), 2);
	assert_int_equal(kb_elementwise_threads_used(2 * (1 << 16) * 4, 4), 4);
	/* the boundary, the cap, and no overflow in the per-thread test */
	assert_int_equal(kb_elementwise_threads_used(32768, 2), 2);
	assert_int_equal(kb_elementwise_threads_used(32767, 2), 1);
	assert_int_equal(kb_elementwise_threads_used(SIZE_MAX, 1000), KB_CPU_MAX_THREADS);
	assert_int_equal(kb_elementwise_threads_used(SIZE_MAX, -5), 1);
	free(x0);
	free(x1);
	free(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f32),
		cmocka_unit_test(test_f64),
		cmocka_unit_test(test_exp_edges),
		cmocka_unit_test(test_threads_used),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
