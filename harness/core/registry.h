/*
 * registry.h - the registered benchmarks and their parameter instances.
 *
 * KB_BENCH registers a struct kb_bench at load time; KB_ARGS / KB_SPACE /
 * KB_RANGE / KB_QUICK add parameter sets.  kb_registry_expand() turns them
 * into instances ("suite/name/64/2"), the unit the runner measures.
 */
#ifndef KB_REGISTRY_H
#define KB_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbench.h"

#define KB_MAX_AXES 8

/* One runnable benchmark: a registered body with one parameter tuple. */
struct kb_instance {
	struct kb_bench *bench;
	char *id;                          /* "suite/name/v1/v2" */
	size_t nparams;
	const char *param_names[KB_MAX_AXES]; /* owned by the registry */
	int64_t params[KB_MAX_AXES];
	char *error;                       /* registration problem, or NULL */
	int threads;                       /* KB_THREADS: the team size; 0 without */
};

struct kb_instance_list {
	struct kb_instance *v;
	size_t n;
};

/*
 * Expands every registered benchmark into instances, in registration order
 * (the quick sets under `quick`; the KB_LARGE sets too under `large`).  A benchmark whose sets are malformed gets
 * one instance with `error` set.  Returns 0 or -KB_ENOMEM.
 */
int kb_registry_expand(bool quick, bool large, struct kb_instance_list *out);
void kb_instance_list_clear(struct kb_instance_list *list);

/*
 * A compiled --filter: a POSIX extended regex matched anywhere in the id;
 * a leading '-' negates it.  An empty pattern matches everything.
 */
struct kb_filter;
int kb_filter_new(const char *pattern, struct kb_filter **out);
bool kb_filter_match(const struct kb_filter *f, const char *id);
void kb_filter_free(struct kb_filter *f);

/*
 * Whether the instance's benchmark asked for a complexity fit
 * (KB_COMPLEXITY): *axis gets the index of its axis among the instance's
 * parameters and *order the enum kb_big_o.  (A benchmark whose sets lack the
 * axis is an error when expanded.)
 */
bool kb_instance_complexity(const struct kb_instance *inst, size_t *axis, int *order);

/* Parses one spec ("n=64..4096 t=1,2") into `bench`'s sets; for tests.
 * Returns 0 or -KB_EINVAL with the message in kb_last_error(). */
int kb_registry_parse_spec(const char *spec, size_t *naxes, char **names,
			   int64_t **values, size_t *counts);

/* Drops every registration (tests only). */
void kb_registry_reset(void);
/* Number of registered benchmarks. */
size_t kb_registry_count(void);

#endif /* KB_REGISTRY_H */
