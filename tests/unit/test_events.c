/*
 * --counters (events.h): the list's checks, the software events by name,
 * page faults counted exactly around a known number of fresh pages, and a
 * hardware event either counted or refused with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "error.h"
#include "events.h"

static void bad_lists(void **st)
{
	struct kb_events ev;

	(void)st;
	assert_int_equal(kb_events_open("", &ev), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "expected a comma-separated list"));
	assert_int_equal(kb_events_open("task-clock,,page-faults", &ev), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "with no empty one"));
	assert_int_equal(kb_events_open("task-clock,", &ev), -KB_EINVAL);
	assert_int_equal(kb_events_open("page-faults,task-clock,page-faults", &ev), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "page-faults is named twice"));
	assert_int_equal(kb_events_open("task-clock,cpu-clock,page-faults,minor-faults,major-faults,"
					"context-switches,cpu-migrations,cs,x", &ev), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "at most 8 events"));
	assert_int_equal(ev.n, 0); /* closed again */
	assert_int_equal(kb_events_software("page-faults") >= 0, 1);
	assert_int_equal(kb_events_software("cycles"), -1);
}

/* 64 fresh pages touched between two reads: 64 page faults (and a few of
 * the test's own at most). */
static void page_faults_counted(void **st)
{
	struct kb_events ev;
	uint64_t a[KB_EVENTS_MAX], b[KB_EVENTS_MAX];
	char *p;

	(void)st;
	assert_int_equal(kb_events_open("page-faults,task-clock", &ev), 0);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.name[0], "page-faults");
	p = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	kb_events_read(&ev, a);
	for (int i = 0; i < 64; i++)
		((volatile char *)p)[i * 4096] = 1;
	kb_events_read(&ev, b);
	munmap(p, 64 * 4096);
	/* under AddressSanitizer its shadow memory faults too (an eighth of
	 * the region, in pages wherever ASan maps them) */
#ifdef __SANITIZE_ADDRESS__
	if (!(b[0] - a[0] >= 64 && b[0] - a[0] <= 64 + 64))
#else
	if (!(b[0] - a[0] >= 64 && b[0] - a[0] <= 72))
#endif
		fail_msg("%llu page faults for 64 touched pages", (unsigned long long)(b[0] - a[0]));
	assert_true(b[1] > a[1]); /* task-clock moves */
	kb_events_close(&ev);
	assert_int_equal(ev.n, 0);
}

static void hardware_counted_or_refused(void **st)
{
	struct kb_events ev;
	int rc;

	(void)st;
	rc = kb_events_open("cycles", &ev);
	if (rc == 0) {
		uint64_t a[KB_EVENTS_MAX], b[KB_EVENTS_MAX];

		kb_events_read(&ev, a);
		for (volatile int i = 0; i < 100000; i++) {
		}
		kb_events_read(&ev, b);
		assert_true(b[0] > a[0]);
		kb_events_close(&ev);
		return;
	}
	assert_int_equal(rc, -KB_EUNSUPPORTED);
	assert_non_null(strstr(kb_last_error(), "--counters=cycles: this machine cannot count it"));
	assert_int_equal(kb_events_open("no-such-event-x", &ev), -KB_EINVAL);
	assert_non_null(strstr(kb_last_error(), "no-such-event-x: libpfm4 cannot encode it"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_lists),
		cmocka_unit_test(page_faults_counted),
		cmocka_unit_test(hardware_counted_or_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
