/*
 * history.h - the results history: every run kept in an SQLite database
 * (default build/history.db) or, for a team, a PostgreSQL database (a
 * postgresql:// URI; histdb.h has both engines behind one interface, and
 * this store has one schema text and one set of queries for both), and
 * change-point detection over a benchmark's medians.
 *
 * Store.  One row per run in `runs`, keyed by (git revision, date, host):
 * adding the same run twice is refused.  Each run keeps its flattened
 * context and config, and per benchmark its summary, counters, params and
 * raw samples (JSON arrays of per-iteration ns, exact to 17 digits).  An
 * add is one transaction (BEGIN IMMEDIATE ... COMMIT, rollback journal,
 * synchronous=FULL): a process killed half-way leaves a hot journal that
 * SQLite rolls back on the next open, so the database holds the run
 * completely or not at all.  PRAGMA user_version = 2 marks the schema.
 * On PostgreSQL an add is one transaction too (BEGIN ... COMMIT; a writer
 * that dies is rolled back by the server), writers run side by side, and
 * two adding the same run at once are told apart by the unique key: the
 * second is refused as already stored.  The table kbench_schema holds the
 * version; the schema is made under an advisory lock, so two writers on a
 * new database make it once.
 * Version 2 added per result the process-level data (processes, log_se,
 * df) and the runner's `disturbed` note; a version-1 history is migrated
 * on open by adding those columns, NULL for its runs: the files they came
 * from had no process-level data, which is what NULL says.  Refusing
 * would make users throw away the history this store exists to keep.
 *
 * Change points (history_cp.c: pure functions over arrays of points, no
 * SQLite, so a fleet store can run the same logic per fingerprint).  A
 * series is one benchmark on one machine fingerprint, oldest run first.
 *
 *   1. Disturbed runs.  kb_history_mark_disturbed() looks at every
 *      benchmark of a run at once, per fingerprint, with the rule the gate
 *      uses (compare.c): against a reference, at least 5 benchmarks, the
 *      median log change beyond min_step and at least 3/4 of them moving
 *      that way.  The reference is the median of the other runs of the
 *      same revision when it has at least two others (the run is out of
 *      line with its own code); otherwise both the run before and the run
 *      after, each one alone (a code change moves the run after along with
 *      it; a disturbed machine comes back).  A point whose result carries
 *      the runner's own `disturbed` note (its reference probes moved) is
 *      disturbed too.  Disturbed points are left out of the change-point
 *      decision unless opts.include_disturbed.
 *   2. Revision groups.  Consecutive runs of the same git revision form
 *      one group (a run of unknown revision is a group of its own).  The
 *      spread of log medians inside the groups, pooled (sum of squares
 *      about each group's mean over sum of n_g - 1), is the machine's noise
 *      for this benchmark; it is shown, with the step in its units.
 *   3. Drift.  Inside a group, binary segmentation into contiguous levels
 *      (best two-level L1 fit; a split is kept when the medians of its two
 *      sides differ by min_step or more, then each side is split again).  Every
 *      level that differs from the group's largest level (most runs) by
 *      min_step or more is a drift note: the machine, not the code.  Drift
 *      is a description, not a test.
 *   4. Change points, at revision boundaries only.  Each group is one value
 *      g_j, the median of its runs' log medians.  Over a segment of m
 *      groups, T_k = |mean(g_1..k) - mean(g_k+1..m)| / sqrt(1/k + 1/(m-k)),
 *      maximised over the boundaries k with at least min_size runs on each
 *      side.  Its p-value is a permutation test over the groups: the same
 *      maximum over opts.permutations random orders of the groups (seeded
 *      from opts.seed and the series' bench and fingerprint), p = (1 + #{T*
 *      >= T}) / (1 + permutations).  The maximum is taken inside every
 *      shuffle, so picking the best boundary is paid for.  The step is a
 *      change point when p <= alpha and the levels (median of the runs'
 *      medians on each side) differ by min_step or more; then both sides
 *      are searched again at the same alpha.  With no code change, and
 *      revision groups exchangeable (each group's level drawn the same
 *      way), a series gets a false change point with probability at most
 *      alpha: the first test decides whether any is reported.  Only a few
 *      groups cannot reach a small p (m groups: p >= 2 / m!, e.g. 0.017 for
 *      5): that is the honest limit of the data, and the output says so.
 *   5. Across a query: kb_history_bh_threshold() applies Benjamini and
 *      Hochberg's step-up rule at q to the series' first p-values; the
 *      series are then searched at the resulting alpha.  When no benchmark
 *      changed, the chance of any false change point in the whole query is
 *      at most q; when some did, on average at most a fraction q of the
 *      reported change points are false (for independent or positively
 *      dependent series, as benchmarks measured in the same runs are).
 *
 * Bencher's default (a t-test prediction interval over the last 64 runs)
 * judges only the newest run; this finds every step in the stored history.
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

#define KB_HISTORY_SCHEMA 2

/* An open history database. */
struct kb_history;

