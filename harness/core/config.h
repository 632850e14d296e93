/*
 * config.h - every setting of a run (struct kb_config), filled by cli.c
 * from flags and KBENCH_* variables and read by the runner, the context
 * and the writers.  A small header of its own so that those modules need
 * not include each other for it.
 */
#ifndef KB_CONFIG_H
#define KB_CONFIG_H

struct kb_events;
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct kb_clock;
struct kb_drift;

/* The output formats; their names and writers are one table (writer.h). */
enum kb_format { KB_FORMAT_CONSOLE, KB_FORMAT_JSON, KB_FORMAT_CSV, KB_FORMAT_GBENCH };
enum kb_metric { KB_METRIC_TIME, KB_METRIC_INSTRUCTIONS };

/* Every run setting; all recorded in the JSON "config". */
struct kb_config {
	const char *filter;        /* --filter (NULL: all) */
	bool list;                 /* --list */
	enum kb_format format;     /* --format: what goes to stdout */
	const char *out;           /* --out=FILE or NULL */
	enum kb_format out_format; /* --out-format */
	double min_time_s;         /* minimum time of one sample (batch) */
	uint64_t fixed_iters;      /* iterations per sample if fixed ("100x"), else 0 */
	double warmup_s;           /* warmup per instance */
	double refill_s;           /* per round: dropped batches last at least this long */
	double target_ci;          /* relative half-width of the CI to stop at (0.01) */
	double max_time_s;         /* time cap per instance */
	size_t rounds;             /* fixed number of rounds, 0 = adaptive */
	size_t min_rounds;         /* adaptive: at least this many rounds */
	size_t samples_per_round;  /* samples kept per round (one more is run and dropped) */
	double ci_level;           /* 0.95 */
	uint64_t seed;             /* master seed */
	int threads;               /* for multi-threaded kernels */
	const char *pin;           /* "auto", "none" or a CPU list "0" / "0,1" */
	bool quick;                /* tiny sizes */
	bool large;                /* add the KB_LARGE sizes */
	bool no_peaks;             /* peaks only from kbench.conf, never measured */
	bool remeasure_peaks;      /* ignore the peak cache's values, rewrite it */
	const char *peak_cache;    /* peak cache file, "none", or NULL: the default */
	enum kb_metric metric;
	const char *counters;      /* --counters: event names, or NULL */
	const struct kb_events *events; /* opened from `counters` by kb_main (events.h), or NULL */
	bool require_gpu;
	const char *conf_path;     /* kbench.conf used, or NULL */
	bool progress;             /* progress on stderr (a terminal) */
	bool color;                /* colour in the console table */
	const struct kb_clock *clock; /* NULL: the real clocks */
	size_t processes;          /* --processes: 0 adaptive (KB_MIN_PROCESSES..KB_MAX_PROCESSES), else fixed */
	double worker_timeout_s;   /* --worker-timeout: a worker silent this long is killed */
	const char *drift_spec;    /* --drift: auto (default), none, or a drift file (drift.h) */
	const struct kb_drift *drift; /* the drift file loaded for this run, or NULL */
	/* a worker process's own (set by kb_main from the parent's environment) */
	FILE *worker_out;          /* the stream to the parent (worker.h), or NULL */
	uint32_t process_index;    /* this process's index in the run: order seed, sample tag */
};

#define KB_MIN_PROCESSES 3  /* adaptive: the processes always run */
#define KB_MAX_PROCESSES 10 /* adaptive: at most */
/* adaptive: no process is added for a benchmark that has had this many
 * times --max-time of measuring (warmup and setup included) */
#define KB_PROCESS_TIME_FACTOR 1.5

/* The defaults (docs/flags.md lists them beside each flag). */
void kb_config_defaults(struct kb_config *cfg);

#endif /* KB_CONFIG_H */
