/*
 * kbench-ab: the paired statistics (stats.h, "paired A/B" block), the
 * decision rule and the two-stage procedure (ab.h) driven by a fake backend
 * with synthetic rounds, so every outcome is deterministic.
 *
 * Expected values were computed independently in Python 3.11 by full
 * enumeration: the signed-rank CDF by counting the subsets of {1..n} with
 * sum <= k (itertools.combinations), the binomial CDF with math.comb, the
 * Walsh averages and their order statistics with sorted(); the same numbers
 * are what R's psignrank/pbinom and wilcox.test(conf.int = TRUE) give.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ab.h"
#include "error.h"
#include "stats.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* ---- stats: sign test ------------------------------------------------------ */

static void sign_bound_rank(void **st)
{
	(void)st;
	/* P(Bin(10,.5) <= 1) = 11/1024 = 0.0107 <= .05 < P(<= 2) = 56/1024 */
	assert_int_equal(kb_stats_sign_bound_rank(10, 0.05), 2);
	/* P(Bin(20,.5) <= 4) = 0.005909 <= .01 < P(<= 5) = 0.020695 */
	assert_int_equal(kb_stats_sign_bound_rank(20, 0.01), 5);
	/* 2^-6 = 0.0156 > .01: no bound; 2^-7 = 0.0078: the minimum */
	assert_int_equal(kb_stats_sign_bound_rank(6, 0.01), 0);
	assert_int_equal(kb_stats_sign_bound_rank(7, 0.01), 1);
	assert_int_equal(kb_stats_sign_bound_rank(1, 0.4), 0);
	assert_int_equal(kb_stats_sign_bound_rank(0, 0.1), 0);
}

static const double d12[] = { 0.051, 0.047, 0.062, 0.039, 0.055, 0.071,
			      0.044, 0.058, 0.049, 0.053, 0.060, 0.041 };

static void median_bounds_known(void **st)
{
	double m, lo, hi;
	(void)st;
	/* n = 12, alpha .05: k = 3 (P(<= 2) = 79/4096 = 0.0193, P(<= 3) = 0.073);
	 * sorted: .039 .041 .044 ... .060 .062 .071 */
	assert_int_equal(kb_stats_median_bounds(d12, 12, 0.05, &m, &lo, &hi), 0);
	NEAR(m, 0.052, 1e-15);
	NEAR(lo, 0.044, 0);
	NEAR(hi, 0.060, 0);
}

static void median_bounds_small_and_bad(void **st)
{
	double x[] = { 0.02 }, nanx[] = { 0.01, NAN, 0.02 }, m, lo, hi;
	(void)st;
	assert_int_equal(kb_stats_median_bounds(x, 1, 0.1, &m, &lo, &hi), 0);
	NEAR(m, 0.02, 0);
	assert_true(isinf(lo) && lo < 0);
	assert_true(isinf(hi) && hi > 0);
	assert_int_equal(kb_stats_median_bounds(x, 0, 0.1, &m, &lo, &hi), -KB_EINVAL);
	assert_int_equal(kb_stats_median_bounds(nanx, 3, 0.1, &m, &lo, &hi), -KB_EINVAL);
	assert_int_equal(kb_stats_median_bounds(x, 1, 0.6, &m, &lo, &hi), -KB_EINVAL);
	assert_int_equal(kb_stats_median_bounds(x, 1, 0, &m, &lo, &hi), -KB_EINVAL);
}

/* ---- stats: signed rank and Hodges-Lehmann ----------------------------------- */

static void signed_rank_cdf_exact(void **st)
{
	(void)st;
	NEAR(kb_stats_signed_rank_cdf(10, 8), 0.0244140625, 1e-15);  /* 25/1024 */
	NEAR(kb_stats_signed_rank_cdf(10, 10), 0.0419921875, 1e-15); /* 43/1024 */
	NEAR(kb_stats_signed_rank_cdf(10, 11), 0.052734375, 1e-15);  /* 54/1024 */
	NEAR(kb_stats_signed_rank_cdf(5, 3), 0.15625, 1e-15);        /* {},{1},{2},{3},{1,2} */
	NEAR(kb_stats_signed_rank_cdf(5, 0), 0.03125, 1e-15);
	NEAR(kb_stats_signed_rank_cdf(5, 15), 1.0, 0);
	NEAR(kb_stats_signed_rank_cdf(1, 0), 0.5, 0);
	/* symmetric about n(n+1)/4: P(W <= 27) = 1/2 + P(W = 27.5)... n = 10 has
	 * total 55, so P(W <= 27) = 1/2 exactly */
	NEAR(kb_stats_signed_rank_cdf(10, 27), 0.5, 1e-15);
}

