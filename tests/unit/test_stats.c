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

/* The ranks and coverages of the median's interval, and the sign test's
 * bound rank, against values computed independently: Python 3 with
 * fractions.Fraction and math.comb, P(Bin(n, 1/2) <= k) summed exactly for
 * each k, the level and alpha taken as the C doubles (Fraction(0.95)):
 *   [lo, hi] = [j, n - 1 - j] for the largest j (2 j < n) whose coverage
 *   1 - 2 P(X <= j) is still >= level, else the full range;
 *   k = smallest k with P(X <= k) > alpha.
 * (The running binomial sum must give these exactly, including where the
 * first terms underflow to 0, and a 400 000-sample interval fast.) */
static const struct {
	size_t n;
	double level;
	size_t lo, hi;
	double coverage;
} ci_cases[] = {
	{ 1, 0.5, 0, 0, 0 },
	{ 1, 0.9, 0, 0, 0 },
	{ 1, 0.95, 0, 0, 0 },
	{ 1, 0.99, 0, 0, 0 },
	{ 1, 0.999, 0, 0, 0 },
	{ 2, 0.5, 0, 1, 0.5 },
	{ 2, 0.9, 0, 1, 0.5 },
	{ 2, 0.95, 0, 1, 0.5 },
	{ 2, 0.99, 0, 1, 0.5 },
	{ 2, 0.999, 0, 1, 0.5 },
	{ 3, 0.5, 0, 2, 0.75 },
	{ 3, 0.9, 0, 2, 0.75 },
	{ 3, 0.95, 0, 2, 0.75 },
	{ 3, 0.99, 0, 2, 0.75 },
	{ 3, 0.999, 0, 2, 0.75 },
	{ 5, 0.5, 1, 3, 0.625 },
	{ 5, 0.9, 0, 4, 0.9375 },
	{ 5, 0.95, 0, 4, 0.9375 },
	{ 5, 0.99, 0, 4, 0.9375 },
	{ 5, 0.999, 0, 4, 0.9375 },
	{ 6, 0.5, 1, 4, 0.78125 },
	{ 6, 0.9, 0, 5, 0.96875 },
	{ 6, 0.95, 0, 5, 0.96875 },
	{ 6, 0.99, 0, 5, 0.96875 },
	{ 6, 0.999, 0, 5, 0.96875 },
	{ 7, 0.5, 2, 4, 0.546875 },
	{ 7, 0.9, 0, 6, 0.984375 },
	{ 7, 0.95, 0, 6, 0.984375 },
	{ 7, 0.99, 0, 6, 0.984375 },
	{ 7, 0.999, 0, 6, 0.984375 },
	{ 8, 0.5, 2, 5, 0.7109375 },
	{ 8, 0.9, 1, 6, 0.9296875 },
	{ 8, 0.95, 0, 7, 0.9921875 },
	{ 8, 0.99, 0, 7, 0.9921875 },
	{ 8, 0.999, 0, 7, 0.9921875 },
	{ 9, 0.5, 2, 6, 0.8203125 },
	{ 9, 0.9, 1, 7, 0.9609375 },
	{ 9, 0.95, 1, 7, 0.9609375 },
	{ 9, 0.99, 0, 8, 0.99609375 },
	{ 9, 0.999, 0, 8, 0.99609375 },
	{ 10, 0.5, 3, 6, 0.65625 },
	{ 10, 0.9, 1, 8, 0.978515625 },
	{ 10, 0.95, 1, 8, 0.978515625 },
	{ 10, 0.99, 0, 9, 0.998046875 },
	{ 10, 0.999, 0, 9, 0.998046875 },
	{ 11, 0.5, 3, 7, 0.7734375 },
	{ 11, 0.9, 2, 8, 0.9345703125 },
	{ 11, 0.95, 1, 9, 0.98828125 },
	{ 11, 0.99, 0, 10, 0.9990234375 },
	{ 11, 0.999, 0, 10, 0.9990234375 },
	{ 12, 0.5, 4, 7, 0.6123046875 },
	{ 12, 0.9, 2, 9, 0.96142578125 },
	{ 12, 0.95, 2, 9, 0.96142578125 },
	{ 12, 0.99, 1, 10, 0.99365234375 },
	{ 12, 0.999, 0, 11, 0.99951171875 },
	{ 17, 0.5, 6, 10, 0.667694091796875 },
	{ 17, 0.9, 4, 12, 0.950958251953125 },
	{ 17, 0.95, 4, 12, 0.950958251953125 },
	{ 17, 0.99, 2, 14, 0.997650146484375 },
	{ 17, 0.999, 1, 15, 0.999725341796875 },
	{ 20, 0.5, 7, 12, 0.73682403564453125 },
	{ 20, 0.9, 5, 14, 0.95861053466796875 },
	{ 20, 0.95, 5, 14, 0.95861053466796875 },
	{ 20, 0.99, 3, 16, 0.99742317199707031 },
	{ 20, 0.999, 2, 17, 0.99959754943847656 },
	{ 25, 0.5, 10, 14, 0.57564377784729004 },
	{ 25, 0.9, 7, 17, 0.95671474933624268 },
	{ 25, 0.95, 7, 17, 0.95671474933624268 },
	{ 25, 0.99, 5, 19, 0.99592268466949463 },
	{ 25, 0.999, 4, 20, 0.99908947944641113 },
	{ 30, 0.5, 12, 17, 0.63840539194643497 },
	{ 30, 0.9, 10, 19, 0.90126285329461098 },
	{ 30, 0.95, 9, 20, 0.95722605474293232 },
	{ 30, 0.99, 7, 22, 0.99477712064981461 },
	{ 30, 0.999, 5, 24, 0.9996750857681036 },
	{ 31, 0.5, 13, 17, 0.52687034010887146 },
	{ 31, 0.9, 10, 20, 0.92924445401877165 },
	{ 31, 0.95, 9, 21, 0.97055062651634216 },
	{ 31, 0.99, 7, 23, 0.9966731071472168 },
	{ 31, 0.999, 6, 24, 0.99912208970636129 },
	{ 50, 0.5, 22, 27, 0.52011233830167214 },
	{ 50, 0.9, 18, 31, 0.93509135292772783 },
	{ 50, 0.95, 17, 32, 0.96716086243573152 },
	{ 50, 0.99, 15, 34, 0.99339955203318908 },
	{ 50, 0.999, 13, 36, 0.99906377708914818 },
	{ 64, 0.5, 28, 35, 0.61826720520666234 },
	{ 64, 0.9, 24, 39, 0.94005881043300077 },
	{ 64, 0.95, 23, 40, 0.96723424090117682 },
	{ 64, 0.99, 21, 42, 0.99185309777130148 },
	{ 64, 0.999, 18, 45, 0.99938262173593284 },
	{ 99, 0.5, 45, 53, 0.57847665638422996 },
	{ 99, 0.9, 40, 58, 0.9300994263050536 },
	{ 99, 0.95, 39, 59, 0.95612470641298475 },
	{ 99, 0.99, 36, 62, 0.99136641305658202 },
	{ 99, 0.999, 32, 66, 0.99943779175164293 },
	{ 100, 0.5, 46, 53, 0.51588158639270854 },
	{ 100, 0.9, 41, 58, 0.91137391988593242 },
	{ 100, 0.95, 39, 60, 0.96479979978229513 },
	{ 100, 0.99, 36, 63, 0.99336287948407387 },
	{ 100, 0.999, 33, 66, 0.99912628016308758 },
	{ 101, 0.5, 46, 54, 0.57383998453300611 },
	{ 101, 0.9, 41, 59, 0.92724299312247582 },
	{ 101, 0.95, 40, 60, 0.95395593307065718 },
	{ 101, 0.99, 37, 63, 0.99066495187935522 },
	{ 101, 0.999, 33, 67, 0.99935875149783038 },
	{ 150, 0.5, 70, 79, 0.5374504821331697 },
	{ 150, 0.9, 64, 85, 0.91392889681402922 },
	{ 150, 0.95, 62, 87, 0.95913150613350606 },
	{ 150, 0.99, 58, 91, 0.99314836093182624 },
	{ 150, 0.999, 54, 95, 0.99924049522342928 },
	{ 299, 0.5, 143, 155, 0.51224047042659637 },
	{ 299, 0.9, 134, 164, 0.91742176065716552 },
	{ 299, 0.95, 132, 166, 0.95091436334627766 },
	{ 299, 0.99, 126, 172, 0.99229639501279654 },
	{ 299, 0.999, 120, 178, 0.99923162083671069 },
	{ 1000, 0.5, 488, 511, 0.53295487834721389 },
	{ 1000, 0.9, 473, 526, 0.9063127085245033 },
	{ 1000, 0.95, 468, 531, 0.95370880263950186 },
	{ 1000, 0.99, 458, 541, 0.99136005099773949 },
	{ 1000, 0.999, 447, 552, 0.9991100140352307 },
	{ 1001, 0.5, 489, 511, 0.51314741786138052 },
	{ 1001, 0.9, 473, 527, 0.91218700336784497 },
	{ 1001, 0.95, 469, 531, 0.95001547649724583 },
	{ 1001, 0.99, 459, 541, 0.99048595971579179 },
	{ 1001, 0.999, 447, 553, 0.99920117888161031 },
	{ 2500, 0.5, 1232, 1267, 0.51606525540807968 },
	{ 2500, 0.9, 1208, 1291, 0.90310509135999417 },
	{ 2500, 0.95, 1200, 1299, 0.95231813477895644 },
	{ 2500, 0.99, 1185, 1314, 0.99013388990053519 },
	{ 2500, 0.999, 1167, 1332, 0.99903689879252122 },
};

