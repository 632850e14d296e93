/*
 * test_worker.c - the worker stream (worker.h): a record written by one
 * process and read back by the parent, fields with tabs, newlines and
 * backslashes, two processes merged with their indexes, a truncated last
 * line, malformed streams refused with the line; and the disturbance rule on
 * made-up probe readings.
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

#include "error.h"
#include "registry.h"
#include "state.h"
#include "worker.h"

static void body(struct kb_state *s) { (void)s; }
static struct kb_bench bench = { "t", "w", body, __FILE__, __LINE__, NULL };

static void make_run(struct kb_bench_run *br, struct kb_instance *inst, const char *id)
{
	memset(br, 0, sizeof(*br));
	memset(inst, 0, sizeof(*inst));
	inst->id = (char *)id;
	inst->bench = &bench;
	br->inst = inst;
	br->validated = -1;
	br->timer_name = "wall";
}

static void round_trip_and_merge(void **st)
{
	struct kb_instance in_w, in_p;
	struct kb_bench_run w, p;
	struct kb_worker_stream s;
	struct kb_worker_ref ref = { 1e6, 0.01, 2e6, 0.02 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)st;
	make_run(&w, &in_w, "t/w/1");
	for (int i = 0; i < 3; i++)
		assert_true(kb__bench_run_push(&w, 100.0 + i, 90.0 + i, (uint32_t)i, 0));
	w.iters = 77;
	w.rounds = 3;
	w.flops = 2e6;
	w.bytes = 4096;
	w.validated = 1;
	w.label = strdup("a\ttab, a\nnewline and a \\ backslash");
	w.peak = "flops";
	assert_int_equal(kb__bench_run_counter(&w, "hits", 3.5, true), 0);
	kb__bench_run_param(&w, "dtype", "-");
	w.mem = (struct kb_mem_use){ true, 64 << 20, 100 << 20, 65 << 20, 1, 3 << 20, 5 << 20 };
	assert_int_equal(kb__bench_run_event(&w, "page-faults", 40, 10), 0);

	f = open_memstream(&buf, &len);
	kb_worker_write_header(f);
	kb_worker_write_ref(f, "start", &ref);
	kb_worker_write_mark(f, "begin", "t/w/1");
	kb_worker_write_mark(f, "end", "t/w/1");
	kb_worker_write_bench(f, &w);
	kb_worker_write_done(f);
	fclose(f);

	/* the parent reads it twice, as two processes */
	make_run(&p, &in_p, "t/w/1");
	for (uint32_t proc = 0; proc < 2; proc++) {
		f = fmemopen(buf, len, "r");
		assert_int_equal(kb_worker_read(f, "stream", &p, 1, proc, &s), 0);
		fclose(f);
		assert_true(s.header && s.done);
		assert_null(s.running);
		assert_true(s.refs.have[0] && !s.refs.have[1]);
		assert_true(s.refs.ref[0].mem_ns == 2e6);
		kb_worker_stream_release(&s);
	}
	assert_int_equal(p.nsamples, 6);
	assert_true(p.samples[4] == 101.0 && p.cpu_samples[4] == 91.0);
	assert_int_equal(p.sample_round[5], 2);
	assert_int_equal(p.sample_process[2], 0);
	assert_int_equal(p.sample_process[3], 1);
	assert_int_equal(p.processes, 2);
	assert_int_equal(p.rounds, 6);
	assert_int_equal(p.iters, 77);
	assert_int_equal(p.validated, 1);
	assert_true(p.flops == 2e6 && p.bytes == 4096);
	assert_string_equal(p.label, "a\ttab, a\nnewline and a \\ backslash");
	assert_string_equal(p.peak, "flops");
	assert_int_equal(p.ncounters, 1);
	assert_true(p.counters[0].rate && p.counters[0].value == 3.5);
	assert_string_equal(p.str_param_values[0], "-");
	/* memory: the most of the processes' figures */
	assert_true(p.mem.have);
	assert_true(p.mem.requested == 64 << 20 && p.mem.peak_rss == 100 << 20);
	assert_true(p.mem.rss_growth == 65 << 20 && p.mem.rss_reset == 1);
	assert_true(p.mem.device_requested == 3 << 20 && p.mem.device_in_use == 5 << 20);
	/* events: summed over the processes */
	assert_int_equal(p.nev, 1);
	assert_string_equal(p.ev[0].name, "page-faults");
	assert_true(p.ev[0].count == 80 && p.ev[0].iters == 20);
	free(buf);
	kb__bench_run_clear(&w);
	kb__bench_run_clear(&p);
}

static int read_text(const char *text, struct kb_bench_run *br, struct kb_worker_stream *s)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc = kb_worker_read(f, "stream", br, 1, 0, s);

	fclose(f);
	return rc;
}

