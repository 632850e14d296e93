/*
 * test_report.c - kbench-report's library parts: families and metrics, the
 * plot data files (exact content), gnuplot variables, recommendations, the
 * comparison reader, SVG inlining, the HTML and Markdown reports, and the
 * missing-gnuplot message.  Expected numbers are worked out by hand in the
 * comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "error.h"
#include "report_group.h"
#include "report_html.h"
#include "report_input.h"
#include "report_plot.h"
#include "result.h"

/* ---- fixtures ------------------------------------------------------------- */

static void add_param(struct kb_result *r, const char *name, int64_t v, const char *s)
{
	r->params = realloc(r->params, (r->nparams + 1) * sizeof(*r->params));
	memset(&r->params[r->nparams], 0, sizeof(r->params[0]));
	r->params[r->nparams].name = strdup(name);
	if (s) {
		r->params[r->nparams].is_str = true;
		r->params[r->nparams].str = strdup(s);
	} else {
		r->params[r->nparams].value = v;
	}
	r->nparams++;
}

/* A matmul result: median `med` ns with a +-1 % CI, `gflops`, pct_peak
 * against a peak of 100, and `ns` samples spread +-2 % around med. */
static void matmul(struct kb_result *r, const char *kernel, int64_t n, double med, double gflops,
		   size_t ns)
{
	char id[96];

	memset(r, 0, sizeof(*r));
	snprintf(id, sizeof(id), "matmul/%s/%lld", kernel, (long long)n);
	r->id = strdup(id);
	r->suite = strdup("matmul");
	r->kernel = strdup(kernel);
	add_param(r, "n", n, NULL);
	add_param(r, "dtype", 0, "f32");
	r->unit = strdup("ns");
	r->status = KB_STATUS_OK;
	r->summary.median = med;
	r->summary.ci_low = med * 0.99;
	r->summary.ci_high = med * 1.01;
	r->summary.converged = true;
	r->summary.cv = 0.01;
	r->nsamples = ns;
	r->summary.n = ns;
	if (ns) {
		r->samples_ns = malloc(ns * sizeof(double));
		for (size_t i = 0; i < ns; i++)
			r->samples_ns[i] = med * (0.98 + 0.04 * (double)i / (double)(ns - 1));
	}
	kb_result_set_counter(r, "gflops", gflops);
	kb_result_set_counter(r, "pct_peak", gflops); /* peak 100 */
	r->instructions = NAN;
	r->noise = NAN;
	r->gb_cpu_time_ns = NAN;
}

/*
 * One run: matmul naive (1000 ns at n=64, 8000 ns at n=128) and fast (250 ns,
 * 7950 ns), GFLOP/s 2, 2.5, 8, 2.5; a skipped benchmark; reduction sum at
 * n=1024 with GB/s only (its own family).
 */
static void make_run(struct kb_run *run)
{
	memset(run, 0, sizeof(*run));
	run->schema_version = 1;
	run->format = strdup("kbench");
	run->git = strdup("abc123");
	run->date = strdup("2026-11-25T10:00:00Z");
	run->fingerprint = strdup("test-machine");
	run->seed = 42;
	kb_run_add_context(run, "host", "testhost", false);
	kb_run_add_context(run, "cpu.model", "Test CPU", false);
	kb_run_add_context(run, "peaks.flops_f32", "100", true);
	kb_run_add_context(run, "peaks.flops_f32_unit", "GFLOP/s", false);
	kb_run_add_context(run, "peaks.bandwidth", "20", true);
	kb_run_add_context(run, "peaks.bandwidth_unit", "GB/s", false);
	run->results = calloc(6, sizeof(*run->results));
	run->nresults = 6;
	matmul(&run->results[0], "sgemm_naive", 64, 1000, 2.0, 10);
	matmul(&run->results[1], "sgemm_naive", 128, 8000, 2.5, 10);
	matmul(&run->results[2], "sgemm_fast", 64, 250, 8.0, 10);
	matmul(&run->results[3], "sgemm_fast", 128, 7950, 2.5, 10);
	matmul(&run->results[4], "sgemm_cuda", 64, NAN, NAN, 0);
	run->results[4].status = KB_STATUS_SKIPPED;
	run->results[4].message = strdup("no CUDA device");
	{
		struct kb_result *r = &run->results[5];

		memset(r, 0, sizeof(*r));
		r->id = strdup("reduction/sum/1024");
		r->suite = strdup("reduction");
		r->kernel = strdup("sum");
		add_param(r, "n", 1024, NULL);
		r->status = KB_STATUS_OK;
		r->summary.median = 400;
		r->summary.ci_low = 390;
		r->summary.ci_high = 410;
		kb_result_set_counter(r, "gbps", 10.24);
		r->instructions = NAN;
		r->noise = NAN;
	}
}

