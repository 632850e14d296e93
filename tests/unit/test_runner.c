/*
 * The runner with an injected fake clock: every iteration of a fake body
 * advances virtual time by a known amount, so calibration, the stopping
 * rule, the interleaving order, pause/resume and the statuses can be
 * checked exactly.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kbench.h"
#include "registry.h"
#include "result.h"
#include "runner.h"
#include "timer.h"

static uint64_t now_ns;
static uint64_t fake_wall(void *ctx) { (void)ctx; return now_ns; }
static uint64_t fake_cpu(void *ctx) { (void)ctx; return now_ns; }
static const struct kb_clock fake_clock = { fake_wall, fake_cpu, NULL };

/* Call log: the first letter of each id per round call. */
static char order_log[4096];
static size_t order_len;
static int validations;
static uint64_t noisy_counter;

KB_BENCH(f, steady)
{
	int64_t cost = kb_arg(state, 0);
	if (!kb_validating(state) && order_len < sizeof(order_log) - 1)
		order_log[order_len++] = (char)('0' + cost % 10);
	while (kb_loop(state))
		now_ns += (uint64_t)cost;
	if (kb_validating(state)) {
		validations++;
		kb_set_validated(state);
	}
	kb_set_flops(state, 2.0 * (double)cost);
	kb_set_bytes(state, 8 * (uint64_t)cost);
}
KB_ARGS(f, steady, 11, 22, 33, 44, 55);

KB_BENCH(f, paused)
{
	while (kb_loop(state)) {
		now_ns += 100;
		kb_pause(state);
		now_ns += 5000; /* not timed */
		kb_resume(state);
	}
}

KB_BENCH(f, skipper)
{
	kb_skip(state, "no widget on this machine");
}

KB_BENCH(f, failer)
{
	while (kb_loop(state))
		now_ns += 10;
	if (kb_validating(state)) {
		float got[3] = { 1, 2, 4 }, want[3] = { 1, 2, 3 };
		kb_check_f32(state, got, want, 3, 1e-6, 0);
	}
}

KB_BENCH(f, noloop)
{
	(void)state;
}

KB_BENCH(f, noisy)
{
	/* iterations uniform in 1..2 ms, one per sample: the CI of the
	 * median never gets within 1 % */
	while (kb_loop(state)) {
		noisy_counter = noisy_counter * 6364136223846793005ULL + 1442695040888963407ULL;
		now_ns += 1000000 + (noisy_counter >> 44); /* uniform 1..2 ms */
	}
}

KB_BENCH(f, input)
{
	float *x = kb_input_f32(state, 1000);
	double *y = kb_input_f64(state, 1000);
	if (!x || !y)
		return;
	for (int i = 0; i < 1000; i++)
		if (x[i] == 0 || !(x[i] >= -1 && x[i] < 1) || y[i] == 0)
			kb_fail(state, "bad input value at %d", i);
	kb_set_counter(state, "x0", x[0]);
	kb_set_counter(state, "y999", y[999]);
	while (kb_loop(state))
		now_ns += 50;
}

KB_BENCH(f, huge)
{
	void *p = kb_alloc(state, (size_t)1 << 62);
	if (!p)
		return;
	while (kb_loop(state))
		now_ns += 1;
}

/* An element count whose byte size overflows size_t (2^62 floats), and a
 * negative count: refused by name, never a wrapped-around small buffer. */
KB_BENCH(f, overflow)
{
	float *x = kb_input_f32(state, ((size_t)1 << 62) + 1);
	if (!x)
		return;
	while (kb_loop(state))
		x[0] += 1;
}

KB_BENCH(f, negative)
{
	int64_t n = -5;
	double *y = kb_output_f64(state, (size_t)n);
	if (!y)
		return;
	while (kb_loop(state))
		y[0] = 1;
}

/* A round that starts cold: for the first 4 ms of each call every
 * iteration costs twice as much (the caches a neighbour took, refilling). */
KB_BENCH(f, cold)
{
	uint64_t start = now_ns;
	while (kb_loop(state))
		now_ns += now_ns - start < 4000000 ? 200 : 100;
}

/* Inputs kept between rounds: the same memory, the same values, and
 * regenerated when a body wrote into its input. */
static float seen_first[64];
static const void *seen_ptr[64];
static int seen_calls;

KB_BENCH(f, reuse)
{
	float *x = kb_input_f32(state, 100000);
	float *y = kb_output_f32(state, 100000);
	if (!x || !y)
		return;
	if (seen_calls < 64) {
		seen_first[seen_calls] = x[0];
		seen_ptr[seen_calls] = x;
		seen_calls++;
	}
	if (y[5] == y[5])
		kb_fail(state, "output not poisoned again");
	y[5] = 1;
	if (kb_param(state, "scribble", 0))
		x[0] = 1234.0f; /* an in-place kernel */
	while (kb_loop(state))
		now_ns += 100;
}
KB_SPACE(f, reuse, "scribble=0,1");

static struct kb_instance_list all;