static void signed_rank_cdf_normal(void **st)
{
	(void)st;
	/* n = 300 (normal approximation): P(W <= mean - 0.5) = 1/2 */
	NEAR(kb_stats_signed_rank_cdf(300, 300 * 301 / 4 - 1), 0.5, 2e-3);
	/* the exact and approximate branches agree near the switch (n = 200)
	 * to the accuracy of the approximation */
	{
		double exact = kb_stats_signed_rank_cdf(200, 7000);
		double sd = sqrt(200.0 * 201 * 401 / 24), approx = kb_stats_norm_cdf((7000.5 - 10050) / sd);
		NEAR(exact, approx, 2e-3);
	}
}

static void signed_rank_bound_rank(void **st)
{
	(void)st;
	assert_int_equal(kb_stats_signed_rank_bound_rank(10, 0.05), 11); /* R: qsignrank(.05, 10) */
	assert_int_equal(kb_stats_signed_rank_bound_rank(12, 0.01), 10); /* P(W <= 9) = .0046, P(<= 10) = .0061... */
	assert_int_equal(kb_stats_signed_rank_bound_rank(4, 0.05), 0);   /* 2^-4 = .0625 */
	assert_int_equal(kb_stats_signed_rank_bound_rank(5, 0.05), 1);   /* 2^-5 = .03125 */
}

static void hodges_lehmann_known(void **st)
{
	double x10[10], x3[] = { 1, 2, 4 }, e, lo, hi;
	(void)st;
	for (int i = 0; i < 10; i++)
		x10[i] = i + 1;
	/* 55 Walsh averages of 1..10: the 11th smallest is 3.5, the 11th largest 7.5 */
	assert_int_equal(kb_stats_hodges_lehmann(x10, 10, 0.05, &e, &lo, &hi), 0);
	NEAR(e, 5.5, 1e-15);
	NEAR(lo, 3.5, 0);
	NEAR(hi, 7.5, 0);
	/* Walsh averages 1, 1.5, 2, 2.5, 3, 4: median 2.25; n = 3, alpha .2: k = 1 */
	assert_int_equal(kb_stats_hodges_lehmann(x3, 3, 0.2, &e, &lo, &hi), 0);
	NEAR(e, 2.25, 1e-15);
	NEAR(lo, 1, 0);
	NEAR(hi, 4, 0);
	/* the 12 log-ratios, alpha .01: k = 10 among 78 Walsh averages */
	assert_int_equal(kb_stats_hodges_lehmann(d12, 12, 0.01, &e, &lo, &hi), 0);
	NEAR(e, 0.052, 1e-12);
	NEAR(lo, 0.045, 1e-12);
	NEAR(hi, 0.060, 1e-12);
}

static void hodges_lehmann_ties_and_bad(void **st)
{
	double same[8], e, lo, hi, inf[] = { 1, INFINITY };
	(void)st;
	for (int i = 0; i < 8; i++)
		same[i] = 0.03;
	assert_int_equal(kb_stats_hodges_lehmann(same, 8, 0.01, &e, &lo, &hi), 0);
	NEAR(e, 0.03, 0);
	NEAR(lo, 0.03, 0);
	NEAR(hi, 0.03, 0);
	assert_int_equal(kb_stats_hodges_lehmann(same, 2, 0.1, &e, &lo, &hi), 0);
	assert_true(isinf(lo) && isinf(hi)); /* 2^-2 > .1 */
	assert_int_equal(kb_stats_hodges_lehmann(inf, 2, 0.1, &e, &lo, &hi), -KB_EINVAL);
	assert_int_equal(kb_stats_hodges_lehmann(same, 0, 0.1, &e, &lo, &hi), -KB_EINVAL);
}

/* ---- the decision rule -------------------------------------------------------- */

static struct kb_ab_interval iv_pct(double est, double lo, double hi)
{
	struct kb_ab_interval iv = { .n = 20, .alpha = 0.05 };

	iv.estimate = log1p(est / 100);
	iv.low = isfinite(lo) ? log1p(lo / 100) : lo;
	iv.high = isfinite(hi) ? log1p(hi / 100) : hi;
	return iv;
}

