/*
 * calcheck.h - does a stated interval hold across invocations on this
 * machine?  (docs/method.md, "Checking the intervals")
 *
 * K results files of the same benchmarks, each from its own kbench
 * invocation (A/A: same build, same flags).  For every benchmark that is ok
 * in all of them, and every pair of runs i < j:
 *
 *   z = (log c_i - log c_j) / sqrt(se_i^2 + se_j^2)
 *
 * with c the reported centre and se its standard error on the log scale:
 * the process-level log_se when the file has it, else the half-width of the
 * reported interval on the log scale divided by the normal quantile of its
 * level (an old or single-process file).  If the intervals are honest, |z|
 * exceeds 1.96 in about 5 % of the pairs (a little more with few processes,
 * whose se is itself uncertain: the Welch-Satterthwaite t quantile allows
 * for that, and its rate is reported too).  The coverage is the share of
 * ordered pairs (i, j) where run i's interval contains run j's centre; with
 * two equally precise runs it is about 83 % for a 95 % interval.
 */
#ifndef KB_CALCHECK_H
#define KB_CALCHECK_H

#include <stddef.h>

#include "drift.h"
#include "result.h"

struct kb_calcheck_row {
	const char *id;        /* borrowed from the first run */
	size_t pairs;          /* i < j pairs */
	size_t z_over;         /* |z| > 1.96 */
	size_t t_over;         /* |z| > t(0.975, Welch df) */
	size_t covered;        /* ordered pairs whose centre lay in the other interval */
	size_t ordered;        /* ordered pairs: 2 x pairs */
	double max_abs_z;
	double spread;         /* max/min of the centres - 1 */
};

struct kb_calcheck {
	struct kb_calcheck_row *rows;
	size_t nrows;
	size_t pairs, z_over, t_over, covered, ordered;
	size_t skipped;        /* benchmarks not ok in every run */
};

/* Compares the runs.  Returns 0, or -KB_EINVAL with fewer than two runs or
 * no benchmark ok in all of them.  kb_calcheck_release frees *out. */
int kb_calcheck_runs(const struct kb_run *runs, size_t n, struct kb_calcheck *out);
void kb_calcheck_release(struct kb_calcheck *c);

/*
 * The machine's drift between the runs (drift.h): per benchmark ok in all
 * runs, v_b = var(log centres) - mean(process-level se^2) with n - 1
 * degrees of freedom, pooled as a mean per suite and over all ("*"),
 * clamped at zero.  Uses the process-level standard error of each run
 * (interval.process_log_se), never one already widened by a drift, so runs
 * made with a drift file estimate it afresh.  Needs runs measured in two or
 * more processes on one machine (fingerprint).  Fills *out (fingerprint,
 * invocations, suites; date and path left to the caller).  Returns 0, or
 * -KB_EINVAL / -KB_EMISMATCH naming what is missing.
 */
int kb_calcheck_drift(const struct kb_run *runs, size_t n, struct kb_drift *out);

#endif /* KB_CALCHECK_H */
