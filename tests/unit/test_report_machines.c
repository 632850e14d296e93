/*
 * test_report_machines.c - the cross-hardware report on synthetic runs:
 * the fastest machine per benchmark (and "tied" when the intervals
 * overlap), the fastest kernel per machine, a benchmark one machine lacks,
 * results that do not count (an error, no median), and the refusal when
 * nothing counts.
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

#include "error.h"
#include "report_machines.h"
#include "result.h"

/* A result "s/<kernel>/64" with this median and interval. */
static void add(struct kb_run *run, const char *kernel, double median, double lo, double hi,
		enum kb_status status)
{
	struct kb_result *r;
	char id[64];

	run->results = realloc(run->results, (run->nresults + 1) * sizeof(*run->results));
	assert_non_null(run->results);
	r = &run->results[run->nresults++];
	memset(r, 0, sizeof(*r));
	snprintf(id, sizeof(id), "s/%s/64", kernel);
	r->id = strdup(id);
	r->suite = strdup("s");
	r->kernel = strdup(kernel);
	r->status = status;
	r->summary.median = median;
	r->summary.ci_low = lo;
	r->summary.ci_high = hi;
}

static char *report(const struct kb_machine_run *m, size_t n, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = kb_report_machines(f, m, n, NULL);
	fclose(f);
	return buf;
}

/* The line of `text` that starts with `start`, or fail. */
static char *line(const char *text, const char *start)
{
	static char buf[512];

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, start, strlen(start)) == 0) {
			size_t n = strcspn(p, "\n");

			snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
			return buf;
		}
	}
	fail_msg("no line starting with %s in:\n%s", start, text);
	return NULL;
}

static void test_fastest(void **state)
{
	struct kb_run a = {0}, b = {0};
	struct kb_machine_run m[2] = {{"zen4", &a}, {"spr", &b}};
	char *out;
	int rc;

	(void)state;
	/* naive: spr 2x faster, intervals apart; simd: zen4 ahead but overlapping */
	add(&a, "naive", 200, 190, 210, KB_STATUS_OK);
	add(&b, "naive", 100, 95, 105, KB_STATUS_OK);
	add(&a, "simd", 50, 45, 56, KB_STATUS_OK);
	add(&b, "simd", 54, 53, 60, KB_STATUS_OK);
	add(&a, "only_zen4", 10, 9, 11, KB_STATUS_OK);
	add(&b, "broken", 1, 1, 1, KB_STATUS_ERROR); /* does not count */
	add(&b, "nomedian", NAN, NAN, NAN, KB_STATUS_OK);
	out = report(m, 2, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "2 machines, 3 benchmarks"));
	assert_non_null(strstr(line(out, "s/naive/64"), "spr (2.00x)"));
	assert_non_null(strstr(line(out, "s/naive/64"), "200.0 ns ±5.0%"));
	assert_non_null(strstr(line(out, "s/simd/64"), "zen4 (tied: the intervals overlap)"));
	assert_non_null(strstr(line(out, "s/only_zen4/64"), "  -  "));
	assert_null(strstr(out, "broken"));
	assert_null(strstr(out, "nomedian"));
	/* the kernel per machine: simd on both, whatever the machine */
	{
		char *l = line(out, "s/*/64");

		assert_non_null(l);
		char *z = strstr(l, "only_zen4"), *s = strstr(l, "simd");

		/* zen4's column: only_zen4 (10 ns); spr's: simd (54 ns against 100) */
		assert_non_null(z);
		assert_non_null(s);
		assert_true(z < s);
	}
	free(out);
	kb_run_clear(&a);
	kb_run_clear(&b);
}

static void test_nothing_to_compare(void **state)
{
	struct kb_run a = {0};
	struct kb_machine_run m[1] = {{"x", &a}};
	char *out;
	int rc;

	(void)state;
	add(&a, "broken", 1, 1, 1, KB_STATUS_ERROR);
	out = report(m, 1, &rc);
	assert_int_equal(rc, -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "nothing to compare"));
	free(out);
	kb_run_clear(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fastest),
		cmocka_unit_test(test_nothing_to_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