static void classify_rule(void **st)
{
	struct kb_ab_interval iv;
	(void)st;
	iv = iv_pct(6.1, 3.2, 9.0);
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_SLOWER);
	iv = iv_pct(6.1, 0.5, 9.0); /* bound not above the floor */
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_UNDECIDED);
	iv = iv_pct(4.0, 2.0, 7.0); /* clearly slower, but maybe beyond the threshold */
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_UNDECIDED);
	iv = iv_pct(4.0, 2.0, 4.9); /* slower, but surely less than the threshold */
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_UNCHANGED);
	iv = iv_pct(0.1, -0.8, 0.9);
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_UNCHANGED);
	iv = iv_pct(-6.0, -9.0, -3.0); /* improved, symmetric in log units */
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_FASTER);
	iv = iv_pct(-6.0, -9.0, -0.5);
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_UNDECIDED);
	iv = iv_pct(8.0, -INFINITY, INFINITY); /* too few rounds for a bound */
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_UNDECIDED);
	/* at exactly the threshold the estimate is not above it */
	iv = iv_pct(5.0, 3.0, 7.0);
	iv.estimate = log1p(0.05);
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_UNDECIDED);
	iv.n = 0;
	assert_int_equal(kb_ab_classify(&iv, 0.05, 0.01), KB_AB_UNDECIDED);
}

static void levels_and_stein(void **st)
{
	double a50 = sqrt(0.01 / 50), h = log(1.05) - log(1.01);
	(void)st;
	/* a = sqrt(alpha / K) with confirmation, alpha / K without */
	NEAR(kb_ab_stage_alpha(0.01, 1, true), 0.1, 1e-15);
	NEAR(kb_ab_stage_alpha(0.01, 50, true), 0.0141421356237, 1e-12);
	NEAR(kb_ab_stage_alpha(0.01, 50, false), 0.0002, 1e-15);
	NEAR(kb_ab_stage_alpha(0.01, 0, true), 0.1, 1e-15);
	/* 2^-n <= a */
	assert_int_equal(kb_ab_rounds_needed(0.1), 4);
	assert_int_equal(kb_ab_rounds_needed(0.0141421356), 7);
	assert_int_equal(kb_ab_rounds_needed(0.0002), 13);
	assert_int_equal(kb_ab_rounds_needed(0.5), 1);
	/* the confirmation's half-width: threshold minus floor, or --target-ci */
	NEAR(kb_ab_half_width(0.05, 0.01, 0), h, 1e-15);
	NEAR(kb_ab_half_width(0.05, 0.01, 0.02), log(1.02), 1e-15);
	/* Stein: ceil((t_{1-a, n0-1} s0 / h)^2 pi / 3), at least n_min.  The t
	 * quantiles from mpmath (betainc, 30 digits): t_{1-0.0141421, 9} =
	 * 2.60970857, so (2.60970857 * 0.05 / h)^2 pi / 3 = 11.819 -> 12;
	 * t_{1-0.0141421, 6} = 2.87385002 gives 220.55 -> 221 */
	assert_int_equal(kb_ab_stein_rounds(0.05, 10, a50, h, 10), 12);
	assert_int_equal(kb_ab_stein_rounds(0.05, 10, a50, h, 13), 13);
	assert_int_equal(kb_ab_stein_rounds(0.02, 10, a50, h, 10), 10); /* 1.89: n_min */
	assert_int_equal(kb_ab_stein_rounds(0.1, 7, a50, log(1.02), 7), 221);
	assert_int_equal(kb_ab_stein_rounds(0, 10, a50, h, 10), 10);
	/* no spread to go on, or no half-width to aim at: as long as allowed */
	assert_int_equal(kb_ab_stein_rounds(0.05, 1, a50, h, 10), 1000000);
	assert_int_equal(kb_ab_stein_rounds(NAN, 10, a50, h, 10), 1000000);
	assert_int_equal(kb_ab_stein_rounds(0.05, 10, a50, 0, 10), 1000000);
}

static void filter_regex(void **st)
{
	const char *ids[] = { "a/b.c", "x+y/1", "m(2)" };
	char *re;
	(void)st;
	re = kb_ab_filter_regex(ids, 3);
	assert_non_null(re);
	assert_string_equal(re, "^(a/b\\.c|x\\+y/1|m\\(2\\))$");
	free(re);
}

