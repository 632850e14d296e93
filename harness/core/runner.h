/*
 * runner.h - runs the selected benchmark instances and produces a kb_run.
 *
 * Method (docs/method.md, "Measurement"): per instance a time-based
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

#include "config.h"
#include "registry.h"
#include "result.h"
#include "timer.h"


/*
 * Runs `instances` (already filtered) into `run->results`, in the order
 * given; the rounds are interleaved in a seeded random order.  The context
 * is the caller's.  Returns 0, or a negative code on a harness failure
 * (a benchmark's own failure is a result with status error, not a code).
 */
int kb_runner_run(const struct kb_config *cfg, const struct kb_instance *const *instances,
		  size_t n, const struct kb_timer_info *timer, struct kb_run *run);

/*
 * The same over several fresh processes (docs/method.md, "Processes"): this
 * binary re-executed as workers (argv is kb_main's), one at a time, each
 * running cfg->rounds (default 2) interleaved rounds of the benchmarks that
 * still want processes, in its own order, with its own environment padding;
 * cfg->processes of them, or adaptively from KB_MIN_PROCESSES until the
 * process-level interval is within target_ci (or KB_MAX_PROCESSES, or
 * KB_PROCESS_TIME_FACTOR x max_time of measuring).  A worker that crashes, fails
 * or says nothing for worker_timeout_s is an error for the benchmark it was
 * running (the others go on).  Samples carry their process.
 */
int kb_runner_run_processes(const struct kb_config *cfg, const struct kb_instance *const *instances,
			    size_t n, int argc, char **argv, struct kb_run *run);

/*
 * Interruption (SIGINT/SIGTERM): kb_runner_interrupt is async-signal-safe,
 * for a signal handler.  The running batch ends, no new one starts, and
 * kb_runner_run returns the results so far: finished benchmarks as usual,
 * the others with status interrupted (their samples kept), and
 * run->interrupted set to `sig`.  kb_runner_interrupted returns that signal
 * (0 when none); kb__runner_interrupt_reset clears it (tests).
 */
void kb_runner_interrupt(int sig);
int kb_runner_interrupted(void);
void kb__runner_interrupt_reset(void);

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
