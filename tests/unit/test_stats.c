/*
 * Statistics against values computed independently.  Expected values were
 * computed by hand and checked with Python 3.11 (statistics module and a
 * direct implementation of Hyndman-Fan type 7, which is R's default and
 * numpy's "linear"); binomial coverages with math.comb.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stats.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void quantile_odd(void **st)
{
	double x[] = { 3.1, 1.2, 5.5, 2.2, 4.8, 9.9, 0.5 };
	struct kb_summary s;
	(void)st;
	assert_int_equal(kb_stats_summarize(x, 7, 0.95, &s), 0);
	NEAR(s.median, 3.1, 1e-12);
	NEAR(s.q1, 1.7, 1e-12);   /* python: 1.7000000000000002 */
	NEAR(s.q3, 5.15, 1e-12);
	NEAR(s.p90, 7.26, 1e-12);
	NEAR(s.p99, 9.636, 1e-12);
	NEAR(s.mean, 3.8857142857142857, 1e-12);
	NEAR(s.sd, 3.208025650057769, 1e-12); /* statistics.stdev */
	NEAR(s.cv, 3.208025650057769 / 3.8857142857142857, 1e-12);
	NEAR(s.min, 0.5, 0);
	NEAR(s.max, 9.9, 0);
	assert_int_equal(s.n, 7);
}

static void quantile_even(void **st)
{
	double y[] = { 4.0, 1.0, 3.0, 2.0 };
	(void)st;
	NEAR(kb_stats_median(y, 4), 2.5, 1e-12);
	double s[] = { 1, 2, 3, 4 };
	NEAR(kb_stats_quantile_sorted(s, 4, 0.25), 1.75, 1e-12);
	NEAR(kb_stats_quantile_sorted(s, 4, 0.75), 3.25, 1e-12);
	NEAR(kb_stats_quantile_sorted(s, 4, 0.0), 1, 0);
	NEAR(kb_stats_quantile_sorted(s, 4, 1.0), 4, 0);
}

static void single_and_ties(void **st)
{
	double one[] = { 7.0 };
	double ties[] = { 2, 2, 2, 2, 2 };
	struct kb_summary s;
	(void)st;
	assert_int_equal(kb_stats_summarize(one, 1, 0.95, &s), 0);
	NEAR(s.median, 7, 0);
	NEAR(s.sd, 0, 0);
	NEAR(s.ci_low, 7, 0);
	NEAR(s.ci_high, 7, 0);
	assert_true(s.ci_level < 0.95); /* one sample cannot give 95 % */
	assert_int_equal(kb_stats_summarize(ties, 5, 0.95, &s), 0);
	NEAR(s.median, 2, 0);
	NEAR(s.q1, 2, 0);
	assert_int_equal(s.outliers_mild + s.outliers_severe, 0);
}

static void rejects_non_finite(void **st)
{
	double x[] = { 1, NAN, 3 };
	double y[] = { 1, INFINITY, 3 };
	struct kb_summary s;
	(void)st;
	assert_int_not_equal(kb_stats_summarize(x, 3, 0.95, &s), 0);
	assert_int_not_equal(kb_stats_summarize(y, 3, 0.95, &s), 0);
	assert_int_not_equal(kb_stats_summarize(x, 0, 0.95, &s), 0);
	assert_true(isnan(kb_stats_median(x, 0)));
}

static void median_ci_ranks(void **st)
{
	size_t lo, hi;
	double cov;
	(void)st;
	/* python: n=6 -> j=0 cov 0.96875; n=10 -> j=1 0.978515625;
	 * n=20 -> j=5 0.9586105346679688; n=50 -> j=17 0.9671608624357315 */
	kb_stats_median_ci_ranks(6, 0.95, &lo, &hi, &cov);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 5);
	NEAR(cov, 0.96875, 1e-9);
	kb_stats_median_ci_ranks(10, 0.95, &lo, &hi, &cov);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 8);
	NEAR(cov, 0.978515625, 1e-9);
	kb_stats_median_ci_ranks(20, 0.95, &lo, &hi, &cov);
	assert_int_equal(lo, 5);
	assert_int_equal(hi, 14);
	NEAR(cov, 0.9586105346679688, 1e-9);
	kb_stats_median_ci_ranks(50, 0.95, &lo, &hi, &cov);
	assert_int_equal(lo, 17);
	assert_int_equal(hi, 32);
	NEAR(cov, 0.9671608624357315, 1e-9);
	kb_stats_median_ci_ranks(5, 0.95, &lo, &hi, &cov);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 4);
	NEAR(cov, 0.9375, 1e-9); /* 1 - 2/32: below the level, reported */
}

static void tukey_outliers(void **st)
{
	/* q1 = 3.25, q3 = 7.75, IQR 4.5: 100 is beyond 3 IQR (21.25);
	 * 16 is beyond 1.5 IQR (14.5) but not 3 IQR. */
	double x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 100 };
	double y[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 16 };
	struct kb_summary s;
	(void)st;
	assert_int_equal(kb_stats_summarize(x, 10, 0.95, &s), 0);
	assert_int_equal(s.outliers_severe, 1);
	assert_int_equal(s.outliers_mild, 0);
	assert_int_equal(kb_stats_summarize(y, 10, 0.95, &s), 0);
	assert_int_equal(s.outliers_severe, 0);
	assert_int_equal(s.outliers_mild, 1);
}

