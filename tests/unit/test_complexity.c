/*
 * Complexity fits (KB_COMPLEXITY): the least-squares fit and its RMS
 * against Google Benchmark's own numbers, the automatic order on synthetic
 * data with known exponents, the interval against scipy, the grouping of a
 * run's results, and the registration checks.
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

#include "complexity.h"
#include "error.h"
#include "kbench.h"
#include "registry.h"
#include "result.h"

static void body(struct kb_state *state)
{
	while (kb_loop(state)) {
	}
}

KB_BENCH(cx, grid) { body(state); }
KB_SPACE(cx, grid, "n=16..128 m=1,2");
KB_COMPLEXITY(cx, grid, KB_AUTO);

KB_BENCH(cx, named) { body(state); }
KB_SPACE(cx, named, "rows=8..32 cols=4");
KB_COMPLEXITY_AXIS(cx, named, "rows", KB_ON2);

KB_BENCH(cx, noaxis) { body(state); }
KB_SPACE(cx, noaxis, "a=1,2 b=3");
KB_COMPLEXITY(cx, noaxis, KB_ON);

KB_BENCH(cx, wrongaxis) { body(state); }
KB_ARGS(cx, wrongaxis, 1, 2);
KB_COMPLEXITY_AXIS(cx, wrongaxis, "m", KB_ON);

/*
 * Google Benchmark 1.7.1's own fit (tests/data/gbench/complexity_gb171.json,
 * its ->Complexity(benchmark::oN) on BM_Sum): the cpu_time of each size in,
 * cpu_coefficient and rms out.
 */
static void matches_google_benchmark(void **st)
{
	struct kb_fit_point p[] = {
		{ 256, 235.57540416914003, NAN, NAN, NAN },
		{ 1024, 974.0141486306649, NAN, NAN, NAN },
		{ 4096, 3890.801607093378, NAN, NAN, NAN },
		{ 16384, 15508.653803748628, NAN, NAN, NAN },
	};
	struct kb_fit f = { 0 };

	(void)st;
	assert_int_equal(kb_complexity_fit(p, 4, KB_ON, 0.95, &f), 0);
	assert_string_equal(f.big_o, "N");
	assert_true(fabs(f.coef / 0.9467790658904517 - 1) < 1e-12);
	assert_true(fabs(f.rms / 0.0015086930851973927 - 1) < 1e-9);
	assert_true(isnan(f.coef_low)); /* no uncertainty given */
	kb_fit_clear(&f);
}

/* t = 3 f(n) with a +-2 % wobble: the automatic order is f, the coefficient 3. */
static void auto_finds_known_exponents(void **st)
{
	static const double wobble[] = { 1.02, 0.98, 1.01, 0.99, 1.02, 0.98, 1.0 };
	(void)st;
	for (int o = KB_O1; o < KB_AUTO; o++) {
		struct kb_fit_point p[7];
		struct kb_fit f = { 0 };

		for (int i = 0; i < 7; i++) {
			double n = (double)(16 << i); /* 16 .. 1024 */
			p[i] = (struct kb_fit_point){ n, 3 * kb_big_o_f(o, n) * wobble[i], NAN, NAN, NAN };
		}
		assert_int_equal(kb_complexity_fit(p, 7, KB_AUTO, 0.95, &f), 0);
		assert_string_equal(f.big_o, kb_big_o_name(o));
		assert_true(fabs(f.coef / 3 - 1) < 0.02);
		assert_true(f.rms < 0.02);
		kb_fit_clear(&f);
	}
}

/* A forced order is fitted even when another fits better, and its RMS says so. */
static void forced_order_and_its_rms(void **st)
{
	struct kb_fit_point p[4];
	struct kb_fit f = { 0 };

	(void)st;
	for (int i = 0; i < 4; i++) {
		double n = (double)(64 << i);
		p[i] = (struct kb_fit_point){ n, 0.5 * n * n * n, NAN, NAN, NAN };
	}
	assert_int_equal(kb_complexity_fit(p, 4, KB_ON3, 0.95, &f), 0);
	assert_string_equal(f.big_o, "N^3");
	assert_true(fabs(f.coef - 0.5) < 1e-12 && f.rms < 1e-12);
	assert_int_equal(kb_complexity_fit(p, 4, KB_ON2, 0.95, &f), 0);
	assert_string_equal(f.big_o, "N^2");
	assert_true(fabs(f.rms - 0.2275569040337614) < 1e-9); /* by hand in Python */
	kb_fit_clear(&f);
}

/*
 * The interval: n = 1, 2 with t = 1, 2 ns, log_se 0.1 with 9 df each.
 * c = 1; var = (0.2 * 0.1)^2 + (0.4 * 2 * 0.1)^2 = 0.0068; Welch-
 * Satterthwaite df = 10.1206...; half-width from scipy:
 * stats.t.ppf(0.975, 10.120622568093387) * sqrt(0.0068) = 0.18344063545474984.
 */
static void interval_against_scipy(void **st)
{
	struct kb_fit_point p[] = { { 1, 1, NAN, 0.1, 9 }, { 2, 2, NAN, 0.1, 9 } };
	struct kb_fit f = { 0 };

	(void)st;
	assert_int_equal(kb_complexity_fit(p, 2, KB_ON, 0.95, &f), 0);
	assert_true(fabs(f.coef - 1) < 1e-12);
	assert_true(fabs(f.coef_high - 1 - 0.18344063545474984) < 1e-6);
	assert_true(fabs(1 - f.coef_low - 0.18344063545474984) < 1e-6);
	/* one point without uncertainty: no interval */
	p[1].log_se = NAN;
	assert_int_equal(kb_complexity_fit(p, 2, KB_ON, 0.95, &f), 0);
	assert_true(isnan(f.coef_low) && isnan(f.coef_high));
	kb_fit_clear(&f);
}

