/*
 * memory - the memory system: libc memcpy and memset, a strided read, a
 * pointer-chase latency test and a read-bandwidth sweep over working sets
 * chosen from the detected cache hierarchy.
 *
 * Ids:
 *   memory/memcpy/<bytes>, memory/memset/<bytes>    GB/s (copy counts 2·bytes)
 *   memory/read_strided/<stride bytes>              one f32 per stride over
 *       64 MiB; bytes = cache lines touched × 64
 *   memory/chase/<level>                            ns per dependent load
 *   memory/sweep_read/<level>                       read GB/s, 1 thread
 * where level 1, 2, 3 is a working set inside L1d, L2, L3 (half of the
 * level, and more than the level below) and level 4 is DRAM (2× the L3,
 * at least 64 MiB).  The label names the working set and the cache size.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "kbench.h"

#include "cpu/kb_cpu.h"
#include "cpu/kb_memory.h"
#include "cpu/kb_peak_cpu.h"
#include "cpu/kb_reduce_simd.h"
#include "ref/kb_reduce_ref.h"

/* Cache sizes with fallbacks for when detection failed (32 KiB, 1 MiB,
 * 32 MiB), forced increasing so each level's working set is distinct. */
static void cache_sizes(uint64_t c[4])
{
	static const uint64_t fallback[4] = { 0, 32u << 10, 1u << 20, 32u << 20 };
	for (int l = 1; l <= 3; l++) {
		c[l] = kb_cache_bytes(l);
		if (c[l] == 0)
			c[l] = fallback[l];
		if (l > 1 && c[l] <= c[l - 1])
			c[l] = 2 * c[l - 1];
	}
	kb_cpu_set_caches(c[1], c[2], c[3]);
}

/* Working-set bytes for a level (1-3: half the cache, above the level
 * below; 4: DRAM), or 0 for a bad level. */
static uint64_t level_bytes(int64_t level, uint64_t *cache)
{
	uint64_t c[4];
	cache_sizes(c);
	*cache = level >= 1 && level <= 3 ? c[level] : 0;
	switch (level) {
	case 1: return c[1] / 2;
	case 2: return c[2] / 2 > c[1] ? c[2] / 2 : 2 * c[1];
	case 3: return c[3] / 2 > c[2] ? c[3] / 2 : 2 * c[2];
	case 4: return 2 * c[3] > (64u << 20) ? 2 * c[3] : 64u << 20;
	default: return 0;
	}
}

static const char *level_name(int64_t level)
{
	static const char *const names[] = { "?", "L1d", "L2", "L3", "DRAM" };
	return level >= 1 && level <= 4 ? names[level] : "?";
}

static void label_level(struct kb_state *state, int64_t level, uint64_t ws, uint64_t cache)
{
	if (cache) /* the sizes the context records and %peak uses (kb_cache_bytes) */
		kb_set_label(state, "%s: %.0f KiB working set (cache %.0f KiB%s)", level_name(level),
			     ws / 1024.0, cache / 1024.0,
			     kb_cache_bytes((int)level) ? "" : ", size unknown: assumed");
	else
		kb_set_label(state, "%s: %.0f MiB working set", level_name(level), ws / 1048576.0);
	kb_set_counter(state, "working_set_bytes", (double)ws);
}

static size_t arg_size(struct kb_state *state, const char *what)
{
	int64_t v = kb_arg(state, 0);
	if (v <= 0)
		kb_fail(state, "%s: %lld, expected a positive size", what, (long long)v);
	return v > 0 ? (size_t)v : 0;
}

/* ---- memcpy, memset ---------------------------------------------------------- */

KB_BENCH(memory, memcpy)
{
	size_t bytes = arg_size(state, "memcpy bytes");
	unsigned char *src, *dst;
	if (!bytes || !(src = kb_alloc(state, bytes)) || !(dst = kb_alloc(state, bytes)))
		return;
	for (size_t i = 0; i < bytes; i++)
		src[i] = (unsigned char)(i * 131 + 7);
	memset(dst, 0xA5, bytes); /* poison: a missed byte shows */
	while (kb_loop(state)) {
		kb_memcpy_u8_libc(dst, src, bytes);
		kb_clobber_memory();
	}
	kb_set_bytes(state, 2 * (uint64_t)bytes);
	kb_set_memory_peak(state, "bandwidth", 2 * (uint64_t)bytes);
	if (kb_validating(state)) {
		if (memcmp(dst, src, bytes) != 0)
			kb_fail(state, "memcpy: destination differs from source");
		else
			kb_set_validated(state);
	}
}
KB_SPACE(memory, memcpy, "bytes=32M");
KB_QUICK(memory, memcpy, "bytes=1,4099");
KB_LARGE(memory, memcpy, "bytes=256M,1G");

