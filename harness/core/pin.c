/*
 * pin.c - --pin: binds the process (threads made later included) to CPUs.
 */
#define _GNU_SOURCE
#include "context.h"

#include <errno.h>
#include <hwloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hw.h"

/* ---- pinning -------------------------------------------------------------- */

int kb_pin_apply(const char *pin, int threads, char *what, size_t what_len)
{
	cpu_set_t avail, want;
	int count = 0;

	what[0] = 0;
	if (!pin || strcmp(pin, "none") == 0) {
		snprintf(what, what_len, "none");
		return 0;
	}
	if (sched_getaffinity(0, sizeof(avail), &avail) != 0)
		return kb_error(KB_EUNSUPPORTED, "--pin: cannot read the CPU affinity: %s", strerror(errno));
	CPU_ZERO(&want);
	if (strcmp(pin, "auto") == 0) {
		int navail = CPU_COUNT(&avail);
		if (threads <= 0 || threads >= navail) {
			snprintf(what, what_len, "auto: all %d CPUs (threads=%d)", navail,
				 threads > 0 ? threads : navail);
			return 0;
		}
		/* the last CPUs: CPU 0 takes most interrupts */
		for (int cpu = CPU_SETSIZE - 1; cpu >= 0 && count < threads; cpu--)
			if (CPU_ISSET(cpu, &avail)) {
				CPU_SET(cpu, &want);
				count++;
			}
	} else {
		const char *p = pin;
		while (*p) {
			char *end;
			long cpu = strtol(p, &end, 10);
			if (end == p || cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &avail))
				return kb_error(KB_EINVAL,
						"--pin=%s: expected auto, none or a list of available CPUs "
						"such as 1 or 0,1 (CPUs available: %d)",
						pin, CPU_COUNT(&avail));
			CPU_SET(cpu, &want);
			count++;
			p = end;
			if (*p == ',')
				p++;
			else if (*p)
				return kb_error(KB_EINVAL, "--pin=%s: expected a comma-separated CPU list", pin);
		}
	}
	{
		/* hwloc binds the whole process, threads made later included */
		hwloc_topology_t topo;
		hwloc_bitmap_t set = hwloc_bitmap_alloc();
		int rc = -1;
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &want))
				hwloc_bitmap_set(set, (unsigned)cpu);
		if (hwloc_topology_init(&topo) == 0) {
			if (hwloc_topology_load(topo) == 0)
				rc = hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS);
			hwloc_topology_destroy(topo);
		}
		if (rc != 0)
			rc = sched_setaffinity(0, sizeof(want), &want);
		hwloc_bitmap_free(set);
		if (rc != 0)
			return kb_error(KB_EUNSUPPORTED, "--pin=%s: cannot bind: %s", pin, strerror(errno));
	}
	{
		size_t used = (size_t)snprintf(what, what_len, "%s: CPU", pin);
		for (int cpu = 0; cpu < CPU_SETSIZE && used < what_len; cpu++)
			if (CPU_ISSET(cpu, &want))
				used += (size_t)snprintf(what + used, what_len - used, " %d", cpu);
	}
	return 0;
}
