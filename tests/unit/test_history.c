/*
 * test_history.c - the SQLite history (add, duplicate refusal, bad input,
 * a write killed half-way, reading back, export) and change-point
 * detection on synthetic series with known steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "error.h"
#include "history.h"
#include "result.h"

/* ---- fixtures ------------------------------------------------------------- */

struct dir {
	char path[64];
	char db[96];
};

static void dir_make(struct dir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/kb-test-history.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->db, sizeof(d->db), "%s/h.db", d->path);
}

static void dir_remove(struct dir *d)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
}

/* A run with n benchmarks "suite/k<i>/1024", 8 samples each, a counter,
 * params and a few context and config entries. */
static void make_run(struct kb_run *run, const char *git, const char *date, size_t n,
		     double scale)
{
	memset(run, 0, sizeof(*run));
	run->schema_version = 1;
	run->format = strdup("kbench");
	run->harness_version = strdup("0.1.0");
	run->git = git ? strdup(git) : NULL;
	run->date = date ? strdup(date) : NULL;
	run->fingerprint = strdup("test-machine");
	run->seed = 42;
	assert_int_equal(kb_run_add_context(run, "host", "testhost", false), 0);
	assert_int_equal(kb_run_add_context(run, "cpu.cores", "8", true), 0);
	assert_int_equal(kb_run_add_context(run, "gpu.name", NULL, false), 0);
	run->config = calloc(1, sizeof(*run->config));
	run->config[0].key = strdup("seed");
	run->config[0].value = strdup("42");
	run->config[0].is_num = true;
	run->nconfig = 1;
	run->results = calloc(n, sizeof(*run->results));
	run->nresults = n;
	for (size_t i = 0; i < n; i++) {
		struct kb_result *r = &run->results[i];
		char id[64];

		snprintf(id, sizeof(id), "suite/k%zu/1024", i);
		r->id = strdup(id);
		r->suite = strdup("suite");
		r->kernel = strndup(id + 6, strlen(id + 6) - 5);
		r->params = calloc(2, sizeof(*r->params));
		r->params[0].name = strdup("n");
		r->params[0].value = 1024;
		r->params[1].name = strdup("dtype");
		r->params[1].is_str = true;
		r->params[1].str = strdup("f32");
		r->nparams = 2;
		r->unit = strdup("ns");
		r->status = KB_STATUS_OK;
		r->iterations_per_sample = 10;
		r->rounds = 2;
		r->nsamples = 8;
		r->samples_ns = malloc(8 * sizeof(double));
		r->cpu_samples_ns = malloc(8 * sizeof(double));
		r->sample_round = malloc(8 * sizeof(uint32_t));
		for (size_t k = 0; k < 8; k++) {
			/* values with many digits: storage must keep them exactly */
			r->samples_ns[k] = scale * (1000.0 + (double)i * 100 + (double)k / 3.0);
			r->cpu_samples_ns[k] = r->samples_ns[k] * 0.99;
			r->sample_round[k] = (uint32_t)(k / 4);
		}
		r->summary.median = scale * (1000.0 + (double)i * 100 + 3.5 / 3.0);
		r->summary.ci_low = r->samples_ns[1];
		r->summary.ci_high = r->samples_ns[6];
		r->summary.ci_level = 0.93;
		r->summary.mean = r->summary.median;
		r->summary.sd = 0.8;
		r->summary.cv = NAN; /* stored as NULL, read back as NAN */
		r->summary.min = r->samples_ns[0];
		r->summary.max = r->samples_ns[7];
		r->summary.q1 = r->samples_ns[2];
		r->summary.q3 = r->samples_ns[5];
		r->summary.p90 = r->samples_ns[7];
		r->summary.p99 = r->samples_ns[7];
		r->summary.n = 8;
		r->summary.outliers_mild = 1;
		r->summary.converged = true;
		r->validated = 1;
		r->instructions = NAN;
		r->noise = NAN;
		r->warmup_s = 0.1;
		r->elapsed_s = 0.5;
		r->timer = strdup("wall");
		r->gb_cpu_time_ns = NAN;
		assert_int_equal(kb_result_set_counter(r, "gflops", 2.5 + (double)i), 0);
		assert_int_equal(kb_result_set_counter(r, "gbps", NAN), 0);
	}
}

