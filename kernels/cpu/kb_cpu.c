/*
 * kb_cpu.c - SIMD level, thread pool and cache facts for the CPU kernels.
 *
 * The pool: workers are created on first use and live for the process.  A
 * region bumps a generation counter under a mutex; each worker with a tid
 * below the region's thread count runs the task and counts down `pending`.
 * Workers block on a condition variable, never spin: the machine is shared
 * and has two cores.
 *
 * Workers inherit the process's CPU binding (the runner's --pin binds the
 * whole process), so a pinned run keeps every thread on the pinned CPUs.
 */
#define _GNU_SOURCE
#include "cpu/kb_cpu.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- SIMD level ---------------------------------------------------------- */

static int simd_detected = -1;
static int simd_cap = KB_SIMD_AVX512;

static enum kb_simd detect(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return KB_SIMD_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return KB_SIMD_AVX2;
	return KB_SIMD_NONE;
}

static void read_env_cap(void)
{
	const char *e = getenv("KBENCH_SIMD");
	if (!e)
		return;
	if (!strcmp(e, "none") || !strcmp(e, "scalar"))
		simd_cap = KB_SIMD_NONE;
	else if (!strcmp(e, "avx2"))
		simd_cap = KB_SIMD_AVX2;
}

enum kb_simd kb_cpu_simd(void)
{
	int d = __atomic_load_n(&simd_detected, __ATOMIC_RELAXED);
	if (d < 0) {
		read_env_cap();
		d = detect();
		__atomic_store_n(&simd_detected, d, __ATOMIC_RELAXED);
	}
	int cap = __atomic_load_n(&simd_cap, __ATOMIC_RELAXED);
	return (enum kb_simd)(d < cap ? d : cap);
}

enum kb_simd kb_cpu_simd_limit(enum kb_simd max)
{
	(void)kb_cpu_simd();
	__atomic_store_n(&simd_cap, (int)max, __ATOMIC_RELAXED);
	return kb_cpu_simd();
}

const char *kb_cpu_simd_name(enum kb_simd level)
{
	switch (level) {
	case KB_SIMD_AVX512: return "avx512";
	case KB_SIMD_AVX2: return "avx2";
	default: return "none";
	}
}

/* ---- caches -------------------------------------------------------------- */

static uint64_t cache_bytes[4] = { 0, 32u << 10, 1u << 20, 8u << 20 };
static uint64_t nt_threshold;

void kb_cpu_set_caches(uint64_t l1d_bytes, uint64_t l2_bytes, uint64_t l3_bytes)
{
	if (l1d_bytes)
		cache_bytes[1] = l1d_bytes;
	if (l2_bytes)
		cache_bytes[2] = l2_bytes;
	if (l3_bytes)
		cache_bytes[3] = l3_bytes;
}

uint64_t kb_cpu_cache(int level)
{
	return level >= 1 && level <= 3 ? cache_bytes[level] : 0;
}

void kb_cpu_set_nt_threshold(uint64_t bytes)
{
	nt_threshold = bytes;
}

uint64_t kb_cpu_nt_threshold(void)
{
	return nt_threshold ? nt_threshold : cache_bytes[3];
}

/* ---- thread pool --------------------------------------------------------- */

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t start;   /* a new generation was published */
	pthread_cond_t done;    /* pending reached zero */
	pthread_mutex_t region; /* one region at a time */
	unsigned long gen;
	int nworkers;           /* workers created so far (tids 1..nworkers) */
	int nthreads;           /* of the current region */
	int pending;            /* workers of this region not finished */
	kb_cpu_task_fn fn;
	void *arg;
};

static struct pool pool = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.start = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.region = PTHREAD_MUTEX_INITIALIZER,
};
static __thread bool in_region;

struct worker_arg {
	int tid;
	unsigned long gen; /* generation current when the worker was made */
};

static void *worker_main(void *p)
{
	struct worker_arg wa = *(struct worker_arg *)p;
	free(p);
	in_region = true;
	unsigned long seen = wa.gen;
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (pool.gen == seen)
			pthread_cond_wait(&pool.start, &pool.mu);
		seen = pool.gen;
		if (wa.tid >= pool.nthreads)
			continue;
		kb_cpu_task_fn fn = pool.fn;
		void *arg = pool.arg;
		int nthreads = pool.nthreads;
		pthread_mutex_unlock(&pool.mu);
		fn(arg, wa.tid, nthreads);
		pthread_mutex_lock(&pool.mu);
		if (--pool.pending == 0)
			pthread_cond_signal(&pool.done);
	}
	return NULL;
}

/* Creates workers up to tid `want - 1`; returns how many exist.  Called with
 * pool.region held. */
static int grow(int want)
{
	while (pool.nworkers < want - 1) {
		struct worker_arg *wa = malloc(sizeof(*wa));
		if (!wa)
			break;
		pthread_mutex_lock(&pool.mu);
		wa->tid = pool.nworkers + 1;
		wa->gen = pool.gen;
		pthread_mutex_unlock(&pool.mu);
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_t th;
		int rc = pthread_create(&th, &attr, worker_main, wa);
		pthread_attr_destroy(&attr);
		if (rc != 0) {
			free(wa);
			break;
		}
		pool.nworkers++;
	}
	return pool.nworkers + 1;
}

int kb_cpu_parallel(int nthreads, kb_cpu_task_fn fn, void *arg)
{
	if (nthreads > KB_CPU_MAX_THREADS)
		nthreads = KB_CPU_MAX_THREADS;
	if (nthreads <= 1 || in_region) {
		fn(arg, 0, 1);
		return 1;
	}
	pthread_mutex_lock(&pool.region);
	int have = grow(nthreads);
	if (nthreads > have)
		nthreads = have;
	if (nthreads <= 1) {
		pthread_mutex_unlock(&pool.region);
		fn(arg, 0, 1);
		return 1;
	}
	pthread_mutex_lock(&pool.mu);
	pool.fn = fn;
	pool.arg = arg;
	pool.nthreads = nthreads;
	pool.pending = nthreads - 1;
	pool.gen++;
	pthread_cond_broadcast(&pool.start);
	pthread_mutex_unlock(&pool.mu);

	in_region = true;
	fn(arg, 0, nthreads);
	in_region = false;

	pthread_mutex_lock(&pool.mu);
	while (pool.pending > 0)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
	pthread_mutex_unlock(&pool.region);
	return nthreads;
}

void kb_cpu_split(size_t n, int parts, int i, size_t align, size_t *lo, size_t *hi)
{
	if (parts < 1)
		parts = 1;
	if (align < 1)
		align = 1;
	size_t blocks = (n + align - 1) / align;
	size_t b_lo = blocks * (size_t)i / (size_t)parts;
	size_t b_hi = blocks * (size_t)(i + 1) / (size_t)parts;
	*lo = b_lo * align < n ? b_lo * align : n;
	*hi = b_hi * align < n ? b_hi * align : n;
}

int kb_cpu_threads_for(size_t bytes, int nthreads, size_t min_per_thread)
{
	if (nthreads > KB_CPU_MAX_THREADS)
		nthreads = KB_CPU_MAX_THREADS;
	/* bytes / nthreads, not nthreads * min_per_thread: no overflow to wrap */
	if (nthreads > 1 && bytes / (size_t)nthreads < min_per_thread)
		nthreads = (int)(bytes / min_per_thread);
	return nthreads > 1 ? nthreads : 1;
}