static char *capture_begin(FILE **f, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	*f = open_memstream(buf, len);
	assert_non_null(*f);
	return *buf;
}

/* ---- groups --------------------------------------------------------------- */

static void test_group_families(void **state)
{
	struct kb_run run;
	struct kb_group g;
	const struct kb_family *f;

	(void)state;
	make_run(&run);
	assert_int_equal(kb_group_build(&g, &run, NULL, 1), 0);
	assert_int_equal(g.nentries, 5); /* the skipped one is left out */
	assert_int_equal(g.nfamilies, 2);
	f = &g.families[0];
	assert_string_equal(f->key, "matmul/sgemm (f32)");
	assert_string_equal(f->slug, "matmul-sgemm-f32");
	assert_string_equal(f->metric, "gflops");
	assert_string_equal(f->size_param, "n");
	assert_int_equal(f->nseries, 2);
	assert_string_equal(f->series[0], "sgemm_naive");
	assert_string_equal(f->series[1], "sgemm_fast");
	/* the peak the runner used (gflops / pct_peak = 100), named from the context */
	assert_true(f->peak == 100);
	assert_string_equal(f->peak_source, "peaks.flops_f32");
	f = &g.families[1];
	assert_string_equal(f->key, "reduction/sum");
	assert_string_equal(f->metric, "gbps");
	/* no pct_peak: the context's only GB/s peak */
	assert_true(f->peak == 20);
	assert_string_equal(f->peak_source, "peaks.bandwidth");
	assert_string_equal(g.entries[0].size_label, "64");
	kb_group_release(&g);

	/* two runs: series carry the run label */
	{
		struct kb_run two[2];
		const char *labels[] = {"old", "new"};

		make_run(&two[0]);
		make_run(&two[1]);
		assert_int_equal(kb_group_build(&g, two, labels, 2), 0);
		assert_int_equal(g.families[0].nseries, 4);
		assert_string_equal(g.families[0].series[0], "sgemm_naive@old");
		assert_string_equal(g.families[0].series[2], "sgemm_naive@new");
		kb_group_release(&g);
		kb_run_clear(&two[0]);
		kb_run_clear(&two[1]);
	}
	kb_run_clear(&run);
}

static void test_group_extra_params(void **state)
{
	struct kb_run run = {0};
	struct kb_group g;

	(void)state;
	/* m = n = k is one size; threads=4 splits the series */
	run.results = calloc(2, sizeof(*run.results));
	run.nresults = 2;
	for (int i = 0; i < 2; i++) {
		struct kb_result *r = &run.results[i];

		matmul(r, "sgemm_blas", 256, 100, 5, 0);
		add_param(r, "m", 256, NULL);
		add_param(r, "threads", i ? 4 : 256, NULL);
	}
	free(run.results[1].id);
	run.results[1].id = strdup("matmul/sgemm_blas/256/t4");
	assert_int_equal(kb_group_build(&g, &run, NULL, 1), 0);
	assert_int_equal(g.nfamilies, 1);
	assert_int_equal(g.families[0].nseries, 2);
	assert_string_equal(g.families[0].series[0], "sgemm_blas");
	assert_string_equal(g.families[0].series[1], "sgemm_blas threads=4");
	assert_string_equal(g.entries[1].size_label, "256/t4");
	kb_group_release(&g);
	kb_run_clear(&run);
}

/* ---- data files ----------------------------------------------------------- */

