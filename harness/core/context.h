/*
 * context.h - the machine and build facts of a run (the JSON "context"),
 * machine peaks (peaks.c) and CPU pinning (pin.c).
 */
#ifndef KB_CONTEXT_H
#define KB_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"
#include "timer.h"

/*
 * Fills run->context (host, cpu, caches, numa, memory, os, compiler, build,
 * timer, load, virtualisation, providers' sections, fingerprint) and
 * run->date / fingerprint / harness fields.  Returns 0 or a negative code.
 */
int kb_context_build(struct kb_run *run, const struct kb_timer_info *timer);

/* Context entries (copied): a string (NULL is JSON null), a printf string,
 * a number (non-finite is null) and a boolean. */
void kb_ctx_add(struct kb_run *run, const char *key, const char *value);
void kb_ctx_addf(struct kb_run *run, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kb_ctx_add_num(struct kb_run *run, const char *key, double v);
void kb_ctx_add_bool(struct kb_run *run, const char *key, bool v);
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
