/*
 * report_machines.h - the cross-hardware report: the same benchmarks run on
 * several machine types (kbench-fleet's tasks, or any result files), side
 * by side.  `kbench-report --by=machine LABEL=FILE...` prints it.
 *
 *   1. Per benchmark (suite, kernel and size: its id), one column per
 *      machine with the median time and the half-width of its 95 % interval
 *      relative to it, then the fastest machine.  The fastest is "tied"
 *      when its interval overlaps the runner-up's: the data cannot order
 *      them.
 *   2. Which kernel for which hardware: per suite and size (the id with the
 *      kernel left out, "reduction/ * /4099"), the fastest kernel on each
 *      machine.
 *   3. With a history, the trend per machine: for each machine's
 *      fingerprint and benchmark, the runs stored and the latest median
 *      against the one before.
 *
 * Only results with status ok and a finite median take part.
 */
#ifndef KB_REPORT_MACHINES_H
#define KB_REPORT_MACHINES_H

#include <stddef.h>
#include <stdio.h>

#include "history.h"
#include "result.h"

struct kb_machine_run {
	const char *label;        /* the column's name: a fleet target, or the fingerprint */
	const struct kb_run *run;
};

/* Writes the report to `out`; `h` may be NULL (no trend).  -KB_ENOMEM,
 * -KB_EIO (history), -KB_EINVAL when no machine has a usable result. */
int kb_report_machines(FILE *out, const struct kb_machine_run *m, size_t n,
		       struct kb_history *h);

#endif /* KB_REPORT_MACHINES_H */
