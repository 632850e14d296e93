/*
 * calibration - benchmarks that measure the harness itself.
 *
 * calibration/empty: a loop with nothing in it.  What it reports is the
 * cost of kb_loop(): a decrement and a branch, no clock read inside a
 * batch.  It must stay well under 1 ns per iteration.
 *
 * calibration/spin/N: N rounds of a dependent integer recurrence (one
 * multiply-add per round; the chain cannot be vectorised or elided), so
 * its time is proportional to N.  KBENCH_SPIN_EXTRA=F multiplies the work
 * by (1 + F), e.g. 0.05 for a known +5 % slowdown, so tests can inject a
 * regression without touching kernels.
 */
#include <stdlib.h>

#include "kbench.h"

KB_BENCH(calibration, empty)
{
	while (kb_loop(state)) {
	}
}

static double spin_extra(void)
{
	const char *v = getenv("KBENCH_SPIN_EXTRA");
	double f = v ? atof(v) : 0.0;
	return f > -1.0 ? f : 0.0;
}

KB_BENCH(calibration, spin)
{
	int64_t n = kb_arg(state, 0);
	double extra = spin_extra();
	uint64_t rounds = (uint64_t)((double)n * (1.0 + extra) + 0.5);
	uint64_t x = kb_seed(state) | 1;

	if (n <= 0) {
		kb_fail(state, "calibration/spin needs a positive work count, got %lld", (long long)n);
		return;
	}
	if (extra != 0.0)
		kb_set_label(state, "KBENCH_SPIN_EXTRA=%g", extra);
	while (kb_loop(state)) {
		for (uint64_t i = 0; i < rounds; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		kb_do_not_optimize(x);
	}
	kb_set_items(state, rounds);
}
KB_ARGS(calibration, spin, 1000, 100000);
KB_QUICK(calibration, spin, "n=100");