static const struct {
	size_t n;
	double alpha;
	size_t k;
} sign_cases[] = {
	{ 1, 0.025, 0 },
	{ 1, 0.005, 0 },
	{ 2, 0.025, 0 },
	{ 2, 0.005, 0 },
	{ 3, 0.025, 0 },
	{ 3, 0.005, 0 },
	{ 5, 0.025, 0 },
	{ 5, 0.005, 0 },
	{ 6, 0.025, 1 },
	{ 6, 0.005, 0 },
	{ 7, 0.025, 1 },
	{ 7, 0.005, 0 },
	{ 8, 0.025, 1 },
	{ 8, 0.005, 1 },
	{ 9, 0.025, 2 },
	{ 9, 0.005, 1 },
	{ 10, 0.025, 2 },
	{ 10, 0.005, 1 },
	{ 11, 0.025, 2 },
	{ 11, 0.005, 1 },
	{ 12, 0.025, 3 },
	{ 12, 0.005, 2 },
	{ 17, 0.025, 5 },
	{ 17, 0.005, 3 },
	{ 20, 0.025, 6 },
	{ 20, 0.005, 4 },
	{ 25, 0.025, 8 },
	{ 25, 0.005, 6 },
	{ 30, 0.025, 10 },
	{ 30, 0.005, 8 },
	{ 31, 0.025, 10 },
	{ 31, 0.005, 8 },
	{ 50, 0.025, 18 },
	{ 50, 0.005, 16 },
	{ 64, 0.025, 24 },
	{ 64, 0.005, 22 },
	{ 99, 0.025, 40 },
	{ 99, 0.005, 37 },
	{ 100, 0.025, 40 },
	{ 100, 0.005, 37 },
	{ 101, 0.025, 41 },
	{ 101, 0.005, 38 },
	{ 150, 0.025, 63 },
	{ 150, 0.005, 59 },
	{ 299, 0.025, 133 },
	{ 299, 0.005, 127 },
	{ 1000, 0.025, 469 },
	{ 1000, 0.005, 459 },
	{ 1001, 0.025, 470 },
	{ 1001, 0.005, 460 },
	{ 2500, 0.025, 1201 },
	{ 2500, 0.005, 1186 },
};

