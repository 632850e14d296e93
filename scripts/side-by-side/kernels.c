/*
 * kernels.c - the cases of the side-by-side comparison (kernels.h): the
 * empty loop, a SIMD sum and triad, libc memcpy and OpenBLAS sgemm, each a
 * function from kernels/ called once per iteration on data made once.
 */
#include "kernels.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/kb_elementwise_simd.h"
#include "cpu/kb_gemm_openblas.h"
#include "cpu/kb_memory.h"
#include "cpu/kb_reduce_simd.h"

struct buf {
	size_t n;
	float *a, *b, *c;
	volatile float sink;
};

static void *make(size_t n, size_t each)
{
	struct buf *b = calloc(1, sizeof(*b));

	if (!b)
		abort();
	b->n = n;
	if (posix_memalign((void **)&b->a, 64, each * sizeof(float)) ||
	    posix_memalign((void **)&b->b, 64, each * sizeof(float)) ||
	    posix_memalign((void **)&b->c, 64, each * sizeof(float)))
		abort();
	for (size_t i = 0; i < each; i++) { /* every page touched, never zero */
		b->a[i] = 1.0f + (float)(i % 7) * 0.125f;
		b->b[i] = 0.5f + (float)(i % 5) * 0.25f;
		b->c[i] = 0.25f;
	}
	return b;
}

static void *setup_vec(size_t n) { return make(n, n); }
static void *setup_bytes(size_t n) { return make(n, n / sizeof(float)); }
static void *setup_mat(size_t n)
{
	kb_openblas_set_threads(1);
	return make(n, n * n);
}

static void teardown(void *ctx)
{
	struct buf *b = ctx;

	free(b->a);
	free(b->b);
	free(b->c);
	free(b);
}

static void *setup_none(size_t n) { (void)n; return NULL; }
static void teardown_none(void *ctx) { (void)ctx; }
static void run_empty(void *ctx) { __asm__ volatile("" ::"r"(ctx) : "memory"); }

static void run_sum(void *ctx)
{
	struct buf *b = ctx;

	b->sink = kb_sum_f32_simd(b->a, b->n, 1);
}

static void run_triad(void *ctx)
{
	struct buf *b = ctx;

	kb_triad_f32_simd(b->n, b->a, b->b, b->c, 3.0f, 1);
	__asm__ volatile("" ::"r"(b->a) : "memory");
}

static void run_memcpy(void *ctx)
{
	struct buf *b = ctx;

	kb_memcpy_u8_libc(b->a, b->b, b->n);
	__asm__ volatile("" ::"r"(b->a) : "memory");
}

static void run_sgemm(void *ctx)
{
	struct buf *b = ctx;

	kb_gemm_f32_openblas(false, b->n, b->n, b->n, b->a, b->b, b->c);
	__asm__ volatile("" ::"r"(b->c) : "memory");
}

const struct sbs_case sbs_cases[] = {
	{ "empty", setup_none, run_empty, teardown_none, 0 },
	{ "sum_f32/1048576", setup_vec, run_sum, teardown, 1048576 },
	{ "triad_f32/1048576", setup_vec, run_triad, teardown, 1048576 },
	{ "memcpy/67108864", setup_bytes, run_memcpy, teardown, 67108864 },
	{ "sgemm_openblas/256", setup_mat, run_sgemm, teardown, 256 },
	{ "sgemm_openblas/1024", setup_mat, run_sgemm, teardown, 1024 },
};
const size_t sbs_ncases = sizeof(sbs_cases) / sizeof(sbs_cases[0]);