static void names(void **st)
{
	(void)st;
	assert_int_equal(kb_ab_estimator_parse("hl"), KB_AB_HODGES_LEHMANN);
	assert_int_equal(kb_ab_estimator_parse("median"), KB_AB_MEDIAN);
	assert_int_equal(kb_ab_estimator_parse("mean"), -1);
	assert_string_equal(kb_ab_flag_name(KB_AB_SLOWER), "slower");
	assert_string_equal(kb_ab_stop_name(KB_AB_STOP_TIME), "time-cap");
}

/* ---- the procedure, with a fake backend ---------------------------------------- */

#define FAKE_MAX 8

struct fake {
	const char *ids[2][FAKE_MAX]; /* per arm */
	size_t nids[2];
	double effect[FAKE_MAX];      /* true ln(new/old) per benchmark */
	int transient_rounds;         /* effect only in the first N process pairs (0: always) */
	double sd;                    /* lognormal noise per process median */
	double spike_p;               /* probability of a +30 % spike in one process */
	int error_arm, error_bench;   /* -1: none */
	double clock, step_s;         /* fake time, advanced per process */
	size_t runs;                  /* processes started */
	size_t pad[2 * 64];           /* env_pad each process was started with */
	struct kb_rng rng;
};

static double gauss(struct kb_rng *rng)
{
	double u1 = kb_rng_uniform(rng), u2 = kb_rng_uniform(rng);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static int fake_list(void *ctx, const struct kb_ab_options *opt, int arm, const char *binary,
		     char ***ids, size_t *n)
{
	struct fake *f = ctx;
	char **v = calloc(FAKE_MAX, sizeof(*v));

	(void)opt;
	(void)binary;
	for (size_t i = 0; i < f->nids[arm]; i++)
		v[i] = strdup(f->ids[arm][i]);
	*ids = v;
	*n = f->nids[arm];
	return 0;
}

static int bench_index(const struct fake *f, const char *id)
{
	for (size_t i = 0; i < f->nids[0]; i++)
		if (!strcmp(f->ids[0][i], id))
			return (int)i;
	return -1;
}

static int fake_run(void *ctx, const struct kb_ab_options *opt, const struct kb_ab_child *c,
		    struct kb_run *out)
{
	struct fake *f = ctx;
	/* one shared offset per process (its layout, its neighbours) */
	double shared = f->sd * gauss(&f->rng);
	size_t pair = f->runs / 2;

	(void)opt;
	if (f->runs < sizeof(f->pad) / sizeof(f->pad[0]))
		f->pad[f->runs] = c->env_pad;
	f->runs++;
	f->clock += f->step_s;
	memset(out, 0, sizeof(*out));
	out->schema_version = KB_SCHEMA_VERSION;
	out->results = calloc(c->nids, sizeof(*out->results));
	out->nresults = c->nids;
	for (size_t i = 0; i < c->nids; i++) {
		struct kb_result *r = &out->results[i];
		int b = bench_index(f, c->ids[i]);
		double ln = log(1000.0 * (b + 1)) + shared + 0.5 * f->sd * gauss(&f->rng);

		if (c->arm == 1 && (f->transient_rounds == 0 || pair < (size_t)f->transient_rounds))
			ln += f->effect[b];
		if (kb_rng_uniform(&f->rng) < f->spike_p)
			ln += log(1.3);
		r->id = strdup(c->ids[i]);
		r->status = KB_STATUS_OK;
		r->summary.median = exp(ln);
		if (b == f->error_bench && c->arm == f->error_arm) {
			r->status = KB_STATUS_ERROR;
			r->message = strdup("validation failed: max error 3e-2");
		}
	}
	return 0;
}

static double fake_now(void *ctx)
{
	return ((struct fake *)ctx)->clock;
}

static void fake_init(struct fake *f, size_t n, double sd, uint64_t seed)
{
	static const char *const names[FAKE_MAX] = { "s/a/1", "s/a/2", "s/b/1", "s/b/2",
						     "s/c/1", "s/c/2", "s/d/1", "s/d/2" };

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++)
		f->ids[0][i] = f->ids[1][i] = names[i];
	f->nids[0] = f->nids[1] = n;
	f->sd = sd;
	f->error_arm = f->error_bench = -1;
	f->step_s = 0.1;
	kb_rng_seed(&f->rng, seed);
}

static struct kb_ab_backend fake_backend(struct fake *f)
{
	return (struct kb_ab_backend){ .list = fake_list, .run = fake_run, .now_s = fake_now, .ctx = f };
}

