/*
 * ab.h - paired, interleaved A/B comparison of two benchmark binaries (the
 * logic of kbench-ab): did the NEW build make a benchmark slower than the
 * OLD one, measured in the same job?
 *
 * Measurement (docs/gating.md, "The gate"):
 *
 *   - A round runs each arm once: a fresh process (fork/exec) of the OLD and
 *     of the NEW binary, one after the other, never at the same time, in an
 *     order drawn per round from a seeded coin flip.  Each process runs one
 *     round (--rounds=1) of every benchmark still being measured, pinned
 *     to the same CPU(s) (--pin), with a short warmup, the same --seed for
 *     both arms of a round and a new seed each round.  The environment
 *     grows by a padding variable of random length 0-4095 each round, so a
 *     lucky or unlucky stack alignment is not frozen into one arm.
 *   - Per round and benchmark: d = ln(median_new / median_old), the
 *     log-ratio of the two processes' medians.  Slow drift of the machine
 *     cancels in d; the coin flip makes d symmetric when the arms are equal.
 *   - Estimate and interval over the rounds: Hodges-Lehmann with the
 *     Wilcoxon signed-rank bounds (default), or the median with the sign-test
 *     bounds (--estimator=median, no symmetry assumed).  Both are
 *     distribution-free (stats.h).  Reported as exp(.) - 1 in percent.
 *
 * Decision, per benchmark, on n rounds at one-sided level a (below):
 *
 *   slower     LCB > ln(1 + floor) and estimate > ln(1 + threshold)
 *   faster     UCB < -ln(1 + floor) and estimate < -ln(1 + threshold)
 *   unchanged  ln(1 / (1 + threshold)) < LCB and UCB < ln(1 + threshold)
 *   undecided  otherwise
 *
 * Two stages of fixed length (Stein's two-stage procedure), so that each
 * stage's level is exact and the suite-wide false-alarm rate is bounded:
 *
 *   1. Screen: every benchmark is measured for n0 rounds, n0 fixed before
 *      the screen starts: --rounds (default 20), raised to
 *      ceil(log2(1/a)) when needed (a signed-rank bound needs 2^-n <= a).
 *      20 rounds: in simulation (tests/unit/test_ab_sim.c) a +10 % change
 *      in one of 50 benchmarks is caught in >= 95 % of suites with process
 *      offsets of sd 5 %; a 10-round screen catches it in 80 %.
 *      The screen never stops early on what it sees, so its one-sided
 *      level is a exactly (the signed-rank test is exact at a fixed n when
 *      the log-ratios are symmetric about 0, which the coin flip gives).
 *   2. Confirm: a benchmark the screen calls slower (or faster) is measured
 *      again on n1 fresh rounds (new processes, new seeds; the screen's
 *      rounds are never reused), n1 fixed from the screen's spread before
 *      the confirmation starts (kb_ab_stein_rounds):
 *
 *          n1 = max(n0, ceil((t_{1-a, n0-1} * s0 / h)^2 * pi / 3)),
 *          capped at --max-rounds (default 40)
 *
 *      s0 the sample standard deviation of the screen's log-ratios and h
 *      the target half-width ln(1 + threshold) - ln(1 + floor) (or
 *      --target-ci): the largest half-width at which a change right at the
 *      threshold, estimated without error, still has its bound above the
 *      floor.  pi / 3 is the Hodges-Lehmann interval's length penalty
 *      against the t interval under normality (efficiency 3 / pi).  The
 *      confirmation decides on its own rounds only, with the same
 *      signed-rank (or sign) bounds at level a: n1 depends on the screen's
 *      rounds alone, which are independent of the confirmation's, so its
 *      level is exact whatever n1 came out; only its width depends on s0
 *      predicting the confirmation's spread.  It is `regressed`
 *      (`improved`) only when its own rounds say the same as the screen.
 *      The reported change and interval of a confirmed (or refuted)
 *      benchmark are the confirmation's alone; of any other, the screen's.
 *
 *   Arithmetic.  For a benchmark that did not get slower, each stage calls
 *   it slower with probability <= a (the bound is a valid one-sided 1 - a
 *   bound; requiring the estimate above the threshold only lowers it), and
 *   the stages use disjoint, independent rounds, so P(regressed) <= a^2.
 *   Over K benchmarks (Bonferroni, any dependence between them):
 *
 *       P(any false `regressed`) <= K a^2 = alpha   with   a = sqrt(alpha / K).
 *
 *   Default alpha = 0.01: K = 1 gives a = 0.1, K = 3 a = 0.058, K = 50
 *   a = 0.014.  `improved` is bounded the same way, separately.  With
 *   --no-confirm the single (screen) stage runs at a = alpha / K instead.
 *
 *   --max-time: a stage cut short by the clock decides on the rounds it
 *   has (the clock does not look at the log-ratios, so the level holds) and
 *   says so in its note ("cut short by --max-time: 7 of 23 planned
 *   rounds"); a screen flag with no time left to confirm is inconclusive.
 *
 * Instructions (--metric=instructions): after the rounds, each arm runs
 * once more with kbench --metric=instructions (deterministic counts, so one
 * run is enough).  A count that grew by more than the instructions
 * threshold (default 0.5 %) is `regressed`, unless the paired time interval
 * rules out half of that growth (upper bound below 1 + growth / 2): then it
 * is `inconclusive` with a warning, not a failure.  A count that fell by
 * more than the threshold is `improved` unless time regressed.  A time
 * regression stays a failure whatever the counts (changes only time shows).
 *
 * Verdicts (compare.h names): regressed (confirmed slower), improved
 * (confirmed faster), unchanged, inconclusive (undecided after the screen
 * or at the --max-time cap, or a flag the fresh rounds neither confirmed
 * nor refuted), error (a benchmark failed in either arm; a failure when in
 * NEW), skipped (skipped in either arm).
 */
