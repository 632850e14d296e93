/*
 * The JSON writer and the kbench reporter against golden text.
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

#include "jsonw.h"
#include "writer.h"
#include "result.h"

static char *capture(void (*fn)(FILE *f, void *ctx), void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, ctx);
	fclose(f);
	return buf;
}

static void write_values(FILE *f, void *ctx)
{
	struct kb_jsonw w;
	(void)ctx;
	kb_jsonw_init(&w, f, false);
	kb_jsonw_object(&w, NULL);
	kb_jsonw_str(&w, "s", "a\"b\\c\n\x01");
	kb_jsonw_num(&w, "nan", NAN);
	kb_jsonw_num(&w, "inf", INFINITY);
	kb_jsonw_num(&w, "int", 42);
	kb_jsonw_num(&w, "frac", 0.125);
	kb_jsonw_int(&w, "neg", -7);
	kb_jsonw_bool(&w, "t", true);
	kb_jsonw_str(&w, "null", NULL);
	kb_jsonw_array(&w, "a", true);
	kb_jsonw_num(&w, NULL, 1.5);
	kb_jsonw_num(&w, NULL, 2);
	kb_jsonw_end_array(&w);
	kb_jsonw_array(&w, "empty", false);
	kb_jsonw_end_array(&w);
	kb_jsonw_end_object(&w);
}

static void strict_values(void **st)
{
	char *s = capture(write_values, NULL);
	(void)st;
	assert_string_equal(s, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"nan\":null,\"inf\":null,"
			       "\"int\":42,\"frac\":0.125,\"neg\":-7,\"t\":true,\"null\":null,"
			       "\"a\":[1.5, 2],\"empty\":[]}");
	free(s);
}

static void write_kv(FILE *f, void *ctx)
{
	struct kb_jsonw w;
	struct kb_kv kv[] = {
		{ "date", "today", false },
		{ "cpu.model", "X", false },
		{ "cpu.cores", "2", true },
		{ "cpu.cache.l1", "32", true },
		{ "cpu.cache.l2", NULL, true },
		{ "gpu.name", NULL, false },
		{ "fingerprint", "fp", false },
	};
	(void)ctx;
	kb_jsonw_init(&w, f, false);
	kb_report_json_kv(&w, NULL, kv, sizeof(kv) / sizeof(kv[0]));
}

static void nested_context(void **st)
{
	char *s = capture(write_kv, NULL);
	(void)st;
	assert_string_equal(s, "{\"date\":\"today\",\"cpu\":{\"model\":\"X\",\"cores\":2,"
			       "\"cache\":{\"l1\":32,\"l2\":null}},\"gpu\":{\"name\":null},"
			       "\"fingerprint\":\"fp\"}");
	free(s);
}

static void write_run(FILE *f, void *ctx)
{
	kb_report_json(f, ctx);
}

static void write_run_csv(FILE *f, void *ctx)
{
	kb_report_csv(f, ctx);
}

static void reporter_golden(void **st)
{
	double samples[] = { 10, 12, 11 }, cpu[] = { 9, 11, 10 };
	uint32_t rounds[] = { 0, 0, 1 };
	struct kb_param params[] = { { "n", false, 64, NULL }, { "dtype", true, 0, "f32" } };
	struct kb_counter counters[] = { { "gflops", 1.5 }, { "gbps", NAN } };
	struct kb_result r = {
		.id = "s/k/64", .suite = "s", .kernel = "k", .params = params, .nparams = 2,
		.unit = "ns", .status = KB_STATUS_OK, .iterations_per_sample = 100,
		.samples_ns = samples, .cpu_samples_ns = cpu, .sample_round = rounds,
		.nsamples = 3, .rounds = 2, .counters = counters, .ncounters = 2,
		.validated = 1, .instructions = NAN, .noise = NAN, .warmup_s = 0.1,
		.elapsed_s = 0.5, .timer = "wall",
		.summary = { .median = 11, .ci_low = 10, .ci_high = 12, .ci_level = 0.75,
			     .mean = 11, .sd = 1, .cv = 1.0 / 11, .min = 10, .max = 12,
			     .q1 = 10.5, .q3 = 11.5, .p90 = 11.8, .p99 = 11.98, .n = 3 },
	};
	struct kb_kv ctx[] = { { "fingerprint", "fp", false } };
	struct kb_kv conf[] = { { "seed", "42", true } };
	struct kb_run run = { .harness_version = "0.1.0", .git = "abc", .context = ctx,
			      .ncontext = 1, .config = conf, .nconfig = 1, .results = &r,
			      .nresults = 1 };
	char *s = capture(write_run, &run), *c;
	FILE *g;
	long len;
	char *golden;
	(void)st;
	if (getenv("KB_UPDATE_GOLDEN")) {
		/* regenerate after a deliberate format change; review the diff */
		g = fopen("tests/data/golden/report.json", "w");
		assert_non_null(g);
		fputs(s, g);
		fclose(g);
	}
	g = fopen("tests/data/golden/report.json", "r");
	assert_non_null(g);
	fseek(g, 0, SEEK_END);
	len = ftell(g);
	rewind(g);
	golden = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(golden, 1, (size_t)len, g), (size_t)len);
	fclose(g);
	assert_string_equal(s, golden);
	free(golden);
	free(s);
	c = capture(write_run_csv, &run);
	assert_non_null(strstr(c, "\ns/k/64,ok,11,10,12,0.75,11,1,"));
	assert_non_null(strstr(c, ",3,100,2,false,0,0,1.5,,,,true,\n"));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strict_values),
		cmocka_unit_test(nested_context),
		cmocka_unit_test(reporter_golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