static void opts(struct kb_ab_options *o, const struct kb_ab_backend *be)
{
	kb_ab_options_init(o);
	o->backend = be;
	o->cpu = "0";
}

/* One benchmark, s/a/1, with a true change `effect` (log) in noise `sd`:
 * f, be and o ready for the caller to adjust before kb_ab_run. */
static void single(struct fake *f, struct kb_ab_backend *be, struct kb_ab_options *o, double sd,
		   uint64_t seed, double effect)
{
	fake_init(f, 1, sd, seed);
	f->effect[0] = effect;
	*be = fake_backend(f);
	opts(o, be);
}

static const struct kb_ab_bench *find(const struct kb_ab *ab, const char *id)
{
	for (size_t i = 0; i < ab->nbenches; i++)
		if (!strcmp(ab->benches[i].id, id))
			return &ab->benches[i];
	fail_msg("no benchmark %s", id);
	return NULL;
}

static void aa_all_unchanged(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	(void)st;
	fake_init(&f, 6, 0.01, 7);
	f.spike_p = 0.05;
	be = fake_backend(&f);
	opts(&o, &be);
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	assert_int_equal(ab.nbenches, 6);
	assert_int_equal(ab.counts[KB_VERDICT_REGRESSED], 0);
	assert_int_equal(ab.counts[KB_VERDICT_IMPROVED], 0);
	assert_int_equal(kb_ab_exit_status(&ab), 0);
	NEAR(ab.stage_alpha, sqrt(0.01 / 6), 1e-12);
	for (size_t i = 0; i < ab.nbenches; i++) {
		const struct kb_ab_bench *b = &ab.benches[i];

		assert_true(b->nrounds >= 20 && b->nrounds <= 20 + 40);
		assert_true(b->ci_low <= b->ratio && b->ratio <= b->ci_high);
		assert_true(b->ci_low < 1.01 && b->ci_high > 0.99);
	}
	/* every process pair is recorded, with its order and padding: both
	 * processes of a pair get the recorded padding, and it varies from
	 * pair to pair (the point: a different stack and environment layout
	 * per process pair, not one fixed offset) */
	assert_int_equal(f.runs, 2 * ab.npairs);
	assert_true(ab.npairs <= sizeof(f.pad) / sizeof(f.pad[0]) / 2);
	{
		size_t distinct = 0;

		for (size_t i = 0; i < ab.npairs; i++) {
			bool seen = false;

			assert_true(ab.pairs[i].env_pad < 4096);
			assert_int_equal(f.pad[2 * i], ab.pairs[i].env_pad);
			assert_int_equal(f.pad[2 * i + 1], ab.pairs[i].env_pad);
			for (size_t j = 0; j < i; j++)
				seen |= ab.pairs[j].env_pad == ab.pairs[i].env_pad;
			distinct += !seen;
		}
		/* 4096 values drawn >= 10 times: all equal has odds 4096^-9 */
		assert_true(distinct >= ab.npairs / 2 && distinct >= 2);
	}
	kb_ab_release(&ab);
}

static void injected_regression_confirmed(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	const struct kb_ab_bench *b;
	(void)st;
	fake_init(&f, 4, 0.02, 11);
	f.effect[2] = log(1.10); /* s/b/1 is 10 % slower */
	be = fake_backend(&f);
	opts(&o, &be);
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	b = find(&ab, "s/b/1");
	assert_int_equal(b->verdict, KB_VERDICT_REGRESSED);
	assert_true(b->failure);
	assert_int_equal(b->flag[0], KB_AB_SLOWER);
	assert_int_equal(b->flag[1], KB_AB_SLOWER);
	/* a screen of exactly its fixed length, then a confirmation of the
	 * length Stein's rule fixed from the screen's spread */
	assert_int_equal(b->stage[0].n, ab.screen_rounds);
	assert_int_equal(b->stop[0], KB_AB_STOP_PLANNED);
	assert_true(b->screen_sd > 0);
	assert_int_equal(b->stein_rounds, kb_ab_stein_rounds(b->screen_sd, ab.screen_rounds,
							     ab.stage_alpha, ab.half_width,
							     ab.screen_rounds));
	assert_int_equal(b->planned[1], b->stein_rounds < ab.opt.max_rounds ? b->stein_rounds
									    : ab.opt.max_rounds);
	assert_int_equal(b->stage[1].n, b->planned[1]); /* confirmed on fresh rounds */
	assert_int_equal(b->stop[1], KB_AB_STOP_PLANNED);
	assert_int_equal(b->nrounds, b->stage[0].n + b->stage[1].n);
	assert_true(b->ci_low > 1.05 && b->ci_high < 1.15);
	NEAR(b->ratio, 1.10, 0.02);
	/* the reported change is the confirmation's own, not pooled */
	NEAR(b->ratio, exp(b->stage[1].estimate), 1e-12);
	NEAR(b->ci_low, exp(b->stage[1].low), 1e-12);
	NEAR(b->ci_high, exp(b->stage[1].high), 1e-12);
	/* screen rounds come first, confirmation rounds after, never shared */
	assert_int_equal(b->rounds[0].stage, 1);
	assert_int_equal(b->rounds[b->nrounds - 1].stage, 2);
	assert_int_equal(ab.counts[KB_VERDICT_REGRESSED], 1);
	assert_int_equal(ab.counts[KB_VERDICT_UNCHANGED], 3);
	assert_int_equal(kb_ab_exit_status(&ab), 1);
	kb_ab_release(&ab);
}

