/*
 * state.c - what a benchmark body calls: parameters, memory, inputs,
 * counters, skip/fail and validation checks.
 */
#include "state.h"

#include <pthread.h>

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "error.h"
#include "stats.h"

void kb__bench_run_clear(struct kb_bench_run *br)
{
	free(br->samples);
	free(br->cpu_samples);
	free(br->sample_round);
	free(br->sample_process);
	free(br->peak_owned);
	free(br->timer_owned);
	free(br->disturbed);
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
	for (size_t i = 0; i < br->nev; i++)
		free(br->ev[i].name);
	kb__bench_run_drop_kept(br);
}

int kb__bench_run_event(struct kb_bench_run *br, const char *name, double count, double iters)
{
	size_t i;

	for (i = 0; i < br->nev && strcmp(br->ev[i].name, name) != 0; i++)
		;
	if (i == br->nev) {
		if (br->nev == KB_EVENTS_MAX || !(br->ev[i].name = strdup(name)))
			return kb_error(KB_ENOMEM, "too many events");
		br->ev[i].count = br->ev[i].iters = 0;
		br->nev++;
	}
	br->ev[i].count += count;
	br->ev[i].iters += iters;
	return 0;
}

void kb__bench_run_status(struct kb_bench_run *br, enum kb_status st, const char *msg)
{
	if (br->status == KB_STATUS_ERROR)
		return; /* the first error is the one worth reading */
	if (br->status == KB_STATUS_SKIPPED && st != KB_STATUS_ERROR)
		return;
	br->status = st;
	free(br->message);
	br->message = msg ? strdup(msg) : NULL;
}

/* KB_THREADS: a team's threads share the record and the memory budget. */
static pthread_mutex_t status_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t alloc_mu = PTHREAD_MUTEX_INITIALIZER;

/* Bytes kept across calls by all instances, and the most allowed. */
static size_t kept_bytes;

static size_t keep_budget(void)
{
	uint64_t avail = kb_mem_available();
	uint64_t budget = avail / 4;
	if (budget > (8ULL << 30))
		budget = 8ULL << 30;
	return (size_t)budget;
}

