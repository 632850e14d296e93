/*
 * runner.c - warmup, calibration, interleaved rounds, stopping rule and the
 * validation pass.  See runner.h for the method.
 */
#include "runner.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "error.h"
#include "probe.h"
#include "strbuf.h"
#include "state.h"
#include "stats.h"

#define KB_MAX_ITERS 1000000000000ULL

/* ---- interruption ------------------------------------------------------------ */

static volatile sig_atomic_t interrupted;

void kb_runner_interrupt(int sig)
{
	interrupted = sig ? sig : SIGINT;
}

int kb_runner_interrupted(void)
{
	return interrupted;
}

void kb__runner_interrupt_reset(void)
{
	interrupted = 0;
}

/* ---- the loop ------------------------------------------------------------- */

static void begin_batch(struct kb_state *s)
{
	struct kb_bench_run *br = s->br;

	if (s->timer && s->timer->before_sample)
		s->timer->before_sample(s->timer_ctx);
	s->in_batch = true;
	s->paused = false;
	s->acc_wall = 0;
	s->head.left = br->iters - 1; /* this kb_loop() call is the first iteration */
	s->t0_cpu = s->clock->cpu_ns(s->clock->ctx);
	if (s->timer)
		s->timer->start(s->timer_ctx);
	s->t0_wall = s->clock->wall_ns(s->clock->ctx);
	if (br->probe)
		kb_probe_begin(br->probe, s->batches_done);
}

static void push_sample(struct kb_bench_run *br, double wall, double cpu, uint32_t round)
{
	if (br->nsamples == br->cap) {
		size_t cap = br->cap ? 2 * br->cap : 64;
		double *a = realloc(br->samples, cap * sizeof(*a));
		if (a)
			br->samples = a;
		double *b = realloc(br->cpu_samples, cap * sizeof(*b));
		if (b)
			br->cpu_samples = b;
		uint32_t *c = realloc(br->sample_round, cap * sizeof(*c));
		if (c)
			br->sample_round = c;
		if (!a || !b || !c) {
			kb__bench_run_status(br, KB_STATUS_ERROR, "out of memory storing samples");
			return;
		}
		br->cap = cap;
	}
	br->samples[br->nsamples] = wall;
	br->cpu_samples[br->nsamples] = cpu;
	br->sample_round[br->nsamples] = round;
	br->nsamples++;
}

/* Ends the batch; returns its elapsed ns (all iterations). */
static double end_batch(struct kb_state *s, double *cpu_ns)
{
	uint64_t w1;
	double wall;

	if (s->br->probe)
		kb_probe_end(s->br->probe, s->batches_done, s->br->iters);
	w1 = s->clock->wall_ns(s->clock->ctx);
	if (s->timer) {
		wall = s->timer->stop(s->timer_ctx);
		if (!(wall >= 0)) {
			kb__bench_run_status(s->br, KB_STATUS_ERROR,
					     "the benchmark's timer failed to measure a batch");
			s->stop = true;
			wall = 0;
		}
	} else {
		wall = (double)(s->acc_wall + (s->paused ? 0 : w1 - s->t0_wall));
	}
	*cpu_ns = (double)(s->clock->cpu_ns(s->clock->ctx) - s->t0_cpu);
	s->in_batch = false;
	return wall;
}

/* Next iteration count from the last trial, as Google Benchmark grows it. */
static uint64_t next_iters(uint64_t k, double elapsed, double target)
{
	double next;

	if (elapsed < 0.1 * target)
		next = (double)k * 10;
	else
		next = ceil((double)k * 1.4 * target / elapsed);
	if (next <= (double)k)
		next = (double)k + 1;
	if (next > (double)KB_MAX_ITERS)
		next = (double)KB_MAX_ITERS;
	return (uint64_t)next;
}