static void test_scaling_data(void **state)
{
	struct kb_run run;
	struct kb_group g;
	struct kb_plot_vars vars = {0};
	FILE *f;
	char *buf;
	size_t len;
	/*
	 * naive n=64: 2 GFLOP/s at 1000 ns, CI [990, 1010] ns, so the rate's
	 * interval is 2*1000/1010 = 1.9802 .. 2*1000/990 = 2.0202.
	 */
	const char *expected =
		"# kbench scaling data: family matmul/sgemm (f32)\n"
		"# metric gflops (GFLOP/s) at the median time, size parameter n\n"
		"# machine peak 100 GFLOP/s (peaks.flops_f32)\n"
		"# one block per series; columns: size value value_low value_high median_ns\n"
		"# series sgemm_naive\n"
		"64 2 1.9802 2.0202 1000\n"
		"128 2.5 2.47525 2.52525 8000\n"
		"\n\n# series sgemm_fast\n"
		"64 8 7.92079 8.08081 250\n"
		"128 2.5 2.47525 2.52525 7950\n";

	(void)state;
	make_run(&run);
	assert_int_equal(kb_group_build(&g, &run, NULL, 1), 0);
	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_plot_scaling_write(f, &g, 0, &vars), 0);
	fclose(f);
	assert_string_equal(buf, expected);
	assert_non_null(strstr(vars.text, "title_1='sgemm_naive'; title_2='sgemm_fast'; nseries=2"));
	assert_non_null(strstr(vars.text, "peak=100"));
	assert_non_null(strstr(vars.text, "peak_label='machine peak 100 GFLOP/s'"));
	assert_non_null(strstr(vars.text, "logy=0")); /* 8 / 2 < 30 */
	free(buf);
	kb_plot_vars_release(&vars);
	kb_group_release(&g);
	kb_run_clear(&run);
}

static void test_comparison_data(void **state)
{
	struct kb_compare_row rows[3] = {0};
	struct kb_compare c = {0};
	struct kb_plot_vars vars = {0};
	FILE *f;
	char *buf;
	size_t len;
	const char *expected =
		"# kbench comparison data: base.json (baseline) vs new.json (current), metric time\n"
		"# values relative to the baseline median; intervals: the baseline's median CI,"
		" the ratio's CI\n"
		"# columns: row baseline baseline_low baseline_high current current_low"
		" current_high colour id verdict\n"
		"2 1 0.99 1.01 1.2 1.15 1.25 14034728 \"a/regressed/1\" \"regressed +20.0%\"\n"
		"1 1 0.98 1.02 0.999 0.97 1.03 2062260 \"a/same/1\" \"unchanged -0.1%\"\n";

	(void)state;
	rows[0] = (struct kb_compare_row){.id = "a/regressed/1", .verdict = KB_VERDICT_REGRESSED,
					  .ratio = 1.2, .ci_low = 1.15, .ci_high = 1.25,
					  .baseline_rel_ci = 0.01};
	rows[1] = (struct kb_compare_row){.id = "a/same/1", .verdict = KB_VERDICT_UNCHANGED,
					  .ratio = 0.999, .ci_low = 0.97, .ci_high = 1.03,
					  .baseline_rel_ci = 0.02};
	rows[2] = (struct kb_compare_row){.id = "a/gone/1", .verdict = KB_VERDICT_MISSING,
					  .ratio = NAN, .ci_low = NAN, .ci_high = NAN};
	c.baseline_name = "base.json";
	c.current_name = "new.json";
	c.metric = "time";
	c.opt.threshold = 0.05;
	c.rows = rows;
	c.nrows = 3;
	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_plot_comparison_write(f, &c, &vars), 0);
	fclose(f);
	/* 14034728 = 0xd62728 (red), 2062260 = 0x1f77b4 (blue) */
	assert_string_equal(buf, expected);
	assert_non_null(strstr(vars.text, "nrows=2"));
	assert_non_null(strstr(vars.text, "threshold=0.05"));
	free(buf);
	kb_plot_vars_release(&vars);

	/* nothing comparable */
	c.rows = &rows[2];
	c.nrows = 1;
	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_plot_comparison_write(f, &c, &vars), -KB_ENOTFOUND);
	fclose(f);
	free(buf);
	kb_plot_vars_release(&vars);
}