static void rng_reproducible(void **st)
{
	struct kb_rng a, b, c;
	size_t v[10], w[10];
	int same = 1, seen[10] = { 0 };
	(void)st;
	kb_rng_seed(&a, 42);
	kb_rng_seed(&b, 42);
	kb_rng_seed(&c, 43);
	for (int i = 0; i < 100; i++) {
		uint64_t x = kb_rng_next(&a);
		assert_true(x == kb_rng_next(&b));
		same &= x == kb_rng_next(&c);
	}
	assert_false(same);
	for (int i = 0; i < 1000; i++) {
		double u = kb_rng_uniform(&a);
		assert_true(u >= 0 && u < 1);
		assert_true(kb_rng_below(&a, 7) < 7);
	}
	for (size_t i = 0; i < 10; i++)
		v[i] = w[i] = i;
	kb_rng_seed(&a, 1);
	kb_rng_seed(&b, 1);
	kb_rng_shuffle(&a, v, 10);
	kb_rng_shuffle(&b, w, 10);
	for (size_t i = 0; i < 10; i++) {
		assert_true(v[i] == w[i]);
		seen[v[i]]++;
	}
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(seen[i], 1);
	assert_true(kb_hash_seed(42, "a/b") != kb_hash_seed(42, "a/c"));
	assert_true(kb_hash_seed(42, "a/b") == kb_hash_seed(42, "a/b"));
	assert_true(kb_hash_seed(41, "a/b") != kb_hash_seed(42, "a/b"));
}

static void bootstrap(void **st)
{
	double x[200], lo1, hi1, lo2, hi2, r, rlo, rhi, b[200];
	struct kb_rng g;
	(void)st;
	kb_rng_seed(&g, 7);
	for (int i = 0; i < 200; i++) {
		x[i] = 100 + kb_rng_uniform(&g);
		b[i] = 1.2 * (100 + kb_rng_uniform(&g));
	}
	assert_int_equal(kb_stats_bootstrap_ci(x, 200, NULL, NULL, 10000, 0.95, 5, &lo1, &hi1), 0);
	assert_int_equal(kb_stats_bootstrap_ci(x, 200, NULL, NULL, 10000, 0.95, 5, &lo2, &hi2), 0);
	assert_true(lo1 == lo2 && hi1 == hi2); /* seeded: identical */
	assert_true(lo1 < kb_stats_median(x, 200) && kb_stats_median(x, 200) < hi1);
	assert_true(lo1 > 100.3 && hi1 < 100.7);
	assert_int_equal(kb_stats_bootstrap_ratio_ci(x, 200, b, 200, 10000, 0.95, 9, &r, &rlo, &rhi), 0);
	NEAR(r, 1.2, 0.01);
	assert_true(rlo < r && r < rhi && rlo > 1.19 && rhi < 1.21);
}

static void mann_whitney(void **st)
{
	/* scipy.stats.mannwhitneyu(b, a, alternative="greater",
	 * method="asymptotic", use_continuity=True): U=9, p=0.040428...
	 * (z = (9 - 4.5 - 0.5) / sqrt(5.25)) */
	double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
	(void)st;
	NEAR(kb_stats_mann_whitney_greater(a, 3, b, 3), 1 - kb_stats_norm_cdf(4 / sqrt(5.25)), 1e-12);
	NEAR(kb_stats_mann_whitney_greater(a, 3, b, 3), 0.0404, 1e-4);
	assert_true(kb_stats_mann_whitney_greater(b, 3, a, 3) > 0.9);
}

static void holm(void **st)
{
	/* sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, max(0.04, 0.06) */
	double p[] = { 0.01, 0.04, 0.03, 0.005 }, adj[4];
	(void)st;
	assert_int_equal(kb_stats_holm(p, 4, adj), 0);
	NEAR(adj[0], 0.03, 1e-12);
	NEAR(adj[1], 0.06, 1e-12);
	NEAR(adj[2], 0.06, 1e-12);
	NEAR(adj[3], 0.02, 1e-12);
}

static void normal(void **st)
{
	(void)st;
	NEAR(kb_stats_norm_quantile(0.975), 1.959963984540054, 1e-9);
	NEAR(kb_stats_norm_quantile(0.5), 0, 1e-12);
	NEAR(kb_stats_norm_quantile(0.001), -3.090232306167813, 1e-9);
	NEAR(kb_stats_norm_cdf(1.959963984540054), 0.975, 1e-12);
	NEAR(kb_stats_binom_half_cdf(6, 0), 1.0 / 64, 1e-15);
	NEAR(kb_stats_binom_half_cdf(10, 1), 11.0 / 1024, 1e-15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quantile_odd),
		cmocka_unit_test(quantile_even),
		cmocka_unit_test(single_and_ties),
		cmocka_unit_test(rejects_non_finite),
		cmocka_unit_test(median_ci_ranks),
		cmocka_unit_test(tukey_outliers),
		cmocka_unit_test(rng_reproducible),
		cmocka_unit_test(bootstrap),
		cmocka_unit_test(mann_whitney),
		cmocka_unit_test(holm),
		cmocka_unit_test(normal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