static bool warmup_wants_more(struct kb_state *s, double elapsed)
{
	struct kb_bench_run *br = s->br;
	double now = (double)s->clock->wall_ns(s->clock->ctx);

	br->warmup_ns = now - s->call_start_ns;
	if (!br->calibrated) {
		if (elapsed >= s->min_sample_ns || br->iters >= KB_MAX_ITERS)
			br->calibrated = true;
		else
			br->iters = next_iters(br->iters, elapsed, s->min_sample_ns);
	}
	if (!br->calibrated)
		return br->warmup_ns < s->cfg->max_time_s * 1e9;
	return br->warmup_ns < s->cfg->warmup_s * 1e9;
}

bool kb__loop_next(struct kb_state *s)
{
	struct kb_bench_run *br = s->br;
	double wall, cpu;

	if (s->stop || s->finished)
		return false;
	if (s->mode == KB_MODE_VALIDATE) {
		if (s->entered) {
			s->finished = true;
			return false;
		}
		s->entered = true;
		s->head.left = 0;
		return true;
	}
	if (!s->entered) {
		s->entered = true;
		begin_batch(s);
		return true;
	}
	wall = end_batch(s, &cpu);
	if (s->stop)
		return false;
	s->batches_done++;
	if (s->mode == KB_MODE_WARMUP) {
		if (!interrupted && warmup_wants_more(s, wall)) {
			begin_batch(s);
			return true;
		}
	} else {
		/* the first batch of a round is run and dropped: it pays for the
		 * caches the previous benchmark of the interleaving evicted */
		if (s->batches_done > 1)
			push_sample(br, wall / (double)br->iters, cpu / (double)br->iters,
				    (uint32_t)br->rounds);
		if (s->batches_done < s->batches_wanted && br->status == KB_STATUS_OK && !interrupted) {
			begin_batch(s);
			return true;
		}
	}
	s->finished = true;
	return false;
}

void kb_pause(struct kb_state *s)
{
	if (!s->in_batch || s->paused || s->timer)
		return;
	s->acc_wall += s->clock->wall_ns(s->clock->ctx) - s->t0_wall;
	s->paused = true;
}

void kb_resume(struct kb_state *s)
{
	if (!s->in_batch || !s->paused || s->timer)
		return;
	s->paused = false;
	s->t0_wall = s->clock->wall_ns(s->clock->ctx);
}

void kb_set_timer(struct kb_state *s, const struct kb_timer *timer, void *ctx)
{
	if (s->entered)
		return;
	s->timer = timer;
	s->timer_ctx = ctx;
	s->br->timer_name = timer ? timer->name : "wall";
}

/* ---- one call of a body --------------------------------------------------- */

static void call_body(struct kb_bench_run *br, const struct kb_config *cfg,
		      const struct kb_clock *clock, enum kb_mode mode, size_t batches,
		      double min_sample_ns)
{
	struct kb_state s;

	memset(&s, 0, sizeof(s));
	s.br = br;
	s.cfg = cfg;
	s.clock = clock;
	s.mode = mode;
	s.batches_wanted = batches;
	s.min_sample_ns = min_sample_ns;
	s.call_start_ns = (double)clock->wall_ns(clock->ctx);
	br->inst->bench->fn(&s);
	if (s.in_batch) {
		double cpu;
		end_batch(&s, &cpu);
	}
	br->spent_ns += (double)clock->wall_ns(clock->ctx) - s.call_start_ns;
	if (br->status == KB_STATUS_OK && !s.stop) {
		if (!s.entered)
			kb__bench_run_status(br, KB_STATUS_ERROR,
					     "the benchmark returned without running its kb_loop()");
		else if (!s.finished)
			kb__bench_run_status(br, KB_STATUS_ERROR,
					     "the benchmark left its kb_loop() before the loop ended");
	}
	if (mode == KB_MODE_WARMUP)
		br->warmed = true;
	kb__state_release(&s, mode != KB_MODE_VALIDATE && br->status == KB_STATUS_OK);
}

static double rel_half_width(const struct kb_bench_run *br, double level)
{
	struct kb_summary sum;

	if (br->nsamples < 2 || kb_stats_summarize(br->samples, br->nsamples, level, &sum))
		return INFINITY;
	if (sum.ci_level < level || !(sum.median > 0))
		return INFINITY;
	return (sum.ci_high - sum.ci_low) / 2 / sum.median;
}

