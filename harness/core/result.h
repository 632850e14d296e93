/*
 * result.h - the in-memory form of a run: what the runner produces, what the
 * reporters format and what the JSON reader loads back (kbench schema 1 or
 * Google Benchmark JSON).  One model for all, so a file read back compares
 * exactly like a run just made.
 */
#ifndef KB_RESULT_H
#define KB_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KB_SCHEMA_VERSION 1

enum kb_status {
	KB_STATUS_OK = 0,
	KB_STATUS_SKIPPED,
	KB_STATUS_ERROR,
	KB_STATUS_INTERRUPTED, /* the run was stopped (SIGINT/SIGTERM) before it finished */
};

/* "ok", "skipped", "error", "interrupted"; kb_status_parse returns -1 for
 * anything else. */
const char *kb_status_name(enum kb_status status);
int kb_status_parse(const char *name);

/* One parameter of a benchmark instance: a number or a string. */
struct kb_param {
	char *name;
	bool is_str;
	int64_t value; /* when !is_str */
	char *str;     /* when is_str */
};

/* A named value: counters ("gflops", "gbps", "pct_peak", user counters). */
struct kb_counter {
	char *name;
	double value; /* NAN when unknown; written as null */
};

/*
 * Memory of one benchmark (docs/method.md, "Memory"), the most of any call
 * of its body in any process; 0 when unknown.
 */
struct kb_mem_use {
	bool have;                 /* measured (false: an old file, or not run) */
	uint64_t requested;        /* bytes held through kb_alloc, kb_input_*, kb_output_* */
	uint64_t peak_rss;         /* the process's resident high-water mark (VmHWM) in a call */
	uint64_t rss_growth;       /* VmHWM after a call minus VmRSS before it */
	int rss_reset;             /* 1: the mark was reset before each call (clear_refs);
				    * 0: it could not be (growth beyond the process's earlier
				    * peak only); -1: no RSS figures (no /proc) */
	uint64_t device_requested; /* bytes a CUDA body allocated on the device */
	uint64_t device_in_use;    /* device memory in use after its allocations */
};

/* Summary of the per-iteration samples; every time in ns per iteration. */
struct kb_summary {
	double median;
	double ci_low, ci_high; /* order-statistic CI of the median */
	double ci_level;        /* achieved coverage, e.g. 0.95 (lower when n is tiny) */
	double mean, sd, cv;    /* cv = sd / mean */
	double min, max, q1, q3, p90, p99;
	size_t n;               /* number of samples */
	size_t outliers_mild;   /* beyond 1.5 IQR (not beyond 3) */
	size_t outliers_severe; /* beyond 3 IQR */
	bool converged;         /* CI reached --target-ci before --max-time */
};

/*
 * How the interval of a result was made (docs/method.md, "The interval").
 * With two or more processes, summary.median is the geometric mean of the
 * per-process medians and summary.ci_low/ci_high the t interval on their
 * logs; with one, they are the median of the samples and its order-statistic
 * interval, which covers only the noise inside that one process.
 */
struct kb_process_info {
	size_t processes;        /* processes that measured it (0 when unknown: an old file) */
	double *medians_ns;      /* the median of process 0..nmedians-1 (NAN: it did not measure
				  * this benchmark), or NULL */
	size_t nmedians;
	double log_se;           /* standard error of the centre on the log scale, drift included
				  * when a drift file was applied (drift.h); NAN with one process */
	double df;               /* its degrees of freedom (processes - 1 without drift) */
	double process_log_se;   /* the processes' part alone: sd(log m_p) / sqrt(P) */
	double process_df;       /* processes - 1 */
	double drift_log_var;    /* the drift added (variance of log time), NAN: none */
	double drift_df;
	char *drift_entry;       /* the drift file's entry used ("*": all), or NULL */
	double within_ci_low;    /* the order-statistic interval of all samples pooled, ns */
	double within_ci_high;
	/* variance components of log time; NAN when not estimable */
	double var_within_round, var_between_rounds, var_between_processes;
	char *disturbed;         /* why the machine was disturbed while it was measured, or NULL */
};

