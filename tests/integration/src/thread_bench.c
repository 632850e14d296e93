/*
 * KB_THREADS bodies for tests/integration/test_threads.sh, each with a
 * property a wrong team would break:
 *   threads/meet    every thread of a team is inside its loop at once: on its
 *                   first iteration each thread waits (up to 2 s) until all
 *                   have arrived, so threads run one after another fail;
 *                   validation reports how many threads it ran in and how
 *                   many times it ran
 *   threads/sleepy  thread 1 sleeps 2 ms per iteration, thread 0 does
 *                   nothing: the slowest thread's time is >= 2 ms, a mean
 *                   would be about 1 ms
 *   threads/work    a fixed amount of CPU work per iteration in each thread,
 *                   one item each: the CPU time sums over the threads
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "kbench.h"

static atomic_int in_loop;
static atomic_int vcalls[10];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

KB_BENCH(threads, meet) {
	int n = kb_thread_count(state);
	bool first = true;

	if (kb_validating(state)) {
		const char *id = kb_id(state);
		int slot = id[strlen(id) - 1] - '0';

		while (kb_loop(state)) {
		}
		kb_set_counter(state, "validation_threads", n);
		kb_set_counter(state, "validation_calls", atomic_fetch_add(&vcalls[slot], 1) + 1);
		kb_set_validated(state);
		return;
	}
	while (kb_loop(state)) {
		if (first) {
			double t0 = now_s();

			first = false;
			atomic_fetch_add(&in_loop, 1);
			while (atomic_load(&in_loop) < n)
				if (now_s() - t0 > 2) {
					kb_fail(state, "thread %d of %d waited 2 s alone in its loop",
						kb_thread_index(state), n);
					break;
				}
		}
	}
	atomic_fetch_sub(&in_loop, 1);
}
KB_THREADS(threads, meet, 1, 2, 3);

KB_BENCH(threads, sleepy) {
	struct timespec ms2 = { 0, 2000000 };

	while (kb_loop(state))
		if (kb_thread_index(state) == 1)
			nanosleep(&ms2, NULL);
}
KB_THREADS(threads, sleepy, 2);

KB_BENCH(threads, work) {
	while (kb_loop(state)) {
		unsigned x = 1;

		for (int i = 0; i < 200000; i++)
			x = x * 1664525u + 1013904223u;
		kb_do_not_optimize(x);
	}
	kb_set_items(state, 1);
}
KB_THREADS(threads, work, 1, 2);