static void crash_and_bad_streams(void **st)
{
	struct kb_instance in;
	struct kb_bench_run br;
	struct kb_worker_stream s;

	(void)st;
	make_run(&br, &in, "t/w/1");
	/* a crash: begun, not ended, a last line cut in the middle */
	assert_int_equal(read_text("kbench-worker\t1\nbegin\tt/w/1\nsamples\tt/w/1\t2\t1,2", &br, &s), 0);
	assert_string_equal(s.running, "t/w/1");
	assert_false(s.done);
	assert_int_equal(br.nsamples, 0);
	kb_worker_stream_release(&s);
	assert_int_equal(read_text("not a stream\n", &br, &s), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "stream:1: not a kbench worker stream"));
	kb_worker_stream_release(&s);
	assert_int_equal(read_text("kbench-worker\t1\nsamples\tt/other/2\t1\t5\t5\t0\n", &br, &s), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "stream:2: a record of an unknown benchmark"));
	kb_worker_stream_release(&s);
	assert_int_equal(read_text("kbench-worker\t1\nsamples\tt/w/1\t2\t5,nan\t5,5\t0,0\n", &br, &s), -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "stream:2: a samples record with a malformed list"));
	kb_worker_stream_release(&s);
	/* memory records: merged as the most of each figure, a reset only when every process had one */
	assert_int_equal(read_text("kbench-worker\t1\nmem\tt/w/1\t10\t500\t20\t1\t0\t0\n"
				   "mem\tt/w/1\t30\t400\t10\t0\t7\t9\n", &br, &s), 0);
	assert_true(br.mem.have && br.mem.requested == 30 && br.mem.peak_rss == 500);
	assert_true(br.mem.rss_growth == 20 && br.mem.rss_reset == 0);
	assert_true(br.mem.device_requested == 7 && br.mem.device_in_use == 9);
	kb_worker_stream_release(&s);
	assert_int_equal(read_text("kbench-worker\t1\nmem\tt/w/1\t10\t500\t20\t2\t0\t0\n", &br, &s),
			 -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "stream:2: a mem record with a malformed field"));
	kb_worker_stream_release(&s);
	assert_int_equal(read_text("kbench-worker\t1\nmem\tt/w/1\t-5\t500\t20\t1\t0\t0\n", &br, &s),
			 -KB_EPARSE);
	kb_worker_stream_release(&s);
	assert_int_equal(read_text("kbench-worker\t1\nevent\tt/w/1\tcycles\t-3\t10\n", &br, &s),
			 -KB_EPARSE);
	assert_non_null(strstr(kb_last_error(), "stream:2: an event record with a malformed field"));
	kb_worker_stream_release(&s);
	kb__bench_run_clear(&br);
}

static struct kb_worker_refs refs_of(double spin, double mem)
{
	struct kb_worker_refs r;

	memset(&r, 0, sizeof(r));
	for (int k = 0; k < 2; k++) {
		r.ref[k] = (struct kb_worker_ref){ spin, 0.01, mem, 0.01 };
		r.have[k] = true;
	}
	return r;
}

static void disturbance_rule(void **st)
{
	struct kb_worker_refs r[5];
	char *why;

	(void)st;
	for (int i = 0; i < 5; i++)
		r[i] = refs_of(1e6 * (1 + 0.01 * i), 5e6 * (1 - 0.01 * i));
	for (size_t i = 0; i < 5; i++)
		assert_null(kb_worker_disturbance(r, 5, i));
	/* process 3's memory read 40 % slower: it, and only it */
	r[2] = refs_of(1.02e6, 7e6);
	why = kb_worker_disturbance(r, 5, 2);
	assert_non_null(why);
	assert_non_null(strstr(why, "in process 3 the reference memory read moved +4"));
	free(why);
	for (size_t i = 0; i < 5; i++)
		if (i != 2)
			assert_null(kb_worker_disturbance(r, 5, i));
	/* a spin 12 % off among spins that agree to 0.1 %: flagged */
	for (int i = 0; i < 5; i++)
		r[i] = refs_of(1e6 * (1 + 0.001 * i), 5e6);
	r[2] = refs_of(1.12e6, 5e6);
	why = kb_worker_disturbance(r, 5, 2);
	assert_non_null(why);
	assert_non_null(strstr(why, "reference spin moved"));
	free(why);
	/* the same 12 % among processes that spread that much: not beyond their noise */
	for (int i = 0; i < 5; i++)
		r[i] = refs_of(1e6 * (1 + 0.09 * (i - 2)), 5e6);
	r[2] = refs_of(1.12e6, 5e6);
	assert_null(kb_worker_disturbance(r, 5, 2));
	/* two processes: no verdict */
	r[0] = refs_of(1e6, 5e6);
	r[1] = refs_of(2e6, 9e6);
	assert_null(kb_worker_disturbance(r, 2, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_and_merge),
		cmocka_unit_test(crash_and_bad_streams),
		cmocka_unit_test(disturbance_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
