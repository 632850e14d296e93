/*
 * fault_bench.c - benchmarks that misbehave in one worker process, for
 * test_workers.sh: with KB_FAULT=exit|kill|hang, fault/victim exits 3, is
 * killed (SIGKILL) or hangs in the second worker process (index 1); the
 * other benchmarks behave.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbench.h"

static int fault_here(const char *what)
{
	const char *f = getenv("KB_FAULT"), *w = getenv("KBENCH__WORKER_INDEX");

	return f && w && strcmp(f, what) == 0 && atoi(w) == 1;
}

KB_BENCH(fault, steady)
{
	unsigned x = 1;

	while (kb_loop(state)) {
		for (int i = 0; i < 100; i++)
			x = x * 1664525u + 1013904223u;
		kb_do_not_optimize(x);
	}
}

KB_BENCH(fault, victim)
{
	unsigned x = 1;

	if (fault_here("exit"))
		exit(3);
	if (fault_here("kill"))
		raise(SIGKILL);
	if (fault_here("hang"))
		for (;;)
			pause();
	while (kb_loop(state)) {
		for (int i = 0; i < 100; i++)
			x = x * 22695477u + 1u;
		kb_do_not_optimize(x);
	}
}
