/*
 * test_json_read.c - the results reader (kbench schema 1 and Google
 * Benchmark JSON) and the kb_run helpers of result.c.  Good files and the
 * bad-input corpus live in tests/data/.
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

#include "error.h"
#include "json_read.h"
#include "result.h"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static char *data_path(const char *rel)
{
	const char *root = getenv("KB_ROOT");
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/tests/data/%s", root && *root ? root : ".", rel);
	return buf;
}

static const struct kb_result *find(const struct kb_run *run, const char *id)
{
	const struct kb_result *r = kb_run_find(run, id);

	assert_non_null(r);
	return r;
}

static bool run_is_zero(const struct kb_run *run)
{
	static const struct kb_run zero;

	return memcmp(run, &zero, sizeof(zero)) == 0;
}

/* ---- result.c ------------------------------------------------------------- */

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(kb_status_name(KB_STATUS_OK), "ok");
	assert_string_equal(kb_status_name(KB_STATUS_SKIPPED), "skipped");
	assert_string_equal(kb_status_name(KB_STATUS_ERROR), "error");
	assert_int_equal(kb_status_parse("ok"), KB_STATUS_OK);
	assert_int_equal(kb_status_parse("error"), KB_STATUS_ERROR);
	assert_int_equal(kb_status_parse("OK"), -1);
	assert_int_equal(kb_status_parse(""), -1);
	assert_int_equal(kb_status_parse(NULL), -1);
}

static void test_counters_and_context(void **state)
{
	struct kb_run run = { 0 };
	struct kb_result *r;

	(void)state;
	run.results = calloc(1, sizeof(*run.results));
	assert_non_null(run.results);
	run.nresults = 1;
	r = &run.results[0];
	r->id = strdup("a/b/1");
	assert_null(kb_result_counter(r, "gflops"));
	assert_int_equal(kb_result_set_counter(r, "gflops", 10.0), 0);
	assert_int_equal(kb_result_set_counter(r, "gbps", NAN), 0);
	assert_int_equal(kb_result_set_counter(r, "gflops", 12.5), 0); /* replaces */
	assert_int_equal(r->ncounters, 2);
	assert_near(kb_result_counter(r, "gflops")->value, 12.5, 0);
	assert_true(isnan(kb_result_counter(r, "gbps")->value));

	assert_int_equal(kb_run_add_context(&run, "cpu.model", "AMD EPYC", false), 0);
	assert_int_equal(kb_run_add_context(&run, "gpu", NULL, false), 0);
	assert_string_equal(kb_run_context(&run, "cpu.model"), "AMD EPYC");
	assert_null(kb_run_context(&run, "gpu"));
	assert_null(kb_run_context(&run, "nope"));
	assert_ptr_equal(kb_run_find(&run, "a/b/1"), r);
	assert_null(kb_run_find(&run, "a/b/2"));
	kb_run_clear(&run);
	assert_true(run_is_zero(&run));
	kb_run_clear(&run); /* twice is fine */
}

/* ---- kbench JSON ---------------------------------------------------------- */

static const char minimal_kbench[] =
	"{\"schema_version\": 1, \"harness\": {\"name\": \"kbench\", \"version\": \"0.1.0\", \"git\": null},\n"
	" \"context\": {\"date\": \"2026-11-25T11:00:00Z\", \"fingerprint\": \"fp1\",\n"
	"   \"cpu\": {\"model\": \"Test\", \"cores\": 2, \"mhz\": 2596.5}, \"gpu\": null, \"flags\": [1, 2]},\n"
	" \"config\": {\"seed\": 7, \"metric\": \"time\"},\n"
	" \"benchmarks\": [\n"
	"  {\"id\": \"s/k/64\", \"params\": {\"n\": 64, \"dtype\": \"f32\"}, \"unit\": \"ns\", \"status\": \"ok\",\n"
	"   \"samples_ns\": [3, 1, 2], \"summary\": null, \"counters\": {\"gflops\": 1.5, \"gbps\": null},\n"
	"   \"noise\": 0.02, \"validated\": true},\n"
	"  {\"id\": \"s/gpu\", \"unit\": \"ns\", \"status\": \"skipped\", \"message\": \"no device\",\n"
	"   \"samples_ns\": [], \"summary\": null}]}\n";

