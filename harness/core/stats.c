/*
 * stats.c - descriptive statistics, intervals, tests and the seeded RNG.
 *
 * Sources for the methods: quantiles are Hyndman & Fan (1996) type 7; the
 * median CI is the distribution-free order-statistic interval (e.g. Conover,
 * "Practical Nonparametric Statistics", 3.2); Tukey fences 1.5/3 IQR as in
 * Criterion; xoshiro256** and splitmix64 by Blackman & Vigna.
 */
#include "stats.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

int kb_stats_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double kb_stats_quantile_sorted(const double *sorted, size_t n, double p)
{
	double h, lo;
	size_t i;

	if (n == 0)
		return NAN;
	if (p <= 0)
		return sorted[0];
	if (p >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * p;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i]);
}

double *kb_stats_sorted_copy(const double *x, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), kb_stats_cmp_double);
	return s;
}

double kb_stats_median(const double *x, size_t n)
{
	double m, *s;

	if (n == 0)
		return NAN;
	s = kb_stats_sorted_copy(x, n);
	if (!s)
		return NAN;
	m = kb_stats_quantile_sorted(s, n, 0.5);
	free(s);
	return m;
}

/* log of the binomial coefficient C(n, k). */
static double log_choose(size_t n, size_t k)
{
	return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1);
}

/* The term i of the binomial(n, 1/2) distribution, P(X = i). */
static double binom_half_term(size_t n, size_t i, double ln_half_n)
{
	return exp(log_choose(n, i) + ln_half_n);
}

double kb_stats_binom_half_cdf(size_t n, size_t k)
{
	double sum = 0, ln_half_n = (double)n * log(0.5);

	if (k >= n)
		return 1.0;
	for (size_t i = 0; i <= k; i++)
		sum += binom_half_term(n, i, ln_half_n);
	return sum > 1 ? 1 : sum;
}

/*
 * The searches below walk the lower tail P(X <= k) for k = 0, 1, ...
 * Calling kb_stats_binom_half_cdf for every k costs O(k) each, O(n^2) for
 * a walk to the median: 10 s for 40 000 samples, a quarter of an hour for
 * 400 000 (a summary-less file, or a comparison).  They keep a running
 * sum instead, adding the same terms in the same order, so every partial
 * sum (and so every rank and coverage) is bit-identical to the direct call.
 *
 * For large n the first terms are exactly 0 (exp underflows below about
 * -745): the walk starts at the first term that may not be, found by
 * bisection on the log of the term, which grows with i up to n/2.  The sum
 * of the skipped terms is exactly 0, as it was.
 */
struct binom_walk {
	size_t n;
	size_t first;     /* terms below this index are exactly 0 */
	size_t k;         /* sum holds P(X <= k), unclamped */
	double sum, ln_half_n;
};

static void binom_walk_start(struct binom_walk *w, size_t n)
{
	size_t lo = 0, hi = n / 2;

	w->n = n;
	w->ln_half_n = (double)n * log(0.5);
	/* smallest i <= n/2 whose log term is >= -750 (exp(-745.2) is 0; the
	 * margin is far beyond lgamma's rounding) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (log_choose(n, mid) + w->ln_half_n < -750)
			lo = mid + 1;
		else
			hi = mid;
	}
	w->first = w->k = lo;
	w->sum = lo < n ? binom_half_term(n, lo, w->ln_half_n) : 0;
}

/* P(X <= k), as kb_stats_binom_half_cdf(n, k), for k never below the
 * previous call's. */
static double binom_walk_cdf(struct binom_walk *w, size_t k)
{
	if (k >= w->n)
		return 1.0;
	if (k < w->first)
		return 0;
	while (w->k < k)
		w->sum += binom_half_term(w->n, ++w->k, w->ln_half_n);
	return w->sum > 1 ? 1 : w->sum;
}

void kb_stats_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi,
			      double *achieved)
{
	/*
	 * P(x_(j) <= m <= x_(n-1-j)) = 1 - 2 P(X <= j) for X ~ Bin(n, 1/2),
	 * with 0-based ranks.  Take the largest j that keeps the coverage.
	 */
	struct binom_walk w;
	size_t j = 0;
	double cov;

	if (n == 0) {
		*lo = *hi = 0;
		*achieved = 0;
		return;
	}
	binom_walk_start(&w, n);
	cov = 1 - 2 * binom_walk_cdf(&w, 0);
	if (n == 1)
		cov = 0;
	if (cov < level) {
		*lo = 0;
		*hi = n - 1;
		*achieved = cov < 0 ? 0 : cov;
		return;
	}
	while (2 * (j + 1) < n) {
		double next = 1 - 2 * binom_walk_cdf(&w, j + 1);
		if (next < level)
			break;
		j++;
		cov = next;
	}
	*lo = j;
	*hi = n - 1 - j;
	*achieved = cov;
}

