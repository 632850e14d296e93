#include "timer.h"

#include <stdlib.h>
#include <time.h>

#include "stats.h"

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t real_wall(void *ctx)
{
	(void)ctx;
	return ts_ns(CLOCK_MONOTONIC);
}

static uint64_t real_cpu(void *ctx)
{
	(void)ctx;
	return ts_ns(CLOCK_PROCESS_CPUTIME_ID);
}

const struct kb_clock kb_clock_real = { real_wall, real_cpu, NULL };

/* Median cost of one read of `id`, over `batches` batches of 1000 reads. */
static double read_cost_ns(clockid_t id, int batches)
{
	double cost[32];
	volatile uint64_t sink = 0;

	if (batches > 32)
		batches = 32;
	for (int b = 0; b < batches; b++) {
		uint64_t t0 = ts_ns(CLOCK_MONOTONIC);
		for (int i = 0; i < 1000; i++)
			sink += ts_ns(id);
		cost[b] = (double)(ts_ns(CLOCK_MONOTONIC) - t0) / 1000.0;
	}
	(void)sink;
	return kb_stats_median(cost, (size_t)batches);
}

void kb_timer_measure(struct kb_timer_info *out)
{
	struct timespec res;
	uint64_t best = UINT64_MAX;

	out->source = "CLOCK_MONOTONIC";
	clock_getres(CLOCK_MONOTONIC, &res);
	out->resolution_ns = (double)res.tv_sec * 1e9 + (double)res.tv_nsec;
	for (int i = 0; i < 2000; i++) {
		uint64_t a = ts_ns(CLOCK_MONOTONIC), b;
		do
			b = ts_ns(CLOCK_MONOTONIC);
		while (b == a);
		if (b - a < best)
			best = b - a;
	}
	out->granularity_ns = (double)best;
	out->overhead_ns = read_cost_ns(CLOCK_MONOTONIC, 9);
	out->cpu_overhead_ns = read_cost_ns(CLOCK_PROCESS_CPUTIME_ID, 3);
}
