/*
 * kb_memory.h - memory-system kernels: copy, set, strided read, pointer
 * chase.  (The working-set sweep reads with kb_sum_f32_simd.)
 */
#ifndef KB_MEMORY_H
#define KB_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dst = src, `bytes` bytes, through libc memcpy (reads and writes bytes each). */
void kb_memcpy_u8_libc(void *dst, const void *src, size_t bytes);
/* dst[i] = value, through libc memset (writes bytes). */
void kb_memset_u8_libc(void *dst, int value, size_t bytes);

/*
 * Σ x[i·stride] for i·stride < n, with 4 accumulators (so the adds do not
 * hide the loads' latency).  With stride·4 >= 64 every load touches its own
 * cache line.
 */
float kb_read_strided_f32(const float *x, size_t n, size_t stride);

/* Bytes of one pointer-chase node: one cache line. */
#define KB_CHASE_NODE 64

/*
 * Links the `bytes / KB_CHASE_NODE` nodes of `buf` into one random cycle
 * (Sattolo's algorithm, seeded by `seed`): the first word of each node
 * points at the next node.  Returns the node count (0 if bytes < 2 nodes).
 */
size_t kb_chase_init(void *buf, size_t bytes, uint64_t seed);
/* Follows `loads` links from `start`; returns where it ends.  Every load
 * depends on the previous one, so the time per load is the latency. */
const void *kb_chase_run(const void *start, size_t loads);

#ifdef __cplusplus
}
#endif

#endif /* KB_MEMORY_H */