void kb_stats_outliers_sorted(const double *sorted, size_t n, size_t *mild, size_t *severe)
{
	double q1, q3, iqr;

	*mild = *severe = 0;
	if (n < 4)
		return;
	q1 = kb_stats_quantile_sorted(sorted, n, 0.25);
	q3 = kb_stats_quantile_sorted(sorted, n, 0.75);
	iqr = q3 - q1;
	for (size_t i = 0; i < n; i++) {
		double x = sorted[i];
		if (x < q1 - 3 * iqr || x > q3 + 3 * iqr)
			(*severe)++;
		else if (x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr)
			(*mild)++;
	}
}

int kb_stats_summarize(const double *x, size_t n, double level, struct kb_summary *out)
{
	double *s, sum = 0, ss = 0;
	size_t lo, hi;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return kb_error(KB_EINVAL, "no samples to summarise");
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return kb_error(KB_EINVAL, "sample %zu is not a finite number", i);
	s = kb_stats_sorted_copy(x, n);
	if (!s)
		return kb_error(KB_ENOMEM, "out of memory summarising %zu samples", n);

	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = kb_stats_quantile_sorted(s, n, 0.5);
	out->q1 = kb_stats_quantile_sorted(s, n, 0.25);
	out->q3 = kb_stats_quantile_sorted(s, n, 0.75);
	out->p90 = kb_stats_quantile_sorted(s, n, 0.90);
	out->p99 = kb_stats_quantile_sorted(s, n, 0.99);
	kb_stats_median_ci_ranks(n, level, &lo, &hi, &out->ci_level);
	out->ci_low = s[lo];
	out->ci_high = s[hi];
	for (size_t i = 0; i < n; i++)
		sum += s[i];
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (s[i] - out->mean) * (s[i] - out->mean);
	out->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	out->cv = out->mean != 0 ? out->sd / out->mean : NAN;
	kb_stats_outliers_sorted(s, n, &out->outliers_mild, &out->outliers_severe);
	free(s);
	return 0;
}

/* ---- RNG ------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void kb_rng_seed(struct kb_rng *rng, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* Inline for the bootstrap's inner loops (a call per draw costs a third of
 * the time); the exported functions below are the same code. */
