/*
 * stats.h - descriptive statistics and intervals used by the runner and the
 * checker.  Inputs are arrays of doubles; functions never modify them (they
 * sort a private copy).  NaN inputs are an error (-KB_EINVAL) where noted.
 */
#ifndef KB_STATS_H
#define KB_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Quantile of sorted data, Hyndman & Fan type 7 (R's default, numpy's
 * "linear"): h = (n-1)p, interpolate between x[floor h] and x[ceil h].
 * n must be > 0.
 */
double kb_stats_quantile_sorted(const double *sorted, size_t n, double p);
/* Median of unsorted data (copies and sorts). NAN for n == 0. */
double kb_stats_median(const double *x, size_t n);
/* A malloc'ed ascending copy of x[0..n), or NULL when out of memory. */
double *kb_stats_sorted_copy(const double *x, size_t n);

/*
 * Ranks for the distribution-free confidence interval of the median:
 * [x_(lo), x_(hi)] (0-based indices into sorted data) is the narrowest
 * symmetric order-statistic interval whose binomial(n, 1/2) coverage is at
 * least `level`.  When n is too small to reach `level`, returns the full
 * range and the coverage actually achieved in *achieved.  O(n): fine for
 * hundreds of thousands of samples.
 */
void kb_stats_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi,
			      double *achieved);

/*
 * Fills a summary of n samples: median, order-statistic CI of the median at
 * `level`, mean, sd (n-1), cv, min, max, q1, q3, p90, p99, Tukey outliers
 * (kept, counted).  `converged` is left false.  Returns 0, or -KB_EINVAL
 * when n == 0 or a sample is not finite.
 */
int kb_stats_summarize(const double *x, size_t n, double level, struct kb_summary *out);

/* Tukey fences on sorted data: counts beyond 1.5 IQR (mild, not severe)
 * and beyond 3 IQR (severe). */
void kb_stats_outliers_sorted(const double *sorted, size_t n, size_t *mild, size_t *severe);

/* splitmix64 / xoshiro256** generator: the one RNG, seeded, reproducible. */
struct kb_rng {
	uint64_t s[4];
};
void kb_rng_seed(struct kb_rng *rng, uint64_t seed);
uint64_t kb_rng_next(struct kb_rng *rng);
/* Uniform double in [0, 1). */
double kb_rng_uniform(struct kb_rng *rng);
/* Uniform integer in [0, bound). */
uint64_t kb_rng_below(struct kb_rng *rng, uint64_t bound);
/* 64-bit FNV-1a of a string mixed with a seed: per-benchmark seeds. */
uint64_t kb_hash_seed(uint64_t seed, const char *text);
/* Fisher-Yates shuffle of n size_t values. */
void kb_rng_shuffle(struct kb_rng *rng, size_t *v, size_t n);

/*
 * Statistic of a sample for the bootstrap: receives a scratch copy it may
 * reorder.
 */
typedef double (*kb_stat_fn)(double *x, size_t n, void *ctx);

/*
 * Percentile bootstrap CI of `stat` over x at `level`, with `resamples`
 * resamples drawn from a kb_rng seeded with `seed`.  Returns 0 or a
 * negative code.
 */
int kb_stats_bootstrap_ci(const double *x, size_t n, kb_stat_fn stat, void *ctx,
			  size_t resamples, double level, uint64_t seed,
			  double *lo, double *hi);

/*
 * Percentile bootstrap CI of the ratio median(b)/median(a), resampling each
 * side independently.  Costs O(n log n) once and O(na + nb) per resample
 * (the medians are read off per-rank draw counts, not sorted), and 16
 * bytes per sample (32 while ranking them).  Returns 0 or a negative code
 * (-KB_EINVAL also for medians that are not positive).
 */
int kb_stats_bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
				size_t resamples, double level, uint64_t seed,
				double *ratio, double *lo, double *hi);

/*
 * Mann-Whitney U test, one-sided: p-value for "b tends to be larger than a"
 * (normal approximation with the tie-corrected variance and a continuity
 * correction), from the ranks of the pooled sorted samples:
 * O((na + nb) log(na + nb)).  NAN when a side is empty or out of memory.
 */
