/*
 * baseline.h - merges several runs of the same suites, each made in its own
 * process, into one baseline: for each benchmark the raw samples of one
 * representative run plus `noise`, the between-run dispersion of its
 * median, which kbench-compare uses as the floor of the threshold.
 *
 * Why between runs: a stored baseline is compared with a run made later in
 * another process (often on another day or VM); what moves the median then
 * is the run-level offset (frequency, layout, neighbours), which the
 * within-run CI does not see.
 */
#ifndef KB_BASELINE_H
#define KB_BASELINE_H

#include <stddef.h>

#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Between-run noise of a benchmark from its medians in n >= 2 runs: the
 * smallest relative change that one new run compared with one stored run
 * exceeds by chance only 1 % of the time (one-sided), under a normal model
 * of log run medians:
 *
 *     sigma = range(ln median) / d2(n)      (n <= 10; d2 = 1.128, 1.693, ...)
 *     sigma = sd(ln median)                 (n > 10)
 *     noise = exp(2.326 * sqrt(2) * sigma) - 1
 *
 * range/d2 is the classical small-sample estimate of sigma (control charts);
 * sqrt(2) because both the stored and the new run carry an offset.  With
 * 3 runs this is about 1.9 x the relative range.  Returns NAN when n < 2
 * or a median is not positive.
 */
double kb_baseline_noise(const double *medians, size_t n);

/*
 * The machine's reference probes in a run's context (the runner's
 * record_reference): `key` the run's median reading, and `sd_key` the sd of
 * its log over a baseline's runs, which kb_baseline_merge adds beside the
 * median over the runs (with "reference.runs"); kbench-compare checks a new
 * run against them.
 */
struct kb_reference_probe {
	const char *name, *key, *sd_key;
};
extern const struct kb_reference_probe kb_reference_probes[2];

/*
 * Merges runs[0..n-1] (n >= 2, kbench JSON, same fingerprint, the same
 * benchmarks with the same status in every run) into *out: the context,
 * config and harness of runs[0]; for each benchmark the result of the run
 * whose median is the median of the run medians (lower middle for even n),
 * with `noise` set.  Results are moved out of `runs` (which stay valid to
 * clear).  Adds config keys baseline.runs and baseline.noise_method.
 * Returns 0 or a negative code naming the benchmark and run at fault.
 */
int kb_baseline_merge(struct kb_run *runs, size_t n, const char *const *names,
		      struct kb_run *out);

#ifdef __cplusplus
}
#endif
#endif /* KB_BASELINE_H */