/* Decides after a round whether the instance is finished. */
static void check_stop(struct kb_bench_run *br, const struct kb_config *cfg)
{
	double hw;

	if (br->status != KB_STATUS_OK) {
		br->done = true;
		return;
	}
	hw = rel_half_width(br, cfg->ci_level);
	br->converged = hw <= cfg->target_ci && br->rounds >= cfg->min_rounds;
	if (cfg->rounds) {
		br->done = br->rounds >= cfg->rounds;
		return;
	}
	if (br->converged || br->spent_ns >= cfg->max_time_s * 1e9)
		br->done = true;
}

/* Batches for the next round: the usual count, fewer near the time cap. */
static size_t round_batches(const struct kb_bench_run *br, const struct kb_config *cfg)
{
	double per_batch = br->nsamples ? br->samples[br->nsamples - 1] * (double)br->iters : 0;
	double left = cfg->max_time_s * 1e9 - br->spent_ns;
	size_t want = cfg->samples_per_round + 1;

	if (cfg->rounds == 0 && per_batch > 0 && left > 0 && left < per_batch * (double)want) {
		size_t fit = (size_t)(left / per_batch) + 1;
		if (fit < 2)
			fit = 2; /* one dropped, one kept */
		if (fit < want)
			want = fit;
	}
	return want;
}

static void progress(const struct kb_config *cfg, size_t done, size_t n, double elapsed_s,
		     const char *id)
{
	double eta;

	if (!cfg->progress)
		return;
	eta = done ? elapsed_s / (double)done * (double)(n - done) : 0;
	fprintf(stderr, "\r\033[K[%zu/%zu] %5.1fs elapsed, ~%.0fs left  %s", done, n, elapsed_s,
		eta, id ? id : "");
	if (done == n)
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

/* ---- results -------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int fill_result(struct kb_bench_run *br, const struct kb_config *cfg, struct kb_result *r)
{
	const struct kb_instance *inst = br->inst;
	size_t np = inst->nparams + br->nstr_params;

	memset(r, 0, sizeof(*r));
	r->id = strdup(inst->id);
	r->suite = strdup(inst->bench->suite);
	r->kernel = strdup(inst->bench->name);
	r->unit = strdup("ns");
	r->timer = strdup(br->timer_name ? br->timer_name : "wall");
	r->params = calloc(np ? np : 1, sizeof(*r->params));
	if (!r->id || !r->suite || !r->kernel || !r->unit || !r->timer || !r->params)
		return kb_error(KB_ENOMEM, "out of memory building results");
	for (size_t i = 0; i < inst->nparams; i++) {
		r->params[i].name = strdup(inst->param_names[i]);
		r->params[i].value = inst->params[i];
	}
	for (size_t i = 0; i < br->nstr_params; i++) {
		struct kb_param *p = &r->params[inst->nparams + i];
		p->name = strdup(br->str_param_names[i]);
		p->is_str = true;
		p->str = strdup(br->str_param_values[i]);
	}
	r->nparams = np;
	r->status = br->status;
	r->message = dup_or_null(br->message);
	r->label = dup_or_null(br->label);
	r->iterations_per_sample = br->iters;
	r->rounds = br->rounds;
	r->validated = br->validated;
	r->instructions = NAN;
	r->noise = NAN;
	r->gb_cpu_time_ns = NAN;
	r->warmup_s = br->warmup_ns / 1e9;
	r->elapsed_s = br->spent_ns / 1e9;
	if (br->nsamples) {
		/* hand the sample arrays over */
		r->samples_ns = br->samples;
		r->cpu_samples_ns = br->cpu_samples;
		r->sample_round = br->sample_round;
		r->nsamples = br->nsamples;
		br->samples = NULL;
		br->cpu_samples = NULL;
		br->sample_round = NULL;
		br->nsamples = 0;
	}
	if (r->status == KB_STATUS_OK && r->nsamples == 0) {
		r->status = KB_STATUS_ERROR;
		r->message = strdup("no samples were measured");
	}
	if (r->nsamples) {
		if (kb_stats_summarize(r->samples_ns, r->nsamples, cfg->ci_level, &r->summary) == 0)
			r->summary.converged = br->converged;
	}
	if (r->status == KB_STATUS_OK && r->summary.median > 0) {
		double sec = r->summary.median / 1e9;
		if (br->flops > 0)
			kb_result_set_counter(r, "gflops", br->flops / sec / 1e9);
		if (br->bytes > 0)
			kb_result_set_counter(r, "gbps", (double)br->bytes / sec / 1e9);
		if (br->items > 0) {
			kb_result_set_counter(r, "items_per_second", (double)br->items / sec);
			kb_result_set_counter(r, "ns_per_item", r->summary.median / (double)br->items);
		}
		for (size_t i = 0; i < br->ncounters; i++) {
			const struct kb_user_counter *c = &br->counters[i];
			kb_result_set_counter(r, c->name, c->rate ? c->value / sec : c->value);
		}
	} else {
		for (size_t i = 0; i < br->ncounters; i++)
			if (!br->counters[i].rate)
				kb_result_set_counter(r, br->counters[i].name, br->counters[i].value);
	}
	return 0;
}