double kb_stats_mann_whitney_greater(const double *a, size_t na, const double *b, size_t nb);

/*
 * Both one-sided tests from one ranking: *p_b_greater as
 * kb_stats_mann_whitney_greater(a, na, b, nb) and *p_a_greater as
 * kb_stats_mann_whitney_greater(b, nb, a, na), bit for bit.  Returns 0, or
 * -KB_EINVAL (a side empty), -KB_ENOMEM, with both NAN.
 */
int kb_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			  double *p_b_greater, double *p_a_greater);

/* Binomial(n, 1/2) lower-tail probability P(X <= k). */
double kb_stats_binom_half_cdf(size_t n, size_t k);

/*
 * Holm step-down adjustment: writes adjusted p-values (monotone, capped
 * at 1) for n p-values.  Returns 0 or -KB_ENOMEM.
 */
int kb_stats_holm(const double *p, size_t n, double *adjusted);

/* Standard normal quantile (inverse CDF), for 0 < p < 1. */
double kb_stats_norm_quantile(double p);
/* Standard normal CDF. */
double kb_stats_norm_cdf(double x);


/* ==== paired A/B statistics (kbench-ab) ====================================
 *
 * For paired per-round differences x_1..x_n (kbench-ab: log-ratios of the
 * new and old round medians), distribution-free one-sided confidence
 * bounds of the centre, by inverting a test:
 *
 *   - sign test: the median of x.  Needs only independent rounds.
 *     P(x_(k) > median) = P(Bin(n, 1/2) <= k-1), so the lower bound at
 *     level 1-alpha is x_(k) with the largest k where that is <= alpha.
 *   - Wilcoxon signed rank: the Hodges-Lehmann estimate (median of the
 *     n(n+1)/2 Walsh averages (x_i + x_j)/2, i <= j).  Needs rounds
 *     symmetric about the centre; with the arms' order randomised per
 *     round, an A/A difference is exactly symmetric.  The lower bound is
 *     the k-th smallest Walsh average with the largest k where
 *     P(W+ <= k-1) <= alpha (as R's wilcox.test(conf.int = TRUE)).
 *
 * The upper bounds mirror them (x_(n+1-k)).  When n is too small for any
 * bound at alpha (2^-n > alpha), the bounds are -INFINITY / +INFINITY.
 */

/* The rank k (1-based) of the sign-test lower bound x_(k) at one-sided
 * level alpha; 0 when 2^-n > alpha (no bound possible). */
size_t kb_stats_sign_bound_rank(size_t n, double alpha);

/* Wilcoxon signed-rank null distribution: P(W+ <= k) for n untied
 * observations; exact for n <= 200, normal approximation with continuity
 * correction above. */
double kb_stats_signed_rank_cdf(size_t n, size_t k);

/* The rank k (1-based, among the n(n+1)/2 Walsh averages) of the
 * signed-rank lower bound at one-sided level alpha; 0 when 2^-n > alpha. */
size_t kb_stats_signed_rank_bound_rank(size_t n, double alpha);

/*
 * Sample median of x and its sign-test bounds at one-sided level alpha
 * each (so [lower, upper] has coverage >= 1 - 2 alpha).  Returns 0, or
 * -KB_EINVAL when n == 0, alpha is not in (0, 0.5) or an x is not finite;
 * -KB_ENOMEM.
 */
int kb_stats_median_bounds(const double *x, size_t n, double alpha, double *median,
			   double *lower, double *upper);

/*
 * Hodges-Lehmann estimate of x and its signed-rank bounds at one-sided
 * level alpha each.  Costs O(n^2 log n) time and n(n+1)/2 doubles.
 * Returns as kb_stats_median_bounds.
 */
int kb_stats_hodges_lehmann(const double *x, size_t n, double alpha, double *estimate,
			    double *lower, double *upper);

/* qsort comparison of doubles, ascending (NaN compares equal to everything). */
int kb_stats_cmp_double(const void *a, const void *b);

#ifdef __cplusplus
}
#endif
#endif /* KB_STATS_H */
