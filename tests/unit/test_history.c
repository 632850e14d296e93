/*
 * test_history.c - the SQLite history (add, duplicate refusal, bad input,
 * a write killed half-way, reading back, export, two concurrent writers,
 * the schema 1 -> 2 migration) and the change-point logic on seeded
 * synthetic histories: drift inside a revision, a real step, the
 * false-alarm rate over 1000 null histories, Benjamini-Hochberg, disturbed
 * runs.
 *
 * With KB_TEST_PG set (a PostgreSQL URI with %s where a database name goes,
 * e.g. "postgresql:///%s?host=/tmp/sock&user=kbench"), the store tests that
 * do not look inside an SQLite file run a second time against PostgreSQL,
 * each in its own empty database named after the test (kbt_roundtrip,
 * kbt_duplicate, kbt_series, kbt_concurrent, kbt_race), which the caller creates:
 * tests/integration/test_history_pg.sh starts a server and does.
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
#include "stats.h"

/* ---- fixtures ------------------------------------------------------------- */

struct dir {
	char path[64];
	char db[256];
};

static const char *pg_fmt; /* KB_TEST_PG */

static void dir_make(struct dir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/kb-test-history.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->db, sizeof(d->db), "%s/h.db", d->path);
}

/* The SQLite file in a new folder or, when the test's state names a
 * database, that PostgreSQL database. */
static void dir_make_for(struct dir *d, void **state)
{
	dir_make(d);
	if (*state)
		snprintf(d->db, sizeof(d->db), pg_fmt, (const char *)*state);
}

static bool is_pg(const struct dir *d)
{
	return strncmp(d->db, "postgres", 8) == 0;
}

/* Runs stored, and benchmarks over all of them, through the history's
 * own listing (the same for both engines). */
static size_t count_runs(struct kb_history *h, size_t *nbench)
{
	struct kb_history_run *runs;
	size_t n;

	assert_int_equal(kb_history_list(h, &runs, &n), 0);
	*nbench = 0;
	for (size_t i = 0; i < n; i++)
		*nbench += runs[i].nbench;
	kb_history_runs_free(runs, n);
	return n;
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
		r->proc.log_se = r->proc.df = NAN;
		if (i == 0) {
			r->proc.processes = 5;
			r->proc.log_se = 0.0123456789012345;
			r->proc.df = 4;
			r->proc.disturbed = strdup("measured while the machine was disturbed");
		}
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

	dir_make_for(&d, state);
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
		/* the process-level data (schema 2) */
		assert_int_equal(b->proc.processes, i == 0 ? 5 : 0);
		if (i == 0) {
			assert_true(b->proc.log_se == a->proc.log_se);
			assert_true(b->proc.df == 4);
			assert_string_equal(b->proc.disturbed, a->proc.disturbed);
		} else {
			assert_true(isnan(b->proc.log_se) && isnan(b->proc.df));
			assert_null(b->proc.disturbed);
		}
	}
	kb_run_clear(&back);
	kb_history_run_clear(&meta);
	assert_int_equal(kb_history_get(h, id + 100, &back, NULL), -KB_ENOTFOUND);
	kb_history_close(h);
	kb_run_clear(&run);
	if (!is_pg(&d))
		assert_integrity_ok(d.db);
	dir_remove(&d);
}

