/*
 * probe.c - the counting probe around a measured batch: a perf_event group
 * (instructions:u and friends) or callgrind client requests.  A leaf: it
 * calls nothing of the runner's; the runner calls it.  See probe.h.
 */
#include "probe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define KB_HAVE_CALLGRIND_H 1
#endif
#endif
#ifndef KB_HAVE_CALLGRIND_H
#define KB_HAVE_CALLGRIND_H 0
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_START_INSTRUMENTATION do { } while (0)
#define CALLGRIND_STOP_INSTRUMENTATION do { } while (0)
#define CALLGRIND_ZERO_STATS do { } while (0)
#define CALLGRIND_TOGGLE_COLLECT do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(s) do { (void)(s); } while (0)
#endif

bool kb_probe_have_callgrind_h(void)
{
	return KB_HAVE_CALLGRIND_H;
}

bool kb_probe_on_valgrind(void)
{
	return RUNNING_ON_VALGRIND;
}

void kb_probe_callgrind_instrument(bool on)
{
	if (on)
		CALLGRIND_START_INSTRUMENTATION;
	else
		CALLGRIND_STOP_INSTRUMENTATION;
}

void kb_cg_trigger(char *buf, size_t len, uint64_t iters, const char *id)
{
	snprintf(buf, len, "kbench %" PRIu64 " %s", iters, id);
}


static const struct {
	const char *name;
	uint64_t config;
} perf_events[KB_PROBE_MAX] = {
	{ "instructions", PERF_COUNT_HW_INSTRUCTIONS },
	{ "cycles", PERF_COUNT_HW_CPU_CYCLES },
	{ "cache_misses", PERF_COUNT_HW_CACHE_MISSES },
	{ "branch_misses", PERF_COUNT_HW_BRANCH_MISSES },
};

/*
 * KBENCH__PERF_SOFTWARE=1 (tests only) opens software events in place of
 * the hardware ones (task-clock ns for "instructions"), so the perf_event
 * path can be exercised on a machine without a PMU.  Its numbers are not
 * instruction counts.
 */
bool kb_probe_software_events(void)
{
	const char *v = getenv("KBENCH__PERF_SOFTWARE");
	return v && *v == '1';
}

static int perf_open(uint64_t config, int group)
{
	static const uint64_t sw[] = { PERF_COUNT_SW_TASK_CLOCK, PERF_COUNT_SW_CPU_CLOCK,
				       PERF_COUNT_SW_PAGE_FAULTS, PERF_COUNT_SW_CONTEXT_SWITCHES };
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = config;
	if (kb_probe_software_events()) {
		size_t i = 0;
		while (i < KB_PROBE_MAX - 1 && perf_events[i].config != config)
			i++;
		a.type = PERF_TYPE_SOFTWARE;
		a.config = sw[i];
	}
	a.disabled = group < 0;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
			PERF_FORMAT_TOTAL_TIME_RUNNING;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, group, PERF_FLAG_FD_CLOEXEC);
}

void kb_probe_close(struct kb_probe *p)
{
	for (size_t i = 0; i < p->nfd; i++)
		close(p->fd[i]);
	p->nfd = 0;
}

/* Reads the group: false if it did not run the whole time it was enabled. */
static bool perf_read(struct kb_probe *p, double *values)
{
	uint64_t buf[3 + KB_PROBE_MAX];
	ssize_t want = (ssize_t)((3 + p->nfd) * sizeof(uint64_t));

	if (read(p->fd[0], buf, sizeof(buf)) < want || buf[0] != p->nfd)
		return false;
	for (size_t i = 0; i < p->nfd; i++)
		values[i] = (double)buf[3 + i];
	return buf[2] == buf[1];
}

static void perf_run_group(struct kb_probe *p)
{
	ioctl(p->fd[0], PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
	ioctl(p->fd[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

/*
 * Opens instructions:u and as many of the extra counters as the PMU takes
 * with it in one group (a group is scheduled whole or not at all, so the
 * counts are never multiplexed estimates).  Returns 0 or -errno of the
 * instructions counter.
 */
int kb_probe_open_perf(struct kb_probe *p)
{
	double v[KB_PROBE_MAX];

	p->nfd = 0;
	p->fd[0] = perf_open(perf_events[0].config, -1);
	if (p->fd[0] < 0)
		return -errno;
	p->name[0] = perf_events[0].name;
	p->nfd = 1;
	for (size_t i = 1; i < KB_PROBE_MAX; i++) {
		int fd = perf_open(perf_events[i].config, p->fd[0]);
		if (fd < 0)
			continue;
		p->fd[p->nfd] = fd;
		p->name[p->nfd++] = perf_events[i].name;
	}
	/* a group too large for the PMU never runs: fall back to the leader */
	perf_run_group(p);
	ioctl(p->fd[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	if (p->nfd > 1 && !perf_read(p, v)) {
		for (size_t i = 1; i < p->nfd; i++)
			close(p->fd[i]);
		p->nfd = 1;
	}
	return 0;
}

void kb_probe_begin(struct kb_probe *p, size_t batch)
{
	if (batch == 0)
		return; /* the warmup batch is not counted */
	if (p->mech == KB_MECH_CALLGRIND) {
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
	} else if (p->mech == KB_MECH_PERF && p->nfd) {
		perf_run_group(p);
	}
}

void kb_probe_end(struct kb_probe *p, size_t batch, uint64_t iters)
{
	if (batch == 0)
		return;
	if (p->mech == KB_MECH_CALLGRIND) {
		char trigger[512];

		CALLGRIND_TOGGLE_COLLECT;
		kb_cg_trigger(trigger, sizeof(trigger), iters, p->id);
		CALLGRIND_DUMP_STATS_AT(trigger);
		p->counted[p->pass] = true;
	} else if (p->mech == KB_MECH_PERF && p->nfd) {
		ioctl(p->fd[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
		if (!perf_read(p, p->counts[p->pass]))
			p->multiplexed = true;
		p->counted[p->pass] = true;
	}
}
