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
#include <stdlib.h>
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

/* ---- the fast paths against the plain algorithms they replaced --------- */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median by a full sort, as the bootstrap computed it before. */
static double sorted_median(double *x, size_t n, void *ctx)
{
	(void)ctx;
	qsort(x, n, sizeof(*x), cmp_dbl);
	return kb_stats_quantile_sorted(x, n, 0.5);
}

/* The ratio bootstrap as it was: copy each resample, sort it. */
static void ref_ratio_ci(const double *a, size_t na, const double *b, size_t nb, size_t resamples,
			 double level, uint64_t seed, double *lo, double *hi)
{
	double *sa = malloc(na * sizeof(*sa)), *sb = malloc(nb * sizeof(*sb));
	double *v = malloc(resamples * sizeof(*v));
	struct kb_rng g;
	assert_non_null(sa);
	assert_non_null(sb);
	assert_non_null(v);
	kb_rng_seed(&g, seed);
	for (size_t r = 0; r < resamples; r++) {
		for (size_t i = 0; i < na; i++)
			sa[i] = a[kb_rng_below(&g, na)];
		for (size_t i = 0; i < nb; i++)
			sb[i] = b[kb_rng_below(&g, nb)];
		v[r] = sorted_median(sb, nb, NULL) / sorted_median(sa, na, NULL);
	}
	qsort(v, resamples, sizeof(*v), cmp_dbl);
	*lo = kb_stats_quantile_sorted(v, resamples, (1 - level) / 2);
	*hi = kb_stats_quantile_sorted(v, resamples, 1 - (1 - level) / 2);
	free(sa);
	free(sb);
	free(v);
}

/* Log-normal-ish samples; with `ties`, rounded to 1 % steps so many repeat. */
static void draw(double *x, size_t n, uint64_t seed, double median, int ties)
{
	struct kb_rng g;
	kb_rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		x[i] = median * exp(0.05 * (kb_rng_uniform(&g) + kb_rng_uniform(&g) - 1));
		if (ties)
			x[i] = round(x[i] / (median * 0.01)) * (median * 0.01);
	}
}

/* Counting draws per rank (ratio) and quickselect (single sample) must give
 * the seeded intervals of the sort they replaced, bit for bit: odd and even
 * sizes, one and two samples, heavy ties. */
static void bootstrap_matches_sort(void **st)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 6, 9, 10, 30, 31, 200, 1001 };
	static double a[1001], b[1001];
	(void)st;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
		for (size_t j = 0; j < sizeof(sizes) / sizeof(*sizes); j += 2)
			for (int ties = 0; ties < 2; ties++) {
				size_t na = sizes[i], nb = sizes[j];
				double r, lo, hi, rlo, rhi, lo1, hi1, lo2, hi2;

				draw(a, na, 100 * i + j, 1000, ties);
				draw(b, nb, 100 * i + j + 1, 1100, ties);
				assert_int_equal(kb_stats_bootstrap_ratio_ci(a, na, b, nb, 300, 0.95, i + j, &r,
									     &lo, &hi), 0);
				ref_ratio_ci(a, na, b, nb, 300, 0.95, i + j, &rlo, &rhi);
				assert_true(lo == rlo && hi == rhi);
				assert_true(r == kb_stats_median(b, nb) / kb_stats_median(a, na));
				assert_int_equal(kb_stats_bootstrap_ci(a, na, NULL, NULL, 300, 0.9, j, &lo1,
								       &hi1), 0);
				assert_int_equal(kb_stats_bootstrap_ci(a, na, sorted_median, NULL, 300, 0.9, j,
								       &lo2, &hi2), 0);
				assert_true(lo1 == lo2 && hi1 == hi2);
			}
}

/* P(X <= k) summed afresh for every k, as the searches did before. */
static void ref_ci_ranks(size_t n, double level, size_t *lo, size_t *hi, double *achieved)
{
	size_t j = 0;
	double cov = n == 1 ? 0 : 1 - 2 * kb_stats_binom_half_cdf(n, 0);

	if (cov < level) {
		*lo = 0;
		*hi = n - 1;
		*achieved = cov < 0 ? 0 : cov;
		return;
	}
	while (2 * (j + 1) < n && 1 - 2 * kb_stats_binom_half_cdf(n, j + 1) >= level)
		cov = 1 - 2 * kb_stats_binom_half_cdf(n, ++j);
	*lo = j;
	*hi = n - 1 - j;
	*achieved = cov;
}

static size_t ref_sign_rank(size_t n, double alpha)
{
	size_t k = 0;
	while (k < n && kb_stats_binom_half_cdf(n, k) <= alpha)
		k++;
	return k;
}

/* The running binomial sum gives the ranks and coverages of the direct
 * sums exactly (including where the first terms underflow to 0), and a
 * 400 000-sample interval in well under a second instead of a quarter of
 * an hour. */
static void ci_ranks_match_direct(void **st)
{
	static const size_t big[] = { 1000, 1001, 2500 };
	static const double levels[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };
	size_t lo, hi, rlo, rhi;
	double cov, rcov;
	(void)st;
	for (size_t n = 1; n < 300 + sizeof(big) / sizeof(*big); n++) {
		size_t m = n < 300 ? n : big[n - 300];

		for (size_t l = 0; l < sizeof(levels) / sizeof(*levels); l++) {
			kb_stats_median_ci_ranks(m, levels[l], &lo, &hi, &cov);
			ref_ci_ranks(m, levels[l], &rlo, &rhi, &rcov);
			assert_int_equal(lo, rlo);
			assert_int_equal(hi, rhi);
			assert_true(cov == rcov);
		}
		assert_int_equal(kb_stats_sign_bound_rank(m, 0.025), ref_sign_rank(m, 0.025));
		assert_int_equal(kb_stats_sign_bound_rank(m, 0.005), ref_sign_rank(m, 0.005));
	}
	/* normal approximation: lo ~ n/2 - 1.96 sqrt(n) / 2 - 1/2 */
	kb_stats_median_ci_ranks(400000, 0.95, &lo, &hi, &cov);
	assert_true(lo > 199375 && lo < 199385);
	assert_int_equal(lo + hi, 399999);
	assert_true(cov >= 0.95 && cov < 0.9505);
}

static void mann_whitney_both(void **st)
{
	static double a[500], b[700];
	(void)st;
	for (int ties = 0; ties < 2; ties++)
		for (size_t na = 1; na <= 500; na += 83)
			for (size_t nb = 1; nb <= 700; nb += 97) {
				double pb, pa;

				draw(a, na, na, 1000, ties);
				draw(b, nb, nb + 1000, 1010, ties);
				assert_int_equal(kb_stats_mann_whitney(a, na, b, nb, &pb, &pa), 0);
				assert_true(pb == kb_stats_mann_whitney_greater(a, na, b, nb));
				assert_true(pa == kb_stats_mann_whitney_greater(b, nb, a, na));
			}
	{
		double pb, pa;

		assert_int_not_equal(kb_stats_mann_whitney(a, 0, b, 3, &pb, &pa), 0);
		assert_true(isnan(pb) && isnan(pa));
	}
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
		cmocka_unit_test(bootstrap_matches_sort),
		cmocka_unit_test(ci_ranks_match_direct),
		cmocka_unit_test(mann_whitney),
		cmocka_unit_test(mann_whitney_both),
		cmocka_unit_test(holm),
		cmocka_unit_test(normal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
