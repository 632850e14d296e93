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
	const char *source; /* "hwloc", "cpuid", "sysfs", "sysconf", "kbench.conf" */
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

/* One source's claimed cache sizes: bytes[1..3] = L1d, L2, L3, 0 = none. */
struct kb_cache_claims {
	const char *source; /* static string, recorded as the size's source */
	uint64_t bytes[4];
};

/*
 * Fills cache[1..3] (those still 0) from the claims, in order: the first
 * plausible claim of each level wins (within the level's bounds and above
 * the level below); each refused claim is appended to the level's note.
 * Pure: the unit tests feed it fake hwloc/CPUID/sysfs values.
 */
void kb_hw_choose_caches(struct kb_cache_fact cache[4], const struct kb_cache_claims *claims,
			 size_t nclaims);
/* One claim for one level (used by kb_hw_choose_caches). */
void kb_hw_judge_cache(struct kb_cache_fact *c, int level, uint64_t below, uint64_t claim,
		       const char *source);
/* One subleaf of CPUID leaf 4 / 0x8000001D: the cache's bytes (ways x
 * partitions x line size x sets) and *level; 0 for an instruction cache or
 * none. */
uint64_t kb_hw_cpuid_decode(unsigned eax, unsigned ebx, unsigned ecx, int *level);
/* Cache sizes from CPUID leaf 0x8000001D (AMD) or 4 (Intel); 0 where none. */
void kb_hw_cpuid_caches(uint64_t out[4]);
/* Cache sizes from a sysfs CPU directory (cpu_dir/cache/index<i>/{level,
 * type,size}), data and unified caches only; 0 where none. */
void kb_hw_sysfs_caches(const char *cpu_dir, uint64_t out[4]);

/* The facts, detected on first use (kbench.conf applied). */
const struct kb_hw *kb_hw_get(void);

/* The value of a /proc/cpuinfo field of the first CPU, or "" in *out. */
void kb_hw_cpuinfo_field(const char *field, char *out, size_t len);

#endif /* KB_HW_H */
