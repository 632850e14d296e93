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
 * regression without touching kernels.  F must be a number in [0, 100]: any
 * other value fails every calibration/spin instance, so the run exits 1.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "kbench.h"

KB_BENCH(calibration, empty)
{
	while (kb_loop(state)) {
	}
}

/*
 * KBENCH_SPIN_EXTRA, strictly: the whole value a finite number in
 * [0, SPIN_EXTRA_MAX].  atof read "abc" and "0,05" as 0, and "-1" was
 * clamped to 0, so a test that injected a slowdown with a typo measured
 * none and could not tell.  Unset is 0; anything else, the empty string
 * included, must parse.  Returns false on a bad value.
 */
#define SPIN_EXTRA_MAX 100.0 /* +10000 %: beyond that it is a typo, not a test */

static bool spin_extra(const char *v, double *extra)
{
	char *end;
	double f;

	*extra = 0;
	if (!v)
		return true;
	/* strtod skips leading blanks; a whole-string parse allows none */
	if (!*v || isspace((unsigned char)*v))
		return false;
	errno = 0;
	f = strtod(v, &end);
	if (*end || errno == ERANGE || !isfinite(f) || f < 0 || f > SPIN_EXTRA_MAX)
		return false;
	*extra = f;
	return true;
}

KB_BENCH(calibration, spin)
{
	int64_t n = kb_arg(state, 0);
	const char *env = getenv("KBENCH_SPIN_EXTRA");
	double extra;
	uint64_t x = kb_seed(state) | 1;

	if (!spin_extra(env, &extra)) {
		kb_fail(state, "KBENCH_SPIN_EXTRA=%s: expected a number >= 0 and <= %g, "
			"the extra work as a fraction (0.05: +5 %%)", env, SPIN_EXTRA_MAX);
		return;
	}
	if (n <= 0) {
		kb_fail(state, "calibration/spin needs a positive work count, got %lld", (long long)n);
		return;
	}
	uint64_t rounds = (uint64_t)((double)n * (1.0 + extra) + 0.5);
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