static void test_parse_minimal_kbench(void **state)
{
	struct kb_run run;
	const struct kb_result *r;

	(void)state;
	assert_int_equal(kb_run_parse(minimal_kbench, strlen(minimal_kbench), "mem", &run), 0);
	assert_string_equal(run.format, "kbench");
	assert_int_equal(run.schema_version, 1);
	assert_string_equal(run.fingerprint, "fp1");
	assert_string_equal(run.date, "2026-11-25T11:00:00Z");
	assert_null(run.git);
	assert_int_equal(run.seed, 7);
	assert_string_equal(kb_run_context(&run, "cpu.model"), "Test");
	assert_string_equal(kb_run_context(&run, "cpu.cores"), "2");
	assert_string_equal(kb_run_context(&run, "flags"), "[1,2]");
	assert_null(kb_run_context(&run, "gpu"));
	assert_string_equal(kb_run_context(&run, "metric"), "time"); /* config */
	assert_int_equal(run.nresults, 2);

	r = find(&run, "s/k/64");
	assert_string_equal(r->suite, "s"); /* derived from the id */
	assert_string_equal(r->kernel, "k");
	assert_int_equal(r->nparams, 2);
	assert_int_equal(r->status, KB_STATUS_OK);
	assert_int_equal(r->nsamples, 3);
	/* summary null: computed from the samples */
	assert_near(r->summary.median, 2.0, 0);
	assert_int_equal(r->summary.n, 3);
	assert_near(r->noise, 0.02, 0);
	assert_int_equal(r->validated, 1);
	assert_near(kb_result_counter(r, "gflops")->value, 1.5, 0);
	assert_true(isnan(kb_result_counter(r, "gbps")->value));
	assert_true(isnan(r->instructions));

	r = find(&run, "s/gpu");
	assert_int_equal(r->status, KB_STATUS_SKIPPED);
	assert_string_equal(r->message, "no device");
	assert_int_equal(r->nsamples, 0);
	assert_int_equal(r->validated, -1);
	kb_run_clear(&run);
}

static void test_load_good_kbench(void **state)
{
	struct kb_run run;
	const struct kb_result *r;

	(void)state;
	assert_int_equal(kb_run_load(data_path("good_kbench.json"), &run), 0);
	assert_int_equal(run.nresults, 5);
	assert_string_equal(run.fingerprint, "x86_64-test-cpu-2c-nogpu-gcc12");
	assert_string_equal(kb_run_context(&run, "fingerprint_parts.cpu_model"), "Test CPU");
	r = find(&run, "matmul/sgemm_naive/64");
	assert_int_equal(r->nsamples, 30);
	assert_non_null(r->cpu_samples_ns);
	assert_non_null(r->sample_round);
	assert_int_equal(r->sample_round[29], 5);
	assert_int_equal(r->iterations_per_sample, 100);
	assert_true(r->summary.converged);
	assert_int_equal(r->summary.n, 30);
	kb_run_clear(&run);
}

/* ---- Google Benchmark JSON ------------------------------------------------ */

