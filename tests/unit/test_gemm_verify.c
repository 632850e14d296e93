/*
 * test_gemm_verify - kb_gemm_f32_verify (kernels/ref/kb_gemm_verify.h) on
 * products made the way GPU kernels make them, m = 256 (so 64 rows are
 * compared in full and the rest only through Freivalds), n = k = 1024:
 *   - an FP32 product accumulated in order (float, round to nearest) and
 *     the FP64 reference pass;
 *   - one element off by 0.02 in a row that is not sampled fails, naming
 *     the row: the old single-probe bound 2·√n·8·u·k was 0.031 here;
 *   - one dropped product term (|a·b| >= 0.02) in an unsampled row fails,
 *     and in a sampled row fails naming the element;
 *   - legitimate noise twelve times the rounding model's, within the
 *     element tolerance, passes (the bound follows the measured noise);
 *   - TF32-style inputs (mantissas cut to 10 bits) pass with u_in = 2^-10.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ref/kb_gemm_ref.h"
#include "ref/kb_gemm_verify.h"

#define M 256
#define N 1024
#define K 1024
#define UNSAMPLED_ROW 101 /* kb_gemm_sample_row(256, ...) never returns it */
#define SAMPLED_ROW 100   /* 16 + 12·(256 - 32)/32 */

static const struct kb_gemm_tol fp32 = { 0x1p-24, 0 };
static const struct kb_gemm_tol tf32 = { 0x1p-24, 0x1p-10 };

static float *a, *b, *c_fp32, *c_ref, *c;

static uint64_t rng = 88172645463325252ULL;
static double uniform(void) /* [-1, 1) */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) * 0x1p-53 * 2 - 1;
}

/* C = A·B in float, each element summed in order: an FP32 kernel. */
static void gemm_float(const float *x, const float *y, float *z)
{
	for (size_t i = 0; i < M; i++)
		for (size_t j = 0; j < N; j++) {
			float s = 0;
			for (size_t p = 0; p < K; p++)
				s += x[i * K + p] * y[p * N + j];
			z[i * N + j] = s;
		}
}

static int setup(void **st)
{
	(void)st;
	a = malloc(M * K * sizeof(*a));
	b = malloc(K * N * sizeof(*b));
	c_fp32 = malloc(M * N * sizeof(*c));
	c_ref = malloc(M * N * sizeof(*c));
	c = malloc(M * N * sizeof(*c));
	if (!a || !b || !c_fp32 || !c_ref || !c)
		return -1;
	for (size_t i = 0; i < M * K; i++)
		a[i] = (float)uniform();
	for (size_t i = 0; i < K * N; i++)
		b[i] = (float)uniform();
	gemm_float(a, b, c_fp32);
	kb_gemm_f32_ref(false, M, N, K, a, b, c_ref);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	free(a), free(b), free(c_fp32), free(c_ref), free(c);
	return 0;
}

static bool verify(const float *cc, const struct kb_gemm_tol *tol, char *why)
{
	return kb_gemm_f32_verify(M, N, K, a, b, cc, tol, 7, why, 256);
}

static void test_rows_sampled(void **st)
{
	size_t count, seen_s = 0, seen_u = 0;

	(void)st;
	for (size_t i = 0; i < 64; i++) {
		size_t r = kb_gemm_sample_row(M, i, &count);
		seen_s += r == SAMPLED_ROW;
		seen_u += r == UNSAMPLED_ROW;
	}
	assert_int_equal(count, 64);
	assert_int_equal(seen_s, 1);
	assert_int_equal(seen_u, 0);
}

static void test_good_products_pass(void **st)
{
	char why[256] = "";

	(void)st;
	assert_true(verify(c_ref, &fp32, why));
	assert_true(verify(c_fp32, &fp32, why));
	for (uint64_t seed = 1; seed < 4; seed++)
		assert_true(kb_gemm_f32_verify(M, N, K, a, b, c_fp32, &fp32, seed, why, sizeof(why)));
}

static void test_one_wrong_element_fails(void **st)
{
	char why[256] = "";

	(void)st;
	memcpy(c, c_fp32, M * N * sizeof(*c));
	c[UNSAMPLED_ROW * N + 517] += 0.02f;
	assert_false(verify(c, &fp32, why));
	assert_non_null(strstr(why, "row 101 of C is wrong"));
}

/* Drops one term a[i][p]·b[p][j] of magnitude >= 0.02 from C[i][j]. */
static void drop_term(size_t i, size_t j)
{
	memcpy(c, c_fp32, M * N * sizeof(*c));
	for (size_t p = 0; p < K; p++) {
		float t = a[i * K + p] * b[p * N + j];
		if (fabsf(t) >= 0.02f) {
			c[i * N + j] -= t;
			return;
		}
	}
	fail_msg("no term of C[%zu][%zu] as large as 0.02", i, j);
}

static void test_dropped_term_fails(void **st)
{
	char why[256] = "";

	(void)st;
	drop_term(UNSAMPLED_ROW, 3);
	assert_false(verify(c, &fp32, why));
	assert_non_null(strstr(why, "row 101 of C is wrong"));
	drop_term(SAMPLED_ROW, 1000);
	assert_false(verify(c, &fp32, why));
	assert_non_null(strstr(why, "C[100][1000] = "));
}

static void test_noise_above_model_passes(void **st)
{
	char why[256] = "";
	/* the model's per-element rms here is u·k·r/√6 ≈ 8e-6 (r = 1/3);
	 * noise uniform in ±1.7e-4 has rms 1e-4, and stays far below the
	 * element tolerance 8·u·k = 4.9e-4 */
	(void)st;
	memcpy(c, c_ref, M * N * sizeof(*c));
	for (size_t i = 0; i < M * N; i++)
		c[i] += (float)(1.7e-4 * uniform());
	assert_true(verify(c, &fp32, why));
}

static float tf32_cut(float x)
{
	uint32_t u;

	memcpy(&u, &x, sizeof(u));
	u &= ~(uint32_t)0x1fff; /* keep 10 of the 23 mantissa bits */
	memcpy(&x, &u, sizeof(u));
	return x;
}

static void test_tf32_inputs_pass(void **st)
{
	char why[256] = "";
	float *a32 = malloc(M * K * sizeof(*a32)), *b32 = malloc(K * N * sizeof(*b32));

	(void)st;
	assert_non_null(a32);
	assert_non_null(b32);
	for (size_t i = 0; i < M * K; i++)
		a32[i] = tf32_cut(a[i]);
	for (size_t i = 0; i < K * N; i++)
		b32[i] = tf32_cut(b[i]);
	gemm_float(a32, b32, c);
	assert_true(verify(c, &tf32, why));
	assert_false(verify(c, &fp32, why)); /* and the FP32 tolerance sees it */
	free(a32);
	free(b32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_sampled),
		cmocka_unit_test(test_good_products_pass),
		cmocka_unit_test(test_one_wrong_element_fails),
		cmocka_unit_test(test_dropped_term_fails),
		cmocka_unit_test(test_noise_above_model_passes),
		cmocka_unit_test(test_tf32_inputs_pass),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
