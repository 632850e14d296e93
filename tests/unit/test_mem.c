/*
 * Memory per benchmark (mem.h): /proc/self/status parsing, the high-water
 * mark around a call with and without a reset (synthetic status files) and
 * the merge.  A benchmark of 64 MiB, through the runner and the worker
 * processes: tests/integration/test_memory.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mem.h"

static void status_fields(void **st)
{
	const char *text = "Name:\tkbench\nVmPeak:\t  20000 kB\nVmHWM:\t    1696 kB\n"
			   "VmRSS:\t    1500 kB\nThreads:\t1\nBad:\tx kB\nMB:\t12 MB\n";
	uint64_t v = 0;

	(void)st;
	assert_true(kb_mem_status_field(text, "VmHWM", &v));
	assert_true(v == 1696 * 1024);
	assert_true(kb_mem_status_field(text, "VmRSS", &v));
	assert_true(v == 1500 * 1024);
	assert_false(kb_mem_status_field(text, "VmSwap", &v)); /* absent */
	assert_false(kb_mem_status_field(text, "Bad", &v));    /* not a number */
	assert_false(kb_mem_status_field(text, "MB", &v));     /* not kB */
	assert_false(kb_mem_status_field(text, "Vm", &v));     /* a prefix is not a key */
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * Before the call RSS 100 MiB with an old peak of 300 MiB; after it the mark
 * is 200 MiB.  With a reset the growth is 100 MiB; without one only what went
 * beyond the old peak counts (none), and the figures say they were not reset.
 */
static void high_water_mark(void **st)
{
	char dir[] = "/tmp/kb-test-mem.XXXXXX", status[64], refs[64];
	struct kb_rss_mark m;
	struct kb_mem_use u = { 0 };

	(void)st;
	assert_non_null(mkdtemp(dir));
	snprintf(status, sizeof(status), "%s/status", dir);
	snprintf(refs, sizeof(refs), "%s/clear_refs", dir);
	write_file(refs, "");
	write_file(status, "VmHWM:\t307200 kB\nVmRSS:\t102400 kB\n");
	kb__rss_begin_at(&m, refs, status);
	assert_int_equal(m.reset, 1);
	write_file(status, "VmHWM:\t204800 kB\nVmRSS:\t102400 kB\n");
	kb__rss_end_at(&m, &u, status);
	assert_true(u.have && u.rss_reset == 1);
	assert_true(u.rss_growth == 100 * 1024 * 1024 && u.peak_rss == 200 * 1024 * 1024);

	memset(&u, 0, sizeof(u));
	write_file(status, "VmHWM:\t307200 kB\nVmRSS:\t102400 kB\n");
	kb__rss_begin_at(&m, "/nonexistent/clear_refs", status);
	assert_int_equal(m.reset, 0);
	write_file(status, "VmHWM:\t307200 kB\nVmRSS:\t204800 kB\n");
	kb__rss_end_at(&m, &u, status);
	assert_true(u.have && u.rss_reset == 0 && u.rss_growth == 0);

	/* no status file: no RSS figures */
	memset(&u, 0, sizeof(u));
	kb__rss_begin_at(&m, refs, "/nonexistent/status");
	kb__rss_end_at(&m, &u, "/nonexistent/status");
	assert_true(u.have && u.rss_reset == -1 && u.rss_growth == 0);
	unlink(status);
	unlink(refs);
	rmdir(dir);
}

static void merge(void **st)
{
	struct kb_mem_use a = { 0 }, b = { true, 5, 50, 40, 1, 0, 0 }, c = { true, 9, 30, 45, 0, 2, 3 };

	(void)st;
	kb_mem_merge(&a, &b);
	assert_true(a.have && a.requested == 5 && a.rss_reset == 1);
	kb_mem_merge(&a, &c);
	assert_true(a.requested == 9 && a.peak_rss == 50 && a.rss_growth == 45 && a.rss_reset == 0);
	assert_true(a.device_requested == 2 && a.device_in_use == 3);
	kb_mem_merge(&a, &(struct kb_mem_use){ 0 }); /* nothing measured: no change */
	assert_true(a.requested == 9 && a.rss_reset == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_fields),
		cmocka_unit_test(high_water_mark),
		cmocka_unit_test(merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
