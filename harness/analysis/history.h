/*
 * history.h - the results history: every run kept in an SQLite database
 * (default build/history.db), and change-point detection over a
 * benchmark's medians.
 *
 * Store.  One row per run in `runs`, keyed by (git revision, date, host):
 * adding the same run twice is refused.  Each run keeps its flattened
 * context and config, and per benchmark its summary, counters, params and
 * raw samples (JSON arrays of per-iteration ns, exact to 17 digits).  An
 * add is one transaction (BEGIN IMMEDIATE ... COMMIT, rollback journal,
 * synchronous=FULL): a process killed half-way leaves a hot journal that
 * SQLite rolls back on the next open, so the database holds the run
 * completely or not at all.  PRAGMA user_version = 1 marks the schema.
 *
 * Change points.  A benchmark's history is modelled as piecewise constant
 * plus noise, as asv's step detection does, and searched by binary
 * segmentation on the log of the medians (so steps are relative):
 *
 *   1. noise: sigma = max(sigma_between, sigma_within, 1e-4), where
 *      sigma_between = 1.4826 * MAD(first differences of log medians) / sqrt 2
 *      (robust to the steps themselves: a step moves one difference only)
 *      and sigma_within = median over runs of the CI half-width in log
 *      units divided by 1.96 (the CI of each run's median is ~95 %);
 *   2. in a segment, the split k (at least `min_size` runs on each side)
 *      with the best two-level fit: least sum of |y - median of its side|,
 *      the L1 (Laplace noise) cost asv's Potts model uses;
 *   3. its step d = median(after) - median(before) is accepted when
 *      z = |d| / (1.2533 * sigma * sqrt(1/n1 + 1/n2)) >= opts.z (1.2533 =
 *      sqrt(pi/2), the efficiency factor of a median; default z 4: strict,
 *      because the best of many splits is taken, like asv's p < 0.002) and
 *      the relative step |exp(d) - 1| >= opts.min_step (default 5 %, asv
 *      publish's default regression threshold); then both sides are
 *      searched again.
 *
 * A step is reported at the first run of the new level, with that run's
 * revision: with `min_size` 2 a step shows once two runs confirm it (one
 * outlying run is never a change point).  Bencher's default (a t-test
 * prediction interval over the last 64 runs) judges only the newest run;
 * this finds every step in the stored history.
 */
#ifndef KB_HISTORY_H
#define KB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_HISTORY_SCHEMA 1

/* An open history database. */
struct kb_history;

/*
 * Opens the database at `path`.  With `create`, a missing file (and a
 * missing parent directory) is created with the schema; without it, a
 * missing file is -KB_ENOTFOUND.  A file that is not a kbench history
 * (not SQLite, or another schema) is -KB_EPARSE / -KB_ESCHEMA, named in
 * the message.  On success *out must be closed with kb_history_close().
 */
int kb_history_open(const char *path, bool create, struct kb_history **out);
void kb_history_close(struct kb_history *h);

/*
 * Stores `run` (read from `source`, a file name kept for reference, may be
 * NULL) in one transaction and sets *run_id.  A run already present (same
 * git revision, date and host) is refused with -KB_EINVAL and *run_id set
 * to the stored run's id; a run without a date is -KB_ESCHEMA; database
 * errors are -KB_EIO.  Nothing is stored unless everything is.
 */
int kb_history_add(struct kb_history *h, const struct kb_run *run, const char *source,
		   int64_t *run_id);

/* One stored run, as listed. */
struct kb_history_run {
	int64_t id;
	char *git;         /* revision, "" if unknown */
	bool git_dirty;
	char *date;        /* ISO 8601, the run's own date */
	char *host;        /* "" if unknown */
	char *fingerprint; /* "" if unknown */
	char *source;      /* file it was added from, "" if unknown */
	char *added;       /* when it was added (UTC, ISO 8601) */
	size_t nbench;     /* benchmarks stored */
};

/* All runs, oldest first (by date, then id).  Free with
 * kb_history_runs_free(). */
int kb_history_list(struct kb_history *h, struct kb_history_run **runs, size_t *n);
void kb_history_runs_free(struct kb_history_run *runs, size_t n);

/* Loads run `id` back into *out (cleared first) and, if `meta` is not
 * NULL, its listing row (free with kb_history_runs_free(meta, 1) semantics:
 * kb_history_run_clear()).  -KB_ENOTFOUND when there is no such run. */
int kb_history_get(struct kb_history *h, int64_t id, struct kb_run *out,
		   struct kb_history_run *meta);
void kb_history_run_clear(struct kb_history_run *r);

/* One benchmark in one run: a point of a history series. */
struct kb_history_point {
	int64_t run_id;
	char *bench;       /* benchmark id */
	char *fingerprint; /* machine, "" if unknown */
	char *git;
	char *date;
	enum kb_status status;
	double median, ci_low, ci_high; /* ns per iteration; NAN if absent */
};

/*
 * Every stored result whose benchmark id matches the shell glob `glob`
 * (fnmatch), ordered by benchmark, fingerprint, then run date and id: a
 * series is a run of points with the same bench and fingerprint.  Free
 * with kb_history_points_free().
 */
int kb_history_series(struct kb_history *h, const char *glob, struct kb_history_point **pts,
		      size_t *n);
void kb_history_points_free(struct kb_history_point *pts, size_t n);

/*
 * Writes every run (or only run `id` when id > 0) as JSON to `out`:
 * {"format":"kbench-history","version":1,"runs":[{id, git, git_dirty,
 * date, host, fingerprint, source, added, context{}, config{},
 * benchmarks[{id, suite, kernel, params, status, ..., summary{},
 * counters{}, samples_ns[], ...}]}]}.  Non-finite numbers are null.
 */
int kb_history_export(struct kb_history *h, int64_t id, FILE *out);

/* Change-point detection settings (see the header comment). */
struct kb_changepoint_opts {
	double z;        /* minimum standardised step; default 4 */
	double min_step; /* minimum relative step, e.g. 0.05 = 5 %; default 0.05 */
	size_t min_size; /* minimum runs on each side of a step; default 2 */
};
#define KB_CHANGEPOINT_OPTS_INIT { 4.0, 0.05, 2 }

struct kb_changepoint {
	size_t index;  /* first point of the new level */
	double before; /* level (median of medians) before, ns */
	double after;  /* level after, ns */
	double step;   /* after / before - 1: > 0 slower (for times) */
	double z;      /* standardised size of the step */
};

/*
 * Finds change points in a series of n medians (ns, > 0) with their CI
 * bounds (either may be NULL or hold NAN: then only between-run noise is
 * used).  Writes at most `max` change points to `cps`, ordered by index,
 * and their count to *ncps; if `level` is not NULL it receives the fitted
 * level of each point (median of its segment).  Non-positive or non-finite
 * medians are -KB_EINVAL.
 */
int kb_history_changepoints(const double *median, const double *ci_low, const double *ci_high,
			    size_t n, const struct kb_changepoint_opts *opts,
			    struct kb_changepoint *cps, size_t max, size_t *ncps, double *level);

/* Test hook: called inside kb_history_add's transaction after each stored
 * benchmark (i = 0, 1, ...), so a test can interrupt a write half-way. */
extern void (*kb__history_add_hook)(size_t i);

#ifdef __cplusplus
}
#endif
#endif /* KB_HISTORY_H */