KB_BENCH(memory, memset)
{
	size_t bytes = arg_size(state, "memset bytes");
	unsigned char *dst;
	if (!bytes || !(dst = kb_alloc(state, bytes)))
		return;
	memset(dst, 0xA5, bytes);
	while (kb_loop(state)) {
		kb_memset_u8_libc(dst, 0x3C, bytes);
		kb_clobber_memory();
	}
	kb_set_bytes(state, bytes);
	kb_set_memory_peak(state, "bandwidth", bytes);
	if (kb_validating(state)) {
		for (size_t i = 0; i < bytes; i++)
			if (dst[i] != 0x3C) {
				kb_fail(state, "memset: byte %zu is 0x%02x, expected 0x3c", i, dst[i]);
				return;
			}
		kb_set_validated(state);
	}
}
KB_SPACE(memory, memset, "bytes=32M");
KB_QUICK(memory, memset, "bytes=1,4099");
KB_LARGE(memory, memset, "bytes=256M,1G");

/* ---- strided read -------------------------------------------------------------- */

KB_BENCH(memory, read_strided)
{
	size_t stride_bytes = arg_size(state, "stride bytes");
	size_t bytes = kb_quick(state) ? (64u << 10) : (64u << 20);
	size_t n = bytes / sizeof(float);
	size_t stride = stride_bytes / sizeof(float);
	if (!stride_bytes)
		return;
	if (stride == 0 || stride_bytes % sizeof(float)) {
		kb_fail(state, "stride %zu bytes: expected a positive multiple of 4", stride_bytes);
		return;
	}
	float *x = kb_input_f32(state, n);
	if (!x)
		return;
	float got = 0;
	while (kb_loop(state)) {
		got = kb_read_strided_f32(x, n, stride);
		kb_do_not_optimize(got);
	}
	size_t loads = (n + stride - 1) / stride;
	size_t lines = stride_bytes >= 64 ? loads : bytes / 64;
	kb_set_bytes(state, (uint64_t)lines * 64);
	kb_set_items(state, loads);
	kb_set_memory_peak(state, "bandwidth", bytes);
	if (kb_validating(state)) {
		/* Same four partial sums in the same order, in long double: the
		 * f32 kernel's error is at most (loads/4 + 2)·u·Σ|x|. */
		long double s[4] = { 0, 0, 0, 0 }, a = 0;
		size_t i = 0, k = 0;
		for (; i < n; i += stride, k++) {
			s[k % 4] += x[i];
			a += fabsl((long double)x[i]);
		}
		double want = (double)((s[0] + s[1]) + (s[2] + s[3])), g = got;
		kb_check_f64(state, &g, &want, 1, 0,
			     ((double)loads / 4 + 3) * 0x1p-24 * (double)a);
	}
}
KB_ARGS(memory, read_strided, 64, 4096);
KB_QUICK(memory, read_strided, "n=4,64,4096");

/* ---- pointer chase ------------------------------------------------------------------ */

#define CHASE_LOADS 65536

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

KB_BENCH(memory, chase)
{
	int64_t level = kb_arg(state, 0);
	uint64_t cache, ws = level_bytes(level, &cache);
	if (!ws) {
		kb_fail(state, "chase: level %lld, expected 1-3 (L1d-L3) or 4 (DRAM)", (long long)level);
		return;
	}
	if (kb_quick(state))
		ws = ws > (256u << 10) ? 256u << 10 : ws;
	void *buf = kb_alloc(state, ws);
	if (!buf)
		return;
	size_t nodes = kb_chase_init(buf, ws, kb_seed(state));
	if (nodes == 0) {
		kb_fail(state, "chase: working set of %llu bytes holds fewer than 2 nodes",
			(unsigned long long)ws);
		return;
	}
	label_level(state, level, ws, cache);
	size_t loads = kb_quick(state) ? 1024 : CHASE_LOADS;
	const void *p = buf;
	uint64_t iters = 0;
	double t0 = now_ns();
	while (kb_loop(state)) {
		p = kb_chase_run(p, loads);
		iters++;
	}
	double elapsed = now_ns() - t0;
	kb_do_not_optimize(p);
	kb_set_items(state, loads);
	/* This call's own mean, batch overhead included (a few ns per batch of
	 * 65536 loads); the runner's items/s counter is the robust median. */
	if (iters)
		kb_set_counter(state, "ns_per_load", elapsed / ((double)iters * (double)loads));
	if (kb_validating(state)) {
		/* One cycle through every node: back at the start after exactly
		 * `nodes` links, and not before. */
		const void *q = kb_chase_run(buf, 1);
		size_t steps = 1;
		while (q != buf && steps < nodes) {
			q = kb_chase_run(q, 1);
			steps++;
		}
		if (q != buf || steps != nodes)
			kb_fail(state, "chase: the permutation is not one cycle of %zu nodes "
				       "(returned after %zu links)", nodes, steps);
		else
			kb_set_validated(state);
	}
}
KB_SPACE(memory, chase, "level=1,2,3,4");
KB_QUICK(memory, chase, "level=1,2");

