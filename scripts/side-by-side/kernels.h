/*
 * kernels.h - the loops the side-by-side comparison times in both harnesses
 * (scripts/gbench-side-by-side.sh): the same functions, the same sizes, the
 * same data, one thread.  Each call is one iteration.
 */
#ifndef KB_SIDE_BY_SIDE_H
#define KB_SIDE_BY_SIDE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sbs_case {
	const char *name;   /* "sum_f32/1048576" */
	void *(*setup)(size_t n);
	void (*run)(void *ctx);
	void (*teardown)(void *ctx);
	size_t n;
};

extern const struct sbs_case sbs_cases[];
extern const size_t sbs_ncases;

#ifdef __cplusplus
}
#endif
#endif