static void ci_ranks_independent(void **st)
{
	size_t lo, hi;
	double cov;
	(void)st;
	for (size_t i = 0; i < sizeof(ci_cases) / sizeof(*ci_cases); i++) {
		kb_stats_median_ci_ranks(ci_cases[i].n, ci_cases[i].level, &lo, &hi, &cov);
		if (lo != ci_cases[i].lo || hi != ci_cases[i].hi ||
		    fabs(cov - ci_cases[i].coverage) > 1e-12 * (ci_cases[i].coverage + 1e-300))
			fail_msg("n=%zu level=%g: [%zu, %zu] coverage %.17g, want [%zu, %zu] %.17g",
				 ci_cases[i].n, ci_cases[i].level, lo, hi, cov, ci_cases[i].lo,
				 ci_cases[i].hi, ci_cases[i].coverage);
	}
	for (size_t i = 0; i < sizeof(sign_cases) / sizeof(*sign_cases); i++)
		if (kb_stats_sign_bound_rank(sign_cases[i].n, sign_cases[i].alpha) != sign_cases[i].k)
			fail_msg("sign_bound_rank(%zu, %g) = %zu, want %zu", sign_cases[i].n, sign_cases[i].alpha,
				 kb_stats_sign_bound_rank(sign_cases[i].n, sign_cases[i].alpha), sign_cases[i].k);
	/* normal approximation: lo ~ n/2 - 1.96 sqrt(n) / 2 - 1/2 */
	kb_stats_median_ci_ranks(400000, 0.95, &lo, &hi, &cov);
	assert_true(lo > 199375 && lo < 199385);
	assert_int_equal(lo + hi, 399999);
	assert_true(cov >= 0.95 && cov < 0.9505);
}

/* Mann-Whitney with ties, against Python 3 (fractions for the average
 * ranks and the tie-corrected variance na nb / 12 ((n + 1) - sum(t^3 - t) /
 * (n (n - 1))), continuity 0.5, p = erfc(z / sqrt 2) / 2).  The first case
 * is scipy.stats.mannwhitneyu(b, a, alternative="greater",
 * method="asymptotic"): 0.040428. */
static void mann_whitney_ties_independent(void **st)
{
	double a1[] = { 1, 2, 3 }, b1[] = { 4, 5, 6 };
	double a2[] = { 1, 2, 2, 3, 3, 3 }, b2[] = { 2, 3, 4, 4, 5 };
	double a3[] = { 10, 10, 10, 11 }, b3[] = { 10, 11, 11, 12, 12, 13, 9 };
	(void)st;
	NEAR(kb_stats_mann_whitney_greater(a1, 3, b1, 3), 0.040427799185026148, 1e-9);
	NEAR(kb_stats_mann_whitney_greater(a2, 6, b2, 5), 0.044356845998388121, 1e-9);
	NEAR(kb_stats_mann_whitney_greater(a3, 4, b3, 7), 0.12006838046503626, 1e-9);
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
		cmocka_unit_test(ci_ranks_independent),
		cmocka_unit_test(mann_whitney_ties_independent),
		cmocka_unit_test(mann_whitney),
		cmocka_unit_test(mann_whitney_both),
		cmocka_unit_test(holm),
		cmocka_unit_test(normal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
