/*
 * main.c - kb_main(): the runner's command line, shared by build/kbench and
 * by every user binary linked with kbench_main.o.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "complexity.h"
#include "conf.h"
#include "context.h"
#include "drift.h"
#include "error.h"
#include "events.h"
#include "fileio.h"
#include "kbench.h"
#include "metric.h"
#include "proc.h"
#include "registry.h"
#include "worker.h"
#include "writer.h"
#include "runner.h"
#include "timer.h"
#include "tool.h"

/* --quick shortens whatever the user left at its default. */
static void apply_quick(struct kb_config *cfg)
{
	struct kb_config def;

	kb_config_defaults(&def);
	if (cfg->warmup_s == def.warmup_s)
		cfg->warmup_s = 0.005;
	if (cfg->max_time_s == def.max_time_s)
		cfg->max_time_s = 0.05;
	if (cfg->refill_s == def.refill_s)
		cfg->refill_s = 0; /* one dropped batch per round */
	if (cfg->min_time_s == def.min_time_s)
		cfg->min_time_s = 0.0002;
	if (cfg->min_rounds == def.min_rounds)
		cfg->min_rounds = 2;
	if (cfg->samples_per_round == def.samples_per_round)
		cfg->samples_per_round = 3;
}

/* SIGINT/SIGTERM: the first stops the run after the current batch (the
 * results so far are written, exit 128 + signal); a second ends it at once. */
static void say_interrupted(const struct kb_run *run, const char *out)
{
	size_t done = 0;

	for (size_t i = 0; i < run->nresults; i++)
		done += run->results[i].status != KB_STATUS_INTERRUPTED;
	fprintf(stderr, "kbench: interrupted by %s: %zu of %zu benchmarks finished, the others are "
		"marked \"interrupted\" with what they measured%s%s\n",
		run->interrupted == SIGTERM ? "SIGTERM" : "SIGINT", done, run->nresults,
		out ? "; results written to " : "", out ? out : "");
}

/*
 * A worker: measures the benchmarks of the parent's plan for the rounds it
 * says, in its own order, and writes the stream (worker.h) to the file it
 * names; no context, no peaks, no output of its own.  Exit 0, 2 when it
 * cannot start, or 128 + signal when interrupted.
 */
static int worker_main(struct kb_config *cfg, const struct kb_instance **sel, size_t nsel)
{
	const char *stream = getenv("KBENCH__WORKER"), *plan = getenv("KBENCH__WORKER_PLAN");
	const char *v;
	struct kb_timer_info timer;
	struct kb_worker_ref ref;
	struct kb_run run;
	char line[4096], pinned[256];
	size_t k = 0;
	FILE *f;
	int rc;

	f = plan ? fopen(plan, "r") : NULL;
	if (!f) {
		fprintf(stderr, "kbench worker: cannot read the plan %s: %s\n", plan ? plan : "(unset)",
			strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f)) { /* keep the planned ids, in the parent's order */
		line[strcspn(line, "\n")] = 0;
		for (size_t i = k; i < nsel; i++)
			if (strcmp(sel[i]->id, line) == 0) {
				const struct kb_instance *t = sel[k];
				sel[k++] = sel[i];
				sel[i] = t;
				break;
			}
	}
	fclose(f);
	cfg->processes = 1;
	cfg->progress = false;
	cfg->metric = KB_METRIC_TIME;
	cfg->rounds = (v = getenv("KBENCH__WORKER_ROUNDS")) ? (size_t)atol(v) : 2;
	if (cfg->rounds == 0)
		cfg->rounds = 2;
	if ((v = getenv("KBENCH__WORKER_WARMUP")))
		cfg->warmup_s = atof(v);
	cfg->process_index = (v = getenv("KBENCH__WORKER_INDEX")) ? (uint32_t)atol(v) : 0;
	cfg->worker_out = fopen(stream, "w");
	if (!cfg->worker_out) {
		fprintf(stderr, "kbench worker: cannot write %s: %s\n", stream, strerror(errno));
		return 2;
	}
	kb_worker_write_header(cfg->worker_out);
	if (cfg->threads == 0)
		cfg->threads = kb_cores();
	if ((rc = kb_pin_apply(cfg->pin, cfg->threads, pinned, sizeof(pinned)))) {
		fprintf(stderr, "kbench worker: %s\n", kb_last_error());
		fclose(cfg->worker_out);
		return 2;
	}
	kb_worker_ref_measure(&ref);
	kb_worker_write_ref(cfg->worker_out, "start", &ref);
	kb_timer_measure(&timer);
	memset(&run, 0, sizeof(run));
	rc = kb_runner_run(cfg, sel, k, &timer, &run);
	if (!rc && !run.interrupted) {
		kb_worker_ref_measure(&ref);
		kb_worker_write_ref(cfg->worker_out, "end", &ref);
		kb_worker_write_done(cfg->worker_out);
	}
	if (fclose(cfg->worker_out) != 0 && !rc)
		rc = kb_error(KB_EIO, "cannot write %s", stream);
	if (rc)
		fprintf(stderr, "kbench worker: %s\n", kb_last_error());
	{
		int st = rc ? 2 : run.interrupted ? 128 + run.interrupted : 0;
		kb_run_clear(&run);
		return st;
	}
}