static int count_rows(const char *db, const char *table)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char sql[96];
	int n = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void assert_integrity_ok(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* ---- store ----------------------------------------------------------------- */

static void test_add_list_get_roundtrip(void **state)
{
	struct dir d;
	struct kb_history *h;
	struct kb_run run, back;
	struct kb_history_run *runs, meta;
	size_t n;
	int64_t id;

	(void)state;
	dir_make(&d);
	make_run(&run, "abc123", "2026-11-20T10:00:00Z", 3, 1.0);
	assert_int_equal(kb_history_open(d.db, true, &h), 0);
	assert_int_equal(kb_history_add(h, &run, "run.json", &id), 0);
	assert_true(id > 0);
	assert_int_equal(kb_history_list(h, &runs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].id, id);
	assert_string_equal(runs[0].git, "abc123");
	assert_string_equal(runs[0].date, "2026-11-20T10:00:00Z");
	assert_string_equal(runs[0].host, "testhost");
	assert_string_equal(runs[0].fingerprint, "test-machine");
	assert_string_equal(runs[0].source, "run.json");
	assert_int_equal(runs[0].nbench, 3);
	kb_history_runs_free(runs, n);

	assert_int_equal(kb_history_get(h, id, &back, &meta), 0);
	assert_string_equal(meta.git, "abc123");
	assert_string_equal(back.date, run.date);
	assert_string_equal(back.fingerprint, "test-machine");
	assert_int_equal(back.seed, 42);
	assert_int_equal(back.ncontext, 3);
	assert_string_equal(back.context[1].key, "cpu.cores");
	assert_true(back.context[1].is_num);
	assert_null(back.context[2].value);
	assert_int_equal(back.nconfig, 1);
	assert_int_equal(back.nresults, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct kb_result *a = &run.results[i], *b = &back.results[i];

		assert_string_equal(a->id, b->id);
		assert_string_equal(b->kernel, a->kernel);
		assert_int_equal(b->nparams, 2);
		assert_string_equal(b->params[0].name, "n");
		assert_int_equal(b->params[0].value, 1024);
		assert_true(b->params[1].is_str);
		assert_string_equal(b->params[1].str, "f32");
		assert_int_equal(b->nsamples, 8);
		/* exact, not approximately equal */
		assert_memory_equal(a->samples_ns, b->samples_ns, 8 * sizeof(double));
		assert_memory_equal(a->cpu_samples_ns, b->cpu_samples_ns, 8 * sizeof(double));
		assert_memory_equal(a->sample_round, b->sample_round, 8 * sizeof(uint32_t));
		assert_true(a->summary.median == b->summary.median);
		assert_true(isnan(b->summary.cv));
		assert_true(b->summary.converged);
		assert_int_equal(b->summary.outliers_mild, 1);
		assert_int_equal(b->ncounters, 2);
		assert_true(kb_result_counter(b, "gflops")->value == 2.5 + (double)i);
		assert_true(isnan(kb_result_counter(b, "gbps")->value));
		assert_int_equal(b->validated, 1);
	}
	kb_run_clear(&back);
	kb_history_run_clear(&meta);
	assert_int_equal(kb_history_get(h, id + 100, &back, NULL), -KB_ENOTFOUND);
	kb_history_close(h);
	kb_run_clear(&run);
	assert_integrity_ok(d.db);
	dir_remove(&d);
}

static void test_duplicate_refused(void **state)
{
	struct dir d;
	struct kb_history *h;
	struct kb_run run, other;
	int64_t id, id2;

	(void)state;
	dir_make(&d);
	make_run(&run, "abc123", "2026-11-20T10:00:00Z", 2, 1.0);
	assert_int_equal(kb_history_open(d.db, true, &h), 0);
	assert_int_equal(kb_history_add(h, &run, "a.json", &id), 0);
	assert_int_equal(kb_history_add(h, &run, "a-again.json", &id2), -KB_EINVAL);
	assert_int_equal(id2, id);
	assert_non_null(strstr(kb_last_error(), "already in the history as run"));
	/* same revision, another date: a new run */
	make_run(&other, "abc123", "2026-11-21T10:00:00Z", 2, 1.0);
	assert_int_equal(kb_history_add(h, &other, "b.json", &id2), 0);
	assert_true(id2 != id);
	kb_history_close(h);
	assert_int_equal(count_rows(d.db, "runs"), 2);
	assert_int_equal(count_rows(d.db, "results"), 4);
	kb_run_clear(&run);
	kb_run_clear(&other);
	dir_remove(&d);
}

static void test_bad_input(void **state)
{
	struct dir d;
	struct kb_history *h;
	struct kb_run run;
	char path[128];
	FILE *f;
	sqlite3 *raw;
	int64_t id;

	(void)state;
	dir_make(&d);
	/* no database yet: read commands do not create one */
	assert_int_equal(kb_history_open(d.db, false, &h), -KB_ENOTFOUND);
	assert_null(h);
	assert_int_equal(access(d.db, F_OK), -1);

	/* a text file is not a history */
	snprintf(path, sizeof(path), "%s/text.db", d.path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not an SQLite database, just some text long enough to have a header\n", f);
	fclose(f);
	assert_int_equal(kb_history_open(path, true, &h), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "not an SQLite database"));

	/* an SQLite database of something else */
	snprintf(path, sizeof(path), "%s/other.db", d.path);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(kb_history_open(path, true, &h), -KB_ESCHEMA);
	assert_non_null(strstr(kb_last_error(), "not a kbench history"));

	/* a newer schema */
	snprintf(path, sizeof(path), "%s/future.db", d.path);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(kb_history_open(path, true, &h), -KB_ESCHEMA);
	assert_non_null(strstr(kb_last_error(), "version 7"));

	/* a run without a date cannot be keyed */
	assert_int_equal(kb_history_open(d.db, true, &h), 0);
	make_run(&run, "abc", NULL, 2, 1.0);
	assert_int_equal(kb_history_add(h, &run, "nodate.json", &id), -KB_ESCHEMA);
	kb_run_clear(&run);

	/* a run repeating a benchmark id fails half-way: nothing is kept */
	make_run(&run, "abc", "2026-11-20T10:00:00Z", 3, 1.0);
	free(run.results[2].id);
	run.results[2].id = strdup(run.results[0].id);
	assert_int_equal(kb_history_add(h, &run, "dup-id.json", &id), -KB_ESCHEMA);
	assert_non_null(strstr(kb_last_error(), "appears twice"));
	kb_history_close(h);
	kb_run_clear(&run);
	assert_int_equal(count_rows(d.db, "runs"), 0);
	assert_int_equal(count_rows(d.db, "results"), 0);
	assert_int_equal(count_rows(d.db, "counters"), 0);
	assert_int_equal(count_rows(d.db, "context"), 0);
	assert_integrity_ok(d.db);
	dir_remove(&d);
}

/* The child stops inside the transaction and tells the parent, which kills it. */
static int hook_fd = -1;
static void stop_after_two(size_t i)
{
	if (i == 2) {
		char c = 'x';

		if (write(hook_fd, &c, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
}

static void test_interrupted_write(void **state)
{
	struct dir d;
	struct kb_history *h;
	struct kb_run first, second;
	char journal[128], c;
	int fds[2], status;
	int64_t id;
	pid_t pid;

	(void)state;
	dir_make(&d);
	make_run(&first, "aaa", "2026-11-20T10:00:00Z", 3, 1.0);
	make_run(&second, "bbb", "2026-11-21T10:00:00Z", 6, 1.2);
	assert_int_equal(kb_history_open(d.db, true, &h), 0);
	assert_int_equal(kb_history_add(h, &first, "first.json", &id), 0);
	kb_history_close(h);

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		hook_fd = fds[1];
		kb__history_add_hook = stop_after_two;
		if (kb_history_open(d.db, false, &h) != 0)
			_exit(2);
		kb_history_add(h, &second, "second.json", &id);
		_exit(4); /* not reached: the hook waits to be killed */
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1); /* the child is mid-transaction */
	snprintf(journal, sizeof(journal), "%s-journal", d.db);
	assert_int_equal(access(journal, F_OK), 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fds[0]);

	/* The hot journal is rolled back on open: the first run only, intact. */
	assert_int_equal(kb_history_open(d.db, false, &h), 0);
	{
		struct kb_history_run *runs;
		size_t n;

		assert_int_equal(kb_history_list(h, &runs, &n), 0);
		assert_int_equal(n, 1);
		assert_string_equal(runs[0].git, "aaa");
		assert_int_equal(runs[0].nbench, 3);
		kb_history_runs_free(runs, n);
	}
	/* the interrupted run was never stored, so it is not a duplicate now */
	assert_int_equal(kb_history_add(h, &second, "second.json", &id), 0);
	kb_history_close(h);
	assert_int_equal(count_rows(d.db, "runs"), 2);
	assert_int_equal(count_rows(d.db, "results"), 9);
	assert_integrity_ok(d.db);
	kb_run_clear(&first);
	kb_run_clear(&second);
	dir_remove(&d);
}

static void test_series_and_export(void **state)
{
	struct dir d;
	struct kb_history *h;
	struct kb_history_point *pts;
	struct kb_run run;
	size_t n;
	int64_t id;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *root;
	json_error_t err;

	(void)state;
	dir_make(&d);
	assert_int_equal(kb_history_open(d.db, true, &h), 0);
	/* added out of date order: series come back by date */
	for (int i = 2; i >= 0; i--) {
		char git[16], date[32];

		snprintf(git, sizeof(git), "rev%d", i);
		snprintf(date, sizeof(date), "2026-11-2%dT10:00:00Z", i);
		make_run(&run, git, date, 2, 1.0 + i);
		assert_int_equal(kb_history_add(h, &run, NULL, &id), 0);
		kb_run_clear(&run);
	}
	assert_int_equal(kb_history_series(h, "suite/k1/*", &pts, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		char git[32];

		snprintf(git, sizeof(git), "rev%zu", i);
		assert_string_equal(pts[i].bench, "suite/k1/1024");
		assert_string_equal(pts[i].git, git);
		assert_true(fabs(pts[i].median - (1.0 + (double)i) * (1100.0 + 3.5 / 3.0)) < 1e-9);
	}
	kb_history_points_free(pts, n);
	assert_int_equal(kb_history_series(h, "nothing/*", &pts, &n), 0);
	assert_int_equal(n, 0);
	kb_history_points_free(pts, n);

	f = open_memstream(&buf, &len);
	assert_int_equal(kb_history_export(h, 0, f), 0);
	fclose(f);
	root = json_loads(buf, 0, &err);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "format")), "kbench-history");
	assert_int_equal(json_array_size(json_object_get(root, "runs")), 3);
	{
		json_t *r0 = json_array_get(json_object_get(root, "runs"), 0);
		json_t *b0 = json_array_get(json_object_get(r0, "benchmarks"), 0);

		assert_string_equal(json_string_value(json_object_get(r0, "git")), "rev0");
		assert_int_equal(json_integer_value(json_object_get(json_object_get(r0, "context"),
								    "cpu.cores")),
				 8);
		assert_int_equal(json_array_size(json_object_get(b0, "samples_ns")), 8);
		assert_true(json_is_null(json_object_get(json_object_get(b0, "summary"), "cv")));
	}
	json_decref(root);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(kb_history_export(h, 999, f), -KB_ENOTFOUND);
	fclose(f);
	free(buf);
	kb_history_close(h);
	dir_remove(&d);
}

/* ---- change points --------------------------------------------------------- */

/* Deterministic noise in [-amp, amp] (a fixed LCG, not the harness RNG). */
static double noise(unsigned *s, double amp)
{
	*s = *s * 1103515245u + 12345u;
	return amp * (2.0 * ((*s >> 8) & 0xffff) / 65535.0 - 1.0);
}

/* median[i] = level * (1 + noise); CI = +-0.5 % around it. */
static void series(double *m, double *lo, double *hi, size_t n, const double *levels,
		   const size_t *starts, size_t nlevels, double amp)
{
	unsigned s = 7;

	for (size_t i = 0, l = 0; i < n; i++) {
		while (l + 1 < nlevels && i >= starts[l + 1])
			l++;
		m[i] = levels[l] * (1 + noise(&s, amp));
		lo[i] = m[i] * 0.995;
		hi[i] = m[i] * 1.005;
	}
}

static void test_changepoint_single_step(void **state)
{
	double m[20], lo[20], hi[20], level[20];
	const double levels[] = {100, 120};
	const size_t starts[] = {0, 12};
	struct kb_changepoint cp[4];
	size_t n;

	(void)state;
	series(m, lo, hi, 20, levels, starts, 2, 0.01);
	assert_int_equal(kb_history_changepoints(m, lo, hi, 20, NULL, cp, 4, &n, level), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cp[0].index, 12); /* the first run at the new level */
	assert_true(fabs(cp[0].step - 0.20) < 0.02);
	assert_true(fabs(cp[0].before - 100) < 1.5);
	assert_true(fabs(cp[0].after - 120) < 1.5);
	assert_true(cp[0].z >= 4);
	assert_true(level[0] == cp[0].before && level[11] == cp[0].before);
	assert_true(level[12] == cp[0].after && level[19] == cp[0].after);
	/* an improvement is found the same way, with a negative step */
	for (size_t i = 0; i < 20; i++) {
		m[i] = 1e4 / m[i];
		lo[i] = m[i] * 0.995;
		hi[i] = m[i] * 1.005;
	}
	assert_int_equal(kb_history_changepoints(m, lo, hi, 20, NULL, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cp[0].index, 12);
	assert_true(cp[0].step < -0.15);
}

static void test_changepoint_two_steps(void **state)
{
	double m[24], lo[24], hi[24];
	const double levels[] = {100, 130, 90};
	const size_t starts[] = {0, 8, 16};
	struct kb_changepoint cp[4];
	size_t n;

	(void)state;
	series(m, lo, hi, 24, levels, starts, 3, 0.01);
	assert_int_equal(kb_history_changepoints(m, lo, hi, 24, NULL, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(cp[0].index, 8);
	assert_int_equal(cp[1].index, 16);
	assert_true(fabs(cp[0].step - 0.30) < 0.03);
	assert_true(fabs(cp[1].step - (90.0 / 130 - 1)) < 0.03);
}

static void test_changepoint_none(void **state)
{
	double m[30], lo[30], hi[30];
	const double levels[] = {100};
	const size_t starts[] = {0};
	struct kb_changepoint cp[4];
	size_t n = 99;

	(void)state;
	/* flat but noisy (+-3 %): no step */
	series(m, lo, hi, 30, levels, starts, 1, 0.03);
	assert_int_equal(kb_history_changepoints(m, lo, hi, 30, NULL, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 0);
	/* one slow run is an outlier, not a change point */
	m[10] *= 1.5;
	assert_int_equal(kb_history_changepoints(m, lo, hi, 30, NULL, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 0);
	/* too short to tell */
	assert_int_equal(kb_history_changepoints(m, lo, hi, 3, NULL, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_int_equal(kb_history_changepoints(m, NULL, NULL, 0, NULL, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 0);
}

static void test_changepoint_thresholds(void **state)
{
	double m[20], lo[20], hi[20];
	const double levels[] = {100, 103};
	const size_t starts[] = {0, 10};
	struct kb_changepoint_opts opts = KB_CHANGEPOINT_OPTS_INIT;
	struct kb_changepoint cp[4];
	size_t n;

	(void)state;
	/* a clean 3 % step: real, but below the default 5 % */
	series(m, lo, hi, 20, levels, starts, 2, 0.002);
	assert_int_equal(kb_history_changepoints(m, lo, hi, 20, &opts, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 0);
	opts.min_step = 0.01;
	assert_int_equal(kb_history_changepoints(m, lo, hi, 20, &opts, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cp[0].index, 10);
	/* the same 3 % inside +-4 % noise is not beyond the noise */
	series(m, lo, hi, 20, levels, starts, 2, 0.04);
	for (size_t i = 0; i < 20; i++) {
		lo[i] = m[i] * 0.96;
		hi[i] = m[i] * 1.04;
	}
	assert_int_equal(kb_history_changepoints(m, lo, hi, 20, &opts, cp, 4, &n, NULL), 0);
	assert_int_equal(n, 0);
}

static void test_changepoint_bad_input(void **state)
{
	double m[6] = {100, 100, 0, 100, 100, 100};
	struct kb_changepoint cp[2];
	size_t n;

	(void)state;
	assert_int_equal(kb_history_changepoints(m, NULL, NULL, 6, NULL, cp, 2, &n, NULL),
			 -KB_EINVAL);
	m[2] = NAN;
	assert_int_equal(kb_history_changepoints(m, NULL, NULL, 6, NULL, cp, 2, &n, NULL),
			 -KB_EINVAL);
	/* no CI given: between-run noise alone */
	double s[8] = {10, 10.1, 9.9, 10, 15, 15.1, 14.9, 15};
	assert_int_equal(kb_history_changepoints(s, NULL, NULL, 8, NULL, cp, 2, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cp[0].index, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_list_get_roundtrip),
		cmocka_unit_test(test_duplicate_refused),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_interrupted_write),
		cmocka_unit_test(test_series_and_export),
		cmocka_unit_test(test_changepoint_single_step),
		cmocka_unit_test(test_changepoint_two_steps),
		cmocka_unit_test(test_changepoint_none),
		cmocka_unit_test(test_changepoint_thresholds),
		cmocka_unit_test(test_changepoint_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
