/*
 * test_compare.c - the regression checker on synthetic runs: samples are
 * drawn from a seeded log-normal model (1 % spread unless a test says
 * otherwise), so every verdict below is reproducible.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "compare.h"
#include "error.h"
#include "report_compare.h"
#include "baseline.h"
#include "pstats.h"
#include "stats.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* ---- building runs ---------------------------------------------------------- */

static void run_init(struct kb_run *run, const char *fingerprint, size_t cap)
{
	memset(run, 0, sizeof(*run));
	run->format = strdup("kbench");
	run->schema_version = 1;
	run->fingerprint = fingerprint ? strdup(fingerprint) : NULL;
	run->results = calloc(cap, sizeof(*run->results));
	assert_non_null(run->results);
}

/* Standard normal from the project RNG (Box-Muller). */
static double gauss(struct kb_rng *rng)
{
	double u = kb_rng_uniform(rng), v = kb_rng_uniform(rng);

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

/* Adds an ok benchmark with n samples around `median_ns` (log-normal, sd `spread`). */
static struct kb_result *add_bench(struct kb_run *run, const char *id, double median_ns,
				   double spread, size_t n, uint64_t seed)
{
	struct kb_result *r = &run->results[run->nresults++];
	struct kb_rng rng;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	r->unit = strdup("ns");
	r->status = KB_STATUS_OK;
	r->validated = 1;
	r->noise = NAN;
	r->instructions = NAN;
	r->gb_cpu_time_ns = NAN;
	r->nsamples = n;
	r->samples_ns = malloc((n ? n : 1) * sizeof(double));
	assert_non_null(r->samples_ns);
	kb_rng_seed(&rng, kb_hash_seed(seed, id));
	for (i = 0; i < n; i++)
		r->samples_ns[i] = median_ns * exp(spread * gauss(&rng));
	if (n)
		assert_int_equal(kb_stats_summarize(r->samples_ns, n, 0.95, &r->summary), 0);
	else
		r->summary.median = r->summary.ci_low = r->summary.ci_high = NAN;
	return r;
}

static struct kb_result *add_status(struct kb_run *run, const char *id, enum kb_status st,
				    const char *msg)
{
	struct kb_result *r = &run->results[run->nresults++];

	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	r->unit = strdup("ns");
	r->status = st;
	r->message = msg ? strdup(msg) : NULL;
	r->validated = -1;
	r->noise = NAN;
	r->summary.median = NAN;
	return r;
}

static const char *const ids[] = {
	"matmul/sgemm_naive/64", "matmul/sgemm_blocked/64", "reduction/sum_f32/4096",
	"memory/copy/65536",     "elementwise/axpy/4096",   "matmul/sgemm_openblas/64",
};
#define NIDS (sizeof(ids) / sizeof(ids[0]))

/* A run of all ids, 30 samples each; `factor[i]` scales benchmark i. */
static void make_suite(struct kb_run *run, const char *fp, const double *factor, uint64_t seed)
{
	size_t i;

	run_init(run, fp, NIDS + 4);
	for (i = 0; i < NIDS; i++)
		add_bench(run, ids[i], 1000.0 * (double)(i + 1) * (factor ? factor[i] : 1.0), 0.01, 30,
			  seed);
}

static const struct kb_compare_row *row_of(const struct kb_compare *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nrows; i++)
		if (strcmp(c->rows[i].id, id) == 0)
			return &c->rows[i];
	fail_msg("no row %s", id);
	return NULL;
}

static int compare(const struct kb_run *b, const struct kb_run *r, const struct kb_compare_options *o,
		   struct kb_compare *c)
{
	struct kb_compare_options def;

	if (!o) {
		kb_compare_options_init(&def);
		def.resamples = 2000; /* enough for the verdicts here, fast under ASan */
		o = &def;
	}
	return kb_compare_runs(b, r, "base.json", "cur.json", o, c);
}

/* Gives a result process medians (and a drift, when v > 0). */
static void set_processes(struct kb_result *r, const double *med, size_t n, double v, double vdf)
{
	r->proc.medians_ns = malloc(n * sizeof(double));
	assert_non_null(r->proc.medians_ns);
	memcpy(r->proc.medians_ns, med, n * sizeof(double));
	r->proc.nmedians = r->proc.processes = n;
	r->proc.drift_log_var = v > 0 ? v : NAN;
	r->proc.drift_df = v > 0 ? vdf : NAN;
}

/*
 * The process level by hand: baseline medians 100, 110, 121 and current
 * 1.21 times those.  Each side's log medians have variance (log 1.1)^2 =
 * 0.0090840, so se^2 = 2 x 0.0090840 / 3 = 0.0060560, d = log 1.21 =
 * 0.190620, t = d / se = 2.4495 with df = se^4 / (2 (0.0030280)^2 / 2) = 4:
 * one-sided p = 0.0352 (t(4) CDF), the interval exp(d +- 2.7764 se) =
 * [0.9749, 1.5018].  p > alpha: inconclusive, past the threshold.  With a
 * drift of 0.001 (df 4) on both one-run sides, se^2 = 0.0080560 and
 * df = 0.0080560^2 / (0.0030280^2 + 0.002^2 / 4) = 6.3875.
 */
