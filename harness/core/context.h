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
/* After every kb__context_use_peak of a run: a peak below a rate measured
 * against it is raised to the highest such rate for this run, each row
 * above the old peak gets a note in its label, the context a
 * peaks.<name>_note, and pct_peak is recomputed. */
void kb__context_settle_peaks(struct kb_run *run);

/* The peak cache: `path` (NULL: $XDG_CACHE_HOME/kbench/peaks-<fingerprint>.conf,
 * "none": no cache); `remeasure` ignores what it holds and rewrites it. */
void kb_context_peak_cache(const char *path, bool remeasure);
/* Forgets the peaks' values, uses and cache settings (unit tests); the
 * registered peaks are forgotten too. */
void kb__context_peaks_reset(void);
/* Whether a peak of this name is registered or set in kbench.conf. */
bool kb__peak_known(const char *name);
/* The level a working set lives in: 1-3 for the first known cache it fits,
 * 4 for DRAM (beyond a known L3), 0 when the caches cannot tell. */
int kb__peak_level(uint64_t working_set_bytes);

#endif /* KB_CONTEXT_H */