static void test_gbench_repetitions(void **state)
{
	struct kb_run run;
	const struct kb_result *r;

	(void)state;
	assert_int_equal(kb_run_load(data_path("good_gbench_reps.json"), &run), 0);
	assert_string_equal(run.format, "gbench");
	assert_int_equal(run.schema_version, 0);
	assert_null(run.fingerprint);
	assert_string_equal(run.harness_version, "v1.9.0");
	assert_int_equal(run.nresults, 3);
	/* "/repeats:9" is a run setting, not part of the id */
	r = find(&run, "BM_SetInsert/1024/1");
	assert_int_equal(r->nsamples, 9);
	assert_int_equal(r->rounds, 9);
	assert_int_equal(r->iterations_per_sample, 1000);
	/* time_unit us: 29.275 us nominal, converted to ns */
	assert_true(r->summary.median > 28000 && r->summary.median < 31000);
	assert_non_null(r->cpu_samples_ns);
	assert_true(r->gb_cpu_time_ns > 27000 && r->gb_cpu_time_ns < 31000);
	assert_non_null(kb_result_counter(r, "bytes_per_second"));
	assert_near(kb_result_counter(r, "items_per_second")->value, 3.3e4, 1e-9);
	r = find(&run, "BM_error");
	assert_int_equal(r->status, KB_STATUS_ERROR);
	assert_string_equal(r->message, "message");
	kb_run_clear(&run);
}

static void test_gbench_single_and_aggregates(void **state)
{
	struct kb_run run;
	const struct kb_result *r;

	(void)state;
	assert_int_equal(kb_run_load(data_path("good_gbench_single.json"), &run), 0);
	r = find(&run, "BM_SetInsert/1024/1");
	assert_int_equal(r->nsamples, 1);
	assert_near(r->samples_ns[0], 29275, 0);
	r = find(&run, "BM_Sum/4096"); /* no run_name, no run_type: an old file */
	assert_near(r->samples_ns[0], 1500, 1e-9);
	kb_run_clear(&run);

	/* a user counter named like a field duplicates a key: tolerated in
	 * Google Benchmark JSON (refused in kbench JSON: bad/duplicate_key.json) */
	assert_int_equal(kb_run_load(data_path("good_gbench_dupcounter.json"), &run), 0);
	assert_near(find(&run, "BM_SetInsert/1024/1")->samples_ns[0], 29275, 0);
	kb_run_clear(&run);

	assert_int_equal(kb_run_load(data_path("good_gbench_aggregates.json"), &run), 0);
	r = find(&run, "BM_Sum/4096");
	assert_int_equal(r->nsamples, 0);
	assert_int_equal(r->summary.n, 9);
	assert_true(r->summary.median > 1400 && r->summary.median < 1600);
	assert_true(r->summary.sd > 0);
	assert_true(isnan(r->summary.ci_low));
	kb_run_clear(&run);
}

static void test_gbench_units(void **state)
{
	static const char text[] =
		"{\"context\": {}, \"benchmarks\": [\n"
		" {\"name\": \"a\", \"iterations\": 1, \"real_time\": 2, \"cpu_time\": 2, \"time_unit\": \"s\"},\n"
		" {\"name\": \"b\", \"iterations\": 1, \"real_time\": 2, \"cpu_time\": 2, \"time_unit\": \"ms\"},\n"
		" {\"name\": \"c\", \"iterations\": 1, \"real_time\": 2, \"cpu_time\": 2},\n"
		" {\"name\": \"d\", \"iterations\": 3, \"real_time\": 1, \"skipped\": true, \"skip_message\": \"why\"}]}";
	struct kb_run run;

	(void)state;
	assert_int_equal(kb_run_parse(text, strlen(text), "units", &run), 0);
	assert_near(find(&run, "a")->samples_ns[0], 2e9, 0);
	assert_near(find(&run, "b")->samples_ns[0], 2e6, 0);
	assert_near(find(&run, "c")->samples_ns[0], 2, 0); /* default ns */
	assert_int_equal(find(&run, "d")->status, KB_STATUS_SKIPPED);
	assert_string_equal(find(&run, "d")->message, "why");
	kb_run_clear(&run);
}

/* ---- refusals ------------------------------------------------------------- */

