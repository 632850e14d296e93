/*
 * compare.h - the regression checker: compares a current run with a
 * baseline run, benchmark by benchmark, and decides which got slower.
 * Used by kbench-compare (committed baselines) and kbench-ab.
 *
 * Method, per benchmark matched by id (see docs/gating.md, "The gate"):
 *
 *   - Estimate: ratio of medians, current / baseline (for a counter gate,
 *     the ratio of the counter values).  A ratio above 1 is a slowdown for
 *     times; for higher-is-better counters (GB/s, GFLOP/s) a ratio below 1
 *     is the regression.  "worse" below always means the bad direction.
 *   - Interval: percentile bootstrap of the ratio of medians from the raw
 *     samples of both sides, seeded by (seed, id), at ci_level.
 *   - Test: one-sided Mann-Whitney on the raw samples in the worse (and,
 *     separately, the better) direction; Holm's step-down adjustment across
 *     all benchmarks tested, so alpha is the family-wise error rate.
 *   - Threshold: max(user threshold or config override, the between-run
 *     noise recorded in the baseline).  The floor (default 1 %) is never
 *     below the noise either; it never exceeds the threshold.
 *   - Verdict: regressed when the estimate is worse than the threshold AND
 *     the whole interval is worse than the floor AND the adjusted p-value is
 *     below alpha; improved symmetrically; inconclusive (too noisy to
 *     decide, naming the noisy side) when the estimate moved beyond the
 *     floor and the interval reaches past the threshold, or the estimate
 *     passed the threshold unconfirmed; otherwise unchanged, with a note
 *     when the interval is wide.  Identical inputs are always unchanged.
 *
 * Instructions (runs made with --metric=instructions): the count is
 * deterministic, so the verdict is the ratio of counts against the
 * threshold (default 0.5 %).  A regression in instructions that time does
 * not show is a warning, not a failure: when the time interval, widened by
 * the baseline's between-run noise, stays below half the instruction
 * increase, the row becomes inconclusive with a note and a warning.
 * Without recorded noise a within-run time interval says nothing about
 * offsets between runs, and the count decides alone.
 *
 * The bootstrap has a work budget (work_budget) on (baseline + current
 * samples) x resamples per benchmark.  Runs of ordinary size never reach
 * it and get exactly the requested resamples; past it the resamples are
 * reduced (to no fewer than 1000, or the requested number if smaller),
 * then the bootstrap runs on an evenly spaced subsample of each side's
 * sorted samples, which widens the interval (by about sqrt(all / kept))
 * rather than narrowing it.  The row's note and a warning say so; the
 * ratio and the test always use every sample.
 *
 * Each side's interval of the median (behind the "noisy side" notes, the
 * rel_ci fields and the summary fallback) is the order-statistic interval
 * from its samples at ci_level; a file's summary interval is used only
 * when it has no samples (aggregates only), as it may disagree with them.
 *
 * Inputs without enough raw samples (Google Benchmark JSON with one
 * repetition or aggregates only) fall back honestly: an interval from the
 * two medians' intervals (or the reported stddev) without a test, or the
 * point estimate against the threshold alone; the row says which.
 */
#ifndef KB_COMPARE_H
#define KB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

enum kb_verdict {
	KB_VERDICT_UNCHANGED = 0,
	KB_VERDICT_IMPROVED,
	KB_VERDICT_REGRESSED,
	KB_VERDICT_INCONCLUSIVE,
	KB_VERDICT_NEW,      /* only in the current run */
	KB_VERDICT_MISSING,  /* only in the baseline */
	KB_VERDICT_ERROR,    /* error (or failed validation) on either side */
	KB_VERDICT_SKIPPED,  /* skipped on either side, or no such counter */
	KB_VERDICT_COUNT
};

/* "unchanged", "improved", ... */
const char *kb_verdict_name(enum kb_verdict v);

/* Where a row's effective threshold came from. */
enum kb_threshold_source {
	KB_THRESHOLD_USER = 0, /* --threshold (or its default) */
	KB_THRESHOLD_CONFIG,   /* a per-benchmark override from the config file */
	KB_THRESHOLD_NOISE,    /* raised to the baseline's between-run noise */
	KB_THRESHOLD_MISMATCH, /* widened for a baseline of another machine (mismatch_widen) */
};
const char *kb_threshold_source_name(enum kb_threshold_source s);

/* How a row's interval and test were computed. */
enum kb_compare_method {
	KB_METHOD_NONE = 0, /* nothing to compare (new, missing, error, skipped) */
	KB_METHOD_SAMPLES,  /* bootstrap interval + Mann-Whitney from raw samples */
	KB_METHOD_PROCESSES, /* Welch t on the log process medians, drift included */
	KB_METHOD_SUMMARY,  /* interval from the two summaries, no test */
	KB_METHOD_POINT,    /* point estimates only: threshold alone */
};
const char *kb_compare_method_name(enum kb_compare_method m);

/* A per-benchmark threshold: ids matching the glob `pattern` (fnmatch). */
struct kb_compare_override {
	char *pattern;
	double threshold; /* relative, 0.10 = 10 % */
};

/* Per-benchmark overrides read from a config file (see kb_compare_config_load). */
struct kb_compare_config {
	struct kb_compare_override *overrides;
	size_t noverrides;
	double threshold; /* a "default" line's threshold, NAN when none */
};

