/*
 * metric.h - the deterministic metric: instructions per iteration
 * (--metric=instructions).
 *
 * Wall time on a shared VM moves by percents between runs; the number of
 * user-space instructions a kernel executes does not.  Two mechanisms count
 * them, both around the measured batches only (setup, teardown, the
 * harness and the warmup batch are not counted):
 *
 *   perf_event  where the machine has a PMU: instructions:u, plus cycles,
 *               cache misses and branch misses as extra counters, read in
 *               the same process after the timed rounds;
 *   callgrind   where it has none (most VMs): kbench re-runs itself under
 *               `valgrind --tool=callgrind --collect-atstart=no
 *               --instr-atstart=no`; the child switches collection on and
 *               off around each measured batch with callgrind client
 *               requests and dumps one file per batch, which the parent
 *               parses.
 *
 * Method, per benchmark instance: one call of the body with batches of k
 * iterations (the first batch is a warmup and is not counted, the second is
 * counted), then one call with batches of 2k; instructions per iteration =
 * (count(2k) - count(k)) / k.  The difference cancels the fixed cost of
 * starting and ending a batch exactly, so the result is the loop body's own
 * count.  Counting runs on one thread (--threads=1): thread pools spinning
 * under a serialising simulator would make counts depend on scheduling.
 *
 * Under callgrind the CPU features are Valgrind's (AVX2 at most), so SIMD
 * dispatch may take another path than the native run; counts are compared
 * between runs of the same mechanism only (the JSON config records it).
 *
 * Environment: KBENCH_METRIC_MECHANISM=auto|perf_event|callgrind forces a
 * mechanism; KBENCH_VALGRIND=PATH names the valgrind to use;
 * KBENCH_CALLGRIND_BUDGET=S is the estimated callgrind time above which a
 * benchmark is skipped (default 60 s; a benchmark still running after
 * three budgets is stopped and skipped); KBENCH_COUNT_ITERS=k (default 5).
 */
#ifndef KB_METRIC_H
#define KB_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "probe.h"
#include "registry.h"
#include "result.h"
#include "runner.h"


/* "none", "perf_event", "callgrind". */
const char *kb_mech_name(enum kb_mech m);

/* What the machine offers; filled by kb_metric_prepare (or by tests). */
struct kb_mech_facts {
	const char *forced;   /* KBENCH_METRIC_MECHANISM, or NULL for auto */
	int perf_errno;       /* 0: instructions:u could be opened; else its errno */
	int perf_paranoid;    /* /proc/sys/kernel/perf_event_paranoid, -100 if unknown */
	const char *valgrind; /* a runnable valgrind, or NULL */
	const char *valgrind_wanted; /* what was looked for: $KBENCH_VALGRIND or "valgrind" */
	bool sanitizer;       /* this build uses AddressSanitizer */
	bool have_callgrind_h; /* built with valgrind/callgrind.h */
};

/*
 * Chooses the mechanism from the facts: perf_event when it works, else
 * callgrind; a forced mechanism that cannot work is an error.  On success
 * *note gets why perf_event was not used ("" when it was), for the
 * record.  Returns 0, or -KB_EUNSUPPORTED with a message that says what is
 * missing and how to install it.
 */
int kb_mech_choose(const struct kb_mech_facts *f, enum kb_mech *mech, char *note,
		   size_t note_len);

/* One file written by callgrind. */
struct kb_cg_dump {
	char trigger[512]; /* after "desc: Trigger: ", e.g. "Client Request: kbench 5 id" */
	double ir;         /* the Ir total of the file; NAN if the file has none */
};

/*
 * Parses one callgrind output file (format version 1) from `f`; `name`
 * is used in messages.  Reads the trigger and the Ir column of the
 * "summary:" line (or "totals:").  Returns 0, or -KB_EPARSE naming the
 * file and line.
 */
int kb_callgrind_parse(FILE *f, const char *name, struct kb_cg_dump *out);

/*
 * Reads a trigger made by kb_cg_trigger (with or without callgrind's
 * "Client Request: " prefix).  *id points into `trigger`.  Returns false
 * for any other trigger (the dump at program termination).
 */
bool kb_cg_trigger_parse(const char *trigger, uint64_t *iters, const char **id);

/*
 * Instructions per iteration from the counts of a batch of k iterations
 * and a batch of k2 > k: (count_k2 - count_k) / (k2 - k).  NAN when the
 * inputs are not finite, k2 <= k, or the difference is negative.
 */
double kb_metric_per_iter(double count_k, uint64_t k, double count_k2, uint64_t k2);

/*
 * Estimated seconds to count one instance under callgrind, from its
 * native time per iteration: every counted iteration and warmup
 * iteration (6k in all) at the simulator's slowdown.
 */
double kb_metric_callgrind_estimate_s(double native_ns_per_iter, uint64_t k);

/* ---- kb_main ------------------------------------------------------------- */

struct kb_metric_setup {
	enum kb_mech mech;
	char note[256];        /* why perf_event was not used, or "" */
	char valgrind[1024];   /* path, for callgrind */
	char valgrind_version[64];
};

/* True in the child kbench runs under callgrind (KBENCH__CALLGRIND_DIR set). */
bool kb_metric_is_child(void);

/*
 * The child's whole job: counts the instances the parent planned, writing
 * one dump per counted batch and a status line per instance into the
 * directory.  Returns the process exit status.
 */
int kb_metric_child_run(const struct kb_config *cfg, const struct kb_instance *const *sel,
			size_t n);

/*
 * Before timing: chooses the mechanism (kb_mech_choose on this machine),
 * so a missing valgrind is reported before minutes of measuring.  Returns
 * 0 or a negative code with the message (and install hint).
 */
int kb_metric_prepare(struct kb_metric_setup *m);

/*
 * After timing: counts instructions per iteration of every instance whose
 * time result is ok, and sets run->results[i].instructions (plus the
 * "cycles", "cache_misses" and "branch_misses" counters per iteration under
 * perf_event).  An instance that cannot be counted (too slow for
 * callgrind, a custom timer, a crash under valgrind) becomes skipped or an
 * error with the reason.  Records the mechanism in run->config
 * ("metric_mechanism", "count_iterations", ...).  `argv` is kb_main's, for
 * the callgrind child.  Returns 0 or a negative code (the child could not
 * be run at all).
 */
int kb_metric_count(struct kb_metric_setup *m, const struct kb_config *cfg, int argc, char **argv,
		    const struct kb_instance *const *sel, size_t n, struct kb_run *run);

#endif /* KB_METRIC_H */
