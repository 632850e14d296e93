/*
 * worker.h - what a worker process tells the parent that started it
 * (docs/method.md, "Processes").
 *
 * By default kbench measures in several fresh processes: the parent
 * re-executes its own binary as workers, one at a time, each running a few
 * interleaved rounds of the benchmarks still being measured.  A worker
 * writes a stream of text lines to a file the parent names; the parent
 * merges the streams into one record per benchmark, every sample tagged
 * with its process and round.  One record per line, tab-separated fields,
 * with '\\', tab and newline escaped as \\\\, \\t and \\n:
 *
 *   kbench-worker 1                        the format and its version
 *   ref  PHASE SPIN_NS SPIN_NOISE MEM_NS MEM_NOISE
 *                                          the reference probes ("start", "end")
 *   begin ID / end ID                      around every call of a body, so
 *                                          a crash is blamed on its benchmark
 *   bench ID STATUS VALIDATED ITERS ROUNDS SPENT_NS WARMUP_NS FLOPS BYTES
 *         ITEMS TIMER PEAK MESSAGE LABEL   ("-" for an absent string)
 *   counter ID NAME VALUE RATE             a kb_set_counter value (RATE 0/1)
 *   param ID NAME VALUE                    a kb_set_param_str value
 *   event ID NAME COUNT ITERATIONS         a --counters event over the measured
 *                                          batches (summed over processes)
 *   mem ID REQUESTED PEAK_RSS RSS_GROWTH RSS_RESET DEV_REQUESTED DEV_IN_USE
 *                                          memory per benchmark (mem.h), bytes;
 *                                          RSS_RESET 1, 0 or -1
 *   samples ID N WALL,... CPU,... ROUND,...  per-iteration ns, %.17g
 *   done                                   the stream is complete
 */
#ifndef KB_WORKER_H
#define KB_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "state.h"

#define KB_WORKER_FORMAT "kbench-worker\t1"

/* Reference probes: a fixed spin and a read of a buffer larger than the
 * caches, each the median of five repetitions (ns) with its relative noise
 * (median absolute deviation / median). */
struct kb_worker_ref {
	double spin_ns, spin_noise;
	double mem_ns, mem_noise;
};

/* A process's probes at its start and end (have: read from its stream). */
struct kb_worker_refs {
	struct kb_worker_ref ref[2];
	bool have[2];
};

/*
 * Whether process i of n was disturbed: its probe (the mean of its start and
 * end readings, log scale) lies from the median over the processes by more
 * than max(floor, 4 x 1.4826 x MAD) of the processes' probes, the floor 8 %
 * for the spin, 15 % for the memory read; needs n >= 3.  Returns the
 * malloc'ed reason, or NULL.
 */
char *kb_worker_disturbance(const struct kb_worker_refs *refs, size_t n, size_t i);

/* Measures the reference probes (a few ms). */
void kb_worker_ref_measure(struct kb_worker_ref *ref);

/* Writers (the worker).  Each line is flushed, so a crash loses nothing
 * written before it. */
void kb_worker_write_header(FILE *f);
void kb_worker_write_ref(FILE *f, const char *phase, const struct kb_worker_ref *ref);
void kb_worker_write_mark(FILE *f, const char *what, const char *id);
void kb_worker_write_bench(FILE *f, const struct kb_bench_run *br);
void kb_worker_write_done(FILE *f);

/* What the parent learns from one stream. */
struct kb_worker_stream {
	bool header, done;
	char *running;                /* begun and not ended: the id a crash is blamed on */
	struct kb_worker_refs refs;   /* the probes at its start [0] and end [1] */
};

/*
 * Reads a stream, merging each benchmark's record into the matching brs[i]
 * (by instance id): samples appended with process index `process`, status,
 * validation and the body's settings (taken from the first process).
 * `name` is used in messages.  Returns 0, or -KB_EPARSE naming the line when
 * the stream is not in the format (a truncated last line, from a crash, is
 * ignored).  kb_worker_stream_release frees what *s owns.
 */
int kb_worker_read(FILE *f, const char *name, struct kb_bench_run *brs, size_t n,
		   uint32_t process, struct kb_worker_stream *s);
void kb_worker_stream_release(struct kb_worker_stream *s);

/* Appends one sample to a record (the runner and the reader); false when
 * out of memory (the record is then marked as an error). */
bool kb__bench_run_push(struct kb_bench_run *br, double wall, double cpu, uint32_t round,
			uint32_t process);

#endif /* KB_WORKER_H */