static void test_process_level_by_hand(void **state)
{
	const double mb[] = { 100, 110, 121 }, mc[] = { 121, 133.1, 146.41 };
	struct kb_compare_options o;
	struct kb_run b, r;
	struct kb_compare c;
	const struct kb_compare_row *row;
	double se = sqrt(2 * log(1.1) * log(1.1) / 3), d = log(1.21);

	(void)state;
	run_init(&b, "fp", 2);
	run_init(&r, "fp", 2);
	set_processes(add_bench(&b, "s/k/1", 110, 0.01, 30, 1), mb, 3, 0, 0);
	set_processes(add_bench(&r, "s/k/1", 133.1, 0.01, 30, 2), mc, 3, 0, 0);
	kb_compare_options_init(&o);
	assert_int_equal(kb_compare_runs(&b, &r, "b", "r", &o, &c), 0);
	row = row_of(&c, "s/k/1");
	assert_int_equal(row->method, KB_METHOD_PROCESSES);
	assert_string_equal(kb_compare_method_name(row->method), "processes");
	assert_near(row->ratio, 1.21, 1e-9);
	assert_near(row->baseline, 110, 1e-9);
	assert_near(row->df, 4, 1e-9);
	assert_near(row->p, 1 - kb_stats_t_cdf(d / se, 4), 1e-12);
	assert_near(row->p, 0.0352, 5e-4);
	assert_near(row->ci_low, exp(d - 2.776445 * se), 1e-5);
	assert_near(row->ci_high, exp(d + 2.776445 * se), 1e-5);
	assert_int_equal(row->verdict, KB_VERDICT_INCONCLUSIVE);
	assert_true(row->past_threshold);
	assert_int_equal(kb_compare_exit_status(&c), 0);
	/* the baseline's noise does not raise a process-level threshold */
	assert_int_equal(row->threshold_source, KB_THRESHOLD_USER);
	kb_compare_release(&c);
	/* --fail-on=regressed,inconclusive: that row fails */
	o.fail_inconclusive = true;
	assert_int_equal(kb_compare_runs(&b, &r, "b", "r", &o, &c), 0);
	assert_int_equal(kb_compare_exit_status(&c), 1);
	assert_true(row_of(&c, "s/k/1")->failure);
	kb_compare_release(&c);
	o.fail_inconclusive = false;
	/* a rate made from time: the same test, the ratio inverted */
	kb_result_set_counter(&b.results[0], "gbps", 10);
	kb_result_set_counter(&r.results[0], "gbps", 10 / 1.21);
	o.counter = "gbps";
	assert_int_equal(kb_compare_runs(&b, &r, "b", "r", &o, &c), 0);
	row = row_of(&c, "s/k/1");
	assert_int_equal(row->method, KB_METHOD_PROCESSES);
	assert_near(row->ratio, 1 / 1.21, 1e-9);
	assert_near(row->p, 1 - kb_stats_t_cdf(d / se, 4), 1e-12);
	kb_compare_release(&c);
	o.counter = NULL;
	/* with a drift of 0.001 (df 4) recorded */
	b.results[0].proc.drift_log_var = r.results[0].proc.drift_log_var = 0.001;
	b.results[0].proc.drift_df = r.results[0].proc.drift_df = 4;
	assert_int_equal(kb_compare_runs(&b, &r, "b", "r", &o, &c), 0);
	row = row_of(&c, "s/k/1");
	assert_near(row->df, 0.0080560 * 0.0080560 / (0.0030280 * 0.0030280 + 0.002 * 0.002 / 4), 0.01);
	assert_near(row->p, 1 - kb_stats_t_cdf(d / sqrt(se * se + 0.002), row->df), 1e-12);
	assert_near(row->drift_log_var, 0.001, 1e-15);
	assert_int_equal(c.nwarnings, 0);
	kb_compare_release(&c);
	/* without: a warning says the drift is not included */
	b.results[0].proc.drift_log_var = r.results[0].proc.drift_log_var = NAN;
	assert_int_equal(kb_compare_runs(&b, &r, "b", "r", &o, &c), 0);
	assert_true(c.nwarnings >= 1 && strstr(c.warnings[0], "without the machine's drift"));
	kb_compare_release(&c);
	/* one side with one process: the sample level */
	free(r.results[0].proc.medians_ns);
	r.results[0].proc.medians_ns = NULL;
	r.results[0].proc.nmedians = 0;
	assert_int_equal(kb_compare_runs(&b, &r, "b", "r", &o, &c), 0);
	assert_int_equal(row_of(&c, "s/k/1")->method, KB_METHOD_SAMPLES);
	kb_compare_release(&c);
	kb_run_clear(&b);
	kb_run_clear(&r);
}

/*
 * A baseline of three process-level runs (centres 100, 110, 121, each from
 * three processes within +-1 %): every run's process medians are kept (9),
 * the centre is their geometric mean (110), the drift is estimated from the
 * runs (variance of the log centres (log 1.1)^2 less the mean process se^2,
 * averaged with the suite's (the same here), df 2), and the config says
 * how many runs were pooled.
 */
static void test_baseline_pools_processes(void **state)
{
	struct kb_run runs[3], out;
	const char *names[] = { "r1", "r2", "r3" };
	const double c[] = { 100, 110, 121 };
	double se2 = 0;

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		double m[] = { c[k] * 0.99, c[k], c[k] * 1.01 };
		struct kb_result *r;

		char mem[32];

		run_init(&runs[k], "fp", 1);
		snprintf(mem, sizeof(mem), "%g", 3e6 * c[k] / 100);
		assert_int_equal(kb_run_add_context(&runs[k], "reference.spin_ns", "4000000", true), 0);
		assert_int_equal(kb_run_add_context(&runs[k], "reference.memory_read_ns", mem, true), 0);
		assert_int_equal(kb_run_add_context(&runs[k], "os", "Linux", false), 0);
		r = add_bench(&runs[k], "s/k/1", c[k], 0.01, 30, k);
		r->suite = strdup("s");
		set_processes(r, m, 3, 0, 0);
		r->summary.median = c[k];
		r->proc.process_log_se = sqrt((log(0.99) * log(0.99) + log(1.01) * log(1.01)) / 2 / 3);
		se2 += r->proc.process_log_se * r->proc.process_log_se / 3;
		r->proc.process_df = 2;
	}
	assert_int_equal(kb_baseline_merge(runs, 3, names, &out), 0);
	assert_int_equal(out.results[0].proc.nmedians, 9);
	assert_int_equal(out.results[0].proc.processes, 9);
	assert_near(out.results[0].summary.median, 110, 0.01);
	assert_string_equal(kb_run_context(&out, "baseline.pooled_runs"), "3");
	/* the reference probes: the median over the runs and the sd of their
	 * logs, the "reference." entries kept together (one JSON object) */
	assert_near(strtod(kb_run_context(&out, "reference.memory_read_ns"), NULL), 3.3e6, 1);
	assert_near(strtod(kb_run_context(&out, "reference.memory_read_run_log_sd"), NULL),
		    log(1.1), 1e-5);
	assert_near(strtod(kb_run_context(&out, "reference.spin_run_log_sd"), NULL), 0, 1e-9);
	assert_string_equal(kb_run_context(&out, "reference.runs"), "3");
	assert_string_equal(out.context[out.ncontext - 1].key, "os");
	assert_near(out.results[0].proc.drift_log_var, log(1.1) * log(1.1) - se2, 1e-9);
	assert_near(out.results[0].proc.drift_df, 2, 0);
	assert_true(out.results[0].summary.ci_low < 110 && out.results[0].summary.ci_high > 110);
	kb_run_clear(&out);
	for (size_t k = 0; k < 3; k++)
		kb_run_clear(&runs[k]);
}

