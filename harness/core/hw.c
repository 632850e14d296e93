/*
 * hw.c - machine facts (hwloc, /proc, sysconf) and their sanity checks.
 *
 * Detected values are claims: a VM may report a NUMA node of 4 GB on a
 * 24 GB machine, or a 320 MB L3.  Each value is checked against plausible
 * bounds; an implausible one is refused with the reason and the next source
 * is asked: hwloc, then CPUID (leaf 4, AMD's 0x8000001D), then sysfs
 * (/sys/devices/system/cpu/cpu0/cache), then sysconf.  kbench.conf
 * overrides them all.  The size is unknown (0) only when every source is
 * implausible.
 */
#define _GNU_SOURCE
#include "hw.h"

#include <ctype.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hwloc.h>
#include <unistd.h>

#include "conf.h"
#include "kbench.h"

/* ---- hardware facts ------------------------------------------------------- */

static struct kb_hw hw;

static uint64_t meminfo_kb(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	uint64_t v = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			v = strtoull(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

uint64_t kb_mem_available(void)
{
	return meminfo_kb("MemAvailable") * 1024;
}

void kb_hw_cpuinfo_field(const char *field, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon || strncmp(line, field, strlen(field)) != 0)
			continue;
		snprintf(out, len, "%s", kb_conf_trim(colon + 1));
		break;
	}
	fclose(f);
}

/* Plausible sizes of one cache of each level, bytes. */
static const uint64_t cache_min[4] = { 0, 4u << 10, 64u << 10, 1u << 20 };
static const uint64_t cache_max[4] = { 0, 1u << 20, 64u << 20, 256u << 20 };

void kb_hw_judge_cache(struct kb_cache_fact *c, int level, uint64_t below, uint64_t claim,
		       const char *source)
{
	if (c->bytes || !claim || level < 1 || level > 3)
		return;
	if (claim < cache_min[level] || claim > cache_max[level] || claim <= below) {
		size_t used = strlen(c->note);
		snprintf(c->note + used, sizeof(c->note) - used,
			 "%s%s claims %llu bytes for L%d, outside [%llu, %llu] or not above L%d",
			 used ? "; " : "", source, (unsigned long long)claim, level,
			 (unsigned long long)cache_min[level], (unsigned long long)cache_max[level],
			 level - 1);
		return;
	}
	c->bytes = claim;
	c->source = source;
}

void kb_hw_choose_caches(struct kb_cache_fact cache[4], const struct kb_cache_claims *claims,
			 size_t nclaims)
{
	for (int l = 1; l <= 3; l++)
		for (size_t i = 0; i < nclaims; i++)
			kb_hw_judge_cache(&cache[l], l, l > 1 ? cache[l - 1].bytes : 0,
					  claims[i].bytes[l], claims[i].source);
}

uint64_t kb_hw_cpuid_decode(unsigned eax, unsigned ebx, unsigned ecx, int *level)
{
	unsigned type = eax & 0x1f;

	*level = (int)((eax >> 5) & 7);
	if (type != 1 && type != 3) /* data or unified only */
		return 0;
	return (uint64_t)((ebx >> 22) + 1) * (((ebx >> 12) & 0x3ff) + 1) * ((ebx & 0xfff) + 1) *
	       ((uint64_t)ecx + 1);
}

void kb_hw_cpuid_caches(uint64_t out[4])
{
	unsigned a, b, c, d, leaf = 4, max;

	memset(out, 0, 4 * sizeof(*out));
#if defined(__x86_64__) || defined(__i386__)
	max = __get_cpuid_max(0x80000000, NULL);
	if (max >= 0x8000001D) { /* AMD: the same layout as Intel's leaf 4 */
		__cpuid_count(0x8000001D, 0, a, b, c, d);
		if (a & 0x1f)
			leaf = 0x8000001D;
	}
	if (leaf == 4 && __get_cpuid_max(0, NULL) < 4)
		return;
	for (unsigned sub = 0; sub < 16; sub++) {
		int level;
		uint64_t bytes;

		__cpuid_count(leaf, sub, a, b, c, d);
		if ((a & 0x1f) == 0) /* no more caches */
			break;
		bytes = kb_hw_cpuid_decode(a, b, c, &level);
		if (bytes && level >= 1 && level <= 3 && !out[level])
			out[level] = bytes;
	}
#endif
	(void)a, (void)b, (void)c, (void)d, (void)leaf, (void)max;
}

/* "32K", "512K", "32768K", "1M" as sysfs writes them; 0 when unreadable. */
static uint64_t sysfs_size(const char *text)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);

	if (end == text)
		return 0;
	switch (*end) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	default: return v;
	}
}