/*
 * Opens the database at `path` (an SQLite file or a postgresql:// URI).
 * With `create`, a missing file (and a missing parent directory) or an
 * empty PostgreSQL database is given the schema; without it, a missing
 * file is -KB_ENOTFOUND.  A URI in a build without libpq is
 * -KB_EUNSUPPORTED, naming the library; a server that cannot be reached
 * is -KB_EIO with libpq's reason.  A file that is not a kbench history
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
	size_t processes;  /* processes that measured it; 0 unknown (an older file) */
	double log_se, df; /* process-level standard error of the mean log median and
			    * its degrees of freedom; NAN with one process or unknown */
	bool probe_disturbed; /* the result carried the runner's `disturbed` note */
	bool run_disturbed;   /* set by kb_history_mark_disturbed() */
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

/* Change-point settings (see the header comment). */
struct kb_changepoint_opts {
	double alpha;        /* per-series false-alarm rate of a change point; default 0.05
			      * (the tool sets it from --fdr through kb_history_bh_threshold) */
	double min_step;     /* minimum relative step, e.g. 0.05 = 5 %; default 0.05 */
	size_t min_size;     /* minimum runs on each side of a change point; default 2 */
	size_t permutations; /* shuffles of the revision groups; default 1999 */
	uint64_t seed;       /* permutation seed, mixed with bench and fingerprint; default 42 */
	bool include_disturbed; /* use disturbed points in the decision too */
};
#define KB_CHANGEPOINT_OPTS_INIT { 0.05, 0.05, 2, 1999, 42, false }

struct kb_changepoint {
	size_t index;  /* first point of the new level: the first run of a revision */
	double before; /* level (median of the runs' medians) before, ns */
	double after;  /* level after, ns */
	double step;   /* after / before - 1: > 0 slower (for times) */
	double z;      /* the step in units of the machine's noise (within-revision
			* spread, for the runs on each side); NAN when unknown */
	double p;      /* permutation p-value of the split */
};

/* Machine drift inside one revision: runs [first, last] (point indexes)
 * were at a level `step` away from runs [ref_first, ref_last]. */
struct kb_drift {
	size_t first, last;
	size_t ref_first, ref_last;
	double step;   /* level / reference level - 1 */
};

/* What kb_history_analyse() found in one series. */
struct kb_history_analysis {
	size_t n;             /* points */
	size_t ngroups;       /* revision groups with a point in the decision */
	size_t used;          /* points in the decision (n less the disturbed) */
	double *level;        /* n: fitted level of each point, ns (NAN if left out) */
	double noise;         /* within-revision SD of log medians (relative); NAN if no
			       * revision has two runs in the decision */
	double noise_df;      /* its degrees of freedom */
	double p;             /* p-value of the first split; NAN when none is possible */
	struct kb_changepoint *cps;
	size_t ncps;
	struct kb_drift *drifts;
	size_t ndrifts;
};
void kb_history_analysis_release(struct kb_history_analysis *a);

/*
 * Analyses one series: pts[0..n) of one benchmark and fingerprint, oldest
 * first, every median > 0 and finite (else -KB_EINVAL).  `opts` may be
 * NULL (defaults).  Fills *out (release with kb_history_analysis_release);
 * -KB_ENOMEM.  Pure: reads nothing but its arguments.
 */
int kb_history_analyse(const struct kb_history_point *pts, size_t n,
		       const struct kb_changepoint_opts *opts, struct kb_history_analysis *out);

/*
 * Marks run_disturbed on every point of pts[0..n) (any benchmarks and
 * fingerprints, in kb_history_series order) whose run moved with most of
 * its benchmarks (rule 1 of the header comment) and sets *nruns to the
 * number of (run, fingerprint) pairs marked.  -KB_ENOMEM.
 */
int kb_history_mark_disturbed(struct kb_history_point *pts, size_t n, double min_step,
			      size_t *nruns);

/*
 * Benjamini-Hochberg at level q over p[0..n) (NAN entries are not tests):
 * the largest p(k) <= k q / m, or 0 when none is (then nothing passes).
 */
double kb_history_bh_threshold(const double *p, size_t n, double q);

/* Test hook: called inside kb_history_add's transaction after each stored
 * benchmark (i = 0, 1, ...), so a test can interrupt a write half-way. */
extern void (*kb__history_add_hook)(size_t i);

#ifdef __cplusplus
}
#endif
#endif /* KB_HISTORY_H */
