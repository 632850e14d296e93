/*
 * drift.h - the machine's drift between invocations, measured once and
 * added to every interval (docs/method.md, "Drift between invocations").
 *
 * The processes of one kbench invocation run seconds apart.  A shared or
 * virtual machine also moves on a scale of minutes (its memory bandwidth,
 * its clock, its neighbours), and the spread between the processes of one
 * invocation cannot see that: measured here, the centres of five
 * invocations a few minutes apart were 5-30 % apart while each one's
 * process interval was a few percent wide.  Kalibera & Jones ("Rigorous
 * benchmarking in reasonable time", 2013) estimate the variance at each
 * level of repetition from a dimensioning experiment that repeats that
 * level, then plan and report from those estimates.  kbench does the same
 * for the invocation level: `make calibration-check` runs K invocations,
 * and kbench-calcheck --save-drift estimates, per suite, the variance of
 * log time between invocations beyond what each invocation's own process
 * interval explains:
 *
 *     v_b = var_i(log c_{b,i}) - mean_i(se_{b,i}^2)      (benchmark b, K runs)
 *     v_suite = max(0, mean of v_b over the suite's benchmarks)
 *     v_bench = max(v_b, v_suite)
 *
 * each with K - 1 degrees of freedom: the benchmarks of one invocation share
 * its machine, so their drifts are correlated and pooling them does not add
 * degrees of freedom.  "*" pools all benchmarks, for suites the calibration
 * did not measure.  A run widens each process-level interval by the entry of
 * its benchmark, else of its suite, else "*":
 *
 *     se_total^2 = se_process^2 + v,   df by Welch-Satterthwaite,
 *     half-width = t(df) x se_total    on the log scale.
 *
 * The file is text, one record per line, '#' comments:
 *
 *   kbench-drift 1
 *   fingerprint SLUG        the machine it was measured on (must match)
 *   date ISO-8601           when
 *   invocations K           how many kbench runs it came from
 *   suite NAME LOG_VAR DF BENCHMARKS   one per suite, and one named "*"
 *   bench ID LOG_VAR DF                one per benchmark calibrated
 */
#ifndef KB_DRIFT_H
#define KB_DRIFT_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

#define KB_DRIFT_FORMAT "kbench-drift 1"

struct kb_drift_entry {
	char *name;          /* a benchmark id ("suite/..."), a suite, or "*" for all */
	double log_var;      /* variance of log time between invocations (>= 0) */
	double df;           /* its degrees of freedom */
	size_t benchmarks;   /* benchmarks it was pooled from */
};

struct kb_drift {
	char *path;          /* the file it was read from (NULL: not read) */
	char *fingerprint;
	char *date;
	size_t invocations;
	struct kb_drift_entry *entries;
	size_t nentries;
};

/* Reads a drift file.  Returns 0, or -KB_EIO (cannot read), -KB_EPARSE
 * (naming the file, the line and what was expected). */
int kb_drift_load(const char *path, struct kb_drift *d);
/* Writes it atomically (a temporary file renamed into place). */
int kb_drift_save(const char *path, const struct kb_drift *d);
void kb_drift_release(struct kb_drift *d);

/*
 * Pools an earlier estimate of the same machine into `d`: each entry's
 * variance becomes the df-weighted mean of the two, its degrees of freedom
 * their sum (the invocations of two calibrations are independent), and
 * entries found in one only are kept.  The machine's drift changes with
 * the hour (its neighbours), so each calibration adds to the estimate
 * rather than replacing it.  Returns 0, or -KB_EMISMATCH for another
 * machine's, -KB_ENOMEM.
 */
int kb_drift_merge(struct kb_drift *d, const struct kb_drift *earlier);

/* The entry of benchmark `id`, else of `suite`, else "*", else NULL (id or
 * suite may be NULL). */
const struct kb_drift_entry *kb_drift_lookup(const struct kb_drift *d, const char *id,
					     const char *suite);

/* Where a machine's drift file lives by default:
 * $KBENCH_CACHE_DIR, else $XDG_CACHE_HOME/kbench, else $HOME/.cache/kbench,
 * then "drift-<fingerprint>.txt".  Malloc'ed, NULL without a home. */
char *kb_drift_default_path(const char *fingerprint);

/*
 * Resolves --drift for a run on the machine `fingerprint`: "none" loads
 * nothing (returns 0, d->path NULL); "auto" loads the default path if it
 * exists; anything else is a file that must exist.  A file measured on
 * another fingerprint is refused.  Returns 0 or a negative code whose
 * message names the file and the way on.
 */
int kb_drift_resolve(const char *spec, const char *fingerprint, struct kb_drift *d);

/*
 * The total interval from a process-level one: log standard error `se`
 * with `df` degrees of freedom, widened by `s` (NULL: unchanged).  *se_out
 * and *df_out receive the combined standard error and its
 * Welch-Satterthwaite degrees of freedom.
 */
void kb_drift_combine(double se, double df, const struct kb_drift_entry *s, double *se_out,
		      double *df_out);

/* Applies d to every result of the run measured in two processes or more:
 * the interval, log_se and df become the totals, the process-level ones
 * are kept in proc.process_log_se / process_df, and `converged` is judged
 * on the total against target_ci.  Records the file in the context. */
void kb_drift_apply(struct kb_run *run, const struct kb_drift *d, double target_ci);

#endif /* KB_DRIFT_H */