static void test_distribution_data(void **state)
{
	struct kb_result r = {0};
	const struct kb_result *res[1] = {&r};
	const char *labels[1] = {"k"};
	double s[10] = {14, 10, 11, 12, 13, 100, 15, 16, 17, 18};
	struct kb_plot_vars vars = {0};
	FILE *f;
	char *buf, *line;
	size_t len;
	int classes[3] = {0};

	(void)state;
	r.id = "x/k/1";
	r.samples_ns = s;
	r.nsamples = 10;
	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_plot_distribution_write(f, res, labels, 1, "t", &vars), 0);
	fclose(f);
	/*
	 * sorted 10..18, 100; type-7 quantiles: q1 = 12.25, median = 14.5,
	 * q3 = 16.75; IQR 4.5, fences 5.5 / 23.5 (1.5 IQR) and 30.25 (3 IQR):
	 * 100 is a severe outlier, whiskers 10 and 18.  In % of the median:
	 * q1 -15.5172, whiskers -31.0345 / +24.1379, q3 +15.5172.
	 */
	assert_non_null(strstr(buf, "\n1 -15.5172 -31.0345 24.1379 15.5172 0 14.5 \"k (14.5 ns)\"\n"));
	for (line = strstr(buf, "# block 1"); line && (line = strchr(line, '\n')); line++) {
		double x, v, ns;
		int cls;

		if (sscanf(line + 1, "%lf %lf %d %lf", &x, &v, &cls, &ns) != 4)
			continue;
		assert_true(x >= 0.8 && x <= 1.2); /* jitter around box 1 */
		assert_true(cls >= 0 && cls <= 2);
		classes[cls]++;
		if (cls == 2)
			assert_true(ns == 100);
	}
	assert_int_equal(classes[0], 9);
	assert_int_equal(classes[1], 0);
	assert_int_equal(classes[2], 1);
	/* the strip is reproducible: same file twice */
	{
		FILE *f2;
		char *buf2;
		size_t len2;

		capture_begin(&f2, &buf2, &len2);
		assert_int_equal(kb_plot_distribution_write(f2, res, labels, 1, "t", &vars), 0);
		fclose(f2);
		assert_string_equal(buf, buf2);
		free(buf2);
	}
	free(buf);
	kb_plot_vars_release(&vars);

	r.nsamples = 0;
	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_plot_distribution_write(f, res, labels, 1, "t", &vars), -KB_EINVAL);
	fclose(f);
	free(buf);
	kb_plot_vars_release(&vars);
}

static void test_history_data(void **state)
{
	const char *labels[3] = {"r1", "r2", "r3"};
	double med[3] = {1500, 1510, 1800}, lo[3] = {1490, 1500, 1790}, hi[3] = {1510, 1520, 1810};
	double level[3] = {1505, 1505, 1800}, step[3] = {0, 0, 0.196};
	bool cp[3] = {false, false, true};
	struct kb_plot_vars vars = {0};
	FILE *f;
	char *buf;
	size_t len;
	/* largest value 1810 ns: the plot is in us */
	const char *expected =
		"# kbench history data: a/b/1\n"
		"# times per iteration in us; one row per run, oldest first\n"
		"# columns: idx median low high level changepoint label step\n"
		"1 1.5 1.49 1.51 1.505 0 \"r1\" \"-\"\n"
		"2 1.51 1.5 1.52 1.505 0 \"r2\" \"-\"\n"
		"3 1.8 1.79 1.81 1.8 1 \"r3\" \"+19.6%\"\n";

	(void)state;
	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_plot_history_write(f, "a/b/1", 3, labels, med, lo, hi, level, cp, step,
					       &vars), 0);
	fclose(f);
	assert_string_equal(buf, expected);
	assert_non_null(strstr(vars.text, "plot_title='a/b/1: 3 runs, 1 change point'"));
	assert_non_null(strstr(vars.text, "ylabel='median time per iteration (us)'"));
	free(buf);
	kb_plot_vars_release(&vars);
}

static void test_vars_quoting(void **state)
{
	struct kb_plot_vars v = {0};

	(void)state;
	assert_int_equal(kb_plot_vars_str(&v, "a", "it's\nfine"), 0);
	assert_int_equal(kb_plot_vars_num(&v, "n", 3), 0);
	assert_int_equal(kb_plot_vars_num(&v, "x", NAN), 0);
	assert_string_equal(v.text, "a='it''s fine'; n=3; x=0");
	kb_plot_vars_release(&v);
}

/* ---- recommendations ------------------------------------------------------ */