struct out_ctx {
	enum kb_format fmt;
	const struct kb_run *run;
};

static int write_out_cb(FILE *f, const void *ctx)
{
	const struct out_ctx *o = ctx;

	return kb_write_run(f, o->fmt, o->run, false);
}

static int list_ids(const struct kb_instance *const *sel, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s\n", sel[i]->id);
	return 0;
}

int kb_main(int argc, char **argv)
{
	struct kb_config cfg;
	struct kb_instance_list all = { 0 };
	const struct kb_instance **sel = NULL;
	struct kb_filter *filter = NULL;
	struct kb_timer_info timer;
	struct kb_metric_setup metric;
	struct kb_run run;
	struct kb_drift drift = { 0 };
	struct kb_events events = { 0 };
	const char *conf_used = NULL;
	char pinned[256];
	bool help, version;
	size_t nsel = 0;
	int status = 2, rc;
	uint64_t t0;

	memset(&run, 0, sizeof(run));
	kb_config_defaults(&cfg);
	if ((rc = kb_cli_parse(argc, argv, &cfg, &help, &version))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		return 2;
	}
	if (help) {
		kb_cli_usage(stdout);
		return 0;
	}
	if (version) {
		printf("kbench %s\n", KB_VERSION);
		return 0;
	}
	if (cfg.quick)
		apply_quick(&cfg);
	if (cfg.format == KB_FORMAT_CONSOLE) {
		cfg.color = kb_tool_want_color(stdout);
		cfg.progress = isatty(STDERR_FILENO);
	}
	if ((rc = kb_conf_load(cfg.conf_path, &conf_used))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		return 2;
	}
	cfg.conf_path = conf_used;
	/* from here an interruption ends the run with what it has measured */
	kb_proc_catch_interrupts(kb_runner_interrupt);
	kb_context_measure_peaks(!cfg.no_peaks);
	kb_context_peak_cache(cfg.peak_cache, cfg.remeasure_peaks);
	if ((rc = kb_filter_new(cfg.filter, &filter)) || (rc = kb_registry_expand(cfg.quick, cfg.large, &all))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		goto out;
	}
	sel = calloc(all.n ? all.n : 1, sizeof(*sel));
	if (!sel) {
		fprintf(stderr, "kbench: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < all.n; i++)
		if (kb_filter_match(filter, all.v[i].id))
			sel[nsel++] = &all.v[i];
	if (nsel == 0) {
		fprintf(stderr, "kbench: no benchmark matches --filter=%s (%zu registered; --list shows them)\n",
			cfg.filter ? cfg.filter : "", all.n);
		goto out;
	}
	if (cfg.list) {
		status = list_ids(sel, nsel);
		goto out;
	}
	if (kb_metric_is_child()) { /* kbench under callgrind, counting for its parent */
		status = kb_metric_child_run(&cfg, sel, nsel);
		goto out;
	}
	/* --counters: refused before anything is measured when the machine cannot count them */
	if (cfg.counters) {
		if ((rc = kb_events_open(cfg.counters, &events))) {
			fprintf(stderr, "kbench: %s\n", kb_last_error());
			goto out;
		}
		cfg.events = &events;
		if (cfg.metric == KB_METRIC_INSTRUCTIONS) {
			fprintf(stderr, "kbench: --counters and --metric=instructions: choose one (the "
				"instruction count runs in its own pass)\n");
			goto out;
		}
	}
	if (getenv("KBENCH__WORKER")) { /* a worker process of a parent kbench */
		status = worker_main(&cfg, sel, nsel);
		goto out;
	}
	if (cfg.metric == KB_METRIC_INSTRUCTIONS && (rc = kb_metric_prepare(&metric))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		goto out;
	}
	/* a run that cannot be saved is refused before it is measured */
	if (cfg.out && (rc = kb_file_check_writable(cfg.out))) {
		fprintf(stderr, "kbench: --out: %s\n", kb_last_error());
		goto out;
	}
	if (cfg.threads == 0)
		cfg.threads = kb_cores();
	if ((rc = kb_pin_apply(cfg.pin, cfg.threads, pinned, sizeof(pinned)))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		goto out;
	}
	kb_timer_measure(&timer);
	if ((rc = kb_context_build(&run, &timer))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		goto out;
	}
	kb_cli_record(&cfg, pinned, &run);
	/* the machine's drift between invocations (checked always, used with
	 * worker processes: one process's interval says it covers only itself) */
	if ((rc = kb_drift_resolve(cfg.drift_spec, run.fingerprint, &drift))) {
		fprintf(stderr, "kbench: --drift: %s\n", kb_last_error());
		goto out;
	}
	cfg.drift = drift.path && cfg.processes != 1 ? &drift : NULL;
	t0 = kb_clock_real.wall_ns(NULL);
	if ((rc = cfg.processes == 1 ? kb_runner_run(&cfg, sel, nsel, &timer, &run)
				     : kb_runner_run_processes(&cfg, sel, nsel, argc, argv, &run)) ||
	    (cfg.metric == KB_METRIC_INSTRUCTIONS && !run.interrupted &&
	     (rc = kb_metric_count(&metric, &cfg, argc, argv, sel, nsel, &run)))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		status = 1;
		goto out;
	}
	kb_context_finish(&run, (double)(kb_clock_real.wall_ns(NULL) - t0) / 1e9);
	kb_drift_apply(&run, cfg.drift, cfg.target_ci);
	if ((rc = kb_complexity_run(&run, sel, nsel, cfg.ci_level))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		status = 1;
		goto out;
	}
	status = 0;
	for (size_t i = 0; i < run.nresults; i++)
		if (run.results[i].status == KB_STATUS_ERROR)
			status = 1;
	if (kb_write_run(stdout, cfg.format, &run, cfg.color)) {
		fprintf(stderr, "kbench: cannot write to standard output\n");
		status = 2;
	}
	if (cfg.out && (rc = kb_file_write_atomic(cfg.out, write_out_cb,
						     &(struct out_ctx){ cfg.out_format, &run }))) {
		fprintf(stderr, "kbench: %s\n", kb_last_error());
		status = 2;
	}
	if (run.interrupted || kb_runner_interrupted()) {
		if (!run.interrupted) /* while counting instructions: not all counted */
			run.interrupted = kb_runner_interrupted();
		say_interrupted(&run, status == 2 ? NULL : cfg.out);
		if (status != 2)
			status = 128 + run.interrupted;
	}
	if (status == 1)
		for (size_t i = 0; i < run.nresults; i++)
			if (run.results[i].status == KB_STATUS_ERROR)
				fprintf(stderr, "kbench: %s: %s\n", run.results[i].id,
					run.results[i].message ? run.results[i].message : "error");
out:
	kb_events_close(&events);
	free(sel);
	kb_filter_free(filter);
	kb_instance_list_clear(&all);
	kb_run_clear(&run);
	kb_drift_release(&drift);
	kb_conf_clear();
	return status;
}
