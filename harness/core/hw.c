/*
 * hw.c - machine facts (hwloc, /proc, sysconf) and their sanity checks.
 *
 * Detected values are claims: a VM may report a NUMA node of 4 GB on a
 * 24 GB machine, or a 320 MB L3.  Each value is checked against plausible
 * bounds; an implausible one is recorded as unknown with the reason, and
 * kbench.conf can supply the right value.
 */
#define _GNU_SOURCE
#include "hw.h"

#include <ctype.h>
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

static void judge_cache(int level, uint64_t claim, const char *source)
{
	struct kb_cache_fact *c = &hw.cache[level];
	uint64_t below = level > 1 ? hw.cache[level - 1].bytes : 0;

	if (c->bytes || !claim)
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

static void detect_hw(void)
{
	static const char *conf_keys[4] = { NULL, "cache.l1d", "cache.l2", "cache.l3" };
	static const int sysconf_keys[4] = { 0, _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL2_CACHE_SIZE,
					     _SC_LEVEL3_CACHE_SIZE };
	uint64_t hwloc_cache[4] = { 0 };
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
				hwloc_cache[l] = obj->attr->cache.size;
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
	for (int l = 1; l <= 3; l++) {
		double c = kb_conf_number(conf_keys[l]);
		if (!isnan(c)) {
			hw.cache[l].bytes = (uint64_t)c;
			hw.cache[l].source = "kbench.conf";
			continue;
		}
		judge_cache(l, hwloc_cache[l], "hwloc");
		judge_cache(l, (uint64_t)(sysconf(sysconf_keys[l]) > 0 ? sysconf(sysconf_keys[l]) : 0),
			    "sysconf");
	}
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
