/*
 * mem.h - memory per benchmark (docs/method.md, "Memory").
 *
 * Three figures per benchmark, each the most of any call of its body:
 *
 *   requested   bytes held through kb_alloc, kb_input_* and kb_output_*
 *               (counted when the call ends);
 *   RSS         the process's resident high-water mark (VmHWM of
 *               /proc/self/status) during the call, and its growth over the
 *               resident size (VmRSS) at the call's start.  Before each call
 *               the mark is reset by writing 5 to /proc/self/clear_refs
 *               (Linux >= 4.0), so it belongs to that call; where that write
 *               fails, the growth is only what the call added beyond the
 *               process's earlier peak, and the JSON says so;
 *   device      for CUDA bodies, the bytes allocated on the device and the
 *               device memory in use after them (kb_set_device_memory).
 *
 * The growth is the figure that belongs to the benchmark: the high-water
 * mark also holds the harness and the inputs other benchmarks keep
 * between their rounds.
 */
#ifndef KB_MEM_H
#define KB_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"

/* Reads "Key:   1234 kB" from /proc/<pid>/status text; bytes in *out.
 * Returns false when the key is absent or malformed. */
bool kb_mem_status_field(const char *text, const char *key, uint64_t *out);

/* The state of the process at the start of a call. */
struct kb_rss_mark {
	uint64_t rss, hwm; /* bytes; 0 when unknown */
	int reset;         /* as kb_mem_use.rss_reset */
};

/* Resets the high-water mark (where allowed) and reads the resident size. */
void kb_rss_begin(struct kb_rss_mark *m);
/* After the call: folds the call's peak and growth into *u. */
void kb_rss_end(const struct kb_rss_mark *m, struct kb_mem_use *u);

/* The same with other files, for tests. */
void kb__rss_begin_at(struct kb_rss_mark *m, const char *clear_refs, const char *status);
void kb__rss_end_at(const struct kb_rss_mark *m, struct kb_mem_use *u, const char *status);

/* Folds `from` into `into`: the most of each figure; a reset only when
 * both were reset. */
void kb_mem_merge(struct kb_mem_use *into, const struct kb_mem_use *from);

#endif /* KB_MEM_H */
