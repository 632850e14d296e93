/*
 * The instruction metric: parsing callgrind output files, the trigger of a
 * counted batch, the per-iteration arithmetic, the callgrind budget and the
 * choice of mechanism (perf_event, callgrind, or a clear refusal).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "metric.h"

/* A dump as callgrind 3.19 writes it for CALLGRIND_DUMP_STATS_AT (copied
 * from a real run of `valgrind --tool=callgrind --collect-atstart=no`). */
static const char dump_319[] =
	"# callgrind format\n"
	"version: 1\n"
	"creator: callgrind-3.19.0\n"
	"pid: 12106\n"
	"cmd:  ./t\n"
	"part: 1\n"
	"\n\n"
	"desc: I1 cache: \n"
	"desc: D1 cache: \n"
	"desc: LL cache: \n"
	"\n"
	"desc: Timerange: Basic block 0 - 1255\n"
	"desc: Trigger: Client Request: kbench 5 calibration/spin/100\n"
	"\n"
	"positions: line\n"
	"events: Ir\n"
	"summary: 5020\n"
	"\n\n"
	"ob=(1) /tmp/cgx/t\n"
	"fl=(1) ???\n"
	"fn=(0) main\n"
	"0 5020\n"
	"\n"
	"totals: 5020\n";

static int parse_text(const char *text, struct kb_cg_dump *d)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(f);
	rc = kb_callgrind_parse(f, "cg.out.1", d);
	fclose(f);
	return rc;
}

static void parses_a_real_dump(void **st)
{
	struct kb_cg_dump d;
	uint64_t iters;
	const char *id;

	(void)st;
	assert_int_equal(parse_text(dump_319, &d), 0);
	assert_string_equal(d.trigger, "Client Request: kbench 5 calibration/spin/100");
	assert_true(d.ir == 5020);
	assert_true(kb_cg_trigger_parse(d.trigger, &iters, &id));
	assert_int_equal(iters, 5);
	assert_string_equal(id, "calibration/spin/100");
}

/* With cache simulation the events line has more columns; Ir is found by name. */
static void finds_ir_among_other_events(void **st)
{
	struct kb_cg_dump d;
	static const char text[] = "# callgrind format\nversion: 1\n"
				   "desc: Trigger: Client Request: kbench 10 a/b\n"
				   "events: Dr Dw Ir I1mr\n"
				   "summary: 7 8 123456789012 3\n"
				   "totals: 7 8 1 3\n";
	(void)st;
	assert_int_equal(parse_text(text, &d), 0);
	assert_true(d.ir == 123456789012.0); /* summary wins over totals */
}

/* Older callgrind writes only "totals:". */
static void totals_without_summary(void **st)
{
	struct kb_cg_dump d;
	static const char text[] = "version: 1\nevents: Ir\ntotals: 42\n";

	(void)st;
	assert_int_equal(parse_text(text, &d), 0);
	assert_true(d.ir == 42);
	assert_string_equal(d.trigger, "");
}

static void refuses_bad_files(void **st)
{
	struct kb_cg_dump d;

	(void)st;
	assert_int_equal(parse_text("hello\n", &d), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "cg.out.1:1"));
	assert_int_equal(parse_text("# callgrind format\nversion: 2\n", &d), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "version"));
	assert_int_equal(parse_text("# callgrind format\nevents: Dr Dw\n", &d), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "no Ir"));
	assert_int_equal(parse_text("# callgrind format\nsummary: 5\n", &d), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "events"));
	assert_int_equal(parse_text("# callgrind format\nevents: Ir\nsummary: x\n", &d), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "cg.out.1:3"));
	assert_int_equal(parse_text("", &d), -KB_EPARSE);
	/* no count at all is not an error of the file: ir stays NAN */
	assert_int_equal(parse_text("# callgrind format\nevents: Ir\n", &d), 0);
	assert_true(isnan(d.ir));
}

static void triggers(void **st)
{
	char buf[128];
	uint64_t iters;
	const char *id;

	(void)st;
	kb_cg_trigger(buf, sizeof(buf), 10, "matmul/sgemm_blocked/64/64/64");
	assert_string_equal(buf, "kbench 10 matmul/sgemm_blocked/64/64/64");
	assert_true(kb_cg_trigger_parse(buf, &iters, &id));
	assert_int_equal(iters, 10);
	assert_string_equal(id, "matmul/sgemm_blocked/64/64/64");
	/* the dump written at exit and anything else are not ours */
	assert_false(kb_cg_trigger_parse("Program termination", &iters, &id));
	assert_false(kb_cg_trigger_parse("Client Request: kbench x id", &iters, &id));
	assert_false(kb_cg_trigger_parse("Client Request: kbench 0 id", &iters, &id));
	assert_false(kb_cg_trigger_parse("Client Request: kbench 5", &iters, &id));
	assert_false(kb_cg_trigger_parse("Client Request: kbench 5 ", &iters, &id));
}