/* ---- working-set sweep ------------------------------------------------------------------ */

KB_BENCH(memory, sweep_read)
{
	int64_t level = kb_arg(state, 0);
	uint64_t cache, ws = level_bytes(level, &cache);
	if (!ws) {
		kb_fail(state, "sweep_read: level %lld, expected 1-3 (L1d-L3) or 4 (DRAM)",
			(long long)level);
		return;
	}
	if (kb_quick(state))
		ws = ws > (256u << 10) ? 256u << 10 : ws;
	size_t n = (size_t)(ws / sizeof(float));
	float *x = kb_input_f32_range(state, n, 0, 1);
	if (!x)
		return;
	label_level(state, level, ws, cache);
	float got = 0;
	while (kb_loop(state)) {
		got = kb_sum_f32_simd(x, n, 1);
		kb_do_not_optimize(got);
	}
	kb_set_bytes(state, n * sizeof(float));
	kb_set_memory_peak(state, "bandwidth", ws);
	if (kb_validating(state)) {
		/* The vectorised sum's bound (kb_reduce_simd.h), one thread. */
		double lanes = (double)kb_reduce_simd_lanes(false);
		double bound = (ceil((double)n / lanes) + log2(lanes) + 3) * 0x1p-24 *
			       (double)kb_asum_f32_ref(x, n);
		double want = (double)kb_sum_f32_ref(x, n), g = got;
		kb_check_f64(state, &g, &want, 1, 0, bound);
	}
}
KB_SPACE(memory, sweep_read, "level=1,2,3,4");
KB_QUICK(memory, sweep_read, "level=1,2");

/* ---- peaks: bandwidth per level ---------------------------------------------- */

/*
 * Read and triad GB/s with the working set in one level (kb_peak_cpu.h):
 * L1d and L2 (private) half the cache per thread, L3 (shared) half of it
 * over all threads, DRAM 4x the L3 (at least 96 MiB, at most a quarter of
 * free memory) over all threads.  The peak is the better of read and
 * triad on all cores; the one-core figures are notes.  0 (unavailable)
 * when the level's size is unknown.
 */
static double peak_level(int level)
{
	int cores = kb_cores();
	uint64_t c = kb_cache_bytes(level == 4 ? 3 : level), total;
	size_t per_thread[2];
	double best = 0, v;

	if (!c)
		return 0;
	cache_sizes((uint64_t[4]){ 0 });
	if (level <= 2) { /* private: each thread its own half cache */
		total = c / 2;
		per_thread[0] = per_thread[1] = (size_t)total;
	} else { /* shared: the working set split between the threads */
		uint64_t avail = kb_mem_available();
		total = level == 3 ? c / 2 : 4 * c > (96u << 20) ? 4 * c : 96u << 20;
		if (avail && total > avail / 4)
			total = avail / 4;
		per_thread[0] = (size_t)total;
		per_thread[1] = (size_t)(total / (uint64_t)cores);
	}
	kb_peak_note("working_set_bytes", (double)total); /* per thread in L1d/L2 */
	for (int all = 0; all < 2; all++)
		for (int kind = KB_PEAK_READ; kind <= KB_PEAK_TRIAD; kind++) {
			v = kb_peak_bandwidth_gbps((enum kb_peak_bw)kind, per_thread[all],
						   all ? cores : 1, level == 4 ? 0.15 : 0.05, 3);
			kb_peak_note(kind == KB_PEAK_READ ? (all ? "read" : "read_1core")
							  : (all ? "triad" : "triad_1core"), v);
			if (all && v > best)
				best = v;
		}
	return best;
}

KB_PEAK(bandwidth_l1, "GB/s", "best of f32 read and triad on all cores, each thread half the L1d")
{
	return peak_level(1);
}

KB_PEAK(bandwidth_l2, "GB/s", "best of f32 read and triad on all cores, each thread half the L2")
{
	return peak_level(2);
}

KB_PEAK(bandwidth_l3, "GB/s", "best of f32 read and triad on all cores, half the L3 split between them")
{
	return peak_level(3);
}

KB_PEAK(bandwidth, "GB/s", "DRAM: best of f32 read and triad on all cores, 4x the L3 (at least 96 MiB) "
			   "split between them")
{
	return peak_level(4);
}