static void test_recommend(void **state)
{
	struct kb_run run;
	struct kb_group g;
	struct kb_recommendation *recs;
	size_t n;

	(void)state;
	make_run(&run);
	assert_int_equal(kb_group_build(&g, &run, NULL, 1), 0);
	assert_int_equal(kb_group_recommend(&g, 42, 2000, &recs, &n), 0);
	assert_int_equal(n, 3); /* matmul 64, 128; reduction 1024 */
	/* n=64: fast (250 ns) beats naive (1000 ns) 4x; samples do not overlap */
	assert_string_equal(recs[0].size_label, "64");
	assert_string_equal(g.entries[recs[0].best].series, "sgemm_fast");
	assert_string_equal(g.entries[recs[0].runner_up].series, "sgemm_naive");
	assert_true(fabs(recs[0].speedup - 4) < 1e-9);
	assert_true(recs[0].bootstrap);
	assert_true(recs[0].speedup_lo > 3.8 && recs[0].speedup_hi < 4.2);
	assert_true(recs[0].clear);
	assert_true(fabs(recs[0].vs_slowest - 4) < 1e-9);
	/* n=128: 7950 vs 8000 ns, +-2 % samples: a tie within noise */
	assert_string_equal(recs[1].size_label, "128");
	assert_string_equal(g.entries[recs[1].best].series, "sgemm_fast");
	assert_true(recs[1].speedup_lo < 1 && recs[1].speedup_hi > 1);
	assert_false(recs[1].clear);
	/* one kernel only */
	assert_int_equal(recs[2].ncandidates, 1);
	assert_int_equal(recs[2].runner_up, SIZE_MAX);
	assert_true(isnan(recs[2].speedup));
	free(recs);
	kb_group_release(&g);
	kb_run_clear(&run);
}

/* ---- comparison reader ---------------------------------------------------- */

static const char *root_path(const char *rel, char *buf, size_t len)
{
	const char *root = getenv("KB_ROOT");

	snprintf(buf, len, "%s/%s", root && *root ? root : ".", rel);
	return buf;
}

static void test_load_compare(void **state)
{
	struct kb_compare c;
	char path[512];
	FILE *f;

	(void)state;
	assert_int_equal(kb_report_load_compare(root_path("tests/data/report/compare.json", path,
							  sizeof(path)), &c), 0);
	assert_int_equal(c.nrows, 20);
	assert_int_equal(c.counts[KB_VERDICT_REGRESSED], 4);
	assert_string_equal(c.metric, "time");
	assert_int_equal(c.nwarnings, 1);
	for (size_t i = 0; i < c.nrows; i++)
		if (strcmp(c.rows[i].id, "matmul/sgemm_blocked/64") == 0) {
			assert_int_equal(c.rows[i].verdict, KB_VERDICT_REGRESSED);
			assert_true(c.rows[i].ratio > 1.2 && c.rows[i].ratio < 1.22);
			assert_true(c.rows[i].ci_low < c.rows[i].ratio);
		}
	kb_compare_release(&c);

	/* kbench-ab names the sides old and new */
	assert_int_equal(kb_report_load_compare(root_path("tests/data/report/ab.json", path,
							  sizeof(path)), &c), 0);
	assert_string_equal(c.baseline_name, "build-base/kbench");
	assert_int_equal(c.nrows, 3);
	assert_true(c.rows[0].baseline == 1870000.0 && c.rows[0].current == 2240000.0);
	assert_true(c.rows[0].threshold == 0.05); /* from the options */
	kb_compare_release(&c);

	/* bad input: named, with line and column for syntax */
	assert_int_equal(kb_report_load_compare("/nonexistent/cmp.json", &c), -KB_EIO);
	f = fopen("/tmp/kb-test-report-bad.json", "w");
	assert_non_null(f);
	fputs("{\"rows\": [1,\n", f);
	fclose(f);
	assert_int_equal(kb_report_load_compare("/tmp/kb-test-report-bad.json", &c), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "/tmp/kb-test-report-bad.json:"));
	f = fopen("/tmp/kb-test-report-bad.json", "w");
	fputs("{\"schema_version\": 1, \"benchmarks\": []}", f);
	fclose(f);
	assert_int_equal(kb_report_load_compare("/tmp/kb-test-report-bad.json", &c), -KB_ESCHEMA);
	assert_non_null(strstr(kb_last_error(), "no \"rows\" array"));
	f = fopen("/tmp/kb-test-report-bad.json", "w");
	fputs("{\"rows\": [{\"id\": \"a\", \"verdict\": \"worse\"}]}", f);
	fclose(f);
	assert_int_equal(kb_report_load_compare("/tmp/kb-test-report-bad.json", &c), -KB_ESCHEMA);
	assert_non_null(strstr(kb_last_error(), "rows[0] (a)"));
	unlink("/tmp/kb-test-report-bad.json");
}

