/*
 * state.h - the inside of struct kb_state and of one instance's running
 * record.  Private to the library: benchmarks see only kbench.h.
 */
#ifndef KB_STATE_H
#define KB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbench.h"
#include "registry.h"
#include "config.h"
#include "events.h"
#include "result.h"

enum kb_mode {
	KB_MODE_WARMUP,   /* calibrate iterations per sample, warm up */
	KB_MODE_ROUND,    /* one round of samples */
	KB_MODE_VALIDATE, /* one untimed pass, then checks */
};

struct kb_probe;

struct kb_user_counter {
	char *name;
	double value;
	bool rate; /* per iteration, reported per second */
};

/* Everything measured and set for one instance across its calls. */
struct kb_bench_run {
	const struct kb_instance *inst;
	uint64_t seed;             /* per-instance seed */
	/* calibration */
	uint64_t iters;            /* iterations per sample */
	bool calibrated;
	bool warmed;
	double warmup_ns;          /* wall time spent warming up */
	/* samples (ns per iteration) */
	double *samples, *cpu_samples;
	uint32_t *sample_round;
	uint32_t *sample_process;  /* process of each sample (0 in one process) */
	uint32_t process;          /* the process index new samples get */
	size_t nsamples, cap;
	size_t rounds;
	double spent_ns;           /* wall time of all calls, setup included */
	bool done, converged;
	/* what the body set */
	enum kb_status status;
	char *message;
	char *label;
	uint64_t bytes, items;
	double flops;
	struct kb_user_counter *counters;
	size_t ncounters;
	char **str_param_names, **str_param_values;
	size_t nstr_params;
	const char *peak;          /* peak name, static string owned by caller code */
	char *peak_owned;          /* or, read from a worker, this copy */
	char *timer_owned;         /* a timer name read from a worker */
	size_t processes;          /* processes that measured it (1: this one) */
	char *disturbed;           /* why it was measured while the machine was disturbed */
	int validated;             /* -1 nothing validated, 1 ok, 0 failed */
	const char *timer_name;
	struct kb_probe *probe;    /* instruction counting (metric.c); NULL when timing */
	struct kb_mem_use mem;     /* memory per benchmark (mem.h) */
	struct kb_event_sum {      /* --counters: counts over the measured batches */
		char *name;
		double count, iters;
	} ev[KB_EVENTS_MAX];
	size_t nev;
	/* allocations kept from the previous call (see struct kb_alloc_rec) */
	struct kb_alloc_rec *kept;
	size_t nkept;
};

enum kb_alloc_kind { KB_ALLOC_ZERO, KB_ALLOC_IN_F32, KB_ALLOC_IN_F64, KB_ALLOC_OUT_F32,
		     KB_ALLOC_OUT_F64 };

/*
 * One allocation of a body call.  Kept for the instance's next call when
 * the memory budget allows, so large inputs are not regenerated every
 * round: a request of the same kind and size at the same position reuses it
 * (zeroed again, poisoned again, or, for inputs, checked against the
 * checksum taken when they were generated, and regenerated on mismatch).
 */
struct kb_alloc_rec {
	enum kb_alloc_kind kind;
	size_t bytes;
	double lo, hi;     /* input range */
	void *p;
	uint64_t checksum; /* inputs: of the contents as generated */
};

struct kb_state {
	struct kb__state_head head; /* first: read by the inline kb_loop() */
	struct kb_bench_run *br;
	const struct kb_config *cfg;
	const struct kb_clock *clock;
	enum kb_mode mode;
	/* loop bookkeeping */
	bool entered;              /* kb_loop was called */
	bool in_batch;
	bool finished;             /* the loop returned false */
	bool stop;                 /* skip or fail was called */
	bool paused;
	size_t batches_wanted;     /* this call (round mode) */
	size_t batches_done;
	size_t batches_dropped;    /* the round's refill batches (round mode) */
	double dropped_ns;         /* their wall time */
	uint64_t ev0[KB_EVENTS_MAX]; /* --counters at the batch's start */
	uint64_t t0_wall, t0_cpu;  /* batch start */
	uint64_t acc_wall;         /* running time accumulated before a pause */
	double min_sample_ns;
	double call_start_ns;
	/* custom timer */
	const struct kb_timer *timer;
	void *timer_ctx;
	/* KB_THREADS: the team this state runs in (runner.c), or NULL */
	struct kb_team *team;
	int thread_index, thread_count; /* 0 and 1 without a team */
	/* memory owned by this call */
	struct kb_alloc_rec *allocs;
	size_t nallocs;
};

/* Ends the call's hold on its memory: kept for the instance's next call
 * when `keep` and the memory budget allow, freed otherwise. */
void kb__state_release(struct kb_state *s, bool keep);
/* Frees the memory an instance kept between calls. */
void kb__bench_run_drop_kept(struct kb_bench_run *br);
/* Records a status for the instance (first error wins). */
void kb__bench_run_status(struct kb_bench_run *br, enum kb_status st, const char *msg);
/* Frees what a record owns (samples, messages, counters, parameters, kept
 * allocations); the struct itself is the caller's. */
void kb__bench_run_clear(struct kb_bench_run *br);
/* Sets (adds or replaces) a body counter / string parameter of the record
 * (kb_set_counter, kb_set_rate, kb_set_param_str; the worker reader). */
int kb__bench_run_counter(struct kb_bench_run *br, const char *name, double value, bool rate);
void kb__bench_run_param(struct kb_bench_run *br, const char *name, const char *value);
/* Adds `count` events over `iters` iterations to the record's event `name`
 * (the runner after each measured batch; the worker reader per process). */
int kb__bench_run_event(struct kb_bench_run *br, const char *name, double count, double iters);

#endif /* KB_STATE_H */
