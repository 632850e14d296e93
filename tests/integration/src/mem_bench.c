/*
 * A benchmark binary for tests/integration/test_memory.sh: mem/alloc64
 * holds 64 MiB through kb_alloc (zeroed, so every page is resident) and
 * 1 MiB of seeded inputs; mem/none allocates nothing.
 */
#include "kbench.h"

KB_BENCH(mem, alloc64) {
	char *p = kb_alloc(state, (size_t)64 << 20);
	float *x = kb_input_f32(state, ((size_t)1 << 20) / sizeof(float));

	if (!p || !x)
		return;
	while (kb_loop(state))
		kb_do_not_optimize(p[kb_arg(state, 0)]);
}
KB_ARGS(mem, alloc64, 4096);

KB_BENCH(mem, none) {
	while (kb_loop(state)) {
	}
}
