/*
 * probe.h - counts what a measured batch executes: a leaf the runner calls
 * around each batch (begin after the batch's start, end before its stop),
 * as a perf_event group in process or as callgrind client requests in a
 * child under valgrind.  It knows nothing of the runner; metric.c owns the
 * method (what is counted, how counts become a per-iteration figure).
 */
#ifndef KB_PROBE_H
#define KB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KB_PROBE_MAX 4 /* counters in one perf_event group */

enum kb_mech {
	KB_MECH_NONE = 0,
	KB_MECH_PERF,      /* perf_event_open, in process */
	KB_MECH_CALLGRIND, /* a child under valgrind --tool=callgrind */
};

/* Counting state of one instance; NULL in a kb_bench_run when timing. */
struct kb_probe {
	enum kb_mech mech;
	const char *id;
	int pass;                       /* 0: batches of k, 1: of 2k */
	/* perf_event: a group, the leader counts instructions */
	int fd[KB_PROBE_MAX];
	const char *name[KB_PROBE_MAX];
	size_t nfd;
	double counts[2][KB_PROBE_MAX];     /* the counted batch of each pass */
	bool counted[2];
	bool multiplexed;
};

/*
 * Opens instructions:u and as many of cycles, cache misses and branch
 * misses as the PMU schedules with it in one group.  Returns 0 or -errno
 * of the instructions counter.  kb_probe_close closes them all.
 */
int kb_probe_open_perf(struct kb_probe *p);
void kb_probe_close(struct kb_probe *p);

/*
 * Around one batch; `batch` is the number of batches already finished in
 * this call (batch 0, the warmup, is not counted).  kb_probe_end stores the
 * counts of p->pass, or under callgrind dumps a file whose trigger is
 * kb_cg_trigger(iters, p->id).
 */
void kb_probe_begin(struct kb_probe *p, size_t batch);
void kb_probe_end(struct kb_probe *p, size_t batch, uint64_t iters);

/* Makes the trigger text of a counted batch: "kbench <iters> <id>". */
void kb_cg_trigger(char *buf, size_t len, uint64_t iters, const char *id);

/* KBENCH__PERF_SOFTWARE=1 (tests only): software events stand in for the
 * hardware ones, so the perf_event path runs on a machine without a PMU. */
bool kb_probe_software_events(void);
/* Built with valgrind/callgrind.h; running under valgrind now. */
bool kb_probe_have_callgrind_h(void);
bool kb_probe_on_valgrind(void);
/* CALLGRIND_START/STOP_INSTRUMENTATION. */
void kb_probe_callgrind_instrument(bool on);

#endif /* KB_PROBE_H */