static uint64_t checksum(const void *p, size_t bytes)
{
	const unsigned char *c = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL, w;
	size_t i = 0;

	for (; i + 8 <= bytes; i += 8) {
		memcpy(&w, c + i, 8);
		h = (h ^ w) * 0x100000001b3ULL + (h >> 29);
	}
	for (; i < bytes; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

void kb__bench_run_drop_kept(struct kb_bench_run *br)
{
	for (size_t i = 0; i < br->nkept; i++) {
		kept_bytes -= br->kept[i].bytes;
		free(br->kept[i].p);
	}
	free(br->kept);
	br->kept = NULL;
	br->nkept = 0;
}

void kb__state_release(struct kb_state *s, bool keep)
{
	struct kb_bench_run *br = s->br;
	size_t total = 0;

	/* whatever was kept and not asked for again this call goes */
	kb__bench_run_drop_kept(br);
	for (size_t i = 0; i < s->nallocs; i++)
		total += s->allocs[i].bytes;
	if (total > br->mem.requested) /* memory per benchmark: the most one call held */
		br->mem.requested = total;
	if (keep && s->nallocs && kept_bytes + total <= keep_budget()) {
		br->kept = s->allocs;
		br->nkept = s->nallocs;
		kept_bytes += total;
	} else {
		for (size_t i = 0; i < s->nallocs; i++)
			free(s->allocs[i].p);
		free(s->allocs);
	}
	s->allocs = NULL;
	s->nallocs = 0;
}

int64_t kb_arg(const struct kb_state *s, size_t index)
{
	return index < s->br->inst->nparams ? s->br->inst->params[index] : 0;
}

int64_t kb_param(const struct kb_state *s, const char *name, int64_t fallback)
{
	const struct kb_instance *inst = s->br->inst;
	for (size_t i = 0; i < inst->nparams; i++)
		if (strcmp(inst->param_names[i], name) == 0)
			return inst->params[i];
	return fallback;
}

const char *kb_id(const struct kb_state *s)
{
	return s->br->inst->id;
}

bool kb_quick(const struct kb_state *s)
{
	return s->cfg->quick;
}

int kb_threads(const struct kb_state *s)
{
	return s->cfg->threads > 0 ? s->cfg->threads : kb_cores();
}

uint64_t kb_seed(const struct kb_state *s)
{
	return s->br->seed;
}

int kb_thread_index(const struct kb_state *s)
{
	return s->thread_index;
}

int kb_thread_count(const struct kb_state *s)
{
	return s->thread_count > 0 ? s->thread_count : 1;
}

bool kb_validating(const struct kb_state *s)
{
	return s->mode == KB_MODE_VALIDATE;
}

bool kb_require_gpu(const struct kb_state *s)
{
	return s->cfg->require_gpu;
}

/* ---- memory --------------------------------------------------------------- */

static void fill_input(struct kb_state *s, struct kb_alloc_rec *a, size_t index)
{
	struct kb_rng rng;
	size_t n;

	kb_rng_seed(&rng, s->br->seed + 0x9e3779b97f4a7c15ULL * (index + 1));
	if (a->kind == KB_ALLOC_IN_F32) {
		float *x = a->p, lo = (float)a->lo, hi = (float)a->hi;
		n = a->bytes / sizeof(float);
		for (size_t i = 0; i < n; i++) {
			float v = (float)(lo + (hi - lo) * kb_rng_uniform(&rng));
			x[i] = v != 0 ? v : (lo + hi) / 2 + (hi - lo) / 4;
		}
	} else {
		double *x = a->p;
		n = a->bytes / sizeof(double);
		for (size_t i = 0; i < n; i++) {
			double v = a->lo + (a->hi - a->lo) * kb_rng_uniform(&rng);
			x[i] = v != 0 ? v : (a->lo + a->hi) / 2 + (a->hi - a->lo) / 4;
		}
	}
}

/* Fills (or refills) an allocation for its kind. */
static void prepare(struct kb_state *s, struct kb_alloc_rec *a, size_t index, bool reused)
{
	switch (a->kind) {
	case KB_ALLOC_ZERO:
		/* touch every page now, so no page fault lands in a timed batch */
		memset(a->p, 0, a->bytes);
		break;
	case KB_ALLOC_IN_F32:
	case KB_ALLOC_IN_F64:
		if (!reused || checksum(a->p, a->bytes) != a->checksum) {
			fill_input(s, a, index);
			a->checksum = checksum(a->p, a->bytes);
		}
		break;
	case KB_ALLOC_OUT_F32:
		kb_poison_f32(a->p, a->bytes / sizeof(float));
		break;
	case KB_ALLOC_OUT_F64:
		kb_poison_f64(a->p, a->bytes / sizeof(double));
		break;
	}
}

static void *acquire_locked(struct kb_state *s, enum kb_alloc_kind kind, size_t n, size_t elem,
			    double lo, double hi);

/* n elements of elem bytes each (elem 1 for kb_alloc); KB_THREADS teams
 * allocate one thread at a time (the budget and the kept buffers are shared). */
static void *acquire(struct kb_state *s, enum kb_alloc_kind kind, size_t n, size_t elem, double lo,
		     double hi)
{
	void *p;

	if (s->thread_count <= 1)
		return acquire_locked(s, kind, n, elem, lo, hi);
	pthread_mutex_lock(&alloc_mu);
	p = acquire_locked(s, kind, n, elem, lo, hi);
	pthread_mutex_unlock(&alloc_mu);
	return p;
}

static void *acquire_locked(struct kb_state *s, enum kb_alloc_kind kind, size_t n, size_t elem,
			    double lo, double hi)
{
	struct kb_bench_run *br = s->br;
	size_t bytes = n * elem;
	uint64_t avail = kb_mem_available();
	struct kb_alloc_rec *v, *a;
	size_t total = bytes, index = s->nallocs;
	bool reused = false;
	void *p = NULL;

	v = realloc(s->allocs, (s->nallocs + 1) * sizeof(*v));
	if (!v) {
		kb_fail(s, "out of memory recording an allocation");
		return NULL;
	}
	s->allocs = v;
	/* a negative size cast to size_t lands here too */
	if (n > (SIZE_MAX / 2) / elem) {
		kb_fail(s, "an array of %zu elements of %zu bytes is larger than any memory "
			   "(a negative or overflowing size?); use a smaller size", n, elem);
		return NULL;
	}
	/* the same request at the same position as last call: take it over */
	if (s->thread_index == 0 && index < br->nkept && br->kept[index].p && br->kept[index].kind == kind &&
	    br->kept[index].bytes == bytes && br->kept[index].lo == lo && br->kept[index].hi == hi) {
		s->allocs[index] = br->kept[index];
		kept_bytes -= bytes;
		br->kept[index].p = NULL;
		br->kept[index].bytes = 0;
		reused = true;
	} else {
		for (size_t i = 0; i < s->nallocs; i++)
			total = total > SIZE_MAX - s->allocs[i].bytes ? SIZE_MAX : total + s->allocs[i].bytes;
		/* keep a tenth of what is available for everyone else */
		if (avail && (double)total > 0.9 * (double)(avail + kept_bytes)) {
			kb_fail(s, "needs %.1f MiB of memory (%.1f MiB in this benchmark so far), but only "
				   "%.1f MiB is available (90 %% of MemAvailable); use a smaller size",
				(double)bytes / 1048576.0, (double)total / 1048576.0,
				0.9 * (double)(avail + kept_bytes) / 1048576.0);
			return NULL;
		}
		if (posix_memalign(&p, 64, bytes ? bytes : 1) != 0) {
			kb_fail(s, "cannot allocate %zu bytes", bytes);
			return NULL;
		}
		s->allocs[index] = (struct kb_alloc_rec){ kind, bytes, lo, hi, p, 0 };
	}
	a = &s->allocs[index];
	s->nallocs++;
	prepare(s, a, index, reused);
	return a->p;
}

void *kb_alloc(struct kb_state *s, size_t bytes)
{
	return acquire(s, KB_ALLOC_ZERO, bytes, 1, 0, 0);
}

double *kb_input_f64_range(struct kb_state *s, size_t n, double lo, double hi)
{
	return acquire(s, KB_ALLOC_IN_F64, n, sizeof(double), lo, hi);
}

float *kb_input_f32_range(struct kb_state *s, size_t n, float lo, float hi)
{
	return acquire(s, KB_ALLOC_IN_F32, n, sizeof(float), lo, hi);
}

double *kb_input_f64(struct kb_state *s, size_t n)
{
	return kb_input_f64_range(s, n, -1.0, 1.0);
}

float *kb_input_f32(struct kb_state *s, size_t n)
{
	return kb_input_f32_range(s, n, -1.0f, 1.0f);
}

void kb_poison_f32(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = NAN;
}

void kb_poison_f64(double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = NAN;
}

float *kb_output_f32(struct kb_state *s, size_t n)
{
	return acquire(s, KB_ALLOC_OUT_F32, n, sizeof(float), 0, 0);
}

double *kb_output_f64(struct kb_state *s, size_t n)
{
	return acquire(s, KB_ALLOC_OUT_F64, n, sizeof(double), 0, 0);
}
/* ---- results -------------------------------------------------------------- */

void kb_set_bytes(struct kb_state *s, uint64_t bytes)
{
	if (s->thread_index > 0) /* KB_THREADS: thread 0 speaks for the team */
		return;
	s->br->bytes = bytes;
}

void kb_set_flops(struct kb_state *s, double flops)
{
	if (s->thread_index > 0) /* KB_THREADS: thread 0 speaks for the team */
		return;
	s->br->flops = flops;
}

void kb_set_items(struct kb_state *s, uint64_t items)
{
	if (s->thread_index > 0) /* KB_THREADS: thread 0 speaks for the team */
		return;
	s->br->items = items;
}

int kb__bench_run_counter(struct kb_bench_run *br, const char *name, double value, bool rate)
{
	struct kb_user_counter *v;
	char *n;

	for (size_t i = 0; i < br->ncounters; i++)
		if (strcmp(br->counters[i].name, name) == 0) {
			br->counters[i].value = value;
			br->counters[i].rate = rate;
			return 0;
		}
	n = strdup(name);
	v = n ? realloc(br->counters, (br->ncounters + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(n);
		return kb_error(KB_ENOMEM, "out of memory setting counter %s", name);
	}
	br->counters = v;
	br->counters[br->ncounters++] = (struct kb_user_counter){ n, value, rate };
	return 0;
}

static void set_user_counter(struct kb_state *s, const char *name, double value, bool rate)
{
	if (s->thread_index > 0) /* KB_THREADS: thread 0 speaks for the team */
		return;
	if (kb__bench_run_counter(s->br, name, value, rate))
		kb_fail(s, "out of memory setting counter %s", name);
}

void kb_set_counter(struct kb_state *s, const char *name, double value)
{
	set_user_counter(s, name, value, false);
}

void kb_set_rate(struct kb_state *s, const char *name, double per_iteration)
{
	set_user_counter(s, name, per_iteration, true);
}

void kb_set_param_str(struct kb_state *s, const char *name, const char *value)
{
	if (s->thread_index > 0) /* KB_THREADS: thread 0 speaks for the team */
		return;
	kb__bench_run_param(s->br, name, value);
}

void kb__bench_run_param(struct kb_bench_run *br, const char *name, const char *value)
{
	char **names, **values;

	for (size_t i = 0; i < br->nstr_params; i++)
		if (strcmp(br->str_param_names[i], name) == 0) {
			char *v = strdup(value);
			if (v) {
				free(br->str_param_values[i]);
				br->str_param_values[i] = v;
			}
			return;
		}
	names = realloc(br->str_param_names, (br->nstr_params + 1) * sizeof(*names));
	if (names)
		br->str_param_names = names;
	values = realloc(br->str_param_values, (br->nstr_params + 1) * sizeof(*values));
	if (values)
		br->str_param_values = values;
	if (!names || !values)
		return;
	names[br->nstr_params] = strdup(name);
	values[br->nstr_params] = strdup(value);
	if (!names[br->nstr_params] || !values[br->nstr_params]) {
		free(names[br->nstr_params]);
		free(values[br->nstr_params]);
		return;
	}
	br->nstr_params++;
}

void kb_set_device_memory(struct kb_state *s, uint64_t requested_bytes, uint64_t in_use_bytes)
{
	if (s->thread_index > 0) /* KB_THREADS: thread 0 speaks for the team */
		return;
	struct kb_mem_use *m = &s->br->mem;

	if (requested_bytes > m->device_requested)
		m->device_requested = requested_bytes;
	if (in_use_bytes > m->device_in_use)
		m->device_in_use = in_use_bytes;
}

void kb_set_label(struct kb_state *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (s->thread_index > 0)
		return;
	free(s->br->label);
	s->br->label = strdup(buf);
}

void kb_set_peak(struct kb_state *s, const char *peak_name)
{
	if (s->thread_index > 0) /* KB_THREADS: thread 0 speaks for the team */
		return;
	s->br->peak = peak_name;
}

void kb_set_memory_peak(struct kb_state *s, const char *peak_name, uint64_t working_set_bytes)
{
	char name[128];
	int level = kb__peak_level(working_set_bytes);

	if (s->thread_index > 0) /* KB_THREADS: thread 0 speaks for the team */
		return;
	if (level == 4) {
		s->br->peak = peak_name;
	} else if (level > 0) {
		snprintf(name, sizeof(name), "%s_l%d", peak_name, level);
		if (kb__peak_known(name)) {
			free(s->br->peak_owned);
			s->br->peak_owned = strdup(name);
			s->br->peak = s->br->peak_owned;
		}
	}
}

/* kb_skip and kb_fail: the status with its message, and the body stops. */
static void stop_with(struct kb_state *s, enum kb_status status, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	pthread_mutex_lock(&status_mu); /* KB_THREADS: several threads may stop */
	kb__bench_run_status(s->br, status, buf);
	pthread_mutex_unlock(&status_mu);
	s->stop = true;
}

void kb_skip(struct kb_state *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	stop_with(s, KB_STATUS_SKIPPED, fmt, ap);
	va_end(ap);
}

void kb_fail(struct kb_state *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	stop_with(s, KB_STATUS_ERROR, fmt, ap);
	va_end(ap);
}

void kb_set_validated(struct kb_state *s)
{
	if (s->br->validated != 0)
		s->br->validated = 1;
}

static bool close_enough(double got, double want, double rtol, double atol)
{
	return !isnan(got) && !isnan(want) && fabs(got - want) <= atol + rtol * fabs(want);
}

static bool check_failed(struct kb_state *s, size_t i, size_t n, double got, double want,
			 double rtol, double atol)
{
	s->br->validated = 0;
	kb_fail(s, "wrong result: element %zu of %zu is %.9g, expected %.9g "
		   "(tolerance %.3g + %.3g*|expected|)",
		i, n, got, want, atol, rtol);
	return false;
}

bool kb_check_f32(struct kb_state *s, const float *got, const float *want, size_t n,
		  double rtol, double atol)
{
	for (size_t i = 0; i < n; i++)
		if (!close_enough(got[i], want[i], rtol, atol))
			return check_failed(s, i, n, got[i], want[i], rtol, atol);
	kb_set_validated(s);
	return true;
}

bool kb_check_f64(struct kb_state *s, const double *got, const double *want, size_t n,
		  double rtol, double atol)
{
	for (size_t i = 0; i < n; i++)
		if (!close_enough(got[i], want[i], rtol, atol))
			return check_failed(s, i, n, got[i], want[i], rtol, atol);
	kb_set_validated(s);
	return true;
}