static void improvement_is_symmetric(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	(void)st;
	fake_init(&f, 2, 0.02, 13);
	f.effect[0] = log(0.9);
	be = fake_backend(&f);
	opts(&o, &be);
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	assert_int_equal(find(&ab, "s/a/1")->verdict, KB_VERDICT_IMPROVED);
	assert_false(find(&ab, "s/a/1")->failure);
	assert_int_equal(find(&ab, "s/a/2")->verdict, KB_VERDICT_UNCHANGED);
	assert_int_equal(kb_ab_exit_status(&ab), 0);
	kb_ab_release(&ab);
}

static void below_threshold_not_regressed(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	const struct kb_ab_bench *b;
	(void)st;
	/* a real +2.5 % with little noise: clearly slower, but below 5 % */
	fake_init(&f, 1, 0.005, 17);
	f.effect[0] = log(1.025);
	be = fake_backend(&f);
	opts(&o, &be);
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	b = find(&ab, "s/a/1");
	assert_int_equal(b->verdict, KB_VERDICT_UNCHANGED);
	assert_true(b->ci_low > 1.01); /* the interval shows the change */
	assert_int_equal(kb_ab_exit_status(&ab), 0);
	kb_ab_release(&ab);
}

static void transient_flag_not_confirmed(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	const struct kb_ab_bench *b;
	(void)st;
	/* NEW is slow only while the screen runs (a noisy neighbour that left) */
	fake_init(&f, 1, 0.005, 19);
	f.effect[0] = log(1.10);
	f.transient_rounds = 20;
	be = fake_backend(&f);
	opts(&o, &be);
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	b = find(&ab, "s/a/1");
	assert_int_equal(b->flag[0], KB_AB_SLOWER);
	assert_int_equal(b->flag[1], KB_AB_UNCHANGED);
	assert_int_equal(b->verdict, KB_VERDICT_UNCHANGED);
	assert_non_null(b->note);
	assert_non_null(strstr(b->note, "not on"));
	assert_int_equal(kb_ab_exit_status(&ab), 0);
	kb_ab_release(&ab);
}

static void no_confirm_single_stage(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	const struct kb_ab_bench *b;
	(void)st;
	fake_init(&f, 2, 0.01, 23);
	f.effect[1] = log(1.10);
	be = fake_backend(&f);
	opts(&o, &be);
	o.confirm = false;
	o.estimator = KB_AB_MEDIAN;
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	NEAR(ab.stage_alpha, 0.005, 1e-15);
	assert_int_equal(ab.screen_rounds, 20); /* 2^-8 <= .005 already */
	b = find(&ab, "s/a/2");
	assert_int_equal(b->verdict, KB_VERDICT_REGRESSED);
	assert_int_equal(b->stage[1].n, 0);
	assert_int_equal(kb_ab_exit_status(&ab), 1);
	kb_ab_release(&ab);
}

