/*
 * Flag parsing: kbench spellings, Google Benchmark aliases, KBENCH_*
 * mirrors, and clear refusals.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "error.h"
#include "runner.h"

static int parse(struct kb_config *cfg, int argc, char **argv)
{
	bool help, version;
	kb_config_defaults(cfg);
	return kb_cli_parse(argc, argv, cfg, &help, &version);
}

static void kbench_flags(void **st)
{
	struct kb_config c;
	char *argv[] = { "kbench", "--filter=matmul", "--format=csv", "--out=x.json",
			 "--out-format=gbench", "--min-time=0.002", "--warmup=0.5s",
			 "--target-ci=0.5", "--max-time=3", "--rounds=7", "--seed=9",
			 "--threads=2", "--pin=1", "--quick", "--list", "--samples", "4" };
	(void)st;
	assert_int_equal(parse(&c, 17, argv), 0);
	assert_string_equal(c.filter, "matmul");
	assert_int_equal(c.format, KB_FORMAT_CSV);
	assert_string_equal(c.out, "x.json");
	assert_int_equal(c.out_format, KB_FORMAT_GBENCH);
	assert_true(fabs(c.min_time_s - 0.002) < 1e-12);
	assert_true(fabs(c.warmup_s - 0.5) < 1e-12);
	assert_true(fabs(c.target_ci - 0.005) < 1e-12);
	assert_true(fabs(c.max_time_s - 3) < 1e-12);
	assert_int_equal(c.rounds, 7);
	assert_int_equal(c.seed, 9);
	assert_int_equal(c.threads, 2);
	assert_string_equal(c.pin, "1");
	assert_true(c.quick);
	assert_true(c.list);
	assert_int_equal(c.samples_per_round, 4);
}

static void gbench_aliases(void **st)
{
	struct kb_config c;
	char *argv[] = { "kbench", "--benchmark_filter=BM_", "--benchmark_format=json",
			 "--benchmark_out=o.json", "--benchmark_out_format=csv",
			 "--benchmark_min_time=100x", "--benchmark_repetitions=9",
			 "--benchmark_list_tests=true" };
	(void)st;
	assert_int_equal(parse(&c, 8, argv), 0);
	assert_string_equal(c.filter, "BM_");
	assert_int_equal(c.format, KB_FORMAT_JSON);
	assert_string_equal(c.out, "o.json");
	assert_int_equal(c.out_format, KB_FORMAT_CSV);
	assert_int_equal(c.fixed_iters, 100);
	assert_int_equal(c.rounds, 9);
	assert_true(c.list);
}

static void environment(void **st)
{
	struct kb_config c;
	char *argv[] = { "kbench", "--seed=5" };
	(void)st;
	setenv("KBENCH_SEED", "77", 1);
	setenv("KBENCH_TARGET_CI", "2%", 1);
	setenv("KBENCH_QUICK", "1", 1);
	assert_int_equal(parse(&c, 1, argv), 0);
	assert_int_equal(c.seed, 77);
	assert_true(fabs(c.target_ci - 0.02) < 1e-12);
	assert_true(c.quick);
	/* a flag overrides its mirror */
	assert_int_equal(parse(&c, 2, argv), 0);
	assert_int_equal(c.seed, 5);
	setenv("KBENCH_SEED", "-3", 1);
	assert_int_not_equal(parse(&c, 1, argv), 0);
	assert_non_null(strstr(kb_last_error(), "KBENCH_SEED"));
	unsetenv("KBENCH_SEED");
	unsetenv("KBENCH_TARGET_CI");
	unsetenv("KBENCH_QUICK");
}

static void refusals(void **st)
{
	struct kb_config c;
	struct {
		const char *arg, *expect;
	} cases[] = {
		{ "--frobnicate", "unknown flag \"--frobnicate\"" },
		{ "--target-ci=abc", "percentage" },
		{ "--target-ci=0", "percentage" },
		{ "--max-time=-1", "seconds" },
		{ "--rounds=0", "positive integer" },
		{ "--rounds=2.5", "positive integer" },
		{ "--format=xml", "console, json, csv" },
		{ "--out-format=console", "json, csv or gbench" },
		{ "--min-time=0x", "Nx" },
		{ "--metric=cycles", "--metric=cycles" },
		{ "--threads=0", "thread count" },
		{ "--quick=maybe", "true or false" },
		{ "positional", "unexpected argument" },
		{ "--out", "needs a value" },
		{ "--seed=9007199254740992", "2^53" },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "kbench", (char *)cases[i].arg };
		assert_int_not_equal(parse(&c, 2, argv), 0);
		if (!strstr(kb_last_error(), cases[i].expect))
			fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].arg, kb_last_error(),
				 cases[i].expect);
	}
}

/* "--filter --list": the value was forgotten; refused, not taken as a
 * filter of "--list".  "--filter -x" (an exclusion) is still a value. */
static void separate_value_is_not_a_flag(void **st)
{
	struct kb_config c;
	char *forgot[] = { "kbench", "--filter", "--list" };
	char *exclude[] = { "kbench", "--filter", "-^memory" };
	(void)st;
	assert_int_not_equal(parse(&c, 3, forgot), 0);
	assert_non_null(strstr(kb_last_error(), "--filter needs a value, got the flag --list"));
	assert_int_equal(parse(&c, 3, exclude), 0);
	assert_string_equal(c.filter, "-^memory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(separate_value_is_not_a_flag),
		cmocka_unit_test(kbench_flags),
		cmocka_unit_test(gbench_aliases),
		cmocka_unit_test(environment),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
