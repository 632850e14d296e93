/*
 * events.c - named event counters (perf_event_open, libpfm4).  See events.h.
 */
#include "events.h"

#include <dlfcn.h>
#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"

static const struct {
	const char *name;
	int config;
} software[] = {
	{ "task-clock", PERF_COUNT_SW_TASK_CLOCK },
	{ "cpu-clock", PERF_COUNT_SW_CPU_CLOCK },
	{ "page-faults", PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor-faults", PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults", PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context-switches", PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_COUNT_SW_CPU_MIGRATIONS },
};

int kb_events_software(const char *name)
{
	for (size_t i = 0; i < sizeof(software) / sizeof(software[0]); i++)
		if (strcmp(name, software[i].name) == 0)
			return software[i].config;
	return -1;
}

/* libpfm4, loaded on first use of a non-software event. */
static struct {
	bool tried, ok;
	char why[256];
	int (*initialize)(void);
	int (*encode)(const char *, int, int, void *);
	const char *(*strerror)(int);
} pfm;

static bool pfm_load(void)
{
	void *h;

	if (pfm.tried)
		return pfm.ok;
	pfm.tried = true;
	h = dlopen("libpfm.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(pfm.why, sizeof(pfm.why), "libpfm4 is not installed (%s; apt-get install "
			 "libpfm4)", dlerror());
		return false;
	}
	*(void **)&pfm.initialize = dlsym(h, "pfm_initialize");
	*(void **)&pfm.encode = dlsym(h, "pfm_get_os_event_encoding");
	*(void **)&pfm.strerror = dlsym(h, "pfm_strerror");
	if (!pfm.initialize || !pfm.encode || !pfm.strerror) {
		snprintf(pfm.why, sizeof(pfm.why), "libpfm.so.4 lacks pfm_get_os_event_encoding");
		return false;
	}
	if (pfm.initialize() != PFM_SUCCESS) {
		snprintf(pfm.why, sizeof(pfm.why), "libpfm4 did not initialise");
		return false;
	}
	pfm.ok = true;
	return true;
}

/* The attributes of one event; 0 or a negative code with the message. */
static int encode(const char *name, struct perf_event_attr *a)
{
	int sw = kb_events_software(name), rc;
	pfm_perf_encode_arg_t arg;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	if (sw >= 0) {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = (uint64_t)sw;
		return 0;
	}
	if (!pfm_load())
		return kb_error(KB_EUNSUPPORTED, "--counters=%s: not a software event (task-clock, "
				"cpu-clock, page-faults, minor-faults, major-faults, context-switches, "
				"cpu-migrations), and %s", name, pfm.why);
	memset(&arg, 0, sizeof(arg));
	arg.attr = a;
	arg.size = sizeof(arg);
	rc = pfm.encode(name, PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
	if (rc != PFM_SUCCESS)
		return kb_error(rc == PFM_ERR_NOTFOUND ? KB_EINVAL : KB_EUNSUPPORTED,
				"--counters=%s: libpfm4 cannot encode it: %s (the software events "
				"task-clock, page-faults, context-switches ... work everywhere)", name,
				pfm.strerror(rc));
	a->size = sizeof(*a);
	return 0;
}

static int open_one(const char *name, int *fd)
{
	struct perf_event_attr a;
	int rc = encode(name, &a), e;

	if (rc)
		return rc;
	a.disabled = 0;
	a.inherit = 1;     /* threads the process makes later count too */
	a.exclude_kernel = a.type != PERF_TYPE_SOFTWARE;
	a.exclude_hv = 1;
	*fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (*fd >= 0)
		return 0;
	e = errno;
	if (e == ENOENT || e == EOPNOTSUPP || e == ENODEV || e == EINVAL)
		return kb_error(KB_EUNSUPPORTED, "--counters=%s: this machine cannot count it "
				"(perf_event_open: %s): the CPU's performance monitoring unit is absent "
				"(a VM without a virtual PMU?); the software events task-clock, page-faults "
				"and context-switches work everywhere", name, strerror(e));
	return kb_error(KB_EUNSUPPORTED, "--counters=%s: perf_event_open: %s (perf_event_paranoid "
			"above 2, or a container without perf_event?)", name, strerror(e));
}

int kb_events_open(const char *list, struct kb_events *ev)
{
	const char *p = list;
	int rc;

	memset(ev, 0, sizeof(*ev));
	for (size_t i = 0; i < KB_EVENTS_MAX; i++)
		ev->fd[i] = -1;
	if (!list || !*list)
		return kb_error(KB_EINVAL, "--counters=: expected a comma-separated list of events "
				"(e.g. task-clock,page-faults,context-switches)");
	while (*p) {
		size_t len = strcspn(p, ",");
		char *name;

		if (len == 0 || len > 200) {
			kb_events_close(ev);
			return kb_error(KB_EINVAL, "--counters=%s: expected a comma-separated list of "
					"event names, with no empty one", list);
		}
		if (ev->n == KB_EVENTS_MAX) {
			kb_events_close(ev);
			return kb_error(KB_EINVAL, "--counters=%s: at most %d events", list, KB_EVENTS_MAX);
		}
		name = strndup(p, len);
		if (!name) {
			kb_events_close(ev);
			return kb_error(KB_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < ev->n; i++)
			if (strcmp(ev->name[i], name) == 0) {
				kb_events_close(ev);
				rc = kb_error(KB_EINVAL, "--counters=%s: %s is named twice", list, name);
				free(name);
				return rc;
			}
		ev->name[ev->n] = name;
		if ((rc = open_one(name, &ev->fd[ev->n]))) {
			ev->n++;
			kb_events_close(ev);
			return rc;
		}
		ev->n++;
		p += len;
		if (*p == ',' && !*++p) {
			kb_events_close(ev);
			return kb_error(KB_EINVAL, "--counters=%s: expected a comma-separated list of "
					"event names, with no empty one", list);
		}
	}
	return 0;
}

void kb_events_close(struct kb_events *ev)
{
	for (size_t i = 0; i < ev->n; i++) {
		if (ev->fd[i] >= 0)
			close(ev->fd[i]);
		free(ev->name[i]);
		ev->name[i] = NULL;
		ev->fd[i] = -1;
	}
	ev->n = 0;
}

void kb_events_read(const struct kb_events *ev, uint64_t *v)
{
	for (size_t i = 0; i < ev->n; i++) {
		uint64_t c = 0;

		if (read(ev->fd[i], &c, sizeof(c)) != (ssize_t)sizeof(c))
			c = 0;
		v[i] = c;
	}
}