static void time_cap_inconclusive(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	const struct kb_ab_bench *b;
	(void)st;
	/* 1 s per process, 6 s cap: three rounds, no bound yet */
	fake_init(&f, 1, 0.05, 29);
	f.effect[0] = log(1.10);
	f.step_s = 1;
	be = fake_backend(&f);
	opts(&o, &be);
	o.max_time_s = 6;
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	assert_true(ab.time_capped);
	b = find(&ab, "s/a/1");
	assert_int_equal(b->verdict, KB_VERDICT_INCONCLUSIVE);
	assert_int_equal(b->stop[0], KB_AB_STOP_TIME);
	assert_true(b->nrounds >= 2 && b->nrounds <= 3);
	assert_int_equal(kb_ab_exit_status(&ab), 0);
	assert_non_null(strstr(b->note, "max-time"));
	kb_ab_release(&ab);
}

static void confirmation_cut_by_time(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	const struct kb_ab_bench *b;
	(void)st;
	/* 1 s per process: the 20-round screen takes 40 s, the cap at 50 s
	 * leaves the confirmation 5 of its planned rounds, and the note says so */
	single(&f, &be, &o, 0.02, 43, log(1.10));
	f.step_s = 1;
	o.max_time_s = 50;
	o.target_ci = 0.01; /* a long confirmation: (t s0 / ln 1.01)^2 */
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	assert_true(ab.time_capped);
	b = find(&ab, "s/a/1");
	assert_int_equal(b->flag[0], KB_AB_SLOWER);
	assert_int_equal(b->stop[1], KB_AB_STOP_TIME);
	assert_true(b->planned[1] > b->stage[1].n);
	assert_true(b->stage[1].n >= 4 && b->stage[1].n <= 5);
	assert_non_null(b->note);
	{
		char want[96];

		snprintf(want, sizeof(want), "cut short by --max-time: %zu of %zu planned rounds",
			 b->stage[1].n, b->planned[1]);
		assert_non_null(strstr(b->note, want));
	}
	kb_ab_release(&ab);
}

static void stein_capped_by_max_rounds(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	const struct kb_ab_bench *b;
	(void)st;
	/* +60 % in 15 % noise: flagged, and Stein asks for more than 12 rounds */
	single(&f, &be, &o, 0.15, 47, log(1.6));
	o.screen_rounds = 10;
	o.max_rounds = 12;
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	b = find(&ab, "s/a/1");
	assert_int_equal(b->flag[0], KB_AB_SLOWER);
	assert_true(b->stein_rounds > 12);
	assert_int_equal(b->planned[1], 12);
	assert_int_equal(b->stage[1].n, 12);
	assert_non_null(strstr(b->note, "--max-rounds=12"));
	kb_ab_release(&ab);
}

static void noisy_undecided_after_screen(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	const struct kb_ab_bench *b;
	(void)st;
	/* 20 % noise: +5 % cannot be decided in a screen of 8 rounds */
	single(&f, &be, &o, 0.2, 31, log(1.05));
	o.screen_rounds = 8;
	o.max_rounds = 12;
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	b = find(&ab, "s/a/1");
	assert_int_equal(b->verdict, KB_VERDICT_INCONCLUSIVE);
	assert_int_equal(b->stop[0], KB_AB_STOP_PLANNED);
	assert_int_equal(b->nrounds, 8);
	assert_non_null(strstr(b->note, "after the screen's 8 rounds"));
	kb_ab_release(&ab);
}

static void error_in_new_is_failure(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	(void)st;
	fake_init(&f, 2, 0.01, 37);
	f.error_arm = 1;
	f.error_bench = 0;
	be = fake_backend(&f);
	opts(&o, &be);
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	assert_int_equal(find(&ab, "s/a/1")->verdict, KB_VERDICT_ERROR);
	assert_true(find(&ab, "s/a/1")->failure);
	assert_non_null(strstr(find(&ab, "s/a/1")->note, "NEW"));
	assert_int_equal(find(&ab, "s/a/2")->verdict, KB_VERDICT_UNCHANGED);
	assert_int_equal(kb_ab_exit_status(&ab), 1);
	kb_ab_release(&ab);

	fake_init(&f, 2, 0.01, 37);
	f.error_arm = 0;
	f.error_bench = 1;
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
	assert_int_equal(find(&ab, "s/a/2")->verdict, KB_VERDICT_ERROR);
	assert_false(find(&ab, "s/a/2")->failure);
	assert_int_equal(kb_ab_exit_status(&ab), 0);
	kb_ab_release(&ab);
}