/* Each file of tests/data/bad/EXPECT fails with its file name and fragment. */
static void test_bad_corpus(void **state)
{
	char line[512], dir[4096];
	FILE *f;
	int n = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", data_path("bad/"));
	f = fopen(data_path("bad/EXPECT"), "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), path[8192];
		struct kb_run run;
		int rc;

		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		tab[1 + strcspn(tab + 1, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", dir, line);
		rc = kb_run_load(path, &run);
		if (rc == 0 || !strstr(kb_last_error(), line) || !strstr(kb_last_error(), tab + 1))
			fail_msg("%s: rc %d, message \"%s\" (wanted \"%s\")", line, rc, kb_last_error(),
				 tab + 1);
		assert_true(run_is_zero(&run)); /* nothing leaks out of a failure */
		n++;
	}
	fclose(f);
	assert_true(n >= 50);
}

static void test_syntax_error_position(void **state)
{
	static const char text[] = "{\n  \"schema_version\": 1,\n  \"benchmarks\": [1, 2,]\n}\n";
	struct kb_run run;

	(void)state;
	assert_int_equal(kb_run_parse(text, strlen(text), "pos.json", &run), -KB_EPARSE);
	/* line 3, column of the offending ']' */
	assert_non_null(strstr(kb_last_error(), "pos.json:3:"));
	assert_non_null(strstr(kb_last_error(), "malformed JSON"));
}

static void test_missing_unreadable_empty(void **state)
{
	char path[] = "/tmp/kb-test-json-XXXXXX";
	struct kb_run run;
	int fd;

	(void)state;
	assert_int_equal(kb_run_load("/nonexistent/kbench.json", &run), -KB_ENOTFOUND);
	assert_non_null(strstr(kb_last_error(), "/nonexistent/kbench.json"));
	assert_int_equal(kb_run_load("/", &run), -KB_EIO);
	assert_non_null(strstr(kb_last_error(), "directory"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(kb_run_load(path, &run), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "empty file"));
	/* sparse, so the test costs no disk: refused before it is read */
	assert_int_equal(ftruncate(fd, (off_t)300 << 20), 0);
	assert_int_equal(kb_run_load(path, &run), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "256 MiB"));
	close(fd);
	unlink(path);
}

static void test_many_ids_duplicate_last(void **state)
{
	size_t n = 3000, i, cap = n * 120 + 256, len = 0;
	char *text = malloc(cap);
	struct kb_run run;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len,
				"{\"schema_version\":1,\"harness\":{},\"context\":{},\"benchmarks\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%s{\"id\":\"s/k/%zu\",\"unit\":\"ns\",\"status\":\"ok\",\"samples_ns\":[1],\"summary\":null}",
					i ? "," : "", i == n - 1 ? (size_t)17 : i);
	len += (size_t)snprintf(text + len, cap - len, "]}");
	assert_int_equal(kb_run_parse(text, len, "many", &run), -KB_ESCHEMA);
	assert_non_null(strstr(kb_last_error(), "benchmark 2999 (\"s/k/17\")"));
	assert_non_null(strstr(kb_last_error(), "duplicate: benchmark 17"));
	free(text);
}

static void test_future_schema_message(void **state)
{
	static const char text[] = "{\"schema_version\": 3, \"benchmarks\": []}";
	struct kb_run run;

	(void)state;
	assert_int_equal(kb_run_parse(text, strlen(text), "f.json", &run), -KB_ESCHEMA);
	assert_non_null(strstr(kb_last_error(), "schema_version 3 is newer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_counters_and_context),
		cmocka_unit_test(test_parse_minimal_kbench),
		cmocka_unit_test(test_load_good_kbench),
		cmocka_unit_test(test_gbench_repetitions),
		cmocka_unit_test(test_gbench_single_and_aggregates),
		cmocka_unit_test(test_gbench_units),
		cmocka_unit_test(test_bad_corpus),
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_missing_unreadable_empty),
		cmocka_unit_test(test_many_ids_duplicate_last),
		cmocka_unit_test(test_future_schema_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