static inline uint64_t rng_next(struct kb_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static inline uint64_t rng_below(struct kb_rng *rng, uint64_t bound)
{
	/* Lemire's multiply-shift with rejection: no modulo bias. */
	unsigned __int128 m;
	uint64_t l;

	if (bound == 0)
		return 0;
	m = (unsigned __int128)rng_next(rng) * bound;
	l = (uint64_t)m;
	if (l < bound) {
		uint64_t t = -bound % bound;
		while (l < t) {
			m = (unsigned __int128)rng_next(rng) * bound;
			l = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

uint64_t kb_rng_next(struct kb_rng *rng)
{
	return rng_next(rng);
}

double kb_rng_uniform(struct kb_rng *rng)
{
	return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t kb_rng_below(struct kb_rng *rng, uint64_t bound)
{
	return rng_below(rng, bound);
}

uint64_t kb_hash_seed(uint64_t seed, const char *text)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return splitmix64(&h);
}

void kb_rng_shuffle(struct kb_rng *rng, size_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)kb_rng_below(rng, i);
		size_t t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* ---- bootstrap ------------------------------------------------------------ */

static void swap_double(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * Moves the k-th smallest of x (0-based) to x[k], smaller ones before it
 * and larger ones after: quickselect (Hoare partition, median-of-three
 * pivot), O(n) expected.
 */
static void select_kth(double *x, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (hi > lo) {
		ptrdiff_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		double pivot;

		if (x[mid] < x[lo])
			swap_double(&x[mid], &x[lo]);
		if (x[hi] < x[lo])
			swap_double(&x[hi], &x[lo]);
		if (x[hi] < x[mid])
			swap_double(&x[hi], &x[mid]);
		pivot = x[mid]; /* x[lo] <= pivot <= x[hi] stop the scans */
		while (i <= j) {
			while (x[i] < pivot)
				i++;
			while (pivot < x[j])
				j--;
			if (i <= j)
				swap_double(&x[i++], &x[j--]);
		}
		/* now x[lo..j] <= pivot <= x[i..hi], and between them == pivot */
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			return;
	}
}

/*
 * The type-7 median from the two middle order statistics x_(k) and
 * x_(k+1), k = (n-1)/2: the very expression kb_stats_quantile_sorted
 * evaluates at p = 0.5, so the value is bit-identical to sorting.
 */
static double median_of(double lo, double hi, size_t n)
{
	double h = (double)(n - 1) * 0.5, fl = floor(h);

	if (n < 2)
		return lo;
	return lo + (h - fl) * (hi - lo);
}

/* The median by selection: reorders x, O(n) rather than a sort. */
static double stat_median(double *x, size_t n, void *ctx)
{
	size_t k = (n - 1) / 2;
	double hi;

	(void)ctx;
	if (n == 0)
		return NAN;
	select_kth(x, n, k);
	hi = x[k];
	for (size_t i = k + 1; i < n; i++) /* x_(k+1): the least above x[k] */
		if (i == k + 1 || x[i] < hi)
			hi = x[i];
	return median_of(x[k], hi, n);
}

static void resample(struct kb_rng *rng, const double *x, size_t n, double *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = x[kb_rng_below(rng, n)];
}

int kb_stats_bootstrap_ci(const double *x, size_t n, kb_stat_fn stat, void *ctx,
			  size_t resamples, double level, uint64_t seed,
			  double *lo, double *hi)
{
	struct kb_rng rng;
	double *scratch, *values;

	if (n == 0 || resamples == 0)
		return kb_error(KB_EINVAL, "bootstrap needs samples and resamples");
	if (!stat)
		stat = stat_median;
	scratch = malloc(n * sizeof(*scratch));
	values = malloc(resamples * sizeof(*values));
	if (!scratch || !values) {
		free(scratch);
		free(values);
		return kb_error(KB_ENOMEM, "out of memory in bootstrap");
	}
	kb_rng_seed(&rng, seed);
	for (size_t r = 0; r < resamples; r++) {
		resample(&rng, x, n, scratch);
		values[r] = stat(scratch, n, ctx);
	}
	qsort(values, resamples, sizeof(*values), kb_stats_cmp_double);
	*lo = kb_stats_quantile_sorted(values, resamples, (1 - level) / 2);
	*hi = kb_stats_quantile_sorted(values, resamples, 1 - (1 - level) / 2);
	free(scratch);
	free(values);
	return 0;
}

/*
 * One side of the ratio bootstrap.  A resample's median depends only on how
 * often each sample was drawn, so the draws are counted per rank in the
 * sorted samples and the middle order statistics read off the counts: O(n)
 * per resample with no data-dependent branches, against a sort (or a
 * selection over a copied resample).  The draws themselves are the ones
 * resample() makes, in the same order, so the seeded interval is unchanged.
 */
struct boot_side {
	const double *x;
	size_t n;
	double *sorted;    /* x sorted */
	uint32_t *rank;    /* rank[i]: the position of x[i] in sorted */
	uint32_t *count;   /* draws per rank in the current resample */
};

struct value_index {
	double v;
	uint32_t i;
};

static int cmp_value_index(const void *a, const void *b)
{
	return kb_stats_cmp_double(&((const struct value_index *)a)->v, &((const struct value_index *)b)->v);
}

static void boot_side_free(struct boot_side *s)
{
	free(s->sorted);
	free(s->rank);
	free(s->count);
}

static int boot_side_init(struct boot_side *s, const double *x, size_t n)
{
	struct value_index *vi;

	memset(s, 0, sizeof(*s));
	s->x = x;
	s->n = n;
	if (n > UINT32_MAX)
		return kb_error(KB_EINVAL, "bootstrap: %zu samples is too many", n);
	vi = malloc(n * sizeof(*vi));
	s->sorted = malloc(n * sizeof(*s->sorted));
	s->rank = malloc(n * sizeof(*s->rank));
	s->count = malloc(n * sizeof(*s->count));
	if (!vi || !s->sorted || !s->rank || !s->count) {
		free(vi);
		boot_side_free(s);
		return kb_error(KB_ENOMEM, "out of memory in bootstrap");
	}
	for (size_t i = 0; i < n; i++)
		vi[i] = (struct value_index){ x[i], (uint32_t)i };
	/* equal values may land in either order: their ranks hold one value */
	qsort(vi, n, sizeof(*vi), cmp_value_index);
	for (size_t r = 0; r < n; r++) {
		s->sorted[r] = vi[r].v;
		s->rank[vi[r].i] = (uint32_t)r;
	}
	free(vi);
	return 0;
}

/* The median of one resample of s, drawn from rng. */
static double boot_median(struct kb_rng *rng, struct boot_side *s)
{
	size_t n = s->n, k = (n - 1) / 2, below = 0, i = 0;
	struct kb_rng g = *rng; /* in registers through the loop */
	double lo;

	memset(s->count, 0, n * sizeof(*s->count));
	for (size_t d = 0; d < n; d++)
		s->count[s->rank[rng_below(&g, n)]]++;
	*rng = g;
	/* x_(k) is at the rank where the draws counted so far pass k */
	while (below + s->count[i] <= k)
		below += s->count[i++];
	lo = s->sorted[i];
	if (n < 2)
		return lo;
	/* x_(k+1): the same rank when drawn again, else the next drawn one */
	if (below + s->count[i] <= k + 1)
		while (!s->count[++i])
			;
	return median_of(lo, s->sorted[i], n);
}

int kb_stats_bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
				size_t resamples, double level, uint64_t seed,
				double *ratio, double *lo, double *hi)
{
	struct boot_side sa, sb;
	struct kb_rng rng;
	double *values, ma, mb;
	int rc;

	if (na == 0 || nb == 0 || resamples == 0)
		return kb_error(KB_EINVAL, "bootstrap ratio needs samples on both sides");
	if ((rc = boot_side_init(&sa, a, na)))
		return rc;
	if ((rc = boot_side_init(&sb, b, nb))) {
		boot_side_free(&sa);
		return rc;
	}
	ma = kb_stats_quantile_sorted(sa.sorted, na, 0.5);
	mb = kb_stats_quantile_sorted(sb.sorted, nb, 0.5);
	values = ma > 0 && mb > 0 ? malloc(resamples * sizeof(*values)) : NULL;
	if (!values) {
		boot_side_free(&sa);
		boot_side_free(&sb);
		if (!(ma > 0) || !(mb > 0))
			return kb_error(KB_EINVAL, "bootstrap ratio needs positive medians");
		return kb_error(KB_ENOMEM, "out of memory in bootstrap");
	}
	*ratio = mb / ma;
	kb_rng_seed(&rng, seed);
	for (size_t r = 0; r < resamples; r++) {
		double ra = boot_median(&rng, &sa); /* a's draws first, as always */

		values[r] = boot_median(&rng, &sb) / ra;
	}
	qsort(values, resamples, sizeof(*values), kb_stats_cmp_double);
	*lo = kb_stats_quantile_sorted(values, resamples, (1 - level) / 2);
	*hi = kb_stats_quantile_sorted(values, resamples, 1 - (1 - level) / 2);
	boot_side_free(&sa);
	boot_side_free(&sb);
	free(values);
	return 0;
}

/* ---- tests and distributions -------------------------------------------- */

double kb_stats_norm_cdf(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

double kb_stats_norm_quantile(double p)
{
	/* Acklam's rational approximation, refined by one Halley step. */
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00,  2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	double q, r, x, e, u;

	if (!(p > 0 && p < 1))
		return p <= 0 ? -INFINITY : INFINITY;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p > 1 - 0.02425) {
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	}
	e = kb_stats_norm_cdf(x) - p;
	u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

struct ranked {
	double v;
	int group;
};

static int cmp_ranked(const void *a, const void *b)
{
	return kb_stats_cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

/* One-sided p of a group's U: normal approximation with the tie-corrected
 * variance and a continuity correction. */
static double mann_whitney_p(double u, double mean, double var)
{
	if (var <= 0)
		return u > mean ? 0 : 1;
	return 1 - kb_stats_norm_cdf((u - mean - 0.5) / sqrt(var));
}

int kb_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			  double *p_b_greater, double *p_a_greater)
{
	/*
	 * U of each group over the other from the average ranks of the pooled,
	 * sorted samples (ties share their average rank): O((na + nb) log).
	 * Rank sums are sums of halves below 2^53, so exact; both directions
	 * come from one sort and equal what two separate calls would give.
	 */
	size_t n = na + nb;
	struct ranked *all;
	double rank_sum_a = 0, rank_sum_b = 0, tie_term = 0, mean, var;

	*p_b_greater = *p_a_greater = NAN;
	if (na == 0 || nb == 0)
		return kb_error(KB_EINVAL, "Mann-Whitney needs samples on both sides");
	all = malloc(n * sizeof(*all));
	if (!all)
		return kb_error(KB_ENOMEM, "out of memory in Mann-Whitney");
	for (size_t i = 0; i < na; i++)
		all[i] = (struct ranked){ a[i], 0 };
	for (size_t i = 0; i < nb; i++)
		all[na + i] = (struct ranked){ b[i], 1 };
	qsort(all, n, sizeof(*all), cmp_ranked);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double avg;

		while (j < n && all[j].v == all[i].v)
			j++;
		avg = ((double)i + 1 + (double)j) / 2;
		for (size_t k = i; k < j; k++) {
			if (all[k].group)
				rank_sum_b += avg;
			else
				rank_sum_a += avg;
		}
		tie_term += pow((double)(j - i), 3) - (double)(j - i);
		i = j;
	}
	free(all);
	mean = (double)na * (double)nb / 2;
	var = (double)na * (double)nb / 12 *
	      (((double)n + 1) - tie_term / ((double)n * ((double)n - 1)));
	*p_b_greater = mann_whitney_p(rank_sum_b - (double)nb * ((double)nb + 1) / 2, mean, var);
	*p_a_greater = mann_whitney_p(rank_sum_a - (double)na * ((double)na + 1) / 2, mean, var);
	return 0;
}

double kb_stats_mann_whitney_greater(const double *a, size_t na, const double *b, size_t nb)
{
	double p_b, p_a;

	if (na == 0 || nb == 0)
		return NAN;
	if (kb_stats_mann_whitney(a, na, b, nb, &p_b, &p_a))
		return NAN;
	return p_b;
}

struct p_index {
	double p;
	size_t i;
};

static int cmp_p_index(const void *a, const void *b)
{
	return kb_stats_cmp_double(&((const struct p_index *)a)->p, &((const struct p_index *)b)->p);
}

int kb_stats_holm(const double *p, size_t n, double *adjusted)
{
	struct p_index *v;
	double running = 0;

	if (n == 0)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return kb_error(KB_ENOMEM, "out of memory in Holm adjustment");
	for (size_t i = 0; i < n; i++)
		v[i] = (struct p_index){ isnan(p[i]) ? 1.0 : p[i], i };
	qsort(v, n, sizeof(*v), cmp_p_index);
	for (size_t k = 0; k < n; k++) {
		double adj = (double)(n - k) * v[k].p;
		if (adj > 1)
			adj = 1;
		if (adj < running)
			adj = running;
		running = adj;
		adjusted[v[k].i] = adj;
	}
	free(v);
	return 0;
}

/* ==== paired A/B statistics (kbench-ab) ====================================
 * Sign-test and Wilcoxon signed-rank inversions; see stats.h.  Sources:
 * Conover, "Practical Nonparametric Statistics" (3rd ed.), 3.6 and 5.7;
 * Hollander & Wolfe, "Nonparametric Statistical Methods", 3.2.
 */

size_t kb_stats_sign_bound_rank(size_t n, double alpha)
{
	struct binom_walk w;
	size_t k = 0;

	/* P(X <= k) for k = 0, 1, ... grows; keep the last k+1 with P <= alpha */
	binom_walk_start(&w, n);
	while (k < n && binom_walk_cdf(&w, k) <= alpha)
		k++;
	return k;
}

/* Exact table limit: the DP costs n * n(n+1)/2 steps. */
#define KB__SIGNED_RANK_EXACT_MAX 200

/* p[s] = P(W+ == s) for n ranks, s = 0..n(n+1)/2: malloc'ed, NULL on ENOMEM. */
static double *signed_rank_pmf(size_t n)
{
	size_t total = n * (n + 1) / 2, max = 0;
	double *p = calloc(total + 1, sizeof(*p));

	if (!p)
		return NULL;
	/* grown one rank i at a time */
	p[0] = 1;
	for (size_t i = 1; i <= n; i++) {
		max += i;
		for (size_t s = max; s >= i; s--)
			p[s] = (p[s] + p[s - i]) / 2;
		for (size_t s = i; s-- > 0;)
			p[s] /= 2;
	}
	return p;
}

double kb_stats_signed_rank_cdf(size_t n, size_t k)
{
	size_t total = n * (n + 1) / 2;
	double *p, sum = 0;

	if (k >= total)
		return 1.0;
	if (n > KB__SIGNED_RANK_EXACT_MAX) {
		double mean = (double)total / 2;
		double sd = sqrt((double)n * (double)(n + 1) * (double)(2 * n + 1) / 24);
		return kb_stats_norm_cdf(((double)k + 0.5 - mean) / sd);
	}
	p = signed_rank_pmf(n);
	if (!p)
		return NAN;
	for (size_t s = 0; s <= k; s++)
		sum += p[s];
	free(p);
	return sum > 1 ? 1 : sum;
}

size_t kb_stats_signed_rank_bound_rank(size_t n, double alpha)
{
	size_t total = n * (n + 1) / 2, lo = 0, hi = total;

	if (n == 0 || kb_stats_signed_rank_cdf(n, 0) > alpha)
		return 0;
	if (n <= KB__SIGNED_RANK_EXACT_MAX) {
		/* the exact distribution once, summed in the order the CDF sums
		 * it (the same figures as bisecting on kb_stats_signed_rank_cdf) */
		double *p = signed_rank_pmf(n), sum = 0;

		if (!p)
			return 0;
		for (size_t k = 0; k < total; k++) {
			sum += p[k];
			if ((sum > 1 ? 1 : sum) > alpha)
				break;
			lo = k;
		}
		free(p);
		return lo + 1;
	}
	/* largest k with P(W+ <= k-1) <= alpha: bisect on the monotone CDF */
	while (lo + 1 < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (kb_stats_signed_rank_cdf(n, mid) <= alpha)
			lo = mid;
		else
			hi = mid;
	}
	return lo + 1;
}

static int paired_check(const double *x, size_t n, double alpha, const char *what)
{
	if (n == 0)
		return kb_error(KB_EINVAL, "%s: no data", what);
	if (!(alpha > 0 && alpha < 0.5))
		return kb_error(KB_EINVAL, "%s: alpha %g is not in (0, 0.5)", what, alpha);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return kb_error(KB_EINVAL, "%s: value %zu is not finite", what, i);
	return 0;
}

int kb_stats_median_bounds(const double *x, size_t n, double alpha, double *median,
			   double *lower, double *upper)
{
	double *s;
	size_t k;
	int rc;

	if ((rc = paired_check(x, n, alpha, "median bounds")))
		return rc;
	s = kb_stats_sorted_copy(x, n);
	if (!s)
		return kb_error(KB_ENOMEM, "out of memory in median bounds");
	k = kb_stats_sign_bound_rank(n, alpha);
	*median = kb_stats_quantile_sorted(s, n, 0.5);
	*lower = k ? s[k - 1] : -INFINITY;
	*upper = k ? s[n - k] : INFINITY;
	free(s);
	return 0;
}

int kb_stats_hodges_lehmann(const double *x, size_t n, double alpha, double *estimate,
			    double *lower, double *upper)
{
	size_t total = n * (n + 1) / 2, m = 0, k;
	double *w;
	int rc;

	if ((rc = paired_check(x, n, alpha, "Hodges-Lehmann")))
		return rc;
	if (n > 20000)
		return kb_error(KB_EINVAL, "Hodges-Lehmann: %zu values is too many (at most 20000)", n);
	w = malloc(total * sizeof(*w));
	if (!w)
		return kb_error(KB_ENOMEM, "out of memory in Hodges-Lehmann");
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			w[m++] = (x[i] + x[j]) / 2;
	qsort(w, total, sizeof(*w), kb_stats_cmp_double);
	k = kb_stats_signed_rank_bound_rank(n, alpha);
	*estimate = kb_stats_quantile_sorted(w, total, 0.5);
	*lower = k ? w[k - 1] : -INFINITY;
	*upper = k ? w[total - k] : INFINITY;
	free(w);
	return 0;
}