#ifndef KB_AB_H
#define KB_AB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_ab;
struct kb_ab_options;

enum kb_ab_estimator {
	KB_AB_HODGES_LEHMANN = 0, /* Walsh averages, signed-rank bounds */
	KB_AB_MEDIAN,             /* median, sign-test bounds */
};
/* "hodges-lehmann", "median"; kb_ab_estimator_parse accepts "hl" too and
 * returns -1 for anything else. */
const char *kb_ab_estimator_name(enum kb_ab_estimator e);
int kb_ab_estimator_parse(const char *name);

/* Outcome of one stage's test. */
enum kb_ab_flag {
	KB_AB_UNDECIDED = 0,
	KB_AB_UNCHANGED,
	KB_AB_SLOWER,
	KB_AB_FASTER,
};
const char *kb_ab_flag_name(enum kb_ab_flag f);

/* Estimate and one-sided bounds of the log-ratio ln(new/old). */
struct kb_ab_interval {
	size_t n;        /* rounds */
	double alpha;    /* one-sided level of each bound */
	double estimate; /* NAN when n == 0 */
	double low;      /* -INFINITY when n is too small for a bound */
	double high;     /* +INFINITY likewise */
};

/*
 * Fills *out from n log-ratios.  Returns 0, or -KB_EINVAL (n == 0, alpha not
 * in (0, 0.5), a value not finite), -KB_ENOMEM.
 */
int kb_ab_interval_compute(const double *d, size_t n, enum kb_ab_estimator est, double alpha,
			   struct kb_ab_interval *out);

/* The decision rule above; threshold and floor are relative (0.05). */
enum kb_ab_flag kb_ab_classify(const struct kb_ab_interval *iv, double threshold, double floor);

/* The per-stage level a: sqrt(alpha / K) with confirmation, alpha / K without. */
double kb_ab_stage_alpha(double alpha, size_t nbench, bool confirm);

/* Smallest n with 2^-n <= a: fewer rounds cannot give a bound. */
size_t kb_ab_rounds_needed(double stage_alpha);

/* The confirmation's target half-width h in log units: ln(1 + target_ci)
 * when target_ci > 0, else ln(1 + threshold) - ln(1 + floor). */
double kb_ab_half_width(double threshold, double floor, double target_ci);

/*
 * Stein's size of the confirmation (above): max(n_min, ceil((t_{1-a, n0-1}
 * * s0 / h)^2 * pi / 3)) for a screen of n0 >= 2 rounds with standard
 * deviation s0, one-sided level a and half-width h.  Uncapped, but at most
 * 1000000 (h <= 0 or s0 not finite give that).
 */
size_t kb_ab_stein_rounds(double s0, size_t n0, double stage_alpha, double h, size_t n_min);

/* A child process to start: one arm, one round. */
struct kb_ab_child {
	int arm;                 /* 0 OLD, 1 NEW */
	const char *binary;
	const char *const *ids;  /* the benchmarks to run */
	size_t nids;
	const char *filter;      /* a regex matching exactly those ids */
	uint64_t seed;           /* --seed, the same for both arms of a round */
	size_t env_pad;          /* bytes of environment padding */
	const char *cpu;         /* --pin */
	int threads;             /* --threads */
	bool instructions;       /* the counting run: --metric=instructions */
	double timeout_s;        /* kill the process after this long (a hang is an error);
				  * 0 = one hour */
};