static void test_duplicate_refused(void **state)
{
	struct dir d;
	struct kb_history *h;
	struct kb_run run, other;
	int64_t id, id2;

	size_t nbench;

	dir_make_for(&d, state);
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
	assert_int_equal(count_runs(h, &nbench), 2);
	assert_int_equal(nbench, 4);
	kb_history_close(h);
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
	char journal[300], c;
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

	dir_make_for(&d, state);
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

/*
 * Two processes add to one new history at once: both create it (one makes
 * the schema, the other waits for it), each adds 6 runs of its own, and
 * both add the same run in the middle: it is stored once, the other writer
 * is told it is already there (exit 1), and nothing else is lost.
 */
static int writer(const char *db, int who)
{
	struct kb_history *h;
	struct kb_run run;
	int64_t id;
	int shared = -1, rc = 0;

	if (kb_history_open(db, true, &h) != 0) {
		fprintf(stderr, "writer %d: %s\n", who, kb_last_error());
		return 10;
	}
	for (int i = 0; i < 7 && rc == 0; i++) {
		char date[32];

		if (i == 3)
			snprintf(date, sizeof(date), "2026-11-30T12:00:00Z");
		else
			snprintf(date, sizeof(date), "2026-11-%02dT10:00:0%dZ", 10 + i, who);
		make_run(&run, "rev", date, 2, 1.0 + who);
		int a = kb_history_add(h, &run, NULL, &id);

		kb_run_clear(&run);
		if (i == 3)
			shared = a == 0 ? 0 : a == -KB_EINVAL ? 1 : -1;
		else if (a != 0)
			rc = 11;
		if (i == 3 && shared < 0)
			rc = 12;
		if (rc)
			fprintf(stderr, "writer %d, run %d: %s\n", who, i, kb_last_error());
	}
	kb_history_close(h);
	return rc ? rc : shared;
}

static void test_concurrent_writers(void **state)
{
	struct dir d;
	struct kb_history *h;
	pid_t pid[2];
	int code[2];
	size_t nbench;

	dir_make_for(&d, state);
	for (int w = 0; w < 2; w++) {
		pid[w] = fork();
		assert_true(pid[w] >= 0);
		if (pid[w] == 0)
			_exit(writer(d.db, w));
	}
	for (int w = 0; w < 2; w++) {
		int st;

		assert_int_equal(waitpid(pid[w], &st, 0), pid[w]);
		assert_true(WIFEXITED(st));
		code[w] = WEXITSTATUS(st);
	}
	/* one stored the shared run (0), the other was refused (1) */
	assert_true((code[0] == 0 && code[1] == 1) || (code[0] == 1 && code[1] == 0));
	assert_int_equal(kb_history_open(d.db, false, &h), 0);
	assert_int_equal(count_runs(h, &nbench), 13);
	assert_int_equal(nbench, 26);
	kb_history_close(h);
	dir_remove(&d);
}

/*
 * The same run from two writers, the second arriving while the first is
 * inside its transaction (its run row written, not committed): the first
 * stores it, the second is refused as already stored.  On PostgreSQL the
 * second writer's look-up cannot see the uncommitted row, so its insert
 * waits on the unique key and then fails; that failure must read as
 * "already in the history", not as a database error.  (On SQLite the
 * second writer waits for the write lock instead.)  The parent gives the
 * second writer half a second to reach its insert before the first
 * commits; on a slower machine the second only finds the run in its
 * look-up, and the outcome checked is the same.
 */
static int race_ready[2], race_go[2];

static void race_hook(size_t i)
{
	char c = 1;

	if (i == 0) {
		if (write(race_ready[1], &c, 1) != 1 || read(race_go[0], &c, 1) != 1)
			_exit(5);
	}
}

static int race_writer(const char *db, bool first)
{
	struct kb_history *h;
	struct kb_run run;
	int64_t id;
	int rc;

	if (first)
		kb__history_add_hook = race_hook;
	if (kb_history_open(db, true, &h) != 0)
		return 10;
	make_run(&run, "rev", "2026-11-30T12:00:00Z", 2, 1.0);
	rc = kb_history_add(h, &run, NULL, &id);
	kb_run_clear(&run);
	kb_history_close(h);
	if (rc == 0)
		return 0;
	fprintf(stderr, "writer %d: %s\n", first ? 1 : 2, kb_last_error());
	return rc == -KB_EINVAL && strstr(kb_last_error(), "already in the history") ? 1 : 3;
}

static void test_same_run_race(void **state)
{
	struct dir d;
	struct kb_history *h;
	pid_t a, b;
	int st;
	char c = 1;
	size_t nbench;

	dir_make_for(&d, state);
	assert_int_equal(kb_history_open(d.db, true, &h), 0); /* the schema, first */
	kb_history_close(h);
	assert_int_equal(pipe(race_ready), 0);
	assert_int_equal(pipe(race_go), 0);
	a = fork();
	assert_true(a >= 0);
	if (a == 0)
		_exit(race_writer(d.db, true));
	assert_int_equal(read(race_ready[0], &c, 1), 1); /* the first is mid-transaction */
	b = fork();
	assert_true(b >= 0);
	if (b == 0)
		_exit(race_writer(d.db, false));
	usleep(500000);
	assert_int_equal(write(race_go[1], &c, 1), 1);
	assert_int_equal(waitpid(a, &st, 0), a);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(waitpid(b, &st, 0), b);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	for (int i = 0; i < 2; i++) {
		close(race_ready[i]);
		close(race_go[i]);
	}
	assert_int_equal(kb_history_open(d.db, false, &h), 0);
	assert_int_equal(count_runs(h, &nbench), 1);
	kb_history_close(h);
	dir_remove(&d);
}

/* ---- schema 1 -> 2 ------------------------------------------------------- */

static int user_version(const char *db)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return v;
}