static void bench_run_clear(struct kb_bench_run *br)
{
	free(br->samples);
	free(br->cpu_samples);
	free(br->sample_round);
	free(br->message);
	free(br->label);
	for (size_t i = 0; i < br->ncounters; i++)
		free(br->counters[i].name);
	free(br->counters);
	for (size_t i = 0; i < br->nstr_params; i++) {
		free(br->str_param_names[i]);
		free(br->str_param_values[i]);
	}
	free(br->str_param_names);
	free(br->str_param_values);
	kb__bench_run_drop_kept(br);
}

enum kb_status kb__runner_probe(const struct kb_config *cfg, const struct kb_instance *inst,
				struct kb_probe *probe, uint64_t iters, size_t batches,
				char **message)
{
	struct kb_bench_run br;
	enum kb_status st;

	memset(&br, 0, sizeof(br));
	br.inst = inst;
	br.seed = kb_hash_seed(cfg->seed, inst->id);
	br.iters = iters;
	br.calibrated = br.warmed = true;
	br.validated = -1;
	br.timer_name = "wall";
	br.probe = probe;
	if (inst->error)
		kb__bench_run_status(&br, KB_STATUS_ERROR, inst->error);
	else
		call_body(&br, cfg, cfg->clock ? cfg->clock : &kb_clock_real, KB_MODE_ROUND, batches, 0);
	if (br.status == KB_STATUS_OK && strcmp(br.timer_name, "wall") != 0)
		kb__bench_run_status(&br, KB_STATUS_SKIPPED,
				     "instructions are not counted for a benchmark with its own timer");
	st = br.status;
	*message = br.message;
	br.message = NULL;
	bench_run_clear(&br);
	return st;
}

/* ---- the schedule --------------------------------------------------------- */

/*
 * An instance whose rounds are over: one untimed validation pass over
 * fresh, poisoned outputs (the inputs are the ones it was timed on), then
 * its memory goes back.
 */
static void finish_instance(struct kb_bench_run *br, const struct kb_config *cfg,
			    const struct kb_clock *clock, double min_sample_ns)
{
	br->done = true;
	if (br->status == KB_STATUS_OK)
		call_body(br, cfg, clock, KB_MODE_VALIDATE, 0, min_sample_ns);
	kb__bench_run_drop_kept(br);
}

