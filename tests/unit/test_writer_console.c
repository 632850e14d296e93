/*
 * The console table (writer_console.c), the table a developer reads after
 * `make bench`: the notes column, the folded skip line, %peak, the
 * instructions column and colour, on synthetic runs.  The expected text is
 * written out here by hand from the format the README shows.
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

#include "result.h"
#include "writer.h"

static double samples[] = { 1000, 1010, 990 };

static struct kb_result ok_row(const char *id)
{
	return (struct kb_result){
		.id = (char *)id, .status = KB_STATUS_OK, .iterations_per_sample = 100,
		.samples_ns = samples, .nsamples = 3, .validated = 1, .instructions = NAN,
		.noise = NAN, .elapsed_s = 0.25,
		.summary = { .median = 1000, .ci_low = 990, .ci_high = 1010, .ci_level = 0.95,
			     .cv = 0.01, .converged = true, .n = 3 },
	};
}

static struct kb_result skip_row(const char *id, const char *why)
{
	return (struct kb_result){ .id = (char *)id, .status = KB_STATUS_SKIPPED, .message = (char *)why,
				   .validated = -1, .instructions = NAN, .noise = NAN };
}

/* The table of run, colour or not; the caller frees it. */
static char *table(struct kb_result *r, size_t n, bool color)
{
	struct kb_kv ctx[] = { { "cpu.model", "Test CPU", false }, { "cpu.cores", "2", true } };
	struct kb_run run = { .harness_version = "0.1.0", .git = "abc", .context = ctx, .ncontext = 2,
			      .results = r, .nresults = n, .seed = 42 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(kb_report_console(f, &run, color), 0);
	fclose(f);
	return buf;
}

/* The line of the table that starts with id (then two spaces or more). */
static const char *row_of(const char *t, const char *id)
{
	const char *p = t;
	size_t n = strlen(id);

	while ((p = strstr(p, id))) {
		if ((p == t || p[-1] == '\n') && p[n] == ' ')
			return p;
		p += n;
	}
	return NULL;
}

static bool row_has(const char *t, const char *id, const char *text)
{
	const char *r = row_of(t, id), *end;

	if (!r)
		return false;
	end = strchr(r, '\n');
	return strstr(r, text) && (!end || strstr(r, text) < end);
}

static int percents(const char *t, const char *id)
{
	const char *r = row_of(t, id);
	int n = 0;

	assert_non_null(r);
	for (; *r && *r != '\n'; r++)
		n += *r == '%';
	return n;
}

static void header_summary_and_row(void **st)
{
	struct kb_result r[] = { ok_row("s/k/64") };
	char *t = table(r, 1, false);

	(void)st;
	assert_non_null(strstr(t, "kbench 0.1.0  Test CPU, 2 cores, ?, seed 42, rev abc\n"));
	assert_non_null(strstr(t, "benchmark"));
	assert_non_null(strstr(t, "%peak"));
	/* median 1000 ns -> "1.000 us", CI half-width 10/1000 -> ±1.0 %,
	 * 100 iterations x 3 samples = 300 */
	assert_true(row_has(t, "s/k/64", "1.000 us"));
	assert_true(row_has(t, "s/k/64", "±1.0%"));
	assert_true(row_has(t, "s/k/64", " 300 "));
	assert_non_null(strstr(t, "1 benchmarks: 1 ok, 0 skipped, 0 errors; 0.2 s measuring\n"));
	assert_null(strstr(t, "\033[")); /* no colour off a terminal */
	free(t);
}

static void notes(void **st)
{
	struct kb_result r[] = { ok_row("a/plain"), ok_row("a/unconverged"), ok_row("a/noisy"),
				 ok_row("a/outliers"), ok_row("a/fewci"), ok_row("a/unvalidated"),
				 ok_row("a/labelled"), ok_row("a/error"), ok_row("a/all") };
	char *t;

	(void)st;
	r[1].summary.converged = false;
	r[2].summary.cv = 0.12;
	r[3].summary.outliers_severe = 3;
	r[4].summary.ci_level = 0.75;
	r[5].validated = 0;
	r[6].label = "KBENCH_SPIN_EXTRA=0.5";
	r[7].status = KB_STATUS_ERROR;
	r[7].message = "validation failed: max error 3e-2";
	r[8].summary.converged = false;
	r[8].summary.cv = 0.2;
	r[8].validated = 0;
	t = table(r, 9, false);
	assert_true(row_of(t, "a/plain") && !row_has(t, "a/plain", "not") && !row_has(t, "a/plain", "noisy"));
	assert_true(row_has(t, "a/unconverged", "not converged"));
	assert_true(row_has(t, "a/noisy", "noisy (CV 12%)"));
	assert_true(row_has(t, "a/outliers", "3 severe outliers"));
	assert_true(row_has(t, "a/fewci", "CI level only 75% (few samples)"));
	assert_true(row_has(t, "a/unvalidated", "not validated"));
	assert_true(row_has(t, "a/labelled", "KBENCH_SPIN_EXTRA=0.5"));
	assert_true(row_has(t, "a/error", "ERROR: validation failed: max error 3e-2"));
	assert_true(row_has(t, "a/all", "not converged; noisy (CV 20%); not validated"));
	assert_non_null(strstr(t, "9 benchmarks: 8 ok, 0 skipped, 1 errors;"));
	free(t);
}

/* More than KB_FOLD_SKIPS (3) skips with one reason fold into one line; up
 * to 3 are listed one per row. */
static void folded_skips(void **st)
{
	struct kb_result r[] = { ok_row("m/cpu/64"), skip_row("m/gpu/1", "no CUDA device"),
				 skip_row("m/gpu/2", "no CUDA device"), skip_row("m/gpu/3", "no CUDA device"),
				 skip_row("m/gpu/4", "no CUDA device"), skip_row("m/x/1", "needs AVX-512"),
				 skip_row("m/x/2", "needs AVX-512") };
	char *t = table(r, 7, false);

	(void)st;
	assert_non_null(strstr(t, "4 benchmarks skipped (m/gpu/1, ...): no CUDA device\n"));
	for (int i = 1; i <= 4; i++) {
		char id[16];
		snprintf(id, sizeof(id), "m/gpu/%d", i);
		assert_null(row_of(t, id));
	}
	assert_true(row_has(t, "m/x/1", "skipped: needs AVX-512"));
	assert_true(row_has(t, "m/x/2", "skipped: needs AVX-512"));
	assert_null(strstr(t, "benchmarks skipped (m/x/1"));
	assert_non_null(strstr(t, "7 benchmarks: 1 ok, 6 skipped, 0 errors;"));
	free(t);
	/* exactly 3: not folded */
	t = table(r, 4, false);
	assert_null(strstr(t, "benchmarks skipped ("));
	assert_true(row_has(t, "m/gpu/3", "skipped: no CUDA device"));
	free(t);
}

static void peak_and_rate(void **st)
{
	struct kb_counter c1[] = { { "gflops", 12.5 }, { "pct_peak", 41.6 } };
	struct kb_counter c2[] = { { "gbps", 3.25 } };
	struct kb_counter c3[] = { { "gflops", 1 }, { "pct_peak", NAN } };
	struct kb_result r[] = { ok_row("p/gemm"), ok_row("p/copy"), ok_row("p/unknown") };
	char *t;

	(void)st;
	r[0].counters = c1;
	r[0].ncounters = 2;
	r[1].counters = c2;
	r[1].ncounters = 1;
	r[2].counters = c3;
	r[2].ncounters = 2;
	t = table(r, 3, false);
	assert_true(row_has(t, "p/gemm", "12.50 GFLOP/s"));
	assert_true(row_has(t, "p/gemm", " 42% "));
	assert_true(row_has(t, "p/copy", "3.25 GB/s"));
	/* the %peak column only where pct_peak is known: one "%" (the CI's) */
	assert_int_equal(percents(t, "p/gemm"), 2);
	assert_int_equal(percents(t, "p/copy"), 1);
	assert_int_equal(percents(t, "p/unknown"), 1);
	assert_false(row_has(t, "p/unknown", "nan"));
	free(t);
}

static void instructions_column(void **st)
{
	struct kb_result r[] = { ok_row("i/a"), ok_row("i/b") };
	char *t;

	(void)st;
	t = table(r, 2, false);
	assert_null(strstr(t, "instr/iter"));
	free(t);
	r[0].instructions = 12345;
	t = table(r, 2, false);
	assert_non_null(strstr(t, "instr/iter"));
	assert_true(row_has(t, "i/a", "12.3k"));
	assert_true(row_has(t, "i/b", "  -  "));
	free(t);
}

static void colour(void **st)
{
	struct kb_result r[] = { ok_row("c/ok"), ok_row("c/slow"), ok_row("c/err"), skip_row("c/skip", "no GPU") };
	char *t;

	(void)st;
	r[1].summary.converged = false;
	r[2].status = KB_STATUS_ERROR;
	r[2].message = "boom";
	t = table(r, 4, true);
	assert_non_null(strstr(t, "\033[1mkbench 0.1.0\033[0m"));  /* bold title */
	assert_true(row_has(t, "c/err", "\033[31mERROR: boom\033[0m")); /* red error */
	assert_true(row_has(t, "c/slow", "\033[33mnot converged\033[0m")); /* yellow */
	assert_true(row_has(t, "c/skip", "\033[2mskipped: no GPU\033[0m")); /* dim skip */
	assert_false(row_has(t, "c/ok", "\033[31m"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_summary_and_row),
		cmocka_unit_test(notes),
		cmocka_unit_test(folded_skips),
		cmocka_unit_test(peak_and_rate),
		cmocka_unit_test(instructions_column),
		cmocka_unit_test(colour),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
