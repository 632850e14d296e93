/*
 * A benchmark binary for tests/integration/test_memory.sh and
 * test_counters.sh: mem/alloc64
 * holds 64 MiB through kb_alloc (zeroed, so every page is resident) and
 * 1 MiB of seeded inputs; mem/none allocates nothing; mem/faults4 makes
 * four page faults per iteration.
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

/* Four page faults per iteration: four fresh pages mapped, touched, unmapped
 * (tests/integration/test_counters.sh counts them with --counters=page-faults). */
#include <sys/mman.h>

KB_BENCH(mem, faults4) {
	long page = 4096;

	while (kb_loop(state)) {
		char *p = mmap(NULL, 4 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED) {
			kb_fail(state, "mmap failed");
			break;
		}
		for (int i = 0; i < 4; i++)
			p[i * page] = 1;
		kb_clobber_memory();
		munmap(p, 4 * (size_t)page);
	}
}
