/*
 * context.h - the machine and build facts of a run (the JSON "context"),
 * kbench.conf, machine peaks, context providers and CPU pinning.
 */
#ifndef KB_CONTEXT_H
#define KB_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"
#include "runner.h"
#include "timer.h"

/*
 * Loads a kbench.conf: "key = value" lines, '#' comments.  Keys:
 * peak.<name> (GFLOP/s or GB/s), cache.l1d / cache.l2 / cache.l3 (bytes,
 * k/M/G suffixes allowed), cpu.model.  Returns 0 or -KB_EIO / -KB_EPARSE
 * naming the file and line.  A NULL path tries $KBENCH_CONFIG, then
 * ./kbench.conf if it exists; *used receives the path read (or NULL).
 */
int kb_conf_load(const char *path, const char **used);
/* The value of a conf key, or NULL. */
const char *kb_conf_get(const char *key);
/* Forgets the loaded conf (tests). */
void kb_conf_clear(void);

/*
 * Fills run->context (host, cpu, caches, numa, memory, os, compiler, build,
 * timer, load, virtualisation, providers' sections, fingerprint) and
 * run->date / fingerprint / harness fields.  Returns 0 or a negative code.
 */
int kb_context_build(struct kb_run *run, const struct kb_config *cfg,
		     const struct kb_timer_info *timer);
/* Adds the process section (peak RSS, wall and CPU seconds) after a run. */
void kb_context_finish(struct kb_run *run, double wall_s);

/*
 * Applies --pin: "none"; "auto" binds the process to `threads` cores when
 * that is fewer than available (one core for --threads=1); or a CPU list.
 * Writes what was done to *what (static string or NULL). Returns 0 or a
 * negative code naming the CPU list.
 */
int kb_pin_apply(const char *pin, int threads, char *what, size_t what_len);

/* Whether peaks without a kbench.conf value are measured (--no-peaks: not). */
void kb_context_measure_peaks(bool measure);

/* Computes pct_peak for `r` against peak `name` and records the peak in
 * the context (once per name); used by the runner. */
void kb__context_use_peak(struct kb_run *run, struct kb_result *r, const char *name);

#endif /* KB_CONTEXT_H */