struct kb_result {
	char *id;     /* "suite/kernel/param..." */
	char *suite;
	char *kernel;
	struct kb_param *params;
	size_t nparams;
	char *unit;   /* time unit of samples: always "ns" in memory */
	enum kb_status status;
	char *message; /* reason for skipped/error, else NULL */
	char *label;   /* free-form, may be NULL */
	uint64_t iterations_per_sample;
	double *samples_ns;     /* per-iteration wall time of each sample */
	double *cpu_samples_ns; /* per-iteration CPU time of each sample, or NULL */
	uint32_t *sample_round; /* round index of each sample, or NULL */
	uint32_t *sample_process; /* process index of each sample, or NULL (one process) */
	size_t nsamples;
	size_t rounds;          /* rounds measured */
	struct kb_summary summary;
	struct kb_counter *counters;
	size_t ncounters;
	int validated;          /* 1 validated, 0 not validated, -1 nothing to validate */
	double instructions;    /* per iteration (metric=instructions), NAN if absent */
	double noise;           /* baselines: between-run relative dispersion, NAN if absent */
	double warmup_s;        /* warmup time spent */
	double elapsed_s;       /* total time spent on this benchmark */
	char *timer;            /* "wall" or a custom timer's name */
	/* Google Benchmark aggregates kept when read from such a file. */
	double gb_cpu_time_ns;  /* NAN if absent */
	struct kb_process_info proc;
	struct kb_mem_use mem;
	int threads;            /* KB_THREADS: the team size; 0 without */
};

/* A flattened context entry: "cpu.model" = "AMD EPYC ...". */
struct kb_kv {
	char *key;
	char *value;   /* textual value; NULL for JSON null */
	bool is_num;   /* value is a JSON number */
};

/*
 * A complexity fit (KB_COMPLEXITY; docs/method.md, "Complexity"): time per
 * iteration = coef * f(axis) by least squares over one family's results
 * that differ only in `axis`.
 */
struct kb_fit {
	char *name;       /* "suite/kernel", plus "/axis=value" per other parameter */
	char *axis;       /* the complexity axis, e.g. "n" */
	char *requested;  /* "auto" or an order, in Google Benchmark's spelling */
	char *big_o;      /* the order fitted: "(1)", "lgN", "N", "NlgN", "N^2", "N^3";
			   * NULL when there was nothing to fit */
	double coef;      /* ns per unit of f, on the (process-level) medians */
	double coef_low, coef_high; /* its interval from the medians' uncertainty; NAN if unknown */
	double level;     /* e.g. 0.95 */
	double cpu_coef;  /* the same on the medians of CPU time; NAN without them */
	double rms;       /* RMS of the residuals / mean time (Google Benchmark's) */
	double cpu_rms;
	size_t npoints;   /* results fitted */
	char *note;       /* why there is no fit, or NULL */
};

struct kb_run {
	int schema_version;      /* 1; 0 when read from Google Benchmark JSON */
	char *format;            /* "kbench" or "gbench" (source format) */
	char *harness_version;
	char *git;               /* git revision of the harness build, or NULL */
	char *fingerprint;       /* machine fingerprint, or NULL if unknown */
	char *date;              /* ISO 8601 */
	struct kb_kv *context;   /* flattened context, in file order */
	size_t ncontext;
	struct kb_kv *config;    /* flattened config */
	size_t nconfig;
	uint64_t seed;           /* master seed */
	int interrupted;         /* the signal that stopped the run early, else 0 */
	struct kb_result *results;
	size_t nresults;
	struct kb_fit *fits;     /* complexity fits, in order of their first result */
	size_t nfits;
};

/* Frees what a fit owns and zeroes it. */
void kb_fit_clear(struct kb_fit *fit);

/* Frees what the struct owns (not the struct itself) and zeroes it. */
void kb_result_clear(struct kb_result *r);
void kb_run_clear(struct kb_run *run);

/* Looks up a counter by name; NULL if absent. */
const struct kb_counter *kb_result_counter(const struct kb_result *r, const char *name);
/* Sets (adds or replaces) a counter. Returns 0 or -KB_ENOMEM. */
int kb_result_set_counter(struct kb_result *r, const char *name, double value);
/* Looks up a context or config value by flattened key; NULL if absent. */
const char *kb_run_context(const struct kb_run *run, const char *key);
/* The same value read as a number; NAN when absent, null or not a number. */
double kb_run_context_num(const struct kb_run *run, const char *key);
/* Appends a context entry (copies both strings). Returns 0 or -KB_ENOMEM. */
int kb_run_add_context(struct kb_run *run, const char *key, const char *value, bool is_num);
/* Appends a config entry (copies both; a NULL value is JSON null). Returns 0 or -KB_ENOMEM. */
int kb_run_add_config(struct kb_run *run, const char *key, const char *value, bool is_num);
/* Finds a result by id; NULL if absent. */
const struct kb_result *kb_run_find(const struct kb_run *run, const char *id);

#ifdef __cplusplus
}
#endif
#endif /* KB_RESULT_H */
