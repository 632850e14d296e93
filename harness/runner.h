/*
 * runner.h - runs the selected benchmark instances and produces a kb_run.
 *
 * Method (DESIGN.md, "Measurement method"): per instance a time-based
 * warmup that also calibrates the iterations per sample; then rounds of
 * samples, the instances interleaved in a seeded random order each round;
 * an instance stops when the 95 % CI of its median is within target_ci
 * after min_rounds, or at max_time; then one untimed validation pass.
 */
#ifndef KB_RUNNER_H
#define KB_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "registry.h"
#include "result.h"
#include "timer.h"

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
	enum kb_metric metric;
	bool require_gpu;
	const char *conf_path;     /* kbench.conf used, or NULL */
	bool progress;             /* progress on stderr (a terminal) */
	bool color;                /* colour in the console table */
	const struct kb_clock *clock; /* NULL: the real clocks */
};

/* The defaults of DESIGN.md. */
void kb_config_defaults(struct kb_config *cfg);

/*
 * Runs `instances` (already filtered) into `run->results`, in the order
 * given; the rounds are interleaved in a seeded random order.  The context
 * is the caller's.  Returns 0, or a negative code on a harness failure
 * (a benchmark's own failure is a result with status error, not a code).
 */
int kb_runner_run(const struct kb_config *cfg, const struct kb_instance *const *instances,
		  size_t n, const struct kb_timer_info *timer, struct kb_run *run);

/*
 * For the instruction counter (metric.c): one call of `inst`'s body in
 * `batches` batches of `iters` iterations, with `probe` around each batch.
 * Returns the status of the call; *message gets a malloc'd reason (or NULL).
 */
struct kb_probe;
enum kb_status kb__runner_probe(const struct kb_config *cfg, const struct kb_instance *inst,
				struct kb_probe *probe, uint64_t iters, size_t batches,
				char **message);

#endif /* KB_RUNNER_H */