static void lists_must_match(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	(void)st;
	fake_init(&f, 3, 0.01, 41);
	f.ids[1][2] = "s/z/9";
	be = fake_backend(&f);
	opts(&o, &be);
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), -KB_EMISMATCH);
	assert_non_null(strstr(kb_last_error(), "only in OLD: s/b/1"));
	assert_non_null(strstr(kb_last_error(), "only in NEW: s/z/9"));
	assert_int_equal(f.runs, 0); /* nothing was measured */
	kb_ab_release(&ab);

	fake_init(&f, 0, 0.01, 41);
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), -KB_ENOTFOUND);
	kb_ab_release(&ab);
}

static void bad_options(void **st)
{
	struct kb_ab_options o;
	struct kb_ab ab;
	struct kb_ab_env env = { 1, "NOEQUALS" };
	(void)st;
	kb_ab_options_init(&o);
	o.floor = 0.10; /* above the threshold */
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), -KB_EINVAL);
	kb_ab_release(&ab);
	kb_ab_options_init(&o);
	o.alpha = 0.7;
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), -KB_EINVAL);
	kb_ab_release(&ab);
	kb_ab_options_init(&o);
	o.env = &env;
	o.nenv = 1;
	assert_int_equal(kb_ab_run("old", "new", &o, &ab), -KB_EINVAL);
	kb_ab_release(&ab);
}

/*
 * The arithmetic of ab.h on synthetic A/A data: with threshold and floor
 * (almost) zero only the bounds decide, so each stage flags `slower` at
 * rate <= a and a confirmed `regressed` needs both: <= a^2 = alpha.  With
 * alpha = 0.05 and K = 1 (a = 0.22), 400 seeded A/A procedures must give
 * about 0.05 * 400 = 20 or fewer false regressions, and the screen alone
 * about 0.22 * 400 = 89 or fewer flags (heavy-tailed noise included).
 */
static void false_alarm_rate_aa(void **st)
{
	struct fake f;
	struct kb_ab_backend be;
	struct kb_ab_options o;
	struct kb_ab ab;
	size_t flagged = 0, regressed = 0, trials = 400;
	(void)st;
	for (size_t t = 0; t < trials; t++) {
		fake_init(&f, 1, 0.02, 1000 + t);
		f.spike_p = 0.1;
		be = fake_backend(&f);
		opts(&o, &be);
		o.alpha = 0.05;
		o.threshold = 1e-9;
		o.floor = 0;
		o.screen_rounds = o.max_rounds = 10;
		o.seed = t;
		assert_int_equal(kb_ab_run("old", "new", &o, &ab), 0);
		flagged += ab.benches[0].flag[0] == KB_AB_SLOWER;
		regressed += ab.benches[0].verdict == KB_VERDICT_REGRESSED;
		kb_ab_release(&ab);
	}
	print_message("A/A, 400 trials: screen flagged slower %zu (bound %.0f), regressed %zu (bound %.0f)\n",
		      flagged, sqrt(0.05) * 400, regressed, 0.05 * 400);
	assert_true(flagged <= (size_t)(sqrt(0.05) * 400 * 1.2));
	assert_true(regressed <= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_bound_rank),
		cmocka_unit_test(median_bounds_known),
		cmocka_unit_test(median_bounds_small_and_bad),
		cmocka_unit_test(signed_rank_cdf_exact),
		cmocka_unit_test(signed_rank_cdf_normal),
		cmocka_unit_test(signed_rank_bound_rank),
		cmocka_unit_test(hodges_lehmann_known),
		cmocka_unit_test(hodges_lehmann_ties_and_bad),
		cmocka_unit_test(classify_rule),
		cmocka_unit_test(levels_and_stein),
		cmocka_unit_test(filter_regex),
		cmocka_unit_test(names),
		cmocka_unit_test(aa_all_unchanged),
		cmocka_unit_test(injected_regression_confirmed),
		cmocka_unit_test(improvement_is_symmetric),
		cmocka_unit_test(below_threshold_not_regressed),
		cmocka_unit_test(transient_flag_not_confirmed),
		cmocka_unit_test(no_confirm_single_stage),
		cmocka_unit_test(time_cap_inconclusive),
		cmocka_unit_test(noisy_undecided_after_screen),
		cmocka_unit_test(confirmation_cut_by_time),
		cmocka_unit_test(stein_capped_by_max_rounds),
		cmocka_unit_test(error_in_new_is_failure),
		cmocka_unit_test(lists_must_match),
		cmocka_unit_test(bad_options),
		cmocka_unit_test(false_alarm_rate_aa),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
