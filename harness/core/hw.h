/*
 * hw.h - the machine facts a run records and the runtime sizes by: caches,
 * cores, NUMA, memory and CPU model, each checked for plausibility (hw.c).
 */
#ifndef KB_HW_H
#define KB_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kb_cache_fact {
	uint64_t bytes;     /* 0 when unknown */
	const char *source; /* "hwloc", "sysconf", "kbench.conf" */
	char note[192];     /* why a claim was refused */
};

struct kb_hw {
	bool done;
	struct kb_cache_fact cache[4]; /* [0] = RAM, [1..3] = L1d, L2, L3 */
	int cores;
	int numa_nodes;
	uint64_t numa_bytes;
	char cpu_model[128];
};

/* The facts, detected on first use (kbench.conf applied). */
const struct kb_hw *kb_hw_get(void);

/* The value of a /proc/cpuinfo field of the first CPU, or "" in *out. */
void kb_hw_cpuinfo_field(const char *field, char *out, size_t len);

#endif /* KB_HW_H */