struct kb_compare_options {
	double threshold;       /* relative practical threshold, default 0.05 */
	double floor;           /* relative noise floor for the interval, default 0.01 */
	double alpha;           /* family-wise error rate for Holm, default 0.01 */
	double ci_level;        /* two-sided interval level, default 0.95 */
	size_t resamples;       /* bootstrap resamples, default 10000 */
	double work_budget;     /* bootstrap samples drawn per benchmark, at most; default 2e8 */
	uint64_t seed;          /* bootstrap seed, default 42 */
	size_t min_samples;     /* fewer per side: no test (summary fallback); default 5 */
	bool allow_mismatch;    /* compare across machine fingerprints (with a warning) */
	double mismatch_widen;  /* then every threshold and floor t becomes
				 * (1 + t)(1 + mismatch_widen) - 1; default 0.25 */
	const char *counter;    /* gate on this counter instead of time; NULL = time */
	const char *metric;     /* "time" or "instructions"; NULL: the baseline's config.metric */
	double instructions_threshold; /* the threshold when gating on instructions, default 0.005 */
	int counter_direction;  /* +1 higher is better, -1 lower is better, 0 guess by name */
	bool fail_inconclusive; /* --fail-on=...,inconclusive: an inconclusive row whose estimate
				 * is worse than the threshold fails too */
	bool no_reference_check; /* --no-reference-check: keep verdicts when the machine's
				  * reference probes moved since the baseline */
	const struct kb_compare_config *config; /* overrides, or NULL */
};

/* Fills the defaults listed above. */
void kb_compare_options_init(struct kb_compare_options *opt);

/* True when a counter of this name is better when higher: "gbps", "gflops",
 * "pct_peak", and names ending in "_per_second" or "/s". */
bool kb_counter_higher_is_better(const char *name);

struct kb_compare_row {
	char *id;
	enum kb_verdict verdict;
	bool failure;              /* counts toward exit status 1 */
	double baseline, current;  /* medians in ns (or counter values); NAN if none */
	double ratio;              /* current / baseline; NAN if not compared */
	double ci_low, ci_high;    /* interval of the ratio; NAN when none */
	double p;                  /* one-sided p of the observed direction; NAN if untested */
	double p_adjusted;         /* Holm-adjusted p; NAN if untested */
	double threshold;          /* effective relative threshold */
	double floor;              /* effective relative floor */
	enum kb_threshold_source threshold_source;
	enum kb_compare_method method;
	double baseline_rel_ci;    /* relative half-width of each side's median CI; NAN */
	double current_rel_ci;
	size_t baseline_n, current_n; /* samples used per side (processes for KB_METHOD_PROCESSES) */
	double df;                 /* KB_METHOD_PROCESSES: the Welch-Satterthwaite degrees of freedom */
	double drift_log_var;      /* the drift variance included per invocation (NAN: none known) */
	bool past_threshold;       /* the estimate is worse than the threshold (an inconclusive
				    * row that --fail-on=inconclusive fails) */
	char *note;                /* why, in words; NULL when nothing to add */
	size_t resamples;          /* bootstrap resamples drawn; 0 when no bootstrap */
	bool subsampled;           /* the bootstrap ran on a subsample (see the note) */
};

struct kb_compare {
	char *baseline_name, *current_name; /* file names, for reports */
	char *metric;              /* "time", "instructions" or the counter's name */
	bool higher_is_better;     /* the metric's direction */
	struct kb_compare_options opt; /* the options used (config not owned) */
	struct kb_compare_row *rows;
	size_t nrows;
	char **warnings;           /* shown on every output (mismatch, fallbacks) */
	size_t nwarnings;
	size_t counts[KB_VERDICT_COUNT];
	size_t failures;           /* rows with failure set */
	size_t baseline_runs, current_runs; /* invocations pooled in each file (baseline.pooled_runs) */
	/* the machines, when their fingerprints differ (--allow-mismatch) */
	char *baseline_fingerprint, *current_fingerprint; /* NULL when the same */
	double widen;              /* mismatch_widen applied, 0 when none */
	double threshold_from, threshold_to; /* the suite threshold before and after (NAN: none) */
	/* the machine's reference probe that moved past the threshold since the
	 * baseline ("spin" or "memory read"), its change, and the verdicts held
	 * as inconclusive for it; NULL, NAN, 0 when none moved */
	const char *moved_probe;
	double moved_change;
	double moved_bound;        /* the move allowed: the threshold or the baseline runs' bound */
	size_t held;
};

/*
 * Compares `current` with `baseline`.  `baseline_name` and `current_name`
 * (file names) are copied for the reports.  Returns 0 with *out filled, or a
 * negative code: -KB_EMISMATCH when the machine fingerprints differ (and
 * !allow_mismatch), the metrics differ, or no benchmark is in both runs;
 * -KB_ENOMEM.  The message names what differs.
 */
int kb_compare_runs(const struct kb_run *baseline, const struct kb_run *current,
		    const char *baseline_name, const char *current_name,
		    const struct kb_compare_options *opt, struct kb_compare *out);

/* 1 when any row is a failure (regressed, or error in the current run), else 0. */
int kb_compare_exit_status(const struct kb_compare *c);

/* Frees what the struct owns and zeroes it. */
void kb_compare_release(struct kb_compare *c);

/*
 * Reads per-benchmark thresholds.  One rule per line, '#' starts a comment:
 *
 *     # glob over benchmark ids     threshold (percent)
 *     matmul/sgemm_naive/1024        10%
 *     memory/copy*                   8
 *     default                        4%
 *
 * The first matching pattern wins; "default" replaces --threshold.
 * Returns 0 or a negative code with a message naming the file and line.
 */
int kb_compare_config_load(const char *path, struct kb_compare_config *cfg);
void kb_compare_config_release(struct kb_compare_config *cfg);

/* Parses "5", "5%", "5 %" or "0.5%" into a relative threshold (0.05).
 * Returns 0 or -KB_EINVAL. */
int kb_compare_parse_percent(const char *text, double *out);

#ifdef __cplusplus
}
#endif
#endif /* KB_COMPARE_H */