static int run_filtered(const char *pattern, struct kb_config *cfg, struct kb_run *run)
{
	const struct kb_instance *sel[64];
	struct kb_filter *f;
	size_t n = 0;

	kb_filter_new(pattern, &f);
	for (size_t i = 0; i < all.n && n < 64; i++)
		if (kb_filter_match(f, all.v[i].id))
			sel[n++] = &all.v[i];
	kb_filter_free(f);
	memset(run, 0, sizeof(*run));
	cfg->clock = &fake_clock;
	return kb_runner_run(cfg, sel, n, NULL, run);
}

static int setup(void **st)
{
	(void)st;
	return kb_registry_expand(false, false, &all);
}

static int teardown(void **st)
{
	(void)st;
	kb_instance_list_clear(&all);
	kb_registry_reset();
	return 0;
}

static void steady_converges_exactly(void **st)
{
	struct kb_config cfg;
	struct kb_run run;
	(void)st;
	kb_config_defaults(&cfg);
	validations = 0;
	assert_int_equal(run_filtered("^f/steady/", &cfg, &run), 0);
	assert_int_equal(run.nresults, 5);
	for (size_t i = 0; i < run.nresults; i++) {
		const struct kb_result *r = &run.results[i];
		double cost = (double)(11 * (i + 1));
		assert_int_equal(r->status, KB_STATUS_OK);
		assert_true(fabs(r->summary.median - cost) < 1e-9);
		assert_true(r->summary.converged);
		/* zero spread: stops at the minimum number of rounds */
		assert_int_equal(r->rounds, cfg.min_rounds);
		assert_int_equal(r->nsamples, cfg.min_rounds * cfg.samples_per_round);
		/* a sample lasts at least min_time (1 ms) */
		assert_true((double)r->iterations_per_sample * cost >= 1e6);
		assert_true((double)r->iterations_per_sample * cost < 1e7);
		assert_int_equal(r->validated, 1);
		assert_true(fabs(kb_result_counter(r, "gflops")->value - 2.0) < 1e-9);
		assert_true(fabs(kb_result_counter(r, "gbps")->value - 8.0) < 1e-9);
		assert_int_equal(r->sample_round[r->nsamples - 1], cfg.min_rounds - 1);
	}
	assert_int_equal(validations, 5);
	kb_run_clear(&run);
}

static void order_is_seeded(void **st)
{
	struct kb_config cfg;
	struct kb_run run;
	char first[4096], second[4096];
	(void)st;
	kb_config_defaults(&cfg);
	cfg.rounds = 8;
	order_len = 0;
	assert_int_equal(run_filtered("^f/steady/", &cfg, &run), 0);
	kb_run_clear(&run);
	order_log[order_len] = 0;
	strcpy(first, order_log);
	order_len = 0;
	assert_int_equal(run_filtered("^f/steady/", &cfg, &run), 0);
	kb_run_clear(&run);
	order_log[order_len] = 0;
	strcpy(second, order_log);
	assert_string_equal(first, second);
	/* the order differs between rounds (not registration order each time) */
	assert_true(strncmp(first + 5, first + 10, 5) != 0 || strncmp(first + 10, first + 15, 5) != 0);
	cfg.seed = 7;
	order_len = 0;
	assert_int_equal(run_filtered("^f/steady/", &cfg, &run), 0);
	kb_run_clear(&run);
	order_log[order_len] = 0;
	assert_string_not_equal(first, order_log);
}

static void pause_excludes_time(void **st)
{
	struct kb_config cfg;
	struct kb_run run;
	(void)st;
	kb_config_defaults(&cfg);
	assert_int_equal(run_filtered("^f/paused$", &cfg, &run), 0);
	assert_int_equal(run.results[0].status, KB_STATUS_OK);
	assert_true(fabs(run.results[0].summary.median - 100) < 1e-9);
	kb_run_clear(&run);
}

static void statuses(void **st)
{
	struct kb_config cfg;
	struct kb_run run;
	const struct kb_result *r;
	(void)st;
	kb_config_defaults(&cfg);
	assert_int_equal(run_filtered("^f/(skipper|failer|noloop|huge|overflow|negative)$", &cfg, &run), 0);
	r = kb_run_find(&run, "f/skipper");
	assert_int_equal(r->status, KB_STATUS_SKIPPED);
	assert_string_equal(r->message, "no widget on this machine");
	r = kb_run_find(&run, "f/failer");
	assert_int_equal(r->status, KB_STATUS_ERROR);
	assert_non_null(strstr(r->message, "element 2 of 3 is 4"));
	assert_int_equal(r->validated, 0);
	r = kb_run_find(&run, "f/noloop");
	assert_int_equal(r->status, KB_STATUS_ERROR);
	assert_non_null(strstr(r->message, "kb_loop"));
	r = kb_run_find(&run, "f/huge");
	assert_int_equal(r->status, KB_STATUS_ERROR);
	assert_non_null(strstr(r->message, "available"));
	r = kb_run_find(&run, "f/overflow");
	assert_int_equal(r->status, KB_STATUS_ERROR);
	assert_non_null(strstr(r->message, "an array of 4611686018427387905 elements of 4 bytes"));
	r = kb_run_find(&run, "f/negative");
	assert_int_equal(r->status, KB_STATUS_ERROR);
	assert_non_null(strstr(r->message, "elements of 8 bytes is larger than any memory"));
	kb_run_clear(&run);
}