/* ---- HTML and Markdown ---------------------------------------------------- */

static void test_inline_svg(void **state)
{
	const char *svg_path = "/tmp/kb-test-report.svg";
	FILE *f = fopen(svg_path, "w");
	char *buf;
	size_t len;

	(void)state;
	assert_non_null(f);
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE svg>\n"
	      "<svg width=\"10\"><defs><path id='gpPt0' d='M0'/></defs>"
	      "<g clip-path=\"url(#c1)\"><use xlink:href='#gpPt0'/></g></svg>\n", f);
	fclose(f);
	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_report_inline_svg(f, svg_path, "f3-"), 0);
	fclose(f);
	assert_string_equal(buf, "<svg width=\"10\"><defs><path id='f3-gpPt0' d='M0'/></defs>"
				 "<g clip-path=\"url(#f3-c1)\"><use xlink:href='#f3-gpPt0'/></g>"
				 "</svg>\n\n");
	free(buf);
	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_report_inline_svg(f, "/nonexistent.svg", "x"), -KB_EIO);
	fclose(f);
	free(buf);
	unlink(svg_path);
}

static void test_html_and_markdown(void **state)
{
	struct kb_run run;
	struct kb_group g;
	struct kb_recommendation *recs;
	struct kb_compare_row rows[1] = {{0}};
	struct kb_compare c = {0};
	struct kb_report_figure fig = {"scaling", "matmul <scaling>", "/tmp/kb-test-report2.svg",
				       "plots/s.png", "data/s.dat", "complexity: fit <x>"};
	const char *inputs[1] = {"latest.json"};
	struct kb_report_doc doc = {0};
	size_t n, len;
	FILE *f;
	char *buf;

	(void)state;
	f = fopen(fig.svg, "w");
	assert_non_null(f);
	fputs("<?xml version=\"1.0\"?>\n<svg id='gnuplot_canvas'><text>plot</text></svg>\n", f);
	fclose(f);
	make_run(&run);
	/* a complexity fit of sgemm_naive: the caption of its family's scaling plot */
	run.fits = calloc(2, sizeof(*run.fits));
	assert_non_null(run.fits);
	run.nfits = 2;
	run.fits[0] = (struct kb_fit){ strdup("matmul/sgemm_naive"), strdup("n"), strdup("auto"),
				       strdup("N^3"), 0.5, 0.4, 0.6, 0.95, 0.5, 0.02, 0.02, 2, NULL };
	run.fits[1] = (struct kb_fit){ strdup("reduction/sum"), strdup("n"), strdup("N"), NULL, NAN,
				       NAN, NAN, 0.95, NAN, NAN, NAN, 1, strdup("no fit: one size") };
	assert_int_equal(kb_group_build(&g, &run, NULL, 1), 0);
	{
		bool err;
		char *cap = NULL;

		for (size_t fi = 0; fi < g.nfamilies && !cap; fi++)
			if (strncmp(g.families[fi].key, "matmul/", 7) == 0)
				cap = kb_group_fit_caption(&g, fi, &err);
		assert_non_null(cap);
		assert_string_equal(cap, "complexity: matmul/sgemm_naive 0.5 ns x N^3 [0.4, 0.6], "
					 "RMS 2 %, auto over 2 values of n");
		free(cap);
	}
	assert_int_equal(kb_group_recommend(&g, 42, 500, &recs, &n), 0);
	rows[0] = (struct kb_compare_row){.id = "matmul/sgemm_fast/64", .verdict = KB_VERDICT_REGRESSED,
					  .baseline = 200, .current = 250, .ratio = 1.25,
					  .ci_low = 1.2, .ci_high = 1.3, .threshold = 0.05,
					  .method = KB_METHOD_SAMPLES};
	c.baseline_name = "base.json";
	c.current_name = "latest.json";
	c.metric = "time";
	c.rows = rows;
	c.nrows = 1;
	c.counts[KB_VERDICT_REGRESSED] = 1;
	doc.title = "kbench <test> report";
	doc.generated = "today";
	doc.inputs = inputs;
	doc.group = &g;
	doc.recs = recs;
	doc.nrecs = n;
	doc.cmp = &c;
	doc.cmp_source = "cmp.json";
	doc.figs = &fig;
	doc.nfigs = 1;

	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_report_html(f, &doc), 0);
	fclose(f);
	assert_true(strncmp(buf, "<!DOCTYPE html>", 15) == 0);
	assert_non_null(strstr(buf, "<title>kbench &lt;test&gt; report</title>"));
	assert_non_null(strstr(buf, "<svg id='f0-gnuplot_canvas'><text>plot</text></svg>"));
	assert_null(strstr(buf, "<?xml"));
	assert_null(strstr(buf, "<script"));
	assert_null(strstr(buf, "src=\"http"));
	assert_non_null(strstr(buf, "<figcaption>matmul &lt;scaling&gt;"));
	assert_non_null(strstr(buf, "<br>complexity: fit &lt;x&gt;</figcaption>"));
	assert_non_null(strstr(buf, "<tr class=\"bad\"><td class=\"id\">matmul/sgemm_fast/64</td>"
				    "<td>regressed</td>"));
	assert_non_null(strstr(buf, "4.00x ["));                 /* the recommendation */
	assert_non_null(strstr(buf, "(tie within noise)"));      /* n=128 */
	assert_non_null(strstr(buf, "<td>skipped</td>"));        /* results keep skips */
	assert_non_null(strstr(buf, "no CUDA device"));
	assert_non_null(strstr(buf, "<td class=\"id\">cpu.model</td><td>Test CPU</td>"));
	assert_non_null(strstr(buf, "1 regressed, 0 improved"));
	free(buf);

	capture_begin(&f, &buf, &len);
	assert_int_equal(kb_report_markdown(f, &doc), 0);
	fclose(f);
	assert_true(strncmp(buf, "# kbench \\<test> report\n", 24) == 0);
	assert_non_null(strstr(buf, "| family | size | fastest |"));
	assert_non_null(strstr(buf, "| matmul/sgemm (f32) | 64 | sgemm_fast |"));
	assert_non_null(strstr(buf, "![matmul <scaling>](plots/s.png)"));
	assert_non_null(strstr(buf, "\ncomplexity: fit <x>\n"));
	assert_non_null(strstr(buf, "| matmul/sgemm_fast/64 | regressed |"));
	assert_null(strstr(buf, "<svg"));
	free(buf);

	free(recs);
	kb_group_release(&g);
	kb_run_clear(&run);
	unlink(fig.svg);
}