static void test_migrate_v1(void **state)
{
	struct dir d;
	struct kb_history *h;
	struct kb_history_point *pts;
	struct kb_run run;
	sqlite3 *raw;
	size_t n;
	int64_t id;

	(void)state;
	dir_make(&d);
	assert_int_equal(kb_history_open(d.db, true, &h), 0);
	make_run(&run, "v1rev", "2026-11-01T10:00:00Z", 2, 1.0);
	assert_int_equal(kb_history_add(h, &run, NULL, &id), 0);
	kb_run_clear(&run);
	kb_history_close(h);
	/* turn it into what version 1 wrote: no process-level columns */
	assert_int_equal(sqlite3_open_v2(d.db, &raw, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "ALTER TABLE results DROP COLUMN processes;"
				      "ALTER TABLE results DROP COLUMN log_se;"
				      "ALTER TABLE results DROP COLUMN df;"
				      "ALTER TABLE results DROP COLUMN disturbed;"
				      "PRAGMA user_version = 1;", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(user_version(d.db), 1);

	/* a reader migrates it; the old runs read as "unknown" */
	assert_int_equal(kb_history_open(d.db, false, &h), 0);
	assert_int_equal(user_version(d.db), 2);
	assert_int_equal(kb_history_series(h, "suite/k0/*", &pts, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pts[0].processes, 0);
	assert_true(isnan(pts[0].log_se));
	assert_false(pts[0].probe_disturbed);
	kb_history_points_free(pts, n);
	/* and new runs go in with their process-level data */
	make_run(&run, "v2rev", "2026-11-02T10:00:00Z", 2, 1.0);
	assert_int_equal(kb_history_add(h, &run, NULL, &id), 0);
	kb_run_clear(&run);
	assert_int_equal(kb_history_series(h, "suite/k0/*", &pts, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pts[1].processes, 5);
	assert_true(pts[1].df == 4);
	assert_true(pts[1].probe_disturbed);
	kb_history_points_free(pts, n);
	kb_history_close(h);
	assert_integrity_ok(d.db);
	dir_remove(&d);
}

/* ---- change points --------------------------------------------------------- */

/* A seeded normal deviate (Box-Muller on the harness RNG). */
static double gauss(struct kb_rng *r)
{
	double u = kb_rng_uniform(r), v = kb_rng_uniform(r);

	return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

/* Points for one series: point i has revision rev[i] and median m[i]. */
static struct kb_history_point *points(const double *m, const char *const *rev, size_t n)
{
	struct kb_history_point *p = calloc(n, sizeof(*p));

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		char date[48];

		snprintf(date, sizeof(date), "2026-11-01T%02zu:%02zu:00Z", 10 + i / 60, i % 60);
		p[i].run_id = (int64_t)i + 1;
		p[i].bench = strdup("suite/k/1");
		p[i].fingerprint = strdup("m");
		p[i].git = strdup(rev[i]);
		p[i].date = strdup(date);
		p[i].status = KB_STATUS_OK;
		p[i].median = m[i];
		p[i].ci_low = m[i] * 0.99;
		p[i].ci_high = m[i] * 1.01;
		p[i].log_se = p[i].df = NAN;
	}
	return p;
}

/*
 * The example: six runs of one revision within half an hour, runs
 * 2-3 at 532.6 us, the others at 310-314 us.  The old detector reported
 * two change points (+69 %, -42 %); now: no change point, one drift note.
 * Four earlier revisions at the normal level come first, so there are
 * revision boundaries to judge.
 */
static void test_cp_drift_is_not_a_change(void **state)
{
	const double m[10] = {312e3, 309e3, 315e3, 311e3,
			      314.4e3, 532.6e3, 531.9e3, 310.1e3, 309.8e3, 310.6e3};
	const char *rev[10] = {"r1", "r2", "r3", "r4", "b720096", "b720096", "b720096",
			       "b720096", "b720096", "b720096"};
	struct kb_history_point *p = points(m, rev, 10);
	struct kb_history_analysis an;

	(void)state;
	assert_int_equal(kb_history_analyse(p + 4, 6, NULL, &an), 0);
	assert_int_equal(an.ncps, 0);
	assert_int_equal(an.ngroups, 1);
	assert_int_equal(an.ndrifts, 1);
	assert_int_equal(an.drifts[0].first, 1);
	assert_int_equal(an.drifts[0].last, 2);
	assert_int_equal(an.drifts[0].ref_first, 3);
	assert_int_equal(an.drifts[0].ref_last, 5);
	assert_true(fabs(an.drifts[0].step - (532.25 / 310.1 - 1)) < 0.01);
	kb_history_analysis_release(&an);

	assert_int_equal(kb_history_analyse(p, 10, NULL, &an), 0);
	assert_int_equal(an.ncps, 0);
	assert_int_equal(an.ngroups, 5);
	assert_int_equal(an.ndrifts, 1);
	assert_int_equal(an.drifts[0].first, 5);
	assert_int_equal(an.drifts[0].last, 6);
	assert_true(an.p > 0.05);
	kb_history_analysis_release(&an);
	kb_history_points_free(p, 10);
}

/* n_rev revisions of runs_per runs: revision level (1 + step after
 * `at`) x session offset (sd sess) x run noise (sd run). */
static void simulate(struct kb_rng *r, double *m, const char **rev, size_t n_rev,
		     const size_t *runs, size_t at, double step, double sess, double run)
{
	static const char *const names[] = {"r00", "r01", "r02", "r03", "r04", "r05", "r06",
					    "r07", "r08", "r09", "r10", "r11", "r12", "r13"};
	size_t k = 0;

	for (size_t g = 0; g < n_rev; g++) {
		double level = 1000 * (g >= at ? 1 + step : 1) * exp(sess * gauss(r));

		for (size_t i = 0; i < runs[g]; i++, k++) {
			m[k] = level * exp(run * gauss(r));
			rev[k] = names[g];
		}
	}
}

/* A real +8 % step at revision 6 of 10 (3 runs each), between-session noise
 * 1 % and run noise 1 %: found there, once. */
static void test_cp_real_step(void **state)
{
	const size_t runs[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
	double m[30];
	const char *rev[30];
	struct kb_history_point *p;
	struct kb_history_analysis an;
	struct kb_rng r;

	(void)state;
	kb_rng_seed(&r, 2026);
	simulate(&r, m, rev, 10, runs, 6, 0.08, 0.01, 0.01);
	p = points(m, rev, 30);
	assert_int_equal(kb_history_analyse(p, 30, NULL, &an), 0);
	assert_int_equal(an.ngroups, 10);
	assert_int_equal(an.ncps, 1);
	assert_int_equal(an.cps[0].index, 18); /* the first run of revision 6 */
	assert_string_equal(p[an.cps[0].index].git, "r06");
	assert_true(fabs(an.cps[0].step - 0.08) < 0.025);
	assert_true(an.cps[0].p <= 0.05);
	assert_true(an.p == an.cps[0].p);
	assert_true(fabs(an.noise - 0.01) < 0.005); /* the run noise, recovered */
	assert_true(an.level[0] == an.cps[0].before && an.level[29] == an.cps[0].after);
	kb_history_analysis_release(&an);
	/* the same series with the step taken out: nothing */
	for (size_t i = 18; i < 30; i++)
		p[i].median /= 1.08;
	assert_int_equal(kb_history_analyse(p, 30, NULL, &an), 0);
	assert_int_equal(an.ncps, 0);
	kb_history_analysis_release(&an);
	kb_history_points_free(p, 30);
}

/*
 * 1000 null histories (no code change): 8 revisions of 1-3 runs, a session
 * offset per revision (sd 2 %) and run noise (sd 1 %).  The stated rate is
 * alpha = 5 % per series.  With min_step 0 the permutation test alone
 * decides: the count must be consistent with at most 5 % (<= 50 + 2 sd of
 * a binomial(1000, 0.05), 64) and, to show the test is calibrated and not
 * merely dead, not far below it (>= 30).  With the default 5 % min_step
 * the count is at most 50 outright.
 */
static void test_cp_false_alarm_rate(void **state)
{
	struct kb_changepoint_opts opts = KB_CHANGEPOINT_OPTS_INIT;
	size_t alarms = 0, alarms_step = 0;
	struct kb_rng r;

	(void)state;
	kb_rng_seed(&r, 7);
	opts.permutations = 499;
	for (int h = 0; h < 1000; h++) {
		size_t runs[8], n = 0;
		double m[24];
		const char *rev[24];
		struct kb_history_point *p;
		struct kb_history_analysis an;

		for (size_t g = 0; g < 8; g++)
			n += runs[g] = 1 + (size_t)kb_rng_below(&r, 3);
		simulate(&r, m, rev, 8, runs, 8, 0, 0.02, 0.01);
		p = points(m, rev, n);
		opts.min_step = 0;
		assert_int_equal(kb_history_analyse(p, n, &opts, &an), 0);
		alarms += an.ncps > 0;
		kb_history_analysis_release(&an);
		opts.min_step = 0.05;
		assert_int_equal(kb_history_analyse(p, n, &opts, &an), 0);
		alarms_step += an.ncps > 0;
		kb_history_analysis_release(&an);
		kb_history_points_free(p, n);
	}
	print_message("false change points in 1000 null histories: %zu (test alone), %zu (with"
		      " the 5 %% min step); stated rate 5 %%\n", alarms, alarms_step);
	assert_true(alarms <= 64);
	assert_true(alarms >= 30);
	assert_true(alarms_step <= 50);
}

/* Benjamini-Hochberg thresholds, by hand (k q / m against the sorted p). */
static void test_bh_threshold(void **state)
{
	const double a[] = {0.01, 0.04, 0.03, 0.2};
	/* Benjamini & Hochberg (1995), table-like example: k = 2 passes */
	const double b[] = {0.041, 0.001, 0.039, 0.008, 0.042, 0.06, 0.074, 0.205, NAN};
	const double c[] = {0.2, 0.5};
	const double e[] = {0.04, 0.03}; /* step-up: both pass, though 0.03 > 1 q / 2 */

	(void)state;
	assert_true(kb_history_bh_threshold(a, 4, 0.05) == 0.01);
	assert_true(kb_history_bh_threshold(b, 9, 0.05) == 0.008); /* NAN is not a test */
	assert_true(kb_history_bh_threshold(c, 2, 0.05) == 0);
	assert_true(kb_history_bh_threshold(c, 0, 0.05) == 0);
	assert_true(kb_history_bh_threshold(a, 4, 1.0) == 0.2);
	assert_true(kb_history_bh_threshold(e, 2, 0.05) == 0.04);
}

/*
 * Disturbed runs: 8 benchmarks.  Six runs of one revision where runs 2-3
 * were 69 % slower on every benchmark: those two are marked (against the
 * others of their revision), the rest not.  Then one run per revision: a
 * one-run excursion on every benchmark is marked (it moved against both
 * neighbours), a code change that makes everything 20 % faster from run 4
 * on is not (the run after moved along with it).
 */
static void test_mark_disturbed(void **state)
{
	struct kb_history_point p[48];
	size_t nruns;

	(void)state;
	for (int pass = 0; pass < 2; pass++) {
		memset(p, 0, sizeof(p));
		for (size_t b = 0; b < 8; b++) {
			for (size_t r = 0; r < 6; r++) {
				struct kb_history_point *q = &p[b * 6 + r];
				char bench[32], date[32], git[16];
				double f = 1 + 0.003 * (double)((b * 7 + r * 3) % 5);

				snprintf(bench, sizeof(bench), "s/b%zu/1", b);
				snprintf(date, sizeof(date), "2026-11-01T10:0%zu:00Z", r);
				snprintf(git, sizeof(git), pass == 0 ? "b720096" : "rev%zu", r);
				q->run_id = (int64_t)r + 1;
				q->bench = strdup(bench);
				q->fingerprint = strdup("m");
				q->git = strdup(git);
				q->date = strdup(date);
				q->status = KB_STATUS_OK;
				q->median = 100.0 * (double)(b + 1) * f;
				if (pass == 0 && (r == 1 || r == 2))
					q->median *= 1.69;
				if (pass == 1 && r == 1)
					q->median *= 1.3;  /* excursion */
				if (pass == 1 && r >= 3)
					q->median *= 0.8;  /* code change at run 4 */
			}
		}
		assert_int_equal(kb_history_mark_disturbed(p, 48, 0.05, &nruns), 0);
		if (pass == 0)
			assert_int_equal(nruns, 2);
		else
			assert_int_equal(nruns, 1);
		for (size_t i = 0; i < 48; i++) {
			bool want = pass == 0 ? (p[i].run_id == 2 || p[i].run_id == 3)
					      : p[i].run_id == 2;

			assert_int_equal(p[i].run_disturbed, want);
		}
		for (size_t i = 0; i < 48; i++) {
			free(p[i].bench);
			free(p[i].fingerprint);
			free(p[i].git);
			free(p[i].date);
		}
	}
}

/* Disturbed points are left out of the decision unless asked. */
static void test_cp_disturbed_left_out(void **state)
{
	const size_t runs[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
	struct kb_changepoint_opts opts = KB_CHANGEPOINT_OPTS_INIT;
	double m[20];
	const char *rev[20];
	struct kb_history_point *p;
	struct kb_history_analysis an;
	struct kb_rng r;

	(void)state;
	kb_rng_seed(&r, 11);
	simulate(&r, m, rev, 10, runs, 10, 0, 0.005, 0.005);
	/* the last five revisions' runs all 30 % slower -- but disturbed */
	for (size_t i = 10; i < 20; i++)
		m[i] *= 1.3;
	p = points(m, rev, 20);
	for (size_t i = 10; i < 20; i++)
		p[i].run_disturbed = true;
	assert_int_equal(kb_history_analyse(p, 20, NULL, &an), 0);
	assert_int_equal(an.used, 10);
	assert_int_equal(an.ngroups, 5);
	assert_int_equal(an.ncps, 0);
	kb_history_analysis_release(&an);
	opts.include_disturbed = true;
	assert_int_equal(kb_history_analyse(p, 20, &opts, &an), 0);
	assert_int_equal(an.ncps, 1);
	assert_int_equal(an.cps[0].index, 10);
	kb_history_analysis_release(&an);
	kb_history_points_free(p, 20);
}

static void test_cp_bad_input(void **state)
{
	const double m[3] = {100, 0, 100};
	const char *rev[3] = {"a", "b", "c"};
	struct kb_history_point *p = points(m, rev, 3);
	struct kb_history_analysis an;

	(void)state;
	assert_int_equal(kb_history_analyse(p, 3, NULL, &an), -KB_EINVAL);
	p[1].median = NAN;
	assert_int_equal(kb_history_analyse(p, 3, NULL, &an), -KB_EINVAL);
	p[1].median = 100;
	/* too short to tell: no p-value at all */
	assert_int_equal(kb_history_analyse(p, 3, NULL, &an), 0);
	assert_int_equal(an.ncps, 0);
	assert_true(isnan(an.p));
	assert_true(isnan(an.noise)); /* no revision measured twice */
	kb_history_analysis_release(&an);
	assert_int_equal(kb_history_analyse(p, 0, NULL, &an), 0);
	assert_int_equal(an.ncps, 0);
	kb_history_analysis_release(&an);
	kb_history_points_free(p, 3);
}

int main(void)
{
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test_prestate(test_add_list_get_roundtrip, "kbt_roundtrip"),
		cmocka_unit_test_prestate(test_duplicate_refused, "kbt_duplicate"),
		cmocka_unit_test_prestate(test_series_and_export, "kbt_series"),
		cmocka_unit_test_prestate(test_concurrent_writers, "kbt_concurrent"),
		cmocka_unit_test_prestate(test_same_run_race, "kbt_race"),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_list_get_roundtrip),
		cmocka_unit_test(test_duplicate_refused),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_interrupted_write),
		cmocka_unit_test(test_series_and_export),
		cmocka_unit_test(test_concurrent_writers),
		cmocka_unit_test(test_same_run_race),
		cmocka_unit_test(test_migrate_v1),
		cmocka_unit_test(test_cp_drift_is_not_a_change),
		cmocka_unit_test(test_cp_real_step),
		cmocka_unit_test(test_cp_false_alarm_rate),
		cmocka_unit_test(test_bh_threshold),
		cmocka_unit_test(test_mark_disturbed),
		cmocka_unit_test(test_cp_disturbed_left_out),
		cmocka_unit_test(test_cp_bad_input),
	};

	pg_fmt = getenv("KB_TEST_PG");
	if (pg_fmt && *pg_fmt)
		return cmocka_run_group_tests_name("history on PostgreSQL", pg_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
