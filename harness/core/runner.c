/*
 * runner.c - warmup, calibration, interleaved rounds, stopping rule and the
 * validation pass.  See runner.h for the method.
 */
#include "runner.h"

#include <math.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "drift.h"
#include "error.h"
#include "mem.h"
#include "probe.h"
#include "pstats.h"
#include "proc.h"
#include "strbuf.h"
#include "worker.h"
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

/* CPU time: the process's, or in a KB_THREADS team the thread's own (the
 * team's batch sums them). */
static uint64_t cpu_now(const struct kb_state *s)
{
	struct timespec ts;

	if (!s->team)
		return s->clock->cpu_ns(s->clock->ctx);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void begin_batch(struct kb_state *s)
{
	struct kb_bench_run *br = s->br;

	if (s->timer && s->timer->before_sample)
		s->timer->before_sample(s->timer_ctx);
	s->in_batch = true;
	s->paused = false;
	s->acc_wall = 0;
	s->head.left = br->iters - 1; /* this kb_loop() call is the first iteration */
	if (s->cfg->events && s->mode == KB_MODE_ROUND)
		kb_events_read(s->cfg->events, s->ev0);
	s->t0_cpu = cpu_now(s);
	if (s->timer)
		s->timer->start(s->timer_ctx);
	s->t0_wall = s->clock->wall_ns(s->clock->ctx);
	if (br->probe)
		kb_probe_begin(br->probe, s->batches_done);
}

static void push_sample(struct kb_bench_run *br, double wall, double cpu, uint32_t round)
{
	kb__bench_run_push(br, wall, cpu, round, br->process);
}

/* --counters: what the events counted in the batch just measured. */
static void add_events(struct kb_state *s)
{
	const struct kb_events *ev = s->cfg->events;
	uint64_t v[KB_EVENTS_MAX];

	kb_events_read(ev, v);
	for (size_t i = 0; i < ev->n; i++)
		if (kb__bench_run_event(s->br, ev->name[i], (double)(v[i] - s->ev0[i]), (double)s->br->iters))
			kb__bench_run_status(s->br, KB_STATUS_ERROR, "out of memory counting events");
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
	*cpu_ns = (double)(cpu_now(s) - s->t0_cpu);
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

/* A round begins with batches that are run and dropped: they pay for the
 * caches (and the TLB, and the pages) the previous benchmark of the
 * interleaving took.  At least one batch, and until --refill seconds of the
 * kernel's own running time have passed: after a 64 MiB neighbour a 4 MiB
 * sum needs about 3 ms to come back to its steady time, which a single 1 ms
 * batch does not cover (docs/method.md).  Asked before the batch counts. */
static bool drops_batch(const struct kb_state *s)
{
	return s->batches_done == s->batches_dropped &&
	       (s->batches_dropped == 0 || s->dropped_ns < s->cfg->refill_s * 1e9);
}

bool kb_batch_kept(const struct kb_state *s)
{
	return s->mode == KB_MODE_ROUND && !drops_batch(s);
}

/* A batch has ended with `wall` and `cpu` ns: records it and says whether
 * another batch follows. */
static bool after_batch(struct kb_state *s, double wall, double cpu)
{
	struct kb_bench_run *br = s->br;
	bool drop = drops_batch(s);

	s->batches_done++;
	if (s->mode == KB_MODE_WARMUP)
		return !interrupted && warmup_wants_more(s, wall);
	if (drop) {
		s->batches_dropped++;
		s->dropped_ns += wall;
	} else {
		push_sample(br, wall / (double)br->iters, cpu / (double)br->iters, (uint32_t)br->rounds);
		if (s->cfg->events)
			add_events(s);
	}
	return s->batches_done - s->batches_dropped + 1 < s->batches_wanted &&
	       br->status == KB_STATUS_OK && !interrupted;
}

/* ---- KB_THREADS teams ---------------------------------------------------------- */

/*
 * A team: the threads of one call of a threaded body.  Every batch starts
 * behind a barrier; after it each thread posts its wall and CPU time, and
 * thread 0 records the batch (the slowest thread's wall time, the sum of
 * the CPU times) and decides for all whether another batch follows.  A
 * thread whose body returns leaves the barrier (and stops the team), so a
 * body that skips or fails in one thread cannot hang the others.
 */
struct kb_team {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int members, waiting;
	unsigned gen;
	bool stop, go;
	double *wall, *cpu;
};

static void team_wait(struct kb_team *t)
{
	pthread_mutex_lock(&t->mu);
	unsigned gen = t->gen;
	if (++t->waiting >= t->members) {
		t->waiting = 0;
		t->gen++;
		pthread_cond_broadcast(&t->cv);
	} else {
		while (gen == t->gen)
			pthread_cond_wait(&t->cv, &t->mu);
	}
	pthread_mutex_unlock(&t->mu);
}

static void team_leave(struct kb_team *t)
{
	pthread_mutex_lock(&t->mu);
	t->members--;
	t->stop = true;
	if (t->waiting > 0 && t->waiting >= t->members) {
		t->waiting = 0;
		t->gen++;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
}

static bool team_loop_next(struct kb_state *s)
{
	struct kb_team *t = s->team;
	double wall = 0, cpu = 0;

	if (s->entered) {
		wall = end_batch(s, &cpu);
		t->wall[s->thread_index] = wall;
		t->cpu[s->thread_index] = cpu;
		if (s->stop) {
			pthread_mutex_lock(&t->mu);
			t->stop = true;
			pthread_mutex_unlock(&t->mu);
		}
		team_wait(t); /* every thread's batch is over */
		if (s->thread_index == 0) {
			double slowest = 0, sum = 0;

			for (int i = 0; i < s->thread_count; i++) {
				slowest = t->wall[i] > slowest ? t->wall[i] : slowest;
				sum += t->cpu[i];
			}
			pthread_mutex_lock(&t->mu);
			bool stop = t->stop;
			pthread_mutex_unlock(&t->mu);
			t->go = !stop && after_batch(s, slowest, sum);
		} else {
			s->batches_done++;
		}
	} else {
		s->entered = true;
		if (s->thread_index == 0) {
			pthread_mutex_lock(&t->mu);
			t->go = !t->stop;
			pthread_mutex_unlock(&t->mu);
		}
	}
	team_wait(t); /* thread 0 has decided; the next batch starts together */
	if (!t->go || s->stop) {
		s->finished = !s->stop;
		return false;
	}
	begin_batch(s);
	return true;
}

bool kb__loop_next(struct kb_state *s)
{
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
	if (s->team)
		return team_loop_next(s);
	if (!s->entered) {
		s->entered = true;
		begin_batch(s);
		return true;
	}
	wall = end_batch(s, &cpu);
	if (s->stop)
		return false;
	if (after_batch(s, wall, cpu)) {
		begin_batch(s);
		return true;
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
	if (s->team) {
		kb_fail(s, "a custom timer cannot time a KB_THREADS body (its threads are timed on "
			   "the wall clock)");
		return;
	}
	if (s->entered)
		return;
	s->timer = timer;
	s->timer_ctx = ctx;
	s->br->timer_name = timer ? timer->name : "wall";
}

/* ---- one call of a body --------------------------------------------------- */

/* After a body returned: it must have run its loop to the end (or stopped). */
static void check_call(struct kb_bench_run *br, const struct kb_state *s)
{
	if (br->status == KB_STATUS_OK && !s->stop) {
		if (!s->entered)
			kb__bench_run_status(br, KB_STATUS_ERROR,
					     "the benchmark returned without running its kb_loop()");
		else if (!s->finished)
			kb__bench_run_status(br, KB_STATUS_ERROR,
					     "the benchmark left its kb_loop() before the loop ended");
	}
}

static void *team_thread(void *arg)
{
	struct kb_state *s = arg;

	s->br->inst->bench->fn(s);
	if (s->in_batch) {
		double cpu;
		end_batch(s, &cpu);
	}
	team_leave(s->team);
	return NULL;
}

/* One call of a KB_THREADS body: inst->threads threads, thread 0 this one. */
static void call_team(struct kb_bench_run *br, const struct kb_config *cfg,
		      const struct kb_clock *clock, enum kb_mode mode, size_t batches,
		      double min_sample_ns)
{
	int n = br->inst->threads, started = 1;
	struct kb_state *st = calloc((size_t)n, sizeof(*st));
	pthread_t *tid = calloc((size_t)n, sizeof(*tid));
	double *times = calloc(2 * (size_t)n, sizeof(*times));
	struct kb_team team = { .members = n };
	struct kb_rss_mark rss;
	double t0 = (double)clock->wall_ns(clock->ctx);

	if (!st || !tid || !times) {
		kb__bench_run_status(br, KB_STATUS_ERROR, "out of memory starting the threads");
		free(st);
		free(tid);
		free(times);
		return;
	}
	pthread_mutex_init(&team.mu, NULL);
	pthread_cond_init(&team.cv, NULL);
	team.wall = times;
	team.cpu = times + n;
	for (int i = 0; i < n; i++) {
		st[i].br = br;
		st[i].cfg = cfg;
		st[i].clock = clock;
		st[i].mode = mode;
		st[i].batches_wanted = batches;
		st[i].min_sample_ns = min_sample_ns;
		st[i].call_start_ns = t0;
		st[i].team = &team;
		st[i].thread_index = i;
		st[i].thread_count = n;
	}
	kb_rss_begin(&rss);
	for (int i = 1; i < n; i++, started++)
		if (pthread_create(&tid[i], NULL, team_thread, &st[i]) != 0) {
			pthread_mutex_lock(&team.mu);
			kb__bench_run_status(br, KB_STATUS_ERROR, "cannot start the benchmark's threads");
			pthread_mutex_unlock(&team.mu);
			/* the threads never started leave the team */
			for (int j = i; j < n; j++)
				team_leave(&team);
			break;
		}
	team_thread(&st[0]);
	for (int i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	kb_rss_end(&rss, &br->mem);
	br->spent_ns += (double)clock->wall_ns(clock->ctx) - t0;
	for (int i = 0; i < started; i++)
		check_call(br, &st[i]);
	if (mode == KB_MODE_WARMUP)
		br->warmed = true;
	for (int i = n - 1; i >= 0; i--) /* thread 0's buffers, last, may be kept for the next call */
		kb__state_release(&st[i], i == 0 && br->status == KB_STATUS_OK);
	pthread_cond_destroy(&team.cv);
	pthread_mutex_destroy(&team.mu);
	free(st);
	free(tid);
	free(times);
}

static void call_body(struct kb_bench_run *br, const struct kb_config *cfg,
		      const struct kb_clock *clock, enum kb_mode mode, size_t batches,
		      double min_sample_ns)
{
	struct kb_rss_mark rss;
	struct kb_state s;

	if (br->inst->threads > 0 && mode != KB_MODE_VALIDATE && !br->probe) {
		call_team(br, cfg, clock, mode, batches, min_sample_ns);
		return;
	}

	memset(&s, 0, sizeof(s));
	s.br = br;
	s.cfg = cfg;
	s.clock = clock;
	s.mode = mode;
	s.batches_wanted = batches;
	s.min_sample_ns = min_sample_ns;
	s.call_start_ns = (double)clock->wall_ns(clock->ctx);
	kb_rss_begin(&rss);
	br->inst->bench->fn(&s);
	kb_rss_end(&rss, &br->mem);
	if (s.in_batch) {
		double cpu;
		end_batch(&s, &cpu);
	}
	br->spent_ns += (double)clock->wall_ns(clock->ctx) - s.call_start_ns;
	check_call(br, &s);
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

/* With samples from several processes: the interval at the process level. */
static void process_interval(struct kb_result *r, double level)
{
	struct kb_process_summary ps;

	if (kb_stats_process_summary(r->samples_ns, r->sample_process, r->sample_round, r->nsamples,
				     level, &r->proc.medians_ns, &ps))
		return;
	r->proc.nmedians = ps.nmedians;
	r->proc.processes = ps.processes;
	r->proc.log_se = r->proc.process_log_se = ps.log_se;
	r->proc.df = r->proc.process_df = ps.df;
	r->proc.var_within_round = ps.var_within_round;
	r->proc.var_between_rounds = ps.var_between_rounds;
	r->proc.var_between_processes = ps.var_between_processes;
	if (ps.processes >= 2) {
		r->summary.median = ps.center;
		r->summary.ci_low = ps.ci_low;
		r->summary.ci_high = ps.ci_high;
		r->summary.ci_level = level;
	}
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
		if (br->processes > 1)
			r->sample_process = br->sample_process;
		else
			free(br->sample_process);
		br->samples = NULL;
		br->cpu_samples = NULL;
		br->sample_round = NULL;
		br->sample_process = NULL;
		br->nsamples = 0;
	}
	r->proc.processes = br->processes ? br->processes : 1;
	r->proc.log_se = r->proc.df = r->proc.process_log_se = r->proc.process_df = NAN;
	r->proc.drift_log_var = r->proc.drift_df = NAN;
	r->proc.within_ci_low = r->proc.within_ci_high = NAN;
	r->proc.var_within_round = r->proc.var_between_rounds = r->proc.var_between_processes = NAN;
	r->proc.disturbed = dup_or_null(br->disturbed);
	r->mem = br->mem;
	if (r->status == KB_STATUS_OK && r->nsamples == 0) {
		r->status = KB_STATUS_ERROR;
		r->message = strdup("no samples were measured");
	}
	if (r->nsamples) {
		if (kb_stats_summarize(r->samples_ns, r->nsamples, cfg->ci_level, &r->summary) == 0)
			r->summary.converged = br->converged;
		r->proc.within_ci_low = r->summary.ci_low;
		r->proc.within_ci_high = r->summary.ci_high;
		if (r->sample_process)
			process_interval(r, cfg->ci_level);
	}
	r->threads = inst->threads;
	if (r->status == KB_STATUS_OK && r->summary.median > 0) {
		/* KB_THREADS: the work set is per thread, the rates the team's */
		double sec = r->summary.median / 1e9 / (inst->threads > 1 ? inst->threads : 1);
		if (br->flops > 0)
			kb_result_set_counter(r, "gflops", br->flops / sec / 1e9);
		if (br->bytes > 0)
			kb_result_set_counter(r, "gbps", (double)br->bytes / sec / 1e9);
		if (br->flops > 0 && br->bytes > 0) /* FLOP per byte: the roofline's x */
			kb_result_set_counter(r, "arithmetic_intensity", br->flops / (double)br->bytes);
		if (br->items > 0) {
			kb_result_set_counter(r, "items_per_second", (double)br->items / sec);
			kb_result_set_counter(r, "ns_per_item", r->summary.median / (double)br->items);
		}
		for (size_t i = 0; i < br->ncounters; i++) {
			const struct kb_user_counter *c = &br->counters[i];
			kb_result_set_counter(r, c->name, c->rate ? c->value / sec : c->value);
		}
		for (size_t i = 0; i < br->nev; i++) /* --counters: per iteration */
			if (br->ev[i].iters > 0)
				kb_result_set_counter(r, br->ev[i].name, br->ev[i].count / br->ev[i].iters);
	} else {
		for (size_t i = 0; i < br->ncounters; i++)
			if (!br->counters[i].rate)
				kb_result_set_counter(r, br->counters[i].name, br->counters[i].value);
	}
	return 0;
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
	else if (inst->threads > 0)
		kb__bench_run_status(&br, KB_STATUS_SKIPPED,
				     "instructions are not counted for a KB_THREADS body (one thread counts)");
	else
		call_body(&br, cfg, cfg->clock ? cfg->clock : &kb_clock_real, KB_MODE_ROUND, batches, 0);
	if (br.status == KB_STATUS_OK && strcmp(br.timer_name, "wall") != 0)
		kb__bench_run_status(&br, KB_STATUS_SKIPPED,
				     "instructions are not counted for a benchmark with its own timer");
	st = br.status;
	*message = br.message;
	br.message = NULL;
	kb__bench_run_clear(&br);
	return st;
}

/* ---- the schedule --------------------------------------------------------- */

/*
 * An instance whose rounds are over: one untimed validation pass over
 * fresh, poisoned outputs (the inputs are the ones it was timed on), then
 * its memory goes back.
 */
/* In a worker: "begin"/"end" around a call, so a crash is blamed on it. */
static void mark(const struct kb_config *cfg, const char *what, const struct kb_bench_run *br)
{
	if (cfg->worker_out)
		kb_worker_write_mark(cfg->worker_out, what, br->inst->id);
}

static void finish_instance(struct kb_bench_run *br, const struct kb_config *cfg,
			    const struct kb_clock *clock, double min_sample_ns)
{
	br->done = true;
	mark(cfg, "begin", br);
	if (br->status == KB_STATUS_OK)
		call_body(br, cfg, clock, KB_MODE_VALIDATE, 0, min_sample_ns);
	mark(cfg, "end", br);
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
	/* the data's seed is the same in every process; the order's is each one's own */
	kb_rng_seed(&rng, kb_hash_seed(cfg->seed + cfg->process_index, "interleaving order"));
	t_start = (double)clock->wall_ns(clock->ctx);

	for (size_t i = 0; i < n; i++) {
		struct kb_bench_run *br = &brs[i];
		br->inst = instances[i];
		br->seed = kb_hash_seed(cfg->seed, instances[i]->id);
		br->iters = cfg->fixed_iters ? cfg->fixed_iters : 1;
		br->calibrated = cfg->fixed_iters != 0;
		br->validated = -1;
		br->timer_name = "wall";
		br->process = cfg->process_index;
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
				mark(cfg, "begin", br);
				call_body(br, cfg, clock, KB_MODE_WARMUP, 0, min_sample_ns);
				mark(cfg, "end", br);
				if (br->status != KB_STATUS_OK) {
					FINISH(br);
					continue;
				}
			}
			if (interrupted)
				break;
			mark(cfg, "begin", br);
			call_body(br, cfg, clock, KB_MODE_ROUND, round_batches(br, cfg), min_sample_ns);
			mark(cfg, "end", br);
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

	if (cfg->worker_out) /* a worker: the parent merges these */
		for (size_t i = 0; i < n; i++)
			kb_worker_write_bench(cfg->worker_out, &brs[i]);
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
	kb__context_settle_peaks(run);
out:
	for (size_t i = 0; i < n; i++)
		kb__bench_run_clear(&brs[i]);
	free(brs);
	free(order);
	return rc;
}

/* ---- several processes ----------------------------------------------------------------- */

extern char **environ;

/* The half-width of a record's interval (relative), the machine's drift
 * included (cfg->drift); INFINITY when fewer than two processes measured
 * it.  *drift_bound: whether the drift dominates, so that more processes
 * would narrow it little (the processes' variance under a quarter of the
 * drift's: the total within 12 % of the drift alone). */
static double process_half_width(const struct kb_bench_run *br, const struct kb_config *cfg,
				 bool *drift_bound)
{
	const struct kb_drift_entry *s =
		cfg->drift ? kb_drift_lookup(cfg->drift, br->inst->id, br->inst->bench->suite) : NULL;
	struct kb_process_summary ps;
	double se, df;

	*drift_bound = false;
	if (!br->sample_process || br->nsamples == 0 ||
	    kb_stats_process_summary(br->samples, br->sample_process, br->sample_round, br->nsamples,
				     cfg->ci_level, NULL, &ps) || ps.processes < 2)
		return INFINITY;
	if (!s)
		return (ps.ci_high - ps.ci_low) / 2 / ps.center;
	*drift_bound = ps.log_se * ps.log_se < s->log_var / 4;
	kb_drift_combine(ps.log_se, ps.df, s, &se, &df);
	return sinh(kb_stats_t_quantile(1 - (1 - cfg->ci_level) / 2, df) * se);
}

/* Whether a benchmark wants another process; settles `converged`. */
static bool wants_process(struct kb_bench_run *br, const struct kb_config *cfg, size_t done_procs)
{
	bool drift_bound;
	double hw;

	if (br->done || br->status != KB_STATUS_OK)
		return false;
	if (cfg->processes)
		return done_procs < cfg->processes;
	if (done_procs < KB_MIN_PROCESSES)
		return true;
	hw = process_half_width(br, cfg, &drift_bound);
	br->converged = hw <= cfg->target_ci;
	if (br->converged || drift_bound || done_procs >= KB_MAX_PROCESSES ||
	    br->spent_ns >= cfg->max_time_s * 1e9 * KB_PROCESS_TIME_FACTOR)
		return false;
	return true;
}

struct worker_run {
	const char *dir;
	uint32_t index;
	const size_t *plan;
	size_t nplan;
	struct kb_worker_refs *refs; /* where its probe readings go */
};

/* Runs one worker over the planned benchmarks and merges what it measured. */
static int run_worker(const struct kb_config *cfg, int argc, char **argv, struct kb_bench_run *brs,
		      size_t n, struct worker_run *w)
{
	char self[4096], stream_path[4200], plan_path[4200], e_stream[4300], e_plan[4300];
	char e_index[64], e_rounds[64], e_warmup[64], why[300], tail[300], *pad;
	struct kb_proc p = KB_PROC_INIT;
	struct kb_worker_stream s;
	char **cargv = NULL, **cenv = NULL;
	size_t nenv = 0, k = 0;
	ssize_t len;
	FILE *f;
	int rc = 0;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return kb_error(KB_EIO, "cannot find this program (/proc/self/exe): %s", strerror(errno));
	self[len] = 0;
	snprintf(stream_path, sizeof(stream_path), "%s/stream.%u", w->dir, w->index);
	snprintf(plan_path, sizeof(plan_path), "%s/plan.%u", w->dir, w->index);
	f = fopen(plan_path, "w");
	if (!f)
		return kb_error(KB_EIO, "cannot write %s: %s", plan_path, strerror(errno));
	for (size_t i = 0; i < w->nplan; i++)
		fprintf(f, "%s\n", brs[w->plan[i]].inst->id);
	if (fclose(f) != 0)
		return kb_error(KB_EIO, "cannot write %s: %s", plan_path, strerror(errno));
	snprintf(e_stream, sizeof(e_stream), "KBENCH__WORKER=%s", stream_path);
	snprintf(e_plan, sizeof(e_plan), "KBENCH__WORKER_PLAN=%s", plan_path);
	snprintf(e_index, sizeof(e_index), "KBENCH__WORKER_INDEX=%u", w->index);
	snprintf(e_rounds, sizeof(e_rounds), "KBENCH__WORKER_ROUNDS=%zu", cfg->rounds ? cfg->rounds : 2);
	/* the first process warms up fully; later ones only refill the caches */
	snprintf(e_warmup, sizeof(e_warmup), "KBENCH__WORKER_WARMUP=%g",
		 w->index == 0 ? cfg->warmup_s : cfg->warmup_s / 10);
	/* environment padding moves the stack: each process gets its own layout */
	{
		size_t npad = (size_t)(kb_hash_seed(cfg->seed, stream_path) % 4096);
		pad = malloc(sizeof("KBENCH__PAD=") + npad);
		if (pad) {
			strcpy(pad, "KBENCH__PAD=");
			memset(pad + strlen(pad), 'x', npad);
			pad[strlen("KBENCH__PAD=") + npad] = 0;
		}
	}
	while (environ && environ[nenv])
		nenv++;
	cargv = calloc((size_t)argc + 2, sizeof(*cargv));
	cenv = calloc(nenv + 10, sizeof(*cenv));
	if (!cargv || !cenv || !pad) {
		rc = kb_error(KB_ENOMEM, "out of memory starting a worker");
		goto out;
	}
	cargv[0] = self;
	for (int i = 1; i < argc; i++)
		cargv[i] = argv[i];
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(environ[i], "KBENCH__", 8) != 0 && strncmp(environ[i], "KBENCH_OUT", 10) != 0)
			cenv[k++] = environ[i];
	cenv[k++] = e_stream;
	cenv[k++] = e_plan;
	cenv[k++] = e_index;
	cenv[k++] = e_rounds;
	cenv[k++] = e_warmup;
	cenv[k++] = pad;
	cenv[k++] = "KBENCH_NO_PEAKS=1";
	p.argv = cargv;
	p.env = cenv;
	p.capture_err = true;
	p.progress_path = stream_path;
	p.idle_s = cfg->worker_timeout_s;
	if ((rc = kb_proc_run(&p)))
		goto out;
	f = fopen(stream_path, "r");
	memset(&s, 0, sizeof(s));
	rc = f ? kb_worker_read(f, stream_path, brs, n, w->index, &s)
	       : kb_error(KB_EIO, "worker process %u wrote no stream (%s)", w->index + 1, strerror(errno));
	if (f)
		fclose(f);
	*w->refs = s.refs;
	kb_proc_describe(p.status, why, sizeof(why));
	kb_proc_last_line(p.err, tail, sizeof(tail));
	if (interrupted) {
		rc = 0; /* stopped with the parent: what it sent is kept */
	} else if (rc || p.timed_out || !kb_proc_ok(p.status) || !s.done) {
		char msg[1024];

		if (p.timed_out)
			snprintf(msg, sizeof(msg), "worker process %u was killed: nothing from it for %.0f s "
				 "(--worker-timeout)", w->index + 1, cfg->worker_timeout_s);
		else if (rc)
			snprintf(msg, sizeof(msg), "worker process %u: %s", w->index + 1, kb_last_error());
		else
			snprintf(msg, sizeof(msg), "worker process %u failed (%s)%s%s", w->index + 1, why,
				 *tail ? ": " : "", tail);
		rc = 0;
		if (s.running) {
			/* the benchmark that was running takes the blame; the rest go on */
			for (size_t i = 0; i < n; i++)
				if (strcmp(brs[i].inst->id, s.running) == 0) {
					char *m = kb_strdup_printf("%s while running it", msg);
					kb__bench_run_status(&brs[i], KB_STATUS_ERROR, m ? m : msg);
					free(m);
					brs[i].done = true;
				}
		} else {
			for (size_t i = 0; i < w->nplan; i++) {
				kb__bench_run_status(&brs[w->plan[i]], KB_STATUS_ERROR, msg);
				brs[w->plan[i]].done = true;
			}
		}
	}
	kb_worker_stream_release(&s);
out:
	kb_proc_release(&p);
	unlink(stream_path);
	unlink(plan_path);
	free(cargv);
	free(cenv);
	free(pad);
	return rc;
}

/*
 * The machine's state during the run, for comparing runs: the median over
 * the workers' probe readings (context.reference: spin_ns, memory_read_ns,
 * and their spread between processes as max/min - 1).
 */
static void record_reference(struct kb_run *run, const struct kb_worker_refs *refs, size_t nw)
{
	for (int mem = 0; mem < 2; mem++) {
		double v[2 * KB_MAX_PROCESSES * 8];
		size_t n = 0;
		char key[64];

		for (size_t p = 0; p < nw && n + 2 <= sizeof(v) / sizeof(v[0]); p++)
			for (int k = 0; k < 2; k++) {
				double x = mem ? refs[p].ref[k].mem_ns : refs[p].ref[k].spin_ns;
				if (refs[p].have[k] && x > 0)
					v[n++] = x;
			}
		if (n == 0)
			continue;
		snprintf(key, sizeof(key), "reference.%s", mem ? "memory_read_ns" : "spin_ns");
		kb_ctx_add_num(run, key, kb_stats_median(v, n));
		{
			double lo = v[0], hi = v[0];
			for (size_t i = 1; i < n; i++) {
				lo = fmin(lo, v[i]);
				hi = fmax(hi, v[i]);
			}
			snprintf(key, sizeof(key), "reference.%s_spread", mem ? "memory_read" : "spin");
			kb_ctx_add_num(run, key, hi / lo - 1);
		}
	}
}

int kb_runner_run_processes(const struct kb_config *cfg, const struct kb_instance *const *instances,
			    size_t n, int argc, char **argv, struct kb_run *run)
{
	struct kb_bench_run *brs = calloc(n ? n : 1, sizeof(*brs));
	size_t *plan = calloc(n ? n : 1, sizeof(*plan));
	size_t max_procs = cfg->processes ? cfg->processes : KB_MAX_PROCESSES;
	struct worker_run *w = calloc(max_procs, sizeof(*w));
	struct kb_worker_refs *refs = calloc(max_procs, sizeof(*refs));
	char dir[] = "/tmp/kbench-workers.XXXXXX";
	double t0 = (double)kb_clock_real.wall_ns(NULL) / 1e9;
	size_t nw = 0;
	int rc = 0;

	if (!brs || !plan || !w || !refs) {
		rc = kb_error(KB_ENOMEM, "out of memory starting the run");
		goto out_free;
	}
	if (!mkdtemp(dir)) {
		rc = kb_error(KB_EIO, "cannot make a directory for the workers (%s): %s", dir,
			      strerror(errno));
		goto out_free;
	}
	for (size_t i = 0; i < n; i++) {
		struct kb_bench_run *br = &brs[i];

		br->inst = instances[i];
		br->seed = kb_hash_seed(cfg->seed, instances[i]->id);
		br->validated = -1;
		br->timer_name = "wall";
		if (instances[i]->error) {
			kb__bench_run_status(br, KB_STATUS_ERROR, instances[i]->error);
			br->done = true;
		}
	}
	while (!interrupted && nw < max_procs) {
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (wants_process(&brs[i], cfg, nw))
				plan[m++] = i;
		if (m == 0)
			break;
		w[nw] = (struct worker_run){ .dir = dir, .index = (uint32_t)nw, .plan = plan, .nplan = m,
					     .refs = &refs[nw] };
		if (cfg->progress) {
			/* at least the processes still due, at the pace so far */
			double el = (double)kb_clock_real.wall_ns(NULL) / 1e9 - t0;
			double per = nw ? el / (double)nw : 0;
			size_t due = cfg->processes ? cfg->processes - nw
				     : nw < KB_MIN_PROCESSES ? KB_MIN_PROCESSES - nw : 1;

			fprintf(stderr, "\r\033[K[process %zu] %zu benchmark%s, %5.1fs elapsed, ~%.0fs left",
				nw + 1, m, m == 1 ? "" : "s", el, per * (double)due);
			fflush(stderr);
		}
		if ((rc = run_worker(cfg, argc, argv, brs, n, &w[nw])))
			break;
		nw++;
	}
	if (cfg->progress)
		fprintf(stderr, "\r\033[K");
	rmdir(dir);
	for (size_t i = 0; i < n; i++) {
		struct kb_bench_run *br = &brs[i];

		if (br->status == KB_STATUS_OK) {
			bool drift_bound;

			br->converged = process_half_width(br, cfg, &drift_bound) <= cfg->target_ci;
		}
		if (interrupted && br->status == KB_STATUS_OK && !br->converged &&
		    (cfg->processes ? br->processes < cfg->processes : br->processes < KB_MAX_PROCESSES)) {
			kb__bench_run_status(br, KB_STATUS_INTERRUPTED, NULL);
			free(br->message);
			br->message = kb_strdup_printf("interrupted (%s) after %zu process%s, before it "
						       "finished: not converged",
						       interrupted == SIGTERM ? "SIGTERM" : "SIGINT",
						       br->processes, br->processes == 1 ? "" : "es");
		}
		/* which processes measured it, and were they disturbed? */
		for (size_t p = 0; p < nw && !br->disturbed; p++) {
			bool measured = false;

			for (size_t s = 0; s < br->nsamples && !measured; s++)
				measured = br->sample_process[s] == p;
			if (measured)
				br->disturbed = kb_worker_disturbance(refs, nw, p);
		}
	}
	if (interrupted)
		run->interrupted = interrupted;
	if (rc)
		goto out_clear;
	run->results = calloc(n ? n : 1, sizeof(*run->results));
	if (!run->results) {
		rc = kb_error(KB_ENOMEM, "out of memory building results");
		goto out_clear;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		if (brs[i].processes == 0 && brs[i].status == KB_STATUS_OK)
			kb__bench_run_status(&brs[i], KB_STATUS_ERROR, "no worker process measured it");
		rc = fill_result(&brs[i], cfg, &run->results[i]);
		run->nresults = i + 1;
		if (brs[i].peak && run->results[i].status == KB_STATUS_OK)
			kb__context_use_peak(run, &run->results[i], brs[i].peak);
	}
	kb__context_settle_peaks(run);
	{
		char buf[64];

		snprintf(buf, sizeof(buf), "%zu", nw);
		kb_run_add_config(run, "processes_run", buf, true);
	}
	record_reference(run, refs, nw);
out_clear:
	for (size_t i = 0; i < n; i++)
		kb__bench_run_clear(&brs[i]);
out_free:
	free(brs);
	free(plan);
	free(w);
	free(refs);
	return rc;
}