int kb_runner_run(const struct kb_config *cfg, const struct kb_instance *const *instances,
		  size_t n, const struct kb_timer_info *timer, struct kb_run *run)
{
	const struct kb_clock *clock = cfg->clock ? cfg->clock : &kb_clock_real;
	struct kb_bench_run *brs = calloc(n ? n : 1, sizeof(*brs));
	size_t *order = calloc(n ? n : 1, sizeof(*order));
	struct kb_rng rng;
	double min_sample_ns = cfg->min_time_s * 1e9, t_start;
	size_t finished = 0;
	int rc = 0;

	if (!brs || !order) {
		free(brs);
		free(order);
		return kb_error(KB_ENOMEM, "out of memory starting the run");
	}
	/* a sample must stand far above the clock's resolution and cost */
	if (timer) {
		if (min_sample_ns < 1000 * timer->granularity_ns)
			min_sample_ns = 1000 * timer->granularity_ns;
		if (min_sample_ns < 1000 * timer->overhead_ns)
			min_sample_ns = 1000 * timer->overhead_ns;
	}
	kb_rng_seed(&rng, kb_hash_seed(cfg->seed, "interleaving order"));
	t_start = (double)clock->wall_ns(clock->ctx);

	for (size_t i = 0; i < n; i++) {
		struct kb_bench_run *br = &brs[i];
		br->inst = instances[i];
		br->seed = kb_hash_seed(cfg->seed, instances[i]->id);
		br->iters = cfg->fixed_iters ? cfg->fixed_iters : 1;
		br->calibrated = cfg->fixed_iters != 0;
		br->validated = -1;
		br->timer_name = "wall";
		if (instances[i]->error) {
			kb__bench_run_status(br, KB_STATUS_ERROR, instances[i]->error);
			br->done = true;
			finished++;
		}
	}

#define FINISH(br)                                                                         \
	do {                                                                               \
		finish_instance(br, cfg, clock, min_sample_ns);                            \
		finished++;                                                                \
		progress(cfg, finished, n, ((double)clock->wall_ns(clock->ctx) - t_start) / 1e9, \
			 (br)->inst->id);                                                  \
	} while (0)
	while (finished < n && !interrupted) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (!brs[i].done)
				order[m++] = i;
		kb_rng_shuffle(&rng, order, m);
		for (size_t j = 0; j < m && !interrupted; j++) {
			struct kb_bench_run *br = &brs[order[j]];
			if (!br->warmed) {
				call_body(br, cfg, clock, KB_MODE_WARMUP, 0, min_sample_ns);
				if (br->status != KB_STATUS_OK) {
					FINISH(br);
					continue;
				}
			}
			if (interrupted)
				break;
			call_body(br, cfg, clock, KB_MODE_ROUND, round_batches(br, cfg), min_sample_ns);
			br->rounds++;
			if (interrupted)
				break; /* a round cut short is not judged, nor validated */
			check_stop(br, cfg);
			if (br->done)
				FINISH(br);
		}
	}
#undef FINISH
	if (interrupted) {
		run->interrupted = interrupted;
		for (size_t i = 0; i < n; i++) {
			struct kb_bench_run *br = &brs[i];

			if (br->done || br->status != KB_STATUS_OK)
				continue;
			kb__bench_run_status(br, KB_STATUS_INTERRUPTED, NULL);
			free(br->message);
			br->message = kb_strdup_printf(
				"interrupted (%s) after %zu round%s, before it finished: not converged, "
				"not validated", interrupted == SIGTERM ? "SIGTERM" : "SIGINT", br->rounds,
				br->rounds == 1 ? "" : "s");
			br->converged = false;
			kb__bench_run_drop_kept(br);
		}
		if (cfg->progress)
			fprintf(stderr, "\r\033[K");
	}

	run->results = calloc(n ? n : 1, sizeof(*run->results));
	if (!run->results) {
		rc = kb_error(KB_ENOMEM, "out of memory building results");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		rc = fill_result(&brs[i], cfg, &run->results[i]);
		run->nresults = i + 1;
		if (brs[i].peak && run->results[i].status == KB_STATUS_OK)
			kb__context_use_peak(run, &run->results[i], brs[i].peak);
	}
out:
	for (size_t i = 0; i < n; i++)
		bench_run_clear(&brs[i]);
	free(brs);
	free(order);
	return rc;
}
