/*
 * events.h - named event counters per iteration (--counters=EVENT,...;
 * docs/method.md, "Event counters").
 *
 * Each event is one perf_event_open counter on this process (user space,
 * inherited by the threads it creates later), read between the batches of
 * the timed rounds, beside the clock: a benchmark's figure is the count over
 * its measured batches divided by their iterations, summed over every
 * worker process.  Software events are known by name and work wherever
 * perf_event_open does (perf_event_paranoid <= 2): task-clock (ns),
 * cpu-clock (ns), page-faults, minor-faults, major-faults,
 * context-switches, cpu-migrations.  Any other name is encoded by libpfm4
 * (pfm_get_os_event_encoding, loaded at run time with dlopen, so libkbench
 * links without it): cycles, instructions, cache-misses,
 * branch-misses, or a PMU-specific event.  An event the machine cannot
 * count (no PMU in a VM, an unknown name, no libpfm4) is refused before
 * anything is measured.
 */
#ifndef KB_EVENTS_H
#define KB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define KB_EVENTS_MAX 8

struct kb_events {
	size_t n;
	char *name[KB_EVENTS_MAX]; /* as given, the counter's name in the results */
	int fd[KB_EVENTS_MAX];
};

/*
 * Parses a comma-separated list and opens each event.  Returns 0, or
 * -KB_EINVAL (a malformed list, an unknown event) or -KB_EUNSUPPORTED (the
 * machine cannot count it), with a message naming the event and why.
 */
int kb_events_open(const char *list, struct kb_events *ev);
void kb_events_close(struct kb_events *ev);

/* The current count of every event, into v[0..n-1]. */
void kb_events_read(const struct kb_events *ev, uint64_t *v);

/* A software event's perf config by name; -1 when the name is not one. */
int kb_events_software(const char *name);

#endif /* KB_EVENTS_H */