/*
 * How rounds are run.  The default (kb_ab_options_init) starts processes;
 * tests substitute a fake to drive the procedure with synthetic data.
 */
struct kb_ab_backend {
	/* Lists the ids `binary` selects with `filter` (NULL = all), into a
	 * malloc'ed array of malloc'ed strings.  Returns 0 or a negative code. */
	int (*list)(void *ctx, const struct kb_ab_options *opt, int arm, const char *binary,
		    char ***ids, size_t *n);
	/* Runs one round of one arm; fills *out (a parsed kbench JSON run).
	 * A run where benchmarks failed is still 0; a process that produced no
	 * usable JSON is a negative code with a message. */
	int (*run)(void *ctx, const struct kb_ab_options *opt, const struct kb_ab_child *child,
		   struct kb_run *out);
	/* Monotonic seconds. */
	double (*now_s)(void *ctx);
	void *ctx;
};

/* Called after every round (for a progress line); may be NULL. */
typedef void (*kb_ab_progress_fn)(void *ctx, const struct kb_ab *ab, size_t round, size_t active);

struct kb_ab_env {
	int arm;          /* 0 OLD, 1 NEW, -1 both */
	const char *kv;   /* "KEY=VALUE" (not copied) */
};

struct kb_ab_options {
	double threshold;   /* relative practical threshold, default 0.05 */
	double floor;       /* relative floor the bound must clear, default 0.01 */
	double alpha;       /* suite-wide false-alarm rate, default 0.01 */
	double target_ci;   /* the confirmation's target half-width, relative;
			     * 0 (default): threshold minus floor (kb_ab_half_width) */
	size_t screen_rounds; /* the screen's length n0, default 20 */
	size_t max_rounds;  /* the confirmation's length at most, default 40 */
	double max_time_s;  /* wall-time cap for everything, default 300 */
	uint64_t seed;      /* order, padding and child seeds, default 1 */
	bool confirm;       /* two stages (default true) */
	enum kb_ab_estimator estimator;
	const char *filter; /* --filter for both binaries, NULL = all */
	const char *cpu;    /* --pin for the children: "1", "0,1"; NULL = the last CPU */
	double warmup_s;    /* child --warmup, default 0.02 */
	double min_time_s;  /* child --min-time, NAN = the child's default */
	size_t samples;     /* child --samples, 0 = the child's default */
	const struct kb_ab_env *env; /* extra environment for one or both arms */
	size_t nenv;
	/* runner flags given to both arms, after kbench-ab's own ("--quick");
	 * never one kbench-ab sets itself (kb_ab_runner_arg_ok) */
	char *const *runner_args;
	size_t nrunner_args;
	const char *metric;     /* "time" (default, NULL) or "instructions" (see above) */
	double instructions_threshold; /* relative, default 0.005 */
	const struct kb_ab_backend *backend; /* NULL = fork/exec */
	kb_ab_progress_fn progress;
	void *progress_ctx;
};

/* Fills the defaults listed above. */
void kb_ab_options_init(struct kb_ab_options *opt);

/* One round of one benchmark. */
struct kb_ab_round {
	uint32_t round;     /* round index in the whole run (process pair) */
	uint8_t stage;      /* 1 screen, 2 confirm */
	bool old_first;     /* OLD ran before NEW in this round */
	double old_ns;      /* the round's median, ns per iteration */
	double new_ns;
	double log_ratio;   /* ln(new_ns / old_ns) */
};

/* Why a stage ended. */
enum kb_ab_stop {
	KB_AB_STOP_NONE = 0, /* not run (or still running) */
	KB_AB_STOP_PLANNED,  /* ran the length fixed before it started */
	KB_AB_STOP_TIME,     /* --max-time */
	KB_AB_STOP_INTERRUPTED, /* SIGINT/SIGTERM (kb_ab_interrupt) */
	KB_AB_STOP_ERROR,    /* a benchmark error or skip */
};
const char *kb_ab_stop_name(enum kb_ab_stop s);