void kb_hw_sysfs_caches(const char *cpu_dir, uint64_t out[4])
{
	char path[512], level[16], type[32], size[32];

	memset(out, 0, 4 * sizeof(*out));
	for (int i = 0; i < 16; i++) {
		const char *const names[3] = { "level", "type", "size" };
		char *const vals[3] = { level, type, size };
		bool ok = true;

		for (int k = 0; k < 3 && ok; k++) {
			FILE *f;
			snprintf(path, sizeof(path), "%s/cache/index%d/%s", cpu_dir, i, names[k]);
			f = fopen(path, "r");
			ok = f && fgets(vals[k], 16, f);
			if (f)
				fclose(f);
			if (ok)
				kb_conf_trim(vals[k]);
		}
		if (!ok)
			continue;
		int l = atoi(level);
		if (l >= 1 && l <= 3 && strcmp(type, "Instruction") != 0 && !out[l])
			out[l] = sysfs_size(size);
	}
}

static void detect_hw(void)
{
	static const char *conf_keys[4] = { NULL, "cache.l1d", "cache.l2", "cache.l3" };
	static const int sysconf_keys[4] = { 0, _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL2_CACHE_SIZE,
					     _SC_LEVEL3_CACHE_SIZE };
	/* hwloc first; CPUID (leaf 4 / 0x8000001D) and sysfs when it is implausible */
	struct kb_cache_claims claims[4] = { { "hwloc", { 0 } }, { "cpuid", { 0 } },
					     { "sysfs", { 0 } }, { "sysconf", { 0 } } };
	hwloc_topology_t topo;
	cpu_set_t set;

	if (hw.done)
		return;
	hw.done = true;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		hw.cores = CPU_COUNT(&set);
	if (hw.cores <= 0)
		hw.cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (hwloc_topology_init(&topo) == 0 && hwloc_topology_load(topo) == 0) {
		static const hwloc_obj_type_t types[4] = { HWLOC_OBJ_MACHINE, HWLOC_OBJ_L1CACHE,
							   HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE };
		hwloc_obj_t obj;
		const char *model;

		for (int l = 1; l <= 3; l++) {
			obj = hwloc_get_obj_by_type(topo, types[l], 0);
			if (obj && obj->attr)
				claims[0].bytes[l] = obj->attr->cache.size;
		}
		hw.numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
		for (int i = 0; i < hw.numa_nodes; i++) {
			obj = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
			if (obj && obj->attr)
				hw.numa_bytes += obj->attr->numanode.local_memory;
		}
		obj = hwloc_get_root_obj(topo);
		model = hwloc_obj_get_info_by_name(obj, "CPUModel");
		if (!model) {
			obj = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
			model = obj ? hwloc_obj_get_info_by_name(obj, "CPUModel") : NULL;
		}
		if (model)
			snprintf(hw.cpu_model, sizeof(hw.cpu_model), "%s", model);
		hwloc_topology_destroy(topo);
	}
	if (!hw.cpu_model[0])
		kb_hw_cpuinfo_field("model name", hw.cpu_model, sizeof(hw.cpu_model));
	if (kb_conf_get("cpu.model"))
		snprintf(hw.cpu_model, sizeof(hw.cpu_model), "%s", kb_conf_get("cpu.model"));
	kb_hw_cpuid_caches(claims[1].bytes);
	kb_hw_sysfs_caches("/sys/devices/system/cpu/cpu0", claims[2].bytes);
	for (int l = 1; l <= 3; l++) {
		long v = sysconf(sysconf_keys[l]);
		double c = kb_conf_number(conf_keys[l]);

		claims[3].bytes[l] = v > 0 ? (uint64_t)v : 0;
		if (!isnan(c)) { /* kbench.conf overrides every detected value */
			hw.cache[l].bytes = (uint64_t)c;
			hw.cache[l].source = "kbench.conf";
		}
	}
	kb_hw_choose_caches(hw.cache, claims, sizeof(claims) / sizeof(claims[0]));
	hw.cache[0].bytes = meminfo_kb("MemTotal") * 1024;
	hw.cache[0].source = "/proc/meminfo";
}

uint64_t kb_cache_bytes(int level)
{
	detect_hw();
	return level >= 0 && level <= 3 ? hw.cache[level].bytes : 0;
}

int kb_cores(void)
{
	detect_hw();
	return hw.cores > 0 ? hw.cores : 1;
}

const struct kb_hw *kb_hw_get(void)
{
	detect_hw();
	return &hw;
}
