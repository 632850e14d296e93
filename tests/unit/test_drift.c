/*
 * test_drift.c - the drift between invocations (drift.h): the file read
 * and written, bad files named with their line, the lookup order, the
 * combined standard error and degrees of freedom by hand, --drift's
 * resolution, the estimate from calibration runs (kb_calcheck_drift), and
 * the coverage over simulated invocations whose machine drifts between
 * them: the process-only interval fails, the widened one holds.
 * Deterministic: a seeded generator.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "calcheck.h"
#include "drift.h"
#include "error.h"
#include "pstats.h"
#include "result.h"
#include "stats.h"

static char dir[] = "/tmp/kb-test-drift.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define GOOD                                                                      \
	"kbench-drift 1\n# a comment\nfingerprint fp1\ndate 2026-12-06T10:00:00Z\n" \
	"invocations 5\nsuite memory 0.01 4 2\nsuite * 0.0025 4 3\n"              \
	"bench memory/memcpy/1 0.04 4   # sd 20 %\n"

static void load_save_roundtrip(void **st)
{
	struct kb_drift d, e;
	const struct kb_drift_entry *x;
	char path2[300];

	(void)st;
	assert_int_equal(kb_drift_load(write_file("good.txt", GOOD), &d), 0);
	assert_string_equal(d.fingerprint, "fp1");
	assert_int_equal(d.invocations, 5);
	assert_int_equal(d.nentries, 3);
	/* the benchmark's own entry, then its suite's, then "*" */
	x = kb_drift_lookup(&d, "memory/memcpy/1", "memory");
	assert_true(x && x->log_var == 0.04);
	x = kb_drift_lookup(&d, "memory/memset/1", "memory");
	assert_true(x && x->log_var == 0.01 && x->benchmarks == 2);
	x = kb_drift_lookup(&d, "matmul/sgemm/64", "matmul");
	assert_true(x && !strcmp(x->name, "*"));
	snprintf(path2, sizeof(path2), "%s/saved.txt", dir);
	assert_int_equal(kb_drift_save(path2, &d), 0);
	assert_int_equal(kb_drift_load(path2, &e), 0);
	assert_int_equal(e.nentries, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(e.entries[i].name, d.entries[i].name);
		assert_true(e.entries[i].log_var == d.entries[i].log_var);
		assert_true(e.entries[i].df == d.entries[i].df);
	}
	kb_drift_release(&d);
	kb_drift_release(&e);
}

/* Pooling an earlier calibration: memory (0.01, df 4) with (0.04, df 8)
 * gives (4 x 0.01 + 8 x 0.04) / 12 = 0.03 with df 12; an entry in one only
 * is kept; another machine's is refused. */
static void merge(void **st)
{
	struct kb_drift d, old;

	(void)st;
	assert_int_equal(kb_drift_load(write_file("a.txt", GOOD), &d), 0);
	assert_int_equal(kb_drift_load(write_file("b.txt", "kbench-drift 1\nfingerprint fp1\ndate d\n"
						       "invocations 9\nsuite memory 0.04 8 2\n"
						       "suite * 0.0025 8 3\nsuite matmul 0.001 8 1\n"),
				       &old), 0);
	assert_int_equal(kb_drift_merge(&d, &old), 0);
	assert_int_equal(d.invocations, 14);
	assert_true(fabs(kb_drift_lookup(&d, NULL, "memory")->log_var - 0.03) < 1e-12);
	assert_true(kb_drift_lookup(&d, NULL, "memory")->df == 12);
	assert_true(kb_drift_lookup(&d, "memory/memcpy/1", "memory")->log_var == 0.04);
	assert_true(kb_drift_lookup(&d, "memory/memcpy/1", "memory")->df == 4);
	assert_true(!strcmp(kb_drift_lookup(&d, NULL, "matmul")->name, "matmul"));
	kb_drift_release(&old);
	assert_int_equal(kb_drift_load(write_file("c.txt", "kbench-drift 1\nfingerprint fp9\ndate d\n"
						       "invocations 2\nsuite * 0 1 1\n"),
				       &old), 0);
	assert_int_equal(kb_drift_merge(&d, &old), -KB_EMISMATCH);
	assert_non_null(strstr(kb_last_error(), "fp9"));
	kb_drift_release(&old);
	kb_drift_release(&d);
}

