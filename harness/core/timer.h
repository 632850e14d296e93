/*
 * timer.h - the clocks the runner reads, and their measured quality.
 */
#ifndef KB_TIMER_H
#define KB_TIMER_H

#include <stdint.h>

/* A clock source; tests inject a fake one to make timing deterministic. */
struct kb_clock {
	uint64_t (*wall_ns)(void *ctx); /* monotonic wall time, ns */
	uint64_t (*cpu_ns)(void *ctx);  /* process CPU time, ns */
	void *ctx;
};

/* CLOCK_MONOTONIC and CLOCK_PROCESS_CPUTIME_ID. */
extern const struct kb_clock kb_clock_real;

/* What start-up measured about the wall clock. */
struct kb_timer_info {
	const char *source;        /* "CLOCK_MONOTONIC" */
	double resolution_ns;      /* clock_getres */
	double granularity_ns;     /* smallest non-zero step seen */
	double overhead_ns;        /* cost of one read (median over batches) */
	double cpu_overhead_ns;    /* cost of one process CPU time read */
};

/* Measures resolution, granularity and overhead (about 10 ms). */
void kb_timer_measure(struct kb_timer_info *out);

#endif /* KB_TIMER_H */