/* ---- the proofs in the issue ------------------------------------------------- */

static void test_identical_all_unchanged(void **state)
{
	struct kb_run a;
	struct kb_compare c;
	size_t i;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	assert_int_equal(compare(&a, &a, NULL, &c), 0);
	assert_int_equal(c.nrows, NIDS);
	for (i = 0; i < c.nrows; i++) {
		assert_int_equal(c.rows[i].verdict, KB_VERDICT_UNCHANGED);
		assert_near(c.rows[i].ratio, 1.0, 0);
		assert_int_equal(c.rows[i].method, KB_METHOD_SAMPLES);
		assert_true(c.rows[i].ci_low <= 1.0 && c.rows[i].ci_high >= 1.0);
	}
	assert_int_equal(c.counts[KB_VERDICT_UNCHANGED], NIDS);
	assert_int_equal(kb_compare_exit_status(&c), 0);
	kb_compare_release(&c);
	kb_run_clear(&a);
}

/* Identical but very noisy data: no evidence of a change, so unchanged, with
 * a note that the interval is wide. */
static void test_identical_noisy_unchanged(void **state)
{
	struct kb_run a;
	struct kb_compare c;
	const struct kb_compare_row *row;

	(void)state;
	run_init(&a, "fp", 1);
	add_bench(&a, "s/noisy", 1000, 0.30, 30, 1);
	assert_int_equal(compare(&a, &a, NULL, &c), 0);
	row = row_of(&c, "s/noisy");
	assert_int_equal(row->verdict, KB_VERDICT_UNCHANGED);
	assert_true(row->ci_high > 1.05); /* the interval is wider than the threshold */
	assert_non_null(row->note);
	assert_non_null(strstr(row->note, "noisy"));
	assert_int_equal(kb_compare_exit_status(&c), 0);
	kb_compare_release(&c);
	kb_run_clear(&a);
}