/* ---- gnuplot ------------------------------------------------------------- */

static void test_gnuplot_missing(void **state)
{
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char buf[256];

	(void)state;
	unsetenv("KBENCH_GNUPLOT");
	setenv("PATH", "/nonexistent-kbench-test", 1);
	assert_int_equal(kb_plot_find_gnuplot(buf, sizeof(buf)), -KB_EUNSUPPORTED);
	assert_non_null(strstr(kb_last_error(), "sudo apt-get install gnuplot-nox"));
	setenv("KBENCH_GNUPLOT", "/nonexistent/gnuplot", 1);
	assert_int_equal(kb_plot_find_gnuplot(buf, sizeof(buf)), -KB_EUNSUPPORTED);
	assert_non_null(strstr(kb_last_error(), "KBENCH_GNUPLOT"));
	unsetenv("KBENCH_GNUPLOT");
	if (path) {
		setenv("PATH", path, 1);
		free(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_families),
		cmocka_unit_test(test_group_extra_params),
		cmocka_unit_test(test_scaling_data),
		cmocka_unit_test(test_comparison_data),
		cmocka_unit_test(test_distribution_data),
		cmocka_unit_test(test_history_data),
		cmocka_unit_test(test_vars_quoting),
		cmocka_unit_test(test_recommend),
		cmocka_unit_test(test_load_compare),
		cmocka_unit_test(test_inline_svg),
		cmocka_unit_test(test_html_and_markdown),
		cmocka_unit_test(test_gnuplot_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