static void bad_input_is_refused(void **st)
{
	struct kb_fit_point p[] = { { 4, 1, NAN, NAN, NAN }, { 0, 2, NAN, NAN, NAN } };
	struct kb_fit f = { 0 };

	(void)st;
	assert_int_equal(kb_complexity_fit(p, 1, KB_ON, 0.95, &f), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "two or more sizes"));
	assert_int_equal(kb_complexity_fit(p, 2, KB_ON, 0.95, &f), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "size 0 is not > 0"));
	p[1].n = 8;
	p[1].t = -1;
	assert_int_equal(kb_complexity_fit(p, 2, KB_ON, 0.95, &f), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "time -1 ns"));
	kb_fit_clear(&f);
}

static const struct kb_instance *find(const struct kb_instance_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

/* A result as the runner makes it: numeric parameters, the median, an interval. */
static void fake_result(struct kb_result *r, const struct kb_instance *inst, double median,
			enum kb_status status)
{
	memset(r, 0, sizeof(*r));
	r->id = strdup(inst->id);
	r->suite = strdup(inst->bench->suite);
	r->kernel = strdup(inst->bench->name);
	r->params = calloc(inst->nparams, sizeof(*r->params));
	r->nparams = inst->nparams;
	for (size_t i = 0; i < inst->nparams; i++) {
		r->params[i].name = strdup(inst->param_names[i]);
		r->params[i].value = inst->params[i];
	}
	r->status = status;
	r->summary.median = median;
	r->proc.processes = 5;
	r->proc.log_se = 0.02;
	r->proc.df = 4;
}

/*
 * A run: cx/grid's results grouped by m (one fit per m over n), the error
 * result left out, a group with one ok result noted; cx/named fitted over
 * "rows".  Times are 2 n^3 (m=1) and 5 n (m=2).
 */
static void a_run_groups_by_the_other_axes(void **st)
{
	struct kb_instance_list all = { 0 };
	const struct kb_instance *sel[16];
	struct kb_run run;
	size_t n = 0;

	(void)st;
	assert_int_equal(kb_registry_expand(false, false, &all), 0);
	memset(&run, 0, sizeof(run));
	run.results = calloc(16, sizeof(*run.results));
	for (int k = 16; k <= 128; k *= 2) {
		char id[64];
		snprintf(id, sizeof(id), "cx/grid/%d/1", k);
		sel[n] = find(&all, id);
		assert_non_null(sel[n]);
		fake_result(&run.results[n], sel[n], 2.0 * k * k * k, KB_STATUS_OK);
		n++;
		snprintf(id, sizeof(id), "cx/grid/%d/2", k);
		sel[n] = find(&all, id);
		fake_result(&run.results[n], sel[n], 5.0 * k, k == 32 ? KB_STATUS_ERROR : KB_STATUS_OK);
		n++;
	}
	sel[n] = find(&all, "cx/named/8/4");
	assert_non_null(sel[n]);
	fake_result(&run.results[n], sel[n], 7.0 * 64, KB_STATUS_OK);
	n++;
	run.nresults = n;
	assert_int_equal(kb_complexity_run(&run, sel, n, 0.95), 0);
	assert_int_equal(run.nfits, 3);
	assert_string_equal(run.fits[0].name, "cx/grid/m=1");
	assert_string_equal(run.fits[0].big_o, "N^3");
	assert_string_equal(run.fits[0].requested, "auto");
	assert_true(fabs(run.fits[0].coef - 2) < 1e-9);
	assert_true(run.fits[0].coef_low < 2 && run.fits[0].coef_high > 2);
	assert_int_equal(run.fits[0].npoints, 4);
	assert_string_equal(run.fits[1].name, "cx/grid/m=2");
	assert_string_equal(run.fits[1].big_o, "N");
	assert_int_equal(run.fits[1].npoints, 3); /* the error result is not fitted */
	assert_true(fabs(run.fits[1].coef - 5) < 1e-9);
	assert_string_equal(run.fits[2].name, "cx/named/cols=4");
	assert_string_equal(run.fits[2].axis, "rows");
	assert_null(run.fits[2].big_o);
	assert_non_null(strstr(run.fits[2].note, "two or more values of rows, this run has 1"));
	kb_run_clear(&run);
	kb_instance_list_clear(&all);
}

/* A complexity axis the parameters do not have makes the benchmark an error. */
static void a_missing_axis_is_an_error(void **st)
{
	struct kb_instance_list all = { 0 };
	const struct kb_instance *a, *b;

	(void)st;
	assert_int_equal(kb_registry_expand(false, false, &all), 0);
	a = find(&all, "cx/noaxis");
	b = find(&all, "cx/wrongaxis");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(strstr(a->error, "has no axis \"n\" and more than one axis"));
	assert_non_null(strstr(b->error, "names the axis \"m\""));
	kb_instance_list_clear(&all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches_google_benchmark),
		cmocka_unit_test(auto_finds_known_exponents),
		cmocka_unit_test(forced_order_and_its_rms),
		cmocka_unit_test(interval_against_scipy),
		cmocka_unit_test(bad_input_is_refused),
		cmocka_unit_test(a_run_groups_by_the_other_axes),
		cmocka_unit_test(a_missing_axis_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