/* Fresh draws on both sides (different seeds), same distribution. */
static void test_independent_same_distribution_unchanged(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", NULL, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	assert_int_equal(c.counts[KB_VERDICT_UNCHANGED], NIDS);
	assert_int_equal(kb_compare_exit_status(&c), 0);
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

static void test_one_20pct_slower_regressed(void **state)
{
	double f[NIDS] = { 1, 1, 1.2, 1, 1, 1 };
	struct kb_run a, b;
	struct kb_compare c;
	const struct kb_compare_row *row;
	size_t i;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", f, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	for (i = 0; i < c.nrows; i++)
		assert_int_equal(c.rows[i].verdict,
				 i == 2 ? KB_VERDICT_REGRESSED : KB_VERDICT_UNCHANGED);
	row = row_of(&c, ids[2]);
	assert_near(row->ratio, 1.2, 0.01);
	assert_true(row->ci_low > 1.15 && row->ci_high < 1.25);
	assert_true(row->p_adjusted < 1e-6);
	assert_true(row->failure);
	assert_int_equal(c.counts[KB_VERDICT_REGRESSED], 1);
	assert_int_equal(kb_compare_exit_status(&c), 1);
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/*
 * The machine's reference probes: a change with the machine's memory read
 * 40 % slower than at the baseline is held as inconclusive (and fails only
 * with --fail-on=...,inconclusive); not when the probes agree, when the
 * baseline's own runs saw its memory read move that much, with
 * --no-reference-check, or when the change (+100 %) is beyond the
 * machine's move and the threshold together.
 */
static void test_reference_check(void **state)
{
	double f[NIDS] = { 1, 1, 1.2, 1, 1, 1 };
	struct kb_compare_options o;
	struct kb_run a, b;
	struct kb_compare c;
	const struct kb_compare_row *row;

	(void)state;
	kb_compare_options_init(&o);
	o.resamples = 2000;
	for (int k = 0; k < 6; k++) {
		f[2] = k == 5 ? 2.0 : 1.2;
		make_suite(&a, "fp", NULL, 1);
		make_suite(&b, "fp", f, 2);
		assert_int_equal(kb_run_add_context(&a, "reference.spin_ns", "4000000", true), 0);
		assert_int_equal(kb_run_add_context(&a, "reference.memory_read_ns", "3000000", true), 0);
		assert_int_equal(kb_run_add_context(&b, "reference.spin_ns", "4040000", true), 0);
		assert_int_equal(kb_run_add_context(&b, "reference.memory_read_ns",
						    k == 0 ? "3030000" : "4200000", true), 0);
		if (k == 3) { /* the baseline's runs: sd 0.1 of the log, 5 runs: bound +65 % */
			assert_int_equal(kb_run_add_context(&a, "reference.memory_read_run_log_sd", "0.1",
							    true), 0);
			assert_int_equal(kb_run_add_context(&a, "reference.runs", "5", true), 0);
		}
		o.no_reference_check = k == 4;
		o.fail_inconclusive = k == 2;
		assert_int_equal(compare(&a, &b, &o, &c), 0);
		row = row_of(&c, ids[2]);
		if (k == 1 || k == 2) {
			assert_int_equal(row->verdict, KB_VERDICT_INCONCLUSIVE);
			assert_non_null(strstr(row->note, "reference memory read moved +40.0 %"));
			assert_string_equal(c.moved_probe, "memory read");
			assert_near(c.moved_change, 0.4, 1e-9);
			assert_int_equal(c.held, 1);
			assert_int_equal(kb_compare_exit_status(&c), k == 2 ? 1 : 0);
		} else {
			assert_int_equal(row->verdict, KB_VERDICT_REGRESSED);
			if (k == 5)
				assert_string_equal(c.moved_probe, "memory read");
			else
				assert_null(c.moved_probe);
			assert_int_equal(c.held, 0);
			assert_int_equal(kb_compare_exit_status(&c), 1);
		}
		kb_compare_release(&c);
		kb_run_clear(&a);
		kb_run_clear(&b);
	}
}

/* Everything 30 % slower: the verdicts stand, and a warning blames the machine. */
static void test_global_shift_warning(void **state)
{
	double f[NIDS] = { 1.3, 1.3, 1.3, 1.3, 1.3, 1.3 };
	struct kb_run a, b;
	struct kb_compare c;
	size_t i;
	bool warned = false;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", f, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	assert_int_equal(c.counts[KB_VERDICT_REGRESSED], NIDS);
	for (i = 0; i < c.nwarnings; i++)
		warned |= strstr(c.warnings[i], "the machine was probably slower") != NULL;
	assert_true(warned);
	kb_compare_release(&c);

	/* one benchmark slower: no such warning */
	f[0] = f[1] = f[3] = f[4] = f[5] = 1;
	kb_run_clear(&b);
	make_suite(&b, "fp", f, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	for (i = 0; i < c.nwarnings; i++)
		assert_null(strstr(c.warnings[i], "the machine was probably"));
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

static void test_improved(void **state)
{
	double f[NIDS] = { 0.8, 1, 1, 1, 1, 1 };
	struct kb_run a, b;
	struct kb_compare c;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", f, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	assert_int_equal(row_of(&c, ids[0])->verdict, KB_VERDICT_IMPROVED);
	assert_false(row_of(&c, ids[0])->failure);
	assert_int_equal(c.counts[KB_VERDICT_IMPROVED], 1);
	assert_int_equal(kb_compare_exit_status(&c), 0);
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

static void test_small_change_below_threshold(void **state)
{
	double f[NIDS] = { 1, 1.03, 1, 1, 1, 1 };
	struct kb_run a, b;
	struct kb_compare c;
	const struct kb_compare_row *row;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", f, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, ids[1]);
	assert_int_equal(row->verdict, KB_VERDICT_UNCHANGED);
	assert_non_null(row->note);
	assert_non_null(strstr(row->note, "below the threshold"));
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/* The baseline's between-run noise raises the threshold, and the row says so. */
static void test_noise_raises_threshold(void **state)
{
	double f[NIDS] = { 1, 1, 1.2, 1, 1, 1 };
	struct kb_run a, b;
	struct kb_compare c;
	const struct kb_compare_row *row;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	a.results[2].noise = 0.25;
	a.results[3].noise = 0.02; /* below the threshold: changes nothing */
	make_suite(&b, "fp", f, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, ids[2]);
	assert_int_not_equal(row->verdict, KB_VERDICT_REGRESSED);
	assert_int_equal(row->threshold_source, KB_THRESHOLD_NOISE);
	assert_near(row->threshold, 0.25, 0);
	assert_non_null(strstr(row->note, "raised from 5.0 % to 25.0 %"));
	row = row_of(&c, ids[3]);
	assert_int_equal(row->threshold_source, KB_THRESHOLD_USER);
	assert_near(row->threshold, 0.05, 0);
	assert_near(row->floor, 0.02, 0);
	assert_int_equal(kb_compare_exit_status(&c), 0);
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/*
 * Holm: with 5 samples a side the smallest one-sided Mann-Whitney p is
 * about 0.006 (normal approximation: z = (25 - 12.5 - 0.5) / sqrt(25*11/12)
 * = 2.51).  Alone that passes alpha = 0.01; among ten benchmarks Holm
 * multiplies it by 10, so the same 20 % slowdown is inconclusive.
 */
static void test_holm(void **state)
{
	char id[32];
	struct kb_run a, b;
	struct kb_compare c;
	const struct kb_compare_row *row;
	size_t i;

	(void)state;
	run_init(&a, "fp", 10);
	run_init(&b, "fp", 10);
	add_bench(&a, "s/slow", 1000, 0.01, 5, 1);
	add_bench(&b, "s/slow", 1200, 0.01, 5, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, "s/slow");
	assert_int_equal(row->verdict, KB_VERDICT_REGRESSED);
	assert_near(row->p, 0.0060, 0.0005);
	assert_near(row->p_adjusted, row->p, 0);
	kb_compare_release(&c);

	for (i = 1; i < 10; i++) {
		snprintf(id, sizeof(id), "s/same%zu", i);
		add_bench(&a, id, 1000, 0.01, 5, 1);
		add_bench(&b, id, 1000, 0.01, 5, 2);
	}
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, "s/slow");
	assert_int_equal(row->verdict, KB_VERDICT_INCONCLUSIVE);
	assert_near(row->p_adjusted, 10 * row->p, 1e-12);
	assert_non_null(strstr(row->note, "Holm"));
	assert_int_equal(kb_compare_exit_status(&c), 0);
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

static void test_noisy_side_inconclusive(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;
	const struct kb_compare_row *row;

	(void)state;
	run_init(&a, "fp", 2);
	run_init(&b, "fp", 2);
	add_bench(&a, "s/k", 1000, 0.01, 30, 1);
	add_bench(&b, "s/k", 1060, 0.30, 30, 2); /* 30 % spread on the current side */
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, "s/k");
	assert_int_equal(row->verdict, KB_VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(row->note, "current run is noisy"));
	kb_compare_release(&c);

	/* and the other way round */
	assert_int_equal(compare(&b, &a, NULL, &c), 0);
	row = row_of(&c, "s/k");
	assert_int_equal(row->verdict, KB_VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(row->note, "baseline is noisy"));
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/*
 * Which side is noisy is read off the samples, not the file's summary: a
 * summary can disagree with its samples (edited, merged, another tool).
 * Here the baseline's summary claims a CI of -50 %/+100 % beside tight
 * samples, and the current one a tight summary (around a median of 1 ns)
 * beside samples with a 30 % spread.  From the summaries the baseline
 * would be the noisy side; the samples say it is the current run.
 */
static void test_noisy_side_from_samples(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;
	struct kb_summary honest;
	const struct kb_compare_row *row;
	struct kb_result *ra, *rb;

	(void)state;
	run_init(&a, "fp", 2);
	run_init(&b, "fp", 2);
	ra = add_bench(&a, "s/k", 1000, 0.01, 30, 1);
	rb = add_bench(&b, "s/k", 1060, 0.30, 30, 2);
	ra->summary.ci_low = 500;
	ra->summary.ci_high = 2000;
	rb->summary.median = 1.0;
	rb->summary.ci_low = 0.999;
	rb->summary.ci_high = 1.001;
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, "s/k");
	assert_int_equal(row->verdict, KB_VERDICT_INCONCLUSIVE);
	assert_non_null(row->note);
	assert_non_null(strstr(row->note, "the current run is noisy"));
	assert_null(strstr(row->note, "baseline is noisy"));
	assert_null(strstr(row->note, "both sides"));
	/* the half-widths are those of the samples' own order-statistic CI */
	assert_int_equal(kb_stats_summarize(rb->samples_ns, 30, 0.95, &honest), 0);
	assert_true(row->current_rel_ci == (honest.ci_high - honest.ci_low) / 2 / honest.median);
	assert_int_equal(kb_stats_summarize(ra->samples_ns, 30, 0.95, &honest), 0);
	assert_true(row->baseline_rel_ci == (honest.ci_high - honest.ci_low) / 2 / honest.median);
	assert_true(row->baseline_rel_ci < 0.01);
	kb_compare_release(&c);

	/* the other way round */
	assert_int_equal(compare(&b, &a, NULL, &c), 0);
	row = row_of(&c, "s/k");
	assert_int_equal(row->verdict, KB_VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(row->note, "the baseline is noisy"));
	assert_null(strstr(row->note, "current run is noisy"));
	kb_compare_release(&c);

	/* without samples (aggregates only) the summary is all there is */
	free(ra->samples_ns);
	ra->samples_ns = NULL;
	ra->nsamples = 0;
	ra->summary.median = 1000;
	ra->summary.ci_level = 0.95;
	ra->summary.n = 30;
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, "s/k");
	assert_int_equal(row->method, KB_METHOD_SUMMARY);
	assert_near(row->baseline_rel_ci, 0.75, 1e-12); /* (2000 - 500) / 2 / 1000 */
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/* At ordinary sizes the interval is exactly the seeded bootstrap of all
 * samples with the requested resamples: the work budget changes nothing. */
static void test_seeded_interval_unchanged(void **state)
{
	double f[NIDS] = { 1, 1.07, 1, 0.9, 1, 1 };
	struct kb_run a, b;
	struct kb_compare c;
	size_t i;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", f, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	for (i = 0; i < NIDS; i++) {
		const struct kb_compare_row *row = row_of(&c, ids[i]);
		double r, lo, hi;

		assert_int_equal(kb_stats_bootstrap_ratio_ci(a.results[i].samples_ns, 30,
							     b.results[i].samples_ns, 30, 2000, 0.95,
							     kb_hash_seed(42, ids[i]), &r, &lo, &hi), 0);
		assert_true(row->ci_low == lo && row->ci_high == hi);
		assert_int_equal(row->resamples, 2000);
		assert_false(row->subsampled);
		assert_true(!row->note || !strstr(row->note, "budget"));
	}
	for (i = 0; i < c.nwarnings; i++)
		assert_null(strstr(c.warnings[i], "budget"));
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/*
 * Past the work budget: first fewer resamples (never below 1000), then a
 * subsample; said in the row and in a warning, deterministic, and the
 * ratio and test still from every sample.  The budget is scaled down here
 * so that 2 000 samples a side reach it (the default, 2e8, takes 10^5).
 */
static void test_work_budget(void **state)
{
	struct kb_run a, b;
	struct kb_compare c, c2;
	struct kb_compare_options o;
	const struct kb_compare_row *row;
	double p_worse, p_better;
	size_t i;

	(void)state;
	run_init(&a, "fp", 2);
	run_init(&b, "fp", 2);
	add_bench(&a, "s/slow", 1000, 0.02, 2000, 1);
	add_bench(&b, "s/slow", 1100, 0.02, 2000, 2);
	add_bench(&a, "s/same", 1000, 0.02, 2000, 3);
	add_bench(&b, "s/same", 1000, 0.02, 2000, 4);
	kb_compare_options_init(&o);
	assert_true(o.work_budget == 2e8);

	/* 4000 x 10000 = 4e7 > 1e7: 2500 resamples, every sample */
	o.work_budget = 1e7;
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	row = row_of(&c, "s/slow");
	assert_int_equal(row->resamples, 2500);
	assert_false(row->subsampled);
	assert_non_null(strstr(row->note, "2500 of the 10000 resamples"));
	assert_int_equal(row->verdict, KB_VERDICT_REGRESSED);
	assert_int_equal(row_of(&c, "s/same")->verdict, KB_VERDICT_UNCHANGED);
	assert_true(c.nwarnings >= 1);
	for (i = 0; i < c.nwarnings && !strstr(c.warnings[i], "work budget"); i++)
		;
	assert_true(i < c.nwarnings);
	assert_non_null(strstr(c.warnings[i], "2 of 2 benchmarks"));
	kb_compare_release(&c);

	/* 1e6: 1000 resamples (the floor) and 500 of the 2000 samples a side */
	o.work_budget = 1e6;
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	assert_int_equal(compare(&a, &b, &o, &c2), 0);
	row = row_of(&c, "s/slow");
	assert_int_equal(row->resamples, 1000);
	assert_true(row->subsampled);
	assert_non_null(strstr(row->note, "500 of 2000 baseline and 500 of 2000 current samples"));
	assert_int_equal(row->verdict, KB_VERDICT_REGRESSED);
	assert_true(row->ci_low < 1.1 && row->ci_high > 1.1);
	assert_true(row->ci_low == row_of(&c2, "s/slow")->ci_low);
	assert_true(row->ci_high == row_of(&c2, "s/slow")->ci_high);
	/* the ratio and the test use all samples */
	assert_true(row->ratio == kb_stats_median(b.results[0].samples_ns, 2000) /
				  kb_stats_median(a.results[0].samples_ns, 2000));
	assert_int_equal(row->baseline_n, 2000);
	assert_int_equal(kb_stats_mann_whitney(a.results[0].samples_ns, 2000, b.results[0].samples_ns,
					       2000, &p_worse, &p_better), 0);
	assert_true(row->p == p_worse);
	assert_int_equal(row_of(&c, "s/same")->verdict, KB_VERDICT_UNCHANGED);
	for (i = 0; i < c.nwarnings && !strstr(c.warnings[i], "subsample"); i++)
		;
	assert_true(i < c.nwarnings);
	kb_compare_release(&c);
	kb_compare_release(&c2);

	/* fewer resamples asked for than the floor: kept, the samples cut */
	o.resamples = 500;
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	row = row_of(&c, "s/slow");
	assert_int_equal(row->resamples, 500);
	assert_true(row->subsampled);
	assert_non_null(strstr(row->note, "1000 of 2000 baseline"));
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

static void test_new_missing_error_skipped(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;

	(void)state;
	run_init(&a, "fp", 8);
	run_init(&b, "fp", 8);
	add_bench(&a, "s/same", 1000, 0.01, 30, 1);
	add_bench(&b, "s/same", 1000, 0.01, 30, 2);
	add_bench(&a, "s/gone", 1000, 0.01, 30, 1);
	add_bench(&b, "s/added", 1000, 0.01, 30, 2);
	add_status(&a, "s/gpu", KB_STATUS_SKIPPED, "no device");
	add_status(&b, "s/gpu", KB_STATUS_SKIPPED, "no device");
	add_bench(&a, "s/broken", 1000, 0.01, 30, 1);
	add_status(&b, "s/broken", KB_STATUS_ERROR, "validation failed: max error 3.2");
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	assert_int_equal(row_of(&c, "s/same")->verdict, KB_VERDICT_UNCHANGED);
	assert_int_equal(row_of(&c, "s/gone")->verdict, KB_VERDICT_MISSING);
	assert_int_equal(row_of(&c, "s/added")->verdict, KB_VERDICT_NEW);
	assert_int_equal(row_of(&c, "s/gpu")->verdict, KB_VERDICT_SKIPPED);
	assert_int_equal(row_of(&c, "s/broken")->verdict, KB_VERDICT_ERROR);
	assert_true(row_of(&c, "s/broken")->failure);
	assert_non_null(strstr(row_of(&c, "s/broken")->note, "max error 3.2"));
	/* an error in the current run is a failure, not a silent pass */
	assert_int_equal(kb_compare_exit_status(&c), 1);
	assert_int_equal(c.counts[KB_VERDICT_MISSING], 1);
	kb_compare_release(&c);

	/* an error in the baseline only is reported but does not fail */
	assert_int_equal(compare(&b, &a, NULL, &c), 0);
	assert_int_equal(row_of(&c, "s/broken")->verdict, KB_VERDICT_ERROR);
	assert_false(row_of(&c, "s/broken")->failure);
	assert_int_equal(kb_compare_exit_status(&c), 0);
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

static void test_failed_validation_is_error(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;

	(void)state;
	run_init(&a, "fp", 1);
	run_init(&b, "fp", 1);
	add_bench(&a, "s/k", 1000, 0.01, 30, 1);
	add_bench(&b, "s/k", 1000, 0.01, 30, 2)->validated = 0;
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	assert_int_equal(row_of(&c, "s/k")->verdict, KB_VERDICT_ERROR);
	assert_int_equal(kb_compare_exit_status(&c), 1);
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

static void test_fingerprint_mismatch(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;
	struct kb_compare_options o;

	(void)state;
	make_suite(&a, "amd-epyc_2c_nogpu_gcc12", NULL, 1);
	make_suite(&b, "intel-xeon_4c_nogpu_gcc12", NULL, 2);
	assert_int_equal(kb_run_add_context(&a, "fingerprint_parts.cores", "2", true), 0);
	assert_int_equal(kb_run_add_context(&b, "fingerprint_parts.cores", "4", true), 0);
	assert_int_equal(compare(&a, &b, NULL, &c), -KB_EMISMATCH);
	assert_non_null(strstr(kb_last_error(), "fingerprints differ"));
	assert_non_null(strstr(kb_last_error(), "cores '2' vs '4'"));
	assert_non_null(strstr(kb_last_error(), "--allow-mismatch"));
	assert_null(c.rows); /* released on failure */

	kb_compare_options_init(&o);
	o.resamples = 2000;
	o.allow_mismatch = true;
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	assert_true(c.nwarnings >= 1);
	assert_non_null(strstr(c.warnings[0], "MACHINE MISMATCH"));
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/* --allow-mismatch widens every threshold and floor by --mismatch-widen and
 * says from what to what: +20 % is regressed on one machine, not against a
 * near machine's baseline; +60 % still is. */
static void test_mismatch_widens_threshold(void **state)
{
	static const double slower[NIDS] = { 1.20, 1.60, 1, 1, 1, 1 };
	struct kb_run a, b, same;
	struct kb_compare c;
	struct kb_compare_options o;

	(void)state;
	make_suite(&a, "amd-epyc_2c_nogpu_gcc12", NULL, 1);
	make_suite(&b, "oxide-virtual-turin-like-processor_2c_nogpu_gcc12", slower, 2);
	make_suite(&same, "amd-epyc_2c_nogpu_gcc12", slower, 2);
	assert_int_equal(kb_run_add_context(&a, "fingerprint_parts.cpu_model", "AMD EPYC", true), 0);
	assert_int_equal(kb_run_add_context(&b, "fingerprint_parts.cpu_model",
					    "Oxide Virtual Turin-like Processor", true), 0);
	kb_compare_options_init(&o);
	o.resamples = 2000;

	/* the same machine: both slowdowns regressed at 5 % */
	assert_int_equal(compare(&a, &same, &o, &c), 0);
	assert_null(c.baseline_fingerprint);
	assert_true(c.widen == 0);
	assert_int_equal(row_of(&c, ids[0])->verdict, KB_VERDICT_REGRESSED);
	assert_int_equal(row_of(&c, ids[1])->verdict, KB_VERDICT_REGRESSED);
	kb_compare_release(&c);

	o.allow_mismatch = true;
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	assert_string_equal(c.baseline_fingerprint, "amd-epyc_2c_nogpu_gcc12");
	assert_string_equal(c.current_fingerprint, "oxide-virtual-turin-like-processor_2c_nogpu_gcc12");
	assert_true(fabs(c.widen - 0.25) < 1e-12);
	assert_true(fabs(c.threshold_from - 0.05) < 1e-12);
	assert_true(fabs(c.threshold_to - (1.05 * 1.25 - 1)) < 1e-12);
	assert_non_null(strstr(c.warnings[0], "widened by 25 %"));
	assert_non_null(strstr(c.warnings[0], "5.0 % -> 31.2 %"));
	assert_non_null(strstr(c.warnings[0],
			       "cpu_model 'AMD EPYC' vs 'Oxide Virtual Turin-like Processor'"));
	for (size_t i = 0; i < c.nrows; i++) {
		assert_true(fabs(c.rows[i].threshold - 0.3125) < 1e-12);
		assert_true(fabs(c.rows[i].floor - (1.01 * 1.25 - 1)) < 1e-12);
		assert_int_equal(c.rows[i].threshold_source, KB_THRESHOLD_MISMATCH);
	}
	assert_string_equal(kb_threshold_source_name(KB_THRESHOLD_MISMATCH), "mismatch");
	assert_true(row_of(&c, ids[0])->verdict != KB_VERDICT_REGRESSED);
	assert_non_null(strstr(row_of(&c, ids[0])->note, "threshold widened from 5.0 % to 31.2 %"));
	assert_int_equal(row_of(&c, ids[1])->verdict, KB_VERDICT_REGRESSED);
	kb_compare_release(&c);

	/* a chosen widening; 0 compares as before, with the warning */
	o.mismatch_widen = 0.5;
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	assert_true(fabs(row_of(&c, ids[0])->threshold - 0.575) < 1e-12);
	kb_compare_release(&c);
	o.mismatch_widen = 0;
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	assert_int_equal(row_of(&c, ids[0])->verdict, KB_VERDICT_REGRESSED);
	assert_non_null(strstr(c.warnings[0], "not widened"));
	kb_compare_release(&c);
	o.mismatch_widen = -1;
	assert_int_equal(compare(&a, &b, &o, &c), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "mismatch widening"));
	kb_run_clear(&a);
	kb_run_clear(&b);
	kb_run_clear(&same);
}

static void test_incomparable(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;

	(void)state;
	run_init(&a, "fp", 1);
	run_init(&b, "fp", 1);
	add_bench(&a, "s/one", 1000, 0.01, 30, 1);
	add_bench(&b, "s/two", 1000, 0.01, 30, 2);
	assert_int_equal(compare(&a, &b, NULL, &c), -KB_EMISMATCH);
	assert_non_null(strstr(kb_last_error(), "no benchmark is in both"));

	/* different metrics */
	free(b.results[0].id);
	b.results[0].id = strdup("s/one");
	b.config = calloc(1, sizeof(*b.config));
	b.config[0].key = strdup("metric");
	b.config[0].value = strdup("instructions");
	b.nconfig = 1;
	assert_int_equal(compare(&a, &b, NULL, &c), -KB_EMISMATCH);
	assert_non_null(strstr(kb_last_error(), "\"instructions\""));
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/* Summarised inputs (one Google Benchmark repetition): threshold alone, said so. */
static void test_point_estimate_fallback(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;
	const struct kb_compare_row *row;

	(void)state;
	run_init(&a, NULL, 2);
	run_init(&b, NULL, 2);
	add_bench(&a, "BM_a", 1000, 0, 1, 1);
	add_bench(&b, "BM_a", 1200, 0, 1, 1);
	add_bench(&a, "BM_b", 1000, 0, 1, 1);
	add_bench(&b, "BM_b", 1010, 0, 1, 1);
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, "BM_a");
	assert_int_equal(row->method, KB_METHOD_POINT);
	assert_int_equal(row->verdict, KB_VERDICT_REGRESSED);
	assert_true(isnan(row->ci_low) && isnan(row->p));
	assert_non_null(strstr(row->note, "threshold alone"));
	assert_int_equal(row_of(&c, "BM_b")->verdict, KB_VERDICT_UNCHANGED);
	assert_true(c.nwarnings >= 2); /* no fingerprint; point estimates */
	assert_int_equal(kb_compare_exit_status(&c), 1);
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/* Aggregates only: an interval from the summaries, no test. */
static void test_summary_fallback(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;
	const struct kb_compare_row *row;

	(void)state;
	run_init(&a, "fp", 1);
	run_init(&b, "fp", 1);
	add_bench(&a, "s/k", 1000, 0, 0, 1);
	add_bench(&b, "s/k", 1200, 0, 0, 1);
	a.results[0].summary.median = 1000, a.results[0].summary.sd = 10, a.results[0].summary.n = 9;
	b.results[0].summary.median = 1200, b.results[0].summary.sd = 12, b.results[0].summary.n = 9;
	assert_int_equal(compare(&a, &b, NULL, &c), 0);
	row = row_of(&c, "s/k");
	assert_int_equal(row->method, KB_METHOD_SUMMARY);
	assert_int_equal(row->verdict, KB_VERDICT_REGRESSED);
	assert_true(row->ci_low > 1.15 && row->ci_high < 1.25);
	assert_non_null(strstr(row->note, "stddev"));
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/* Gating on a rate: lower GB/s is the regression. */
static void test_counter_gate(void **state)
{
	struct kb_run a, b;
	struct kb_compare c;
	struct kb_compare_options o;
	const struct kb_compare_row *row;

	(void)state;
	run_init(&a, "fp", 2);
	run_init(&b, "fp", 2);
	kb_result_set_counter(add_bench(&a, "m/copy", 1000, 0.01, 30, 1), "gbps", 10.0);
	kb_result_set_counter(add_bench(&b, "m/copy", 1250, 0.01, 30, 2), "gbps", 8.0);
	kb_result_set_counter(add_bench(&a, "m/fill", 1000, 0.01, 30, 1), "gbps", 10.0);
	kb_result_set_counter(add_bench(&b, "m/fill", 800, 0.01, 30, 2), "gbps", 12.5);
	kb_compare_options_init(&o);
	o.resamples = 2000;
	o.counter = "gbps";
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	assert_true(c.higher_is_better);
	assert_string_equal(c.metric, "gbps");
	row = row_of(&c, "m/copy");
	assert_near(row->baseline, 10.0, 1e-9);
	assert_near(row->current, 8.0, 1e-9);
	assert_near(row->ratio, 0.8, 1e-9);
	assert_int_equal(row->method, KB_METHOD_SAMPLES);
	assert_true(row->ci_high < 0.85);
	assert_int_equal(row->verdict, KB_VERDICT_REGRESSED);
	assert_int_equal(row_of(&c, "m/fill")->verdict, KB_VERDICT_IMPROVED);
	assert_int_equal(kb_compare_exit_status(&c), 1);
	kb_compare_release(&c);

	/* a counter a benchmark does not have: skipped, with the reason */
	o.counter = "gflops";
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	assert_int_equal(row_of(&c, "m/copy")->verdict, KB_VERDICT_SKIPPED);
	assert_non_null(strstr(row_of(&c, "m/copy")->note, "no such counter"));
	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
	assert_true(kb_counter_higher_is_better("items_per_second"));
	assert_false(kb_counter_higher_is_better("cache_misses"));
}

static void test_config_overrides(void **state)
{
	char path[] = "/tmp/kb-test-cmp-XXXXXX";
	double f[NIDS] = { 1.2, 1, 1.2, 1, 1, 1 };
	struct kb_compare_config cfg;
	struct kb_compare_options o;
	struct kb_run a, b;
	struct kb_compare c;
	FILE *fp;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs("# thresholds\nmatmul/sgemm_naive/*  30%   # noisy kernel\n\ndefault 4\n", fp);
	fclose(fp);
	assert_int_equal(kb_compare_config_load(path, &cfg), 0);
	assert_int_equal(cfg.noverrides, 1);
	assert_near(cfg.threshold, 0.04, 1e-12);

	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", f, 2);
	kb_compare_options_init(&o);
	o.resamples = 2000;
	o.config = &cfg;
	assert_int_equal(compare(&a, &b, &o, &c), 0);
	assert_int_equal(row_of(&c, ids[0])->verdict, KB_VERDICT_UNCHANGED);
	assert_int_equal(row_of(&c, ids[0])->threshold_source, KB_THRESHOLD_CONFIG);
	assert_near(row_of(&c, ids[0])->threshold, 0.30, 1e-12);
	assert_int_equal(row_of(&c, ids[2])->verdict, KB_VERDICT_REGRESSED);
	assert_near(row_of(&c, ids[2])->threshold, 0.04, 1e-12);
	kb_compare_release(&c);
	kb_compare_config_release(&cfg);
	kb_run_clear(&a);
	kb_run_clear(&b);

	fp = fopen(path, "w");
	fputs("matmul/*  fast\n", fp);
	fclose(fp);
	assert_int_equal(kb_compare_config_load(path, &cfg), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), ":1:"));
	unlink(path);
	assert_int_equal(kb_compare_config_load(path, &cfg), -KB_ENOTFOUND);
}

static void test_parse_percent(void **state)
{
	double v;

	(void)state;
	assert_int_equal(kb_compare_parse_percent("5", &v), 0);
	assert_near(v, 0.05, 1e-15);
	assert_int_equal(kb_compare_parse_percent("2.5%", &v), 0);
	assert_near(v, 0.025, 1e-15);
	assert_int_equal(kb_compare_parse_percent("10 %", &v), 0);
	assert_near(v, 0.10, 1e-15);
	assert_int_equal(kb_compare_parse_percent("-1", &v), -KB_EINVAL);
	assert_int_equal(kb_compare_parse_percent("five", &v), -KB_EINVAL);
	assert_int_equal(kb_compare_parse_percent("5%%", &v), -KB_EINVAL);
	assert_int_equal(kb_compare_parse_percent("nan", &v), -KB_EINVAL);
	assert_int_equal(kb_compare_parse_percent("", &v), -KB_EINVAL);
}

static void test_deterministic(void **state)
{
	double f[NIDS] = { 1, 1.07, 1, 1, 1, 1 };
	struct kb_run a, b;
	struct kb_compare c1, c2;
	size_t i;

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", f, 2);
	assert_int_equal(compare(&a, &b, NULL, &c1), 0);
	assert_int_equal(compare(&a, &b, NULL, &c2), 0);
	for (i = 0; i < c1.nrows; i++) {
		assert_true(c1.rows[i].ci_low == c2.rows[i].ci_low);
		assert_true(c1.rows[i].ci_high == c2.rows[i].ci_high);
		assert_int_equal(c1.rows[i].verdict, c2.rows[i].verdict);
	}
	kb_compare_release(&c1);
	kb_compare_release(&c2);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

/* ---- reporters ------------------------------------------------------------ */

static char *render(int (*fn)(FILE *, const struct kb_compare *), const struct kb_compare *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, c), 0);
	fclose(f);
	return buf;
}

static int console_plain(FILE *f, const struct kb_compare *c)
{
	return kb_report_compare_console(f, c, false);
}

static void test_reporters(void **state)
{
	double f[NIDS] = { 1, 1, 1.2, 1, 1, 1 };
	struct kb_run a, b;
	struct kb_compare c;
	json_error_t jerr;
	json_t *root;
	char *out, change[96];

	(void)state;
	make_suite(&a, "fp", NULL, 1);
	make_suite(&b, "fp", f, 2);
	add_status(&b, "s/broken|pipe", KB_STATUS_ERROR, "bad");
	assert_int_equal(compare(&a, &b, NULL, &c), 0);

	kb_report_compare_change(row_of(&c, ids[2]), change, sizeof(change));
	assert_true(strncmp(change, "+20.", 4) == 0 || strncmp(change, "+19.", 4) == 0);
	assert_non_null(strstr(change, " % [+"));

	out = render(console_plain, &c);
	assert_non_null(strstr(out, ids[2]));
	assert_non_null(strstr(out, "regressed"));
	assert_non_null(strstr(out, "FAIL"));
	assert_non_null(strstr(out, "(exit 1)"));
	assert_null(strchr(out, '\033')); /* no colour when not asked */
	free(out);

	out = render(kb_report_compare_markdown, &c);
	assert_non_null(strstr(out, "### kbench-compare"));
	assert_non_null(strstr(out, "| Benchmark |"));
	assert_non_null(strstr(out, "`s/broken\\|pipe`")); /* '|' escaped in a cell */
	assert_non_null(strstr(out, "<details>"));
	free(out);

	out = render(kb_report_compare_json, &c);
	root = json_loads(out, 0, &jerr);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "exit_status")), 1);
	assert_int_equal(json_array_size(json_object_get(root, "rows")), NIDS + 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "counts"), "regressed")), 1);
	json_decref(root);
	free(out);

	kb_compare_release(&c);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

int main(void)
{

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_all_unchanged),
		cmocka_unit_test(test_identical_noisy_unchanged),
		cmocka_unit_test(test_independent_same_distribution_unchanged),
		cmocka_unit_test(test_one_20pct_slower_regressed),
		cmocka_unit_test(test_reference_check),
		cmocka_unit_test(test_global_shift_warning),
		cmocka_unit_test(test_improved),
		cmocka_unit_test(test_small_change_below_threshold),
		cmocka_unit_test(test_noise_raises_threshold),
		cmocka_unit_test(test_holm),
		cmocka_unit_test(test_noisy_side_inconclusive),
		cmocka_unit_test(test_noisy_side_from_samples),
		cmocka_unit_test(test_seeded_interval_unchanged),
		cmocka_unit_test(test_work_budget),
		cmocka_unit_test(test_new_missing_error_skipped),
		cmocka_unit_test(test_failed_validation_is_error),
		cmocka_unit_test(test_fingerprint_mismatch),
		cmocka_unit_test(test_mismatch_widens_threshold),
		cmocka_unit_test(test_incomparable),
		cmocka_unit_test(test_point_estimate_fallback),
		cmocka_unit_test(test_summary_fallback),
		cmocka_unit_test(test_counter_gate),
		cmocka_unit_test(test_config_overrides),
		cmocka_unit_test(test_parse_percent),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_reporters),
		cmocka_unit_test(test_process_level_by_hand),
		cmocka_unit_test(test_baseline_pools_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