/* Each bad file is refused with its name, its line and what was expected. */
static void bad_files(void **st)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "", "empty file" },
		{ "kbench-drift 2\n", ":1: expected the header" },
		{ "{\"json\": 1}\n", ":1: expected the header" },
		{ "kbench-drift 1\nfingerprint fp1\ndate d\n", "truncated" },
		{ "kbench-drift 1\nfingerprint fp1\ndate d\ninvocations 5\nsuite memory 0.01 4 2\n",
		  "truncated" },
		{ "kbench-drift 1\nfingerprint fp1\ndate d\ninvocations 1\n", ":4: invocations" },
		{ "kbench-drift 1\nsuite * nan 4 1\n", ":2: expected: suite NAME" },
		{ "kbench-drift 1\nsuite * -0.1 4 1\n", ":2: LOG_VAR" },
		{ "kbench-drift 1\nsuite * 0.1 0 1\n", ":2: DF" },
		{ "kbench-drift 1\nsuite * 0.1 4\n", ":2: expected: suite NAME" },
		{ "kbench-drift 1\nsuite a/b 0.1 4 1\n", ":2: suite: expected a name without" },
		{ "kbench-drift 1\nbench ab 0.1 4\n", ":2: bench: expected an id" },
		{ "kbench-drift 1\nsuite * 0.1 4 1\nsuite * 0.1 4 1\n", ":3: given twice" },
		{ "kbench-drift 1\nfingerprint a\nfingerprint b\n", ":3: given twice" },
		{ "kbench-drift 1\nwhatever 1\n", ":2: unknown record" },
	};
	struct kb_drift d;
	char missing[300];

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = write_file("bad.txt", cases[i].text);

		assert_int_equal(kb_drift_load(p, &d), -KB_EPARSE);
		if (!strstr(kb_last_error(), cases[i].want) || !strstr(kb_last_error(), "bad.txt"))
			fail_msg("case %zu: %s", i, kb_last_error());
		assert_null(d.entries);
	}
	snprintf(missing, sizeof(missing), "%s/none.txt", dir);
	assert_int_equal(kb_drift_load(missing, &d), -KB_EIO);
	assert_non_null(strstr(kb_last_error(), "none.txt"));
}

/* se 0.03 (4 df) and a drift of variance 0.0016 (df 4):
 * se = sqrt(0.0009 + 0.0016) = 0.05;
 * df = 0.0025^2 / (0.0009^2 / 4 + 0.0016^2 / 4) = 6.25e-6 / 8.425e-7 = 7.418. */
static void combine_by_hand(void **st)
{
	struct kb_drift_entry e = { .name = "*", .log_var = 0.0016, .df = 4, .benchmarks = 1 };
	double se, df;

	(void)st;
	kb_drift_combine(0.03, 4, &e, &se, &df);
	assert_true(fabs(se - 0.05) < 1e-12);
	assert_true(fabs(df - 6.25e-6 / 8.425e-7) < 1e-9);
	kb_drift_combine(0.03, 4, NULL, &se, &df);
	assert_true(se == 0.03 && df == 4);
	e.log_var = 0;
	kb_drift_combine(0.03, 4, &e, &se, &df);
	assert_true(se == 0.03 && df == 4);
}

static void resolve(void **st)
{
	struct kb_drift d;
	char *def;

	(void)st;
	setenv("KBENCH_CACHE_DIR", dir, 1);
	def = kb_drift_default_path("fp1");
	assert_non_null(def);
	assert_non_null(strstr(def, "/drift-fp1.txt"));
	unlink(def);
	assert_int_equal(kb_drift_resolve("none", "fp1", &d), 0);
	assert_null(d.path);
	/* auto without a file: nothing, no error */
	assert_int_equal(kb_drift_resolve("auto", "fp1", &d), 0);
	assert_null(d.path);
	/* auto with the machine's file */
	rename(write_file("x.txt", GOOD), def);
	assert_int_equal(kb_drift_resolve("auto", "fp1", &d), 0);
	assert_non_null(d.path);
	kb_drift_release(&d);
	/* a named file of another machine is refused, naming both */
	assert_int_equal(kb_drift_resolve(def, "fp2", &d), -KB_EMISMATCH);
	assert_non_null(strstr(kb_last_error(), "fp1"));
	assert_non_null(strstr(kb_last_error(), "fp2"));
	/* a named file that is not there */
	assert_int_equal(kb_drift_resolve("/nonexistent/drift.txt", "fp1", &d), -KB_EIO);
	unlink(def);
	free(def);
	unsetenv("KBENCH_CACHE_DIR");
}

