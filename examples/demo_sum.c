/*
 * demo_sum.c - a benchmark of your own, outside the kbench tree.
 *
 *   cc -O2 $(pkg-config --cflags kbench) demo_sum.c \
 *      $(pkg-config --variable=main_object kbench) $(pkg-config --libs kbench) -o demo_sum
 *
 * (or, statically: ... $(pkg-config --variable=static_libs kbench) instead of --libs)
 *   ./demo_sum --filter=sum
 *
 * The sum of n floats: n - 1 additions, 4n bytes read per iteration.
 */
#include <stdlib.h>

#include "kbench.h"

static float sum_ref(const float *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return (float)s;
}

KB_BENCH(demo, sum_f32)
{
	size_t n = (size_t)kb_arg(state, 0);
	float *x = kb_input_f32(state, n); /* seeded, never all zeros */
	float s = 0;

	if (!x)
		return; /* too large: kb_alloc already failed the benchmark with the reason */
	while (kb_loop(state)) {
		s = 0;
		for (size_t i = 0; i < n; i++)
			s += x[i];
		kb_do_not_optimize(s);
	}
	if (kb_validating(state)) {
		float want = sum_ref(x, n);
		/* n roundings of at most 2^-24 relative each, on values in [-1, 1) */
		kb_check_f32(state, &s, &want, 1, 0, (double)n * 0x1p-24);
	}
	kb_set_bytes(state, n * sizeof(float));
}
KB_ARGS(demo, sum_f32, 1 << 10, 1 << 20);
KB_QUICK(demo, sum_f32, "n=256");
