/*
 * kb.c - the side-by-side cases (kernels.h) under kbench: data made once per
 * process and kept, outside the timed loop, one call per iteration; ids
 * sbs/<case> with the case's size as the parameter.
 */
#include "kbench.h"
#include "kernels.h"

static void run_case(struct kb_state *state, size_t i)
{
	/* Data made once per process and kept, as Google Benchmark keeps it for
	 * a whole repetition, so that both measure the kernel on pages that
	 * stay (made and freed per round, a buffer can land on fresh pages each
	 * time: with every buffer forced onto fresh mmap pages the sum alone
	 * was 27 % slower; docs/figures.md). */
	static void *ctx[16];
	const struct sbs_case *c = &sbs_cases[i];

	if (!ctx[i])
		ctx[i] = c->setup(c->n);
	while (kb_loop(state))
		c->run(ctx[i]);
}

KB_BENCH(sbs, empty) { run_case(state, 0); }
KB_BENCH(sbs, sum_f32_1048576) { run_case(state, 1); }
KB_BENCH(sbs, triad_f32_1048576) { run_case(state, 2); }
KB_BENCH(sbs, memcpy_67108864) { run_case(state, 3); }
KB_BENCH(sbs, sgemm_openblas_256) { run_case(state, 4); }
KB_BENCH(sbs, sgemm_openblas_1024) { run_case(state, 5); }