/* ---- simulated invocations ---------------------------------------------- */

static double normal(struct kb_rng *r)
{
	double u1 = kb_rng_uniform(r), u2 = kb_rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

#define NB 3     /* benchmarks, one suite */
#define PROCS 5  /* processes per invocation */

/* The machine: log time = mu + suite drift of the invocation + the
 * benchmark's own drift + process offset. */
struct machine {
	double sd_suite, sd_bench[NB], sd_proc;
};

static const char *ids[NB] = { "mem/a/1", "mem/b/1", "mem/c/1" };

/* One invocation, as the parent fills it before the drift: the centre and
 * the interval from the process medians. */
static void invocation(struct kb_rng *rng, const struct machine *m, struct kb_run *run)
{
	double ds = m->sd_suite * normal(rng);

	memset(run, 0, sizeof(*run));
	run->fingerprint = strdup("fp-sim");
	run->results = calloc(NB, sizeof(*run->results));
	run->nresults = NB;
	for (size_t b = 0; b < NB; b++) {
		struct kb_result *r = &run->results[b];
		double db = m->sd_bench[b] * normal(rng), x[PROCS];
		uint32_t proc[PROCS], round[PROCS] = { 0 };
		struct kb_process_summary ps;

		for (uint32_t p = 0; p < PROCS; p++) {
			x[p] = 100 * exp(ds + db + m->sd_proc * normal(rng));
			proc[p] = p;
		}
		assert_int_equal(kb_stats_process_summary(x, proc, round, PROCS, 0.95, NULL, &ps), 0);
		r->id = strdup(ids[b]);
		r->suite = strdup("mem");
		r->status = KB_STATUS_OK;
		r->summary.median = ps.center;
		r->summary.ci_low = ps.ci_low;
		r->summary.ci_high = ps.ci_high;
		r->summary.ci_level = 0.95;
		r->proc.processes = ps.processes;
		r->proc.log_se = r->proc.process_log_se = ps.log_se;
		r->proc.df = r->proc.process_df = ps.df;
		r->proc.drift_log_var = r->proc.drift_df = NAN;
	}
}

/* Over many trials: calibrate on K invocations, then one more; the share of
 * benchmarks whose interval contains the true 100 ns, before and after the
 * drift is applied. */
static void coverage(const struct machine *m, size_t K, size_t trials, double *before,
		     double *after, double *each)
{
	struct kb_rng rng;
	struct kb_run cal[10], run;
	size_t in_before = 0, in_after = 0, n = 0, in_each[NB] = { 0 };

	kb_rng_seed(&rng, 20261206);
	for (size_t t = 0; t < trials; t++) {
		struct kb_drift d;

		for (size_t k = 0; k < K; k++)
			invocation(&rng, m, &cal[k]);
		assert_int_equal(kb_calcheck_drift(cal, K, &d), 0);
		d.path = strdup("sim");
		d.date = strdup("now");
		invocation(&rng, m, &run);
		for (size_t b = 0; b < NB; b++)
			in_before += run.results[b].summary.ci_low <= 100 && 100 <= run.results[b].summary.ci_high;
		kb_drift_apply(&run, &d, 0.01);
		for (size_t b = 0; b < NB; b++) {
			bool in = run.results[b].summary.ci_low <= 100 && 100 <= run.results[b].summary.ci_high;

			in_after += in;
			in_each[b] += in;
			n++;
		}
		kb_drift_release(&d);
		kb_run_clear(&run);
		for (size_t k = 0; k < K; k++)
			kb_run_clear(&cal[k]);
	}
	*before = (double)in_before / (double)n;
	*after = (double)in_after / (double)n;
	for (size_t b = 0; b < NB; b++)
		each[b] = (double)in_each[b] / (double)trials;
}

/* A machine whose drift between invocations (suite 4 %, benchmark 2 %) is
 * larger than the spread between the processes of one (2 %): the process
 * interval covers the truth far less than 95 % of the time; widened by the
 * drift estimated from 5 calibration invocations, within 2 points of 95 %. */
static void coverage_with_drift(void **st)
{
	const struct machine m = { .sd_suite = 0.04, .sd_bench = { 0.02, 0.02, 0.02 }, .sd_proc = 0.02 };
	double before, after, each[NB];

	(void)st;
	coverage(&m, 5, 3000, &before, &after, each);
	print_message("drift: coverage %.3f process-only, %.3f with the drift\n", before, after);
	assert_true(before < 0.70);
	assert_true(after >= 0.93 && after <= 0.97);
}

/* No drift at all: the estimate comes out near zero and the interval stays
 * close to the process interval (coverage near 95 %, not far above it). */
static void coverage_without_drift(void **st)
{
	const struct machine m = { .sd_suite = 0, .sd_bench = { 0, 0, 0 }, .sd_proc = 0.03 };
	double before, after, each[NB];

	(void)st;
	coverage(&m, 5, 2000, &before, &after, each);
	print_message("no drift: coverage %.3f process-only, %.3f with the drift\n", before, after);
	assert_true(fabs(before - 0.95) < 0.02);
	assert_true(after >= 0.94 && after <= 0.985);
}

/* The estimate by hand: two runs, one benchmark, centres 100 and 110, each
 * process se 0.01: var(log c) = (log 1.1)^2 / 2, minus 1e-4. */
static void estimate_by_hand(void **st)
{
	struct kb_run runs[2];
	struct kb_drift d;
	const struct kb_drift_entry *e;
	double want = log(1.1) * log(1.1) / 2 - 1e-4;

	(void)st;
	for (size_t k = 0; k < 2; k++) {
		struct kb_result *r;

		memset(&runs[k], 0, sizeof(runs[k]));
		runs[k].fingerprint = strdup("fp");
		runs[k].results = r = calloc(1, sizeof(*r));
		runs[k].nresults = 1;
		r->id = strdup("s/k/1");
		r->suite = strdup("s");
		r->status = KB_STATUS_OK;
		r->summary.median = k ? 110 : 100;
		r->proc.processes = 3;
		r->proc.process_log_se = 0.01;
		/* a total already widened by an older drift must not count */
		r->proc.log_se = 0.5;
	}
	assert_int_equal(kb_calcheck_drift(runs, 2, &d), 0);
	e = kb_drift_lookup(&d, "s/k/1", "s");
	assert_true(e && fabs(e->log_var - want) < 1e-12 && e->df == 1);
	assert_true(fabs(kb_drift_lookup(&d, NULL, "s")->log_var - want) < 1e-12);
	assert_true(fabs(kb_drift_lookup(&d, NULL, "*")->log_var - want) < 1e-12);
	kb_drift_release(&d);
	/* one process: refused, saying why */
	runs[0].results[0].proc.processes = 1;
	assert_int_equal(kb_calcheck_drift(runs, 2, &d), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "two or more processes"));
	runs[0].results[0].proc.processes = 3;
	/* another machine: refused */
	free(runs[1].fingerprint);
	runs[1].fingerprint = strdup("other");
	assert_int_equal(kb_calcheck_drift(runs, 2, &d), -KB_EMISMATCH);
	kb_run_clear(&runs[0]);
	kb_run_clear(&runs[1]);
}

/* Benchmarks of one suite that drift differently (1, 4 and 8 %, nothing
 * shared): each one's coverage, not only the average, stays near 95 %. */
static void coverage_uneven_drift(void **st)
{
	const struct machine m = { .sd_suite = 0, .sd_bench = { 0.01, 0.04, 0.08 }, .sd_proc = 0.02 };
	double before, after, each[NB];

	(void)st;
	coverage(&m, 5, 3000, &before, &after, each);
	print_message("uneven drift: coverage %.3f process-only, %.3f with the drift (%.3f %.3f %.3f)\n",
		      before, after, each[0], each[1], each[2]);
	for (size_t b = 0; b < NB; b++)
		assert_true(each[b] >= 0.92);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load_save_roundtrip), cmocka_unit_test(bad_files),
		cmocka_unit_test(merge),
		cmocka_unit_test(combine_by_hand),     cmocka_unit_test(resolve),
		cmocka_unit_test(estimate_by_hand),    cmocka_unit_test(coverage_with_drift),
		cmocka_unit_test(coverage_without_drift), cmocka_unit_test(coverage_uneven_drift),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			rc = rc ? rc : 1;
	}
	return rc;
}