static void noisy_hits_time_cap(void **st)
{
	struct kb_config cfg;
	struct kb_run run;
	(void)st;
	kb_config_defaults(&cfg);
	cfg.max_time_s = 0.5;
	assert_int_equal(run_filtered("^f/noisy$", &cfg, &run), 0);
	assert_int_equal(run.results[0].status, KB_STATUS_OK);
	assert_false(run.results[0].summary.converged);
	assert_true(run.results[0].elapsed_s >= 0.5);
	assert_true(run.results[0].elapsed_s < 0.7);
	kb_run_clear(&run);
}

static void inputs_are_seeded(void **st)
{
	struct kb_config cfg;
	struct kb_run a, b, c;
	(void)st;
	kb_config_defaults(&cfg);
	cfg.rounds = 1;
	assert_int_equal(run_filtered("^f/input$", &cfg, &a), 0);
	assert_int_equal(run_filtered("^f/input$", &cfg, &b), 0);
	cfg.seed = 43;
	assert_int_equal(run_filtered("^f/input$", &cfg, &c), 0);
	assert_int_equal(a.results[0].status, KB_STATUS_OK);
	assert_true(kb_result_counter(&a.results[0], "x0")->value ==
		    kb_result_counter(&b.results[0], "x0")->value);
	assert_true(kb_result_counter(&a.results[0], "y999")->value ==
		    kb_result_counter(&b.results[0], "y999")->value);
	assert_true(kb_result_counter(&a.results[0], "x0")->value !=
		    kb_result_counter(&c.results[0], "x0")->value);
	kb_run_clear(&a);
	kb_run_clear(&b);
	kb_run_clear(&c);
}

/* --refill: the dropped batches of each round cover the cold start, and
 * as many samples as before are kept; with one dropped batch only
 * (--refill=0) the cold samples are kept. */
static void refill_drops_the_cold_start(void **st)
{
	struct kb_config cfg;
	struct kb_run run;
	(void)st;
	for (int refill = 1; refill >= 0; refill--) {
		kb_config_defaults(&cfg);
		cfg.rounds = 4;
		if (!refill)
			cfg.refill_s = 0;
		assert_int_equal(run_filtered("^f/cold$", &cfg, &run), 0);
		const struct kb_result *r = &run.results[0];
		assert_int_equal(r->status, KB_STATUS_OK);
		assert_int_equal(r->nsamples, 4 * cfg.samples_per_round);
		double hi = 0;
		for (size_t i = 0; i < r->nsamples; i++)
			hi = r->samples_ns[i] > hi ? r->samples_ns[i] : hi;
		if (refill)
			assert_true(fabs(hi - 100) < 1e-9);
		else
			assert_true(hi > 120);
		kb_run_clear(&run);
	}
}

static void fixed_iterations(void **st)
{
	struct kb_config cfg;
	struct kb_run run;
	(void)st;
	kb_config_defaults(&cfg);
	cfg.fixed_iters = 100;
	cfg.rounds = 3;
	assert_int_equal(run_filtered("^f/steady/11$", &cfg, &run), 0);
	assert_int_equal(run.results[0].iterations_per_sample, 100);
	assert_int_equal(run.results[0].rounds, 3);
	kb_run_clear(&run);
}

static void inputs_kept_between_rounds(void **st)
{
	struct kb_config cfg;
	struct kb_run run;
	(void)st;
	for (int scribble = 0; scribble <= 1; scribble++) {
		kb_config_defaults(&cfg);
		cfg.rounds = 4;
		seen_calls = 0;
		assert_int_equal(run_filtered(scribble ? "^f/reuse/1$" : "^f/reuse/0$", &cfg, &run), 0);
		assert_int_equal(run.results[0].status, KB_STATUS_OK);
		assert_int_equal(seen_calls, 6); /* warmup, 4 rounds, validation */
		for (int i = 1; i < seen_calls; i++) {
			assert_true(seen_first[i] == seen_first[0]);
			assert_true(seen_ptr[i] == seen_ptr[0]); /* kept, not reallocated */
		}
		assert_true(seen_first[0] != 1234.0f);
		kb_run_clear(&run);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steady_converges_exactly),
		cmocka_unit_test(order_is_seeded),
		cmocka_unit_test(pause_excludes_time),
		cmocka_unit_test(statuses),
		cmocka_unit_test(noisy_hits_time_cap),
		cmocka_unit_test(inputs_are_seeded),
		cmocka_unit_test(fixed_iterations),
		cmocka_unit_test(refill_drops_the_cold_start),
		cmocka_unit_test(inputs_kept_between_rounds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