struct kb_ab_bench {
	char *id;
	enum kb_verdict verdict;
	bool failure;                /* counts toward exit status 1 */
	double old_ns, new_ns;       /* each arm's median over the reported stage's rounds;
				      * NAN if none */
	/* the reported change: the confirmation's own rounds when it ran, else
	 * the screen's (never the two pooled) */
	double ratio;                /* exp(estimate); NAN if none */
	double ci_low, ci_high;      /* exp(bounds); NAN if none */
	double old_instructions, new_instructions; /* per iteration; NAN if not counted */
	struct kb_ab_interval stage[2]; /* screen and confirmation (n == 0: not run) */
	enum kb_ab_flag flag[2];
	enum kb_ab_stop stop[2];
	size_t planned[2];           /* each stage's length, fixed before it started */
	double screen_sd;            /* s0: sd of the screen's log-ratios (NAN: not sized) */
	size_t stein_rounds;         /* n1 before the --max-rounds cap (0: no confirmation) */
	struct kb_ab_round *rounds;  /* every round, both stages, in order */
	size_t nrounds;
	char *note;                  /* why, in words; NULL when nothing to add */
	/* procedure state */
	bool active;
	int cur_stage;               /* 0 screen, 1 confirm */
	size_t stage_start;          /* index into rounds where the stage began */
	size_t cap;
};

/* One process pair. */
struct kb_ab_pair {
	uint32_t round;
	uint64_t seed;       /* --seed of both children */
	size_t env_pad;      /* padding bytes */
	bool old_first;
	double old_wall_s, new_wall_s; /* process wall time */
	size_t nbench;       /* benchmarks run in it */
};

struct kb_ab {
	char *old_name, *new_name;  /* binaries as given */
	struct kb_ab_options opt;   /* as used: env copied and owned; filter, cpu
				     * not owned; hooks cleared */
	char *cpu;                  /* the CPU list the children were pinned to */
	int threads;                /* --threads given to the children */
	double stage_alpha;         /* a, the one-sided level of each stage */
	size_t screen_rounds;       /* n0, the screen's length as used */
	double half_width;          /* h, the confirmation's target half-width (log) */
	struct kb_ab_bench *benches;
	size_t nbenches;
	struct kb_ab_pair *pairs;
	size_t npairs, pairs_cap;
	size_t counts[KB_VERDICT_COUNT];
	size_t failures;
	bool time_capped;           /* --max-time cut the run short */
	int interrupted;            /* the signal that cut it short, else 0 */
	double wall_s;              /* total wall time */
	char **warnings;
	size_t nwarnings;
};

/*
 * Runs the comparison of `old_bin` and `new_bin` and fills *out.  Returns 0
 * (whatever the verdicts), or a negative code with a message: -KB_EMISMATCH
 * when the binaries list different benchmarks or produce incompatible JSON,
 * -KB_ENOTFOUND when the filter selects nothing, -KB_EIO when a child cannot
 * be started or produced no usable JSON, -KB_EINVAL, -KB_ENOMEM.  *out is
 * safe to release either way.
 */
int kb_ab_run(const char *old_bin, const char *new_bin, const struct kb_ab_options *opt,
	      struct kb_ab *out);

/* 1 when any benchmark is a failure (regressed, or an error in NEW), else 0. */
int kb_ab_exit_status(const struct kb_ab *ab); /* 0, 1, or 128 + signal when interrupted */

/* Frees what the struct owns and zeroes it. */
void kb_ab_release(struct kb_ab *ab);

/* The fork/exec backend's pieces, for kbench-ab and tests. */
extern const struct kb_ab_backend kb_ab_exec_backend;

/* "^(id1|id2)$" with ERE metacharacters escaped; malloc'ed, NULL on ENOMEM. */
char *kb_ab_filter_regex(const char *const *ids, size_t n);

#ifdef __cplusplus
}
#endif
/*
 * Whether a runner flag may be passed to both arms: not one that kbench-ab
 * sets per child (--format, --rounds, --seed, --pin, --threads, --filter,
 * --warmup, --min-time, --samples, --metric, --out, --list and their
 * Google Benchmark aliases).  When it may not, *own gets the kbench-ab flag
 * to use instead (or "" when there is none).
 */
bool kb_ab_runner_arg_ok(const char *arg, const char **own);

/*
 * Interruption, async-signal-safe (for a SIGINT/SIGTERM handler): kb_ab_run
 * starts no new round; a round cut short (its children were stopped too) is
 * dropped; what is undecided becomes inconclusive ("interrupted") and the
 * run ends normally with ab->interrupted set to `sig`.
 */
void kb_ab_interrupt(int sig);

#endif /* KB_AB_H */
