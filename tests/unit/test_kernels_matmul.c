/*
 * test_kernels_matmul - the blocked gemm against the reference, on every
 * SIMD path and several thread counts, at shapes that cross every block
 * edge: sizes that are not multiples of the micro-tile (MR 4/6/14, NR
 * 8/16/32), k across KC (192/256), n across NC (256/512), m across MC
 * (~1008), and 1.  Outputs start as NaN, so an unwritten element fails.
 * OpenBLAS, when built in, is checked the same way.
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
#include "cpu/kb_gemm_blocked.h"
#include "cpu/kb_gemm_openblas.h"
#include "ref/kb_gemm_ref.h"

struct shape {
	size_t m, n, k;
};

static const struct shape shapes[] = {
	{ 1, 1, 1 },   { 7, 33, 5 },  { 33, 7, 257 }, { 15, 47, 300 },
	{ 3, 530, 9 }, { 1030, 3, 3 }, { 29, 65, 1 },  { 14, 32, 64 },
};

static uint64_t rng = 88172645463325252ULL;
static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) * 0x1p-53 * 2 - 1;
}

/* Same tolerance as suites/matmul.c: 8·u·k absolute. */
#define TEST_GEMM(T, SFX, U)                                                    \
	static void check_##SFX(bool bt, const struct shape *s, int threads,    \
				bool blas)                                      \
	{                                                                       \
		size_t m = s->m, n = s->n, k = s->k;                            \
		T *a = malloc(m * k * sizeof(T)), *b = malloc(k * n * sizeof(T)); \
		T *c = malloc(m * n * sizeof(T)), *r = malloc(m * n * sizeof(T)); \
		assert_non_null(a);                                             \
		assert_non_null(b);                                             \
		assert_non_null(c);                                             \
		assert_non_null(r);                                             \
		for (size_t i = 0; i < m * k; i++)                              \
			a[i] = (T)uniform();                                    \
		for (size_t i = 0; i < k * n; i++)                              \
			b[i] = (T)uniform();                                    \
		for (size_t i = 0; i < m * n; i++)                              \
			c[i] = NAN;                                             \
		if (blas)                                                       \
			assert_int_equal(kb_gemm_##SFX##_openblas(bt, m, n, k, a, b, c), 0); \
		else                                                            \
			assert_int_equal(kb_gemm_##SFX##_blocked(bt, m, n, k, a, b, c, threads), 0); \
		kb_gemm_##SFX##_ref(bt, m, n, k, a, b, r);                      \
		double tol = 8.0 * (U) * (double)k;                             \
		for (size_t i = 0; i < m * n; i++)                              \
			if (!(fabs((double)c[i] - (double)r[i]) <= tol)) {      \
				fail_msg("%s m=%zu n=%zu k=%zu bt=%d threads=%d simd=%s: " \
					 "C[%zu][%zu] = %g, want %g",           \
					 #SFX, m, n, k, bt, threads,            \
					 kb_cpu_simd_name(kb_cpu_simd()), i / n, i % n, \
					 (double)c[i], (double)r[i]);           \
			}                                                       \
		free(a);                                                        \
		free(b);                                                        \
		free(c);                                                        \
		free(r);                                                        \
	}                                                                       \
                                                                                \
	static void test_blocked_##SFX(void **st)                               \
	{                                                                       \
		(void)st;                                                       \
		static const int threads[] = { 1, 2, 3 };                       \
		for (int level = KB_SIMD_NONE; level <= KB_SIMD_AVX512; level++) { \
			kb_cpu_simd_limit((enum kb_simd)level);                 \
			for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) \
				for (int bt = 0; bt < 2; bt++)                  \
					for (size_t t = 0; t < 3; t++)          \
						check_##SFX(bt, &shapes[s], threads[t], false); \
		}                                                               \
		kb_cpu_simd_limit(KB_SIMD_AVX512);                              \
	}                                                                       \
                                                                                \
	static void test_openblas_##SFX(void **st)                              \
	{                                                                       \
		(void)st;                                                       \
		if (!kb_openblas_available()) {                                 \
			print_message("skip [no-openblas]: kbench was built "   \
				      "without OpenBLAS (libopenblas-dev)\n"); \
			skip();                                                 \
		}                                                               \
		kb_openblas_set_threads(1);                                     \
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) \
			for (int bt = 0; bt < 2; bt++)                          \
				check_##SFX(bt, &shapes[s], 1, true);           \
	}

TEST_GEMM(float, f32, 0x1p-24)
TEST_GEMM(double, f64, 0x1p-53)

/* A threaded gemm big enough to really split (above the 4 MFLOP/thread
 * cut-off), rows and columns. */
static void test_blocked_threads_split(void **st)
{
	(void)st;
	static const struct shape big[] = { { 131, 129, 127 }, { 5, 1000, 500 } };
	for (size_t s = 0; s < 2; s++) {
		check_f32(false, &big[s], 2, false);
		check_f64(true, &big[s], 3, false);
	}
}

/* k = 0: C = 0, not left as it was. */
static void test_blocked_k0(void **st)
{
	(void)st;
	float c[6] = { NAN, NAN, NAN, NAN, NAN, NAN };
	float a[1] = { 1 }, b[1] = { 1 };
	assert_int_equal(kb_gemm_f32_blocked(false, 2, 3, 0, a, b, c, 1), 0);
	for (int i = 0; i < 6; i++)
		assert_true(c[i] == 0.0f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_f32),
		cmocka_unit_test(test_blocked_f64),
		cmocka_unit_test(test_blocked_threads_split),
		cmocka_unit_test(test_blocked_k0),
		cmocka_unit_test(test_openblas_f32),
		cmocka_unit_test(test_openblas_f64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
