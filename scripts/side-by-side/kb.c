/*
 * kb.c - the side-by-side cases (kernels.h) under kbench: data made once per
 * call of the body, outside the timed loop, one call per iteration; ids
 * sbs/<case> with the case's size as the parameter.
 */
#include "kbench.h"
#include "kernels.h"

static void run_case(struct kb_state *state, size_t i)
{
	const struct sbs_case *c = &sbs_cases[i];
	void *ctx = c->setup(c->n);

	while (kb_loop(state))
		c->run(ctx);
	c->teardown(ctx);
}

KB_BENCH(sbs, empty) { run_case(state, 0); }
KB_BENCH(sbs, sum_f32_1048576) { run_case(state, 1); }
KB_BENCH(sbs, triad_f32_1048576) { run_case(state, 2); }
KB_BENCH(sbs, memcpy_67108864) { run_case(state, 3); }
KB_BENCH(sbs, sgemm_openblas_256) { run_case(state, 4); }
KB_BENCH(sbs, sgemm_openblas_1024) { run_case(state, 5); }