static void per_iteration(void **st)
{
	(void)st;
	/* calibration/spin/100: 5 instructions a round + 8 per iteration,
	 * plus a fixed 40 per batch that the difference cancels */
	assert_true(kb_metric_per_iter(40 + 5 * 508, 5, 40 + 10 * 508, 10) == 508);
	assert_true(kb_metric_per_iter(1000, 5, 1000, 10) == 0);
	assert_true(isnan(kb_metric_per_iter(1000, 5, 999, 10))); /* fewer with more work */
	assert_true(isnan(kb_metric_per_iter(NAN, 5, 999, 10)));
	assert_true(isnan(kb_metric_per_iter(1, 5, 2, 5)));
	assert_true(isnan(kb_metric_per_iter(1, 0, 2, 5)));
}

static void budget_estimate(void **st)
{
	(void)st;
	/* 6k iterations at 1000x: 1 ms natively, k = 5 -> 30 s */
	assert_true(fabs(kb_metric_callgrind_estimate_s(1e6, 5) - 30) < 1e-9);
	assert_true(kb_metric_callgrind_estimate_s(0, 5) == 0);
	assert_true(isnan(kb_metric_callgrind_estimate_s(NAN, 5)));
}

static struct kb_mech_facts facts(void)
{
	struct kb_mech_facts f;

	memset(&f, 0, sizeof(f));
	f.perf_paranoid = 2;
	f.valgrind = "/usr/bin/valgrind";
	f.valgrind_wanted = "valgrind (on PATH)";
	f.have_callgrind_h = true;
	return f;
}

static void chooses_perf_when_it_works(void **st)
{
	struct kb_mech_facts f = facts();
	enum kb_mech m;
	char note[256];

	(void)st;
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), 0);
	assert_int_equal(m, KB_MECH_PERF);
	assert_string_equal(note, "");
	assert_string_equal(kb_mech_name(m), "perf_event");
	f.forced = "callgrind";
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), 0);
	assert_int_equal(m, KB_MECH_CALLGRIND);
	assert_string_equal(kb_mech_name(m), "callgrind");
}

static void falls_back_to_callgrind(void **st)
{
	struct kb_mech_facts f = facts();
	enum kb_mech m;
	char note[256];

	(void)st;
	f.perf_errno = ENOENT; /* this VM */
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), 0);
	assert_int_equal(m, KB_MECH_CALLGRIND);
	assert_non_null(strstr(note, "no hardware counters"));
	f.perf_errno = EACCES; /* perf_event_paranoid too high */
	f.perf_paranoid = 3;
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), 0);
	assert_int_equal(m, KB_MECH_CALLGRIND);
	assert_non_null(strstr(note, "refused"));
	assert_non_null(strstr(note, "perf_event_paranoid = 3"));
}

static void refusals_say_what_to_do(void **st)
{
	struct kb_mech_facts f = facts();
	enum kb_mech m;
	char note[256];

	(void)st;
	f.perf_errno = ENOENT;
	f.valgrind = NULL;
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), -KB_EUNSUPPORTED);
	assert_int_equal(m, KB_MECH_NONE);
	assert_non_null(strstr(kb_last_error(), "apt-get install valgrind"));
	assert_non_null(strstr(kb_last_error(), "valgrind (on PATH)"));
	f.valgrind_wanted = "/nonexistent";
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), -KB_EUNSUPPORTED);
	assert_non_null(strstr(kb_last_error(), "/nonexistent"));

	f = facts();
	f.perf_errno = EACCES;
	f.perf_paranoid = 3;
	f.forced = "perf_event";
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), -KB_EUNSUPPORTED);
	assert_non_null(strstr(kb_last_error(), "perf_event_paranoid"));

	f = facts();
	f.perf_errno = ENOENT;
	f.sanitizer = true;
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), -KB_EUNSUPPORTED);
	assert_non_null(strstr(kb_last_error(), "AddressSanitizer"));
	/* perf_event works in a sanitizer build */
	f.perf_errno = 0;
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), 0);
	assert_int_equal(m, KB_MECH_PERF);

	f = facts();
	f.perf_errno = ENOENT;
	f.have_callgrind_h = false;
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), -KB_EUNSUPPORTED);
	assert_non_null(strstr(kb_last_error(), "callgrind.h"));

	f = facts();
	f.forced = "pmu";
	assert_int_equal(kb_mech_choose(&f, &m, note, sizeof(note)), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "auto, perf_event or callgrind"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_real_dump),
		cmocka_unit_test(finds_ir_among_other_events),
		cmocka_unit_test(totals_without_summary),
		cmocka_unit_test(refuses_bad_files),
		cmocka_unit_test(triggers),
		cmocka_unit_test(per_iteration),
		cmocka_unit_test(budget_estimate),
		cmocka_unit_test(chooses_perf_when_it_works),
		cmocka_unit_test(falls_back_to_callgrind),
		cmocka_unit_test(refusals_say_what_to_do),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
