/*
 * kb_memory.c - memory-system kernels.
 *
 * memcpy:  dst[i] = src[i], i < bytes.  Bytes counted: 2·bytes (read + write).
 * memset:  dst[i] = v.                   Bytes counted: bytes.
 * strided: s = Σ x[i·stride].  Flops: one add per load.  Bytes counted:
 *          the cache lines touched × 64 (for stride·4 >= 64: one line per
 *          load), since that is what moves from memory.
 * chase:   p = *p, `loads` times, over a random cyclic permutation of
 *          64-byte nodes (one node per cache line, so each load misses
 *          whatever level the working set exceeds).  Reported as ns per
 *          load, not bytes.
 */
#include "cpu/kb_memory.h"

#include <string.h>

void kb_memcpy_u8_libc(void *dst, const void *src, size_t bytes)
{
	memcpy(dst, src, bytes);
}

void kb_memset_u8_libc(void *dst, int value, size_t bytes)
{
	memset(dst, value, bytes);
}

float kb_read_strided_f32(const float *x, size_t n, size_t stride)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = 0;
	if (stride == 0)
		stride = 1;
	for (; i + 3 * stride < n; i += 4 * stride) {
		s0 += x[i];
		s1 += x[i + stride];
		s2 += x[i + 2 * stride];
		s3 += x[i + 3 * stride];
	}
	for (; i < n; i += stride)
		s0 += x[i];
	return (s0 + s1) + (s2 + s3);
}

/* splitmix64: a small, good generator for the permutation. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

size_t kb_chase_init(void *buf, size_t bytes, uint64_t seed)
{
	size_t nodes = bytes / KB_CHASE_NODE;
	char *base = buf;
	if (nodes < 2)
		return 0;
	/*
	 * Sattolo's algorithm turns the identity into a uniformly random
	 * permutation σ with a single n-cycle.  Node i's first word holds σ(i)
	 * while shuffling, then becomes a pointer to node σ(i).
	 */
	for (size_t i = 0; i < nodes; i++)
		*(size_t *)(base + i * KB_CHASE_NODE) = i;
	for (size_t i = nodes - 1; i > 0; i--) {
		size_t j = (size_t)(next_rand(&seed) % i); /* j < i: Sattolo */
		size_t *a = (size_t *)(base + i * KB_CHASE_NODE);
		size_t *b = (size_t *)(base + j * KB_CHASE_NODE);
		size_t t = *a;
		*a = *b;
		*b = t;
	}
	for (size_t i = 0; i < nodes; i++) {
		size_t *w = (size_t *)(base + i * KB_CHASE_NODE);
		*(void **)w = base + *w * KB_CHASE_NODE;
	}
	return nodes;
}

const void *kb_chase_run(const void *start, size_t loads)
{
	const void *p = start;
	for (size_t i = 0; i < loads; i++)
		p = *(const void *const *)p;
	return p;
}
