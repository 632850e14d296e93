/*
 * ab.c - paired, interleaved A/B comparison of two benchmark binaries.
 * The method and its arithmetic are described in ab.h.
 */
#define _GNU_SOURCE
#include "ab.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"
#include "json_read.h"
#include "pstats.h"
#include "stats.h"

extern char **environ;

/* ---- names ---------------------------------------------------------------- */

const char *kb_ab_estimator_name(enum kb_ab_estimator e)
{
	return e == KB_AB_MEDIAN ? "median" : "hodges-lehmann";
}

int kb_ab_estimator_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "hodges-lehmann") || !strcmp(name, "hl"))
		return KB_AB_HODGES_LEHMANN;
	if (!strcmp(name, "median") || !strcmp(name, "sign"))
		return KB_AB_MEDIAN;
	return -1;
}

const char *kb_ab_flag_name(enum kb_ab_flag f)
{
	switch (f) {
	case KB_AB_UNCHANGED: return "unchanged";
	case KB_AB_SLOWER: return "slower";
	case KB_AB_FASTER: return "faster";
	default: return "undecided";
	}
}

const char *kb_ab_stop_name(enum kb_ab_stop s)
{
	switch (s) {
	case KB_AB_STOP_PLANNED: return "planned";
	case KB_AB_STOP_TIME: return "time-cap";
	case KB_AB_STOP_INTERRUPTED: return "interrupted";
	case KB_AB_STOP_ERROR: return "error";
	default: return "none";
	}
}

/* Why a stage ended before its planned length, for notes. */
static const char *early_stop_text(enum kb_ab_stop stop)
{
	return stop == KB_AB_STOP_INTERRUPTED ? "interrupted" : "--max-time";
}

/* ---- the statistics of one stage ----------------------------------------- */

int kb_ab_interval_compute(const double *d, size_t n, enum kb_ab_estimator est, double alpha,
			   struct kb_ab_interval *out)
{
	int rc;

	out->n = n;
	out->alpha = alpha;
	out->estimate = NAN;
	out->low = -INFINITY;
	out->high = INFINITY;
	if (est == KB_AB_MEDIAN)
		rc = kb_stats_median_bounds(d, n, alpha, &out->estimate, &out->low, &out->high);
	else
		rc = kb_stats_hodges_lehmann(d, n, alpha, &out->estimate, &out->low, &out->high);
	return rc;
}

enum kb_ab_flag kb_ab_classify(const struct kb_ab_interval *iv, double threshold, double floor)
{
	double thr = log1p(threshold), flo = log1p(floor);

	if (iv->n == 0 || !isfinite(iv->estimate))
		return KB_AB_UNDECIDED;
	if (iv->low > flo && iv->estimate > thr)
		return KB_AB_SLOWER;
	if (iv->high < -flo && iv->estimate < -thr)
		return KB_AB_FASTER;
	if (iv->low > -thr && iv->high < thr)
		return KB_AB_UNCHANGED;
	return KB_AB_UNDECIDED;
}

double kb_ab_stage_alpha(double alpha, size_t nbench, bool confirm)
{
	double k = nbench ? (double)nbench : 1;

	return confirm ? sqrt(alpha / k) : alpha / k;
}

size_t kb_ab_rounds_needed(double stage_alpha)
{
	size_t n = 1;

	while (n < 64 && ldexp(1.0, -(int)n) > stage_alpha)
		n++;
	return n;
}

double kb_ab_half_width(double threshold, double floor, double target_ci)
{
	return target_ci > 0 ? log1p(target_ci) : log1p(threshold) - log1p(floor);
}

size_t kb_ab_stein_rounds(double s0, size_t n0, double stage_alpha, double h, size_t n_min)
{
	const double most = 1e6;
	double t, n;

	if (n0 < 2 || !(h > 0) || !isfinite(s0) || s0 < 0)
		return (size_t)most;
	t = kb_stats_t_quantile(1 - stage_alpha, (double)(n0 - 1));
	n = ceil(t * s0 / h * (t * s0 / h) * M_PI / 3);
	if (!(n < most))
		return (size_t)most;
	return n > (double)n_min ? (size_t)n : n_min;
}

/* ---- the filter ------------------------------------------------------------ */

char *kb_ab_filter_regex(const char *const *ids, size_t n)
{
	size_t len = 4, k = 0;
	char *re;

	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(ids[i]) + 1;
	re = malloc(len);
	if (!re)
		return NULL;
	re[k++] = '^';
	re[k++] = '(';
	for (size_t i = 0; i < n; i++) {
		if (i)
			re[k++] = '|';
		for (const char *p = ids[i]; *p; p++) {
			if (strchr(".[]{}()\\*+?^$|", *p))
				re[k++] = '\\';
			re[k++] = *p;
		}
	}
	re[k++] = ')';
	re[k++] = '$';
	re[k] = '\0';
	return re;
}

/* ---- the fork/exec backend ------------------------------------------------ */

static double exec_now_s(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Variables of the runner that would change what a child prints. */
static const char *const stripped_env[] = {
	"KBENCH_OUT", "KBENCH_OUT_FORMAT", "KBENCH_LIST", "KBENCH_FORMAT", "KBENCH_AB_PAD",
	"KBENCH_PROCESSES",
};

static bool env_key_is(const char *entry, const char *key, size_t keylen)
{
	return strncmp(entry, key, keylen) == 0 && entry[keylen] == '=';
}

static bool env_dropped(const char *entry, const struct kb_ab_options *opt, int arm)
{
	for (size_t i = 0; i < sizeof(stripped_env) / sizeof(stripped_env[0]); i++)
		if (env_key_is(entry, stripped_env[i], strlen(stripped_env[i])))
			return true;
	for (size_t i = 0; i < opt->nenv; i++) {
		const char *eq = strchr(opt->env[i].kv, '=');

		if ((opt->env[i].arm < 0 || opt->env[i].arm == arm) && eq &&
		    env_key_is(entry, opt->env[i].kv, (size_t)(eq - opt->env[i].kv)))
			return true;
	}
	return false;
}

/* environ without the stripped variables, plus the arm's own, plus padding.
 * The strings are borrowed except the last one (the padding), owned. */
static char **child_env(const struct kb_ab_options *opt, int arm, size_t pad)
{
	size_t n = 0, k = 0;
	char **env, *padvar;

	for (char **e = environ; e && *e; e++)
		n++;
	env = calloc(n + opt->nenv + 4, sizeof(*env));
	padvar = malloc(sizeof("KBENCH_AB_PAD=") + pad);
	if (!env || !padvar) {
		free(env);
		free(padvar);
		return NULL;
	}
	for (char **e = environ; e && *e; e++)
		if (!env_dropped(*e, opt, arm))
			env[k++] = *e;
	for (size_t i = 0; i < opt->nenv; i++)
		if (opt->env[i].arm < 0 || opt->env[i].arm == arm)
			env[k++] = (char *)opt->env[i].kv;
	/* the medians are all a round needs: no peak calibration in every child
	 * (an environment mirror, so an older build simply ignores it) */
	env[k++] = "KBENCH_NO_PEAKS=1";
	/* a round is one process: kbench-ab's own rounds are the processes */
	env[k++] = "KBENCH_PROCESSES=1";
	strcpy(padvar, "KBENCH_AB_PAD=");
	memset(padvar + strlen(padvar), 'x', pad);
	padvar[strlen("KBENCH_AB_PAD=") + pad] = '\0';
	env[k++] = padvar;
	env[k] = NULL;
	return env;
}

static void child_env_free(char **env)
{
	size_t k = 0;

	if (!env)
		return;
	while (env[k])
		k++;
	if (k)
		free(env[k - 1]);
	free(env);
}

static volatile sig_atomic_t ab_interrupted;

void kb_ab_interrupt(int sig)
{
	ab_interrupted = sig ? sig : SIGINT;
}

bool kb_ab_runner_arg_ok(const char *arg, const char **own)
{
	static const struct {
		const char *flag, *own;
	} taken[] = {
		{ "--format", "--format" }, { "--out", "--out" }, { "--out-format", "" },
		{ "--list", "" }, { "--rounds", "--rounds" }, { "--seed", "--seed" },
		{ "--pin", "--cpu" }, { "--threads", "--cpu" }, { "--filter", "--filter" },
		{ "--warmup", "--warmup" }, { "--min-time", "--min-time" },
		{ "--samples", "--samples" }, { "--metric", "--metric" },
		{ "--benchmark_format", "--format" }, { "--benchmark_out", "--out" },
		{ "--benchmark_out_format", "" }, { "--benchmark_list_tests", "" },
		{ "--benchmark_filter", "--filter" }, { "--benchmark_min_time", "--min-time" },
		{ "--benchmark_min_warmup_time", "--warmup" }, { "--benchmark_repetitions", "--rounds" },
	};

	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		size_t n = strlen(taken[i].flag);

		if (strncmp(arg, taken[i].flag, n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
			*own = taken[i].own;
			return false;
		}
	}
	*own = NULL;
	return true;
}

/* argv[0..n) then the runner flags given to both arms, then NULL: malloc'ed. */
static char **with_runner_args(char *const *argv, size_t n, const struct kb_ab_options *opt)
{
	char **v = calloc(n + opt->nrunner_args + 1, sizeof(*v));

	if (!v)
		return NULL;
	memcpy(v, argv, n * sizeof(*v));
	for (size_t i = 0; i < opt->nrunner_args; i++)
		v[n + i] = opt->runner_args[i];
	return v;
}

/* Runs argv with envp, capturing stdout and stderr; killed after timeout_s. */
static int run_child(char *const argv[], char *const envp[], double timeout_s, struct kb_proc *p)
{
	int rc;

	p->argv = argv;
	p->env = envp;
	p->capture_out = p->capture_err = true;
	p->timeout_s = timeout_s;
	rc = kb_proc_run(p);
	if (!rc && p->timed_out)
		rc = kb_error(KB_EIO, "%s did not finish within %.0f s and was killed", argv[0], timeout_s);
	return rc;
}

static const char *arm_name(int arm)
{
	return arm == 0 ? "OLD" : "NEW";
}

static int exec_list(void *ctx, const struct kb_ab_options *opt, int arm, const char *binary,
		     char ***ids, size_t *n)
{
	struct kb_proc p = KB_PROC_INIT;
	char *argv[4], *filter = NULL, why[128], tail[512];
	char **env = child_env(opt, arm, 0), **v = NULL, **full;
	int rc, argc = 0;
	size_t count = 0, cap = 0;

	(void)ctx;
	*ids = NULL;
	*n = 0;
	if (opt->filter && *opt->filter && asprintf(&filter, "--filter=%s", opt->filter) < 0)
		filter = NULL;
	if (!env || (opt->filter && *opt->filter && !filter)) {
		child_env_free(env);
		free(filter);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	argv[argc++] = (char *)binary;
	argv[argc++] = "--list";
	if (filter)
		argv[argc++] = filter;
	argv[argc] = NULL;
	full = with_runner_args(argv, (size_t)argc, opt);
	rc = full ? run_child(full, env, 60, &p) : kb_error(KB_ENOMEM, "out of memory");
	free(full);
	child_env_free(env);
	free(filter);
	if (rc)
		goto out;
	if (!kb_proc_ok(p.status)) {
		kb_proc_describe(p.status, why, sizeof(why));
		rc = kb_error(KB_EIO, "%s binary %s --list failed (%s): %s", arm_name(arm), binary, why,
			      kb_proc_last_line(p.err, tail, sizeof(tail)));
		goto out;
	}
	for (char *line = p.out, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		if (count == cap) {
			char **nv = realloc(v, (cap = cap ? 2 * cap : 32) * sizeof(*v));

			if (!nv) {
				rc = kb_error(KB_ENOMEM, "out of memory");
				goto out;
			}
			v = nv;
		}
		if (!(v[count] = strdup(line))) {
			rc = kb_error(KB_ENOMEM, "out of memory");
			goto out;
		}
		count++;
	}
	*ids = v;
	*n = count;
	v = NULL;
out:
	if (v) {
		for (size_t i = 0; i < count; i++)
			free(v[i]);
		free(v);
	}
	kb_proc_release(&p);
	return rc;
}

static int exec_run(void *ctx, const struct kb_ab_options *opt, const struct kb_ab_child *c,
		    struct kb_run *run)
{
	struct kb_proc p = KB_PROC_INIT;
	char a_warm[64], a_pin[256], a_threads[64], a_seed[64], a_min[64], a_samples[64];
	char *a_filter, *argv[16], why[128], tail[512], name[64], **full;
	char **env = child_env(opt, c->arm, c->env_pad);
	int rc, argc = 0;

	(void)ctx;
	a_filter = malloc(strlen(c->filter) + sizeof("--filter="));
	if (!env || !a_filter) {
		child_env_free(env);
		free(a_filter);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	sprintf(a_filter, "--filter=%s", c->filter);
	snprintf(a_warm, sizeof(a_warm), "--warmup=%g", opt->warmup_s);
	snprintf(a_pin, sizeof(a_pin), "--pin=%s", c->cpu);
	snprintf(a_threads, sizeof(a_threads), "--threads=%d", c->threads);
	snprintf(a_seed, sizeof(a_seed), "--seed=%llu", (unsigned long long)c->seed);
	argv[argc++] = (char *)c->binary;
	argv[argc++] = "--format=json";
	argv[argc++] = "--rounds=1";
	argv[argc++] = a_warm;
	argv[argc++] = a_pin;
	argv[argc++] = a_threads;
	argv[argc++] = a_seed;
	argv[argc++] = a_filter;
	if (isfinite(opt->min_time_s)) {
		snprintf(a_min, sizeof(a_min), "--min-time=%g", opt->min_time_s);
		argv[argc++] = a_min;
	}
	if (opt->samples) {
		snprintf(a_samples, sizeof(a_samples), "--samples=%zu", opt->samples);
		argv[argc++] = a_samples;
	}
	if (c->instructions)
		argv[argc++] = "--metric=instructions";
	argv[argc] = NULL;
	full = with_runner_args(argv, (size_t)argc, opt);
	rc = full ? run_child(full, env, c->timeout_s > 0 ? c->timeout_s : 3600, &p)
		  : kb_error(KB_ENOMEM, "out of memory");
	free(full);
	child_env_free(env);
	free(a_filter);
	if (rc)
		goto out;
	/* exit 1 means a benchmark failed: its JSON says which */
	if (!WIFEXITED(p.status) || (WEXITSTATUS(p.status) != 0 && WEXITSTATUS(p.status) != 1) ||
	    p.out_len == 0) {
		kb_proc_describe(p.status, why, sizeof(why));
		rc = kb_error(KB_EIO, "%s binary %s failed (%s) in a round: %s", arm_name(c->arm),
			      c->binary, why, kb_proc_last_line(p.err, tail, sizeof(tail)));
		goto out;
	}
	snprintf(name, sizeof(name), "%s output", arm_name(c->arm));
	if ((rc = kb_run_parse(p.out, p.out_len, name, run))) {
		char why_json[512];

		snprintf(why_json, sizeof(why_json), "%s", kb_last_error());
		rc = kb_error(KB_EMISMATCH, "%s binary %s does not print kbench JSON with --format=json: %s",
			      arm_name(c->arm), c->binary, why_json);
	}
out:
	kb_proc_release(&p);
	return rc;
}

const struct kb_ab_backend kb_ab_exec_backend = {
	.list = exec_list,
	.run = exec_run,
	.now_s = exec_now_s,
	.ctx = NULL,
};

/* ---- options --------------------------------------------------------------- */

void kb_ab_options_init(struct kb_ab_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->threshold = 0.05;
	opt->floor = 0.01;
	opt->alpha = 0.01;
	opt->target_ci = 0;
	opt->screen_rounds = 20;
	opt->max_rounds = 40;
	opt->max_time_s = 300;
	opt->seed = 1;
	opt->confirm = true;
	opt->estimator = KB_AB_HODGES_LEHMANN;
	opt->warmup_s = 0.02;
	opt->min_time_s = NAN;
	opt->instructions_threshold = 0.005;
}

static int check_options(const struct kb_ab_options *o)
{
	if (!(o->threshold > 0 && o->threshold < 10))
		return kb_error(KB_EINVAL, "threshold %g: expected a relative value in (0, 10)", o->threshold);
	if (!(o->floor >= 0 && o->floor <= o->threshold))
		return kb_error(KB_EINVAL, "floor %g: expected 0 <= floor <= threshold (%g)", o->floor,
				o->threshold);
	if (!(o->alpha > 0 && o->alpha < 0.5))
		return kb_error(KB_EINVAL, "alpha %g: expected a value in (0, 0.5)", o->alpha);
	if (!(o->target_ci >= 0 && o->target_ci < 10))
		return kb_error(KB_EINVAL, "target-ci %g: expected a relative value in [0, 10) "
				"(0: threshold minus floor)", o->target_ci);
	if (o->screen_rounds < 2 || o->screen_rounds > 10000 || o->max_rounds < 1 ||
	    o->max_rounds > 10000)
		return kb_error(KB_EINVAL, "rounds %zu, max-rounds %zu: expected 2 <= rounds <= 10000 "
				"and 1 <= max-rounds <= 10000", o->screen_rounds, o->max_rounds);
	if (!(o->max_time_s > 0))
		return kb_error(KB_EINVAL, "max-time %g: expected a positive number of seconds",
				o->max_time_s);
	if (o->metric && strcmp(o->metric, "time") != 0 && strcmp(o->metric, "instructions") != 0)
		return kb_error(KB_EINVAL, "metric %s: expected time or instructions", o->metric);
	if (!(o->instructions_threshold > 0 && o->instructions_threshold < 10))
		return kb_error(KB_EINVAL, "instructions threshold %g: expected a relative value in (0, 10)",
				o->instructions_threshold);
	if (!(o->warmup_s >= 0))
		return kb_error(KB_EINVAL, "warmup %g: expected seconds >= 0", o->warmup_s);
	for (size_t i = 0; i < o->nenv; i++) {
		const char *kv = o->env[i].kv;

		if (!kv || !strchr(kv, '=') || kv[0] == '=')
			return kb_error(KB_EINVAL, "environment entry '%s': expected KEY=VALUE",
					kv ? kv : "(null)");
	}
	return 0;
}

/* ---- helpers for the run --------------------------------------------------- */

static int add_warning(struct kb_ab *ab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_warning(struct kb_ab *ab, const char *fmt, ...)
{
	char **w = realloc(ab->warnings, (ab->nwarnings + 1) * sizeof(*w));
	va_list ap;
	int len;

	if (!w)
		return kb_error(KB_ENOMEM, "out of memory");
	ab->warnings = w;
	va_start(ap, fmt);
	len = vasprintf(&w[ab->nwarnings], fmt, ap);
	va_end(ap);
	if (len < 0)
		return kb_error(KB_ENOMEM, "out of memory");
	ab->nwarnings++;
	return 0;
}

static int set_note(struct kb_ab_bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_note(struct kb_ab_bench *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len < 0)
		return kb_error(KB_ENOMEM, "out of memory");
	free(b->note);
	b->note = s;
	return 0;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The binaries must list the same benchmarks; names the differences. */
static int check_lists(char **a, size_t na, char **b, size_t nb)
{
	char msg[1024];
	size_t used = 0, i = 0, j = 0, shown = 0;

	/* one binary lists nothing: not a kbench binary, or its filter matches
	 * nothing there; say that, not "80 differ" (both empty: nothing to
	 * compare, reported by the caller) */
	if ((na == 0) != (nb == 0))
		return kb_error(KB_EMISMATCH, "%s lists no benchmarks (%s lists %zu): is it a kbench "
				"binary, and does --filter match anything in it?", na == 0 ? "OLD" : "NEW",
				na == 0 ? "NEW" : "OLD", na == 0 ? nb : na);
	qsort(a, na, sizeof(*a), cmp_str);
	qsort(b, nb, sizeof(*b), cmp_str);
	for (size_t k = 1; k < na; k++)
		if (!strcmp(a[k], a[k - 1]))
			return kb_error(KB_EMISMATCH, "OLD lists benchmark %s twice", a[k]);
	for (size_t k = 1; k < nb; k++)
		if (!strcmp(b[k], b[k - 1]))
			return kb_error(KB_EMISMATCH, "NEW lists benchmark %s twice", b[k]);
	msg[0] = '\0';
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		const char *side = c < 0 ? "only in OLD" : "only in NEW";
		const char *id = c < 0 ? a[i] : b[j];

		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (c < 0)
			i++;
		else
			j++;
		if (shown++ < 8 && used < sizeof(msg))
			used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s%s: %s",
						 used ? "; " : "", side, id);
	}
	if (shown)
		return kb_error(KB_EMISMATCH,
				"the two binaries list different benchmarks (%zu differ; compare their "
				"--list output, or select the common ones with --filter): %s%s",
				shown, msg, shown > 8 ? "; ..." : "");
	return 0;
}

static int bench_push(struct kb_ab_bench *b, const struct kb_ab_round *r)
{
	if (b->nrounds == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 32;
		struct kb_ab_round *v = realloc(b->rounds, cap * sizeof(*v));

		if (!v)
			return kb_error(KB_ENOMEM, "out of memory");
		b->rounds = v;
		b->cap = cap;
	}
	b->rounds[b->nrounds++] = *r;
	return 0;
}

/* Log-ratios of the rounds of stage `stage` (1 screen, 2 confirmation) into
 * d (capacity b->nrounds). */
static size_t gather(const struct kb_ab_bench *b, int stage, double *d)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nrounds; i++)
		if (b->rounds[i].stage == stage)
			d[n++] = b->rounds[i].log_ratio;
	return n;
}

/* The interval of one stage's rounds (1 screen, 2 confirmation), never of
 * the two pooled. */
static int stage_interval(const struct kb_ab *ab, const struct kb_ab_bench *b, int stage,
			  struct kb_ab_interval *iv)
{
	double *d;
	size_t n;
	int rc = 0;

	memset(iv, 0, sizeof(*iv));
	iv->alpha = ab->stage_alpha;
	iv->estimate = NAN;
	iv->low = -INFINITY;
	iv->high = INFINITY;
	if (!b->nrounds)
		return 0;
	d = malloc(b->nrounds * sizeof(*d));
	if (!d)
		return kb_error(KB_ENOMEM, "out of memory");
	n = gather(b, stage, d);
	if (n)
		rc = kb_ab_interval_compute(d, n, ab->opt.estimator, ab->stage_alpha, iv);
	free(d);
	return rc;
}

/* The sample standard deviation of the screen's log-ratios (NAN below 2). */
static double screen_sd(const struct kb_ab_bench *b)
{
	double sum = 0, sum2 = 0, mean;
	size_t n = 0;

	for (size_t i = 0; i < b->nrounds; i++)
		if (b->rounds[i].stage == 1) {
			sum += b->rounds[i].log_ratio;
			n++;
		}
	if (n < 2)
		return NAN;
	mean = sum / (double)n;
	for (size_t i = 0; i < b->nrounds; i++)
		if (b->rounds[i].stage == 1)
			sum2 += (b->rounds[i].log_ratio - mean) * (b->rounds[i].log_ratio - mean);
	return sqrt(sum2 / (double)(n - 1));
}

static double pct(double log_ratio)
{
	return expm1(log_ratio) * 100;
}

static enum kb_verdict flag_verdict(enum kb_ab_flag f)
{
	return f == KB_AB_SLOWER ? KB_VERDICT_REGRESSED : KB_VERDICT_IMPROVED;
}

static const char *undecided_reason(const struct kb_ab *ab, const struct kb_ab_interval *iv)
{
	if (!isfinite(iv->low))
		return "too few rounds for a bound";
	if (iv->estimate > log1p(ab->opt.floor) && iv->high >= log1p(ab->opt.threshold))
		return "the interval reaches past the threshold";
	if (iv->estimate < -log1p(ab->opt.floor) && iv->low <= -log1p(ab->opt.threshold))
		return "the interval reaches past the threshold";
	return "too noisy to decide";
}

/* "; cut short by --max-time: 7 of 23 planned rounds" when the stage ended
 * before its planned length, else "". */
static void cut_text(const struct kb_ab_bench *b, int s, char *buf, size_t len)
{
	buf[0] = '\0';
	if ((b->stop[s] == KB_AB_STOP_TIME || b->stop[s] == KB_AB_STOP_INTERRUPTED) &&
	    b->stage[s].n < b->planned[s])
		snprintf(buf, len, "; cut short by %s: %zu of %zu planned rounds",
			 early_stop_text(b->stop[s]), b->stage[s].n, b->planned[s]);
}

/* Fixes the confirmation's length from the screen (Stein) and starts it. */
static int start_confirmation(struct kb_ab *ab, struct kb_ab_bench *b)
{
	b->screen_sd = screen_sd(b);
	b->stein_rounds = kb_ab_stein_rounds(b->screen_sd, b->stage[0].n, ab->stage_alpha,
					     ab->half_width, ab->screen_rounds);
	b->planned[1] = b->stein_rounds < ab->opt.max_rounds ? b->stein_rounds : ab->opt.max_rounds;
	b->cur_stage = 1;
	b->stage_start = b->nrounds;
	return 0;
}

/* Ends the current stage of b; may start the confirmation. */
static int end_stage(struct kb_ab *ab, struct kb_ab_bench *b, enum kb_ab_stop stop)
{
	int s = b->cur_stage, rc;
	struct kb_ab_interval *iv = &b->stage[s];
	enum kb_ab_flag f;
	char cut[128], capped[128];

	if ((rc = stage_interval(ab, b, s + 1, iv)))
		return rc;
	f = b->flag[s] = kb_ab_classify(iv, ab->opt.threshold, ab->opt.floor);
	b->stop[s] = stop;
	cut_text(b, s, cut, sizeof(cut));
	if (s == 0 && (f == KB_AB_SLOWER || f == KB_AB_FASTER) && ab->opt.confirm &&
	    stop != KB_AB_STOP_TIME && stop != KB_AB_STOP_INTERRUPTED)
		return start_confirmation(ab, b);
	b->active = false;
	if (s == 0 && (f == KB_AB_SLOWER || f == KB_AB_FASTER) && ab->opt.confirm) {
		b->verdict = KB_VERDICT_INCONCLUSIVE;
		return set_note(b, "%s in the screen (%zu rounds), no time left to confirm (%s)%s",
				kb_ab_flag_name(f), iv->n,
				stop == KB_AB_STOP_INTERRUPTED ? "interrupted" : "--max-time", cut);
	}
	if (s == 0) {
		if (f == KB_AB_SLOWER || f == KB_AB_FASTER) {
			b->verdict = flag_verdict(f);
			return set_note(b, "%zu rounds, one stage (--no-confirm)%s", iv->n, cut);
		}
		if (f == KB_AB_UNCHANGED) {
			b->verdict = KB_VERDICT_UNCHANGED;
			return *cut ? set_note(b, "unchanged in the screen%s", cut) : 0;
		}
		b->verdict = KB_VERDICT_INCONCLUSIVE;
		return set_note(b, "%s after the screen's %zu rounds%s", undecided_reason(ab, iv), iv->n,
				cut);
	}
	/* confirmation: its own rounds decide */
	capped[0] = '\0';
	if (b->stein_rounds > b->planned[1])
		snprintf(capped, sizeof(capped), "; Stein asked for %zu, --max-rounds=%zu", b->stein_rounds,
			 ab->opt.max_rounds);
	if (f == b->flag[0]) {
		b->verdict = flag_verdict(f);
		return set_note(b, "confirmed on %zu fresh rounds (%+.1f %%, bound %+.1f %%; screen sd "
				"%.1f %%%s)%s", iv->n, pct(iv->estimate),
				pct(f == KB_AB_SLOWER ? iv->low : iv->high), b->screen_sd * 100, capped, cut);
	}
	if (f == KB_AB_UNCHANGED) {
		b->verdict = KB_VERDICT_UNCHANGED;
		return set_note(b, "%s in the screen, not on %zu fresh rounds (%+.1f %%%s)%s",
				kb_ab_flag_name(b->flag[0]), iv->n, pct(iv->estimate), capped, cut);
	}
	b->verdict = KB_VERDICT_INCONCLUSIVE;
	if (f != KB_AB_UNDECIDED)
		return set_note(b, "%s in the screen but %s on %zu fresh rounds%s",
				kb_ab_flag_name(b->flag[0]), kb_ab_flag_name(f), iv->n, cut);
	return set_note(b, "%s in the screen, not confirmed on %zu fresh rounds (%+.1f %%, %s%s)%s",
			kb_ab_flag_name(b->flag[0]), iv->n, pct(iv->estimate), undecided_reason(ab, iv),
			capped, cut);
}

/* The round's time of one benchmark: the median of its samples. */
static double round_median(const struct kb_result *r)
{
	if (isfinite(r->summary.median) && r->summary.median > 0)
		return r->summary.median;
	return r->nsamples ? kb_stats_median(r->samples_ns, r->nsamples) : NAN;
}

static const char *config_value(const struct kb_run *run, const char *key)
{
	for (size_t i = 0; i < run->nconfig; i++)
		if (!strcmp(run->config[i].key, key))
			return run->config[i].value;
	return NULL;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Checks the runs of a round against each other and the ids asked for. */
static int check_runs(struct kb_ab *ab, const struct kb_run run[2], const char *const *ids,
		      size_t nids, bool first)
{
	for (int arm = 0; arm < 2; arm++) {
		if (run[arm].schema_version != KB_SCHEMA_VERSION)
			return kb_error(KB_EMISMATCH, "%s binary prints JSON schema %d, expected kbench schema %d",
					arm_name(arm), run[arm].schema_version, KB_SCHEMA_VERSION);
		for (size_t i = 0; i < nids; i++)
			if (!kb_run_find(&run[arm], ids[i]))
				return kb_error(KB_EMISMATCH, "%s binary ran no benchmark %s (asked with --filter)",
						arm_name(arm), ids[i]);
		if (run[arm].nresults != nids)
			return kb_error(KB_EMISMATCH, "%s binary ran %zu benchmarks, %zu were asked for",
					arm_name(arm), run[arm].nresults, nids);
	}
	if (!same_str(config_value(&run[0], "metric"), config_value(&run[1], "metric")))
		return kb_error(KB_EMISMATCH, "OLD measures metric %s, NEW metric %s",
				config_value(&run[0], "metric") ? config_value(&run[0], "metric") : "?",
				config_value(&run[1], "metric") ? config_value(&run[1], "metric") : "?");
	if (first) {
		const char *keys[] = { "compiler.name", "compiler.flags" };

		for (size_t k = 0; k < 2; k++) {
			const char *a = kb_run_context(&run[0], keys[k]);
			const char *b = kb_run_context(&run[1], keys[k]);

			if (!same_str(a, b) &&
			    add_warning(ab, "OLD and NEW differ in %s: \"%s\" vs \"%s\"", keys[k],
					a ? a : "null", b ? b : "null"))
				return -KB_ENOMEM;
		}
	}
	return 0;
}

/* Records one benchmark's round, or ends it on an error or skip. */
static int take_round(struct kb_ab *ab, struct kb_ab_bench *b, const struct kb_run run[2],
		      uint32_t round, bool old_first)
{
	const struct kb_result *r[2] = { kb_run_find(&run[0], b->id), kb_run_find(&run[1], b->id) };
	struct kb_ab_round x;

	for (int arm = 1; arm >= 0; arm--)
		if (r[arm]->status == KB_STATUS_ERROR) {
			b->verdict = KB_VERDICT_ERROR;
			b->failure = arm == 1;
			b->active = false;
			b->stop[b->cur_stage] = KB_AB_STOP_ERROR;
			return set_note(b, "error in %s: %s", arm_name(arm),
					r[arm]->message ? r[arm]->message : "failed");
		}
	for (int arm = 0; arm < 2; arm++)
		if (r[arm]->status == KB_STATUS_SKIPPED) {
			b->verdict = KB_VERDICT_SKIPPED;
			b->active = false;
			b->stop[b->cur_stage] = KB_AB_STOP_ERROR;
			return set_note(b, "skipped in %s: %s", arm_name(arm),
					r[arm]->message ? r[arm]->message : "skipped");
		}
	x.round = round;
	x.stage = (uint8_t)(b->cur_stage + 1);
	x.old_first = old_first;
	x.old_ns = round_median(r[0]);
	x.new_ns = round_median(r[1]);
	if (!(x.old_ns > 0) || !(x.new_ns > 0) || !isfinite(x.old_ns) || !isfinite(x.new_ns)) {
		b->verdict = KB_VERDICT_ERROR;
		b->failure = !(x.new_ns > 0 && isfinite(x.new_ns));
		b->active = false;
		b->stop[b->cur_stage] = KB_AB_STOP_ERROR;
		return set_note(b, "no usable time in round %u (OLD %g ns, NEW %g ns)", round, x.old_ns,
				x.new_ns);
	}
	x.log_ratio = log(x.new_ns / x.old_ns);
	return bench_push(b, &x);
}

static int push_pair(struct kb_ab *ab, const struct kb_ab_pair *p)
{
	if (ab->npairs == ab->pairs_cap) {
		size_t cap = ab->pairs_cap ? 2 * ab->pairs_cap : 32;
		struct kb_ab_pair *v = realloc(ab->pairs, cap * sizeof(*v));

		if (!v)
			return kb_error(KB_ENOMEM, "out of memory");
		ab->pairs = v;
		ab->pairs_cap = cap;
	}
	ab->pairs[ab->npairs++] = *p;
	return 0;
}

/* The last CPU this process may run on (CPU 0 takes most interrupts). */
static int default_cpu(char *buf, size_t len)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return kb_error(KB_EUNSUPPORTED, "cannot read the CPU affinity: %s", strerror(errno));
	for (int cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--)
		if (CPU_ISSET(cpu, &set)) {
			snprintf(buf, len, "%d", cpu);
			return 0;
		}
	return kb_error(KB_EUNSUPPORTED, "no CPU in this process's affinity mask");
}

/* CPUs in a list such as "1" or "0,1"; 0 when malformed. */
static int count_cpus(const char *list)
{
	int n = 0;
	const char *p = list;

	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p || v < 0)
			return 0;
		n++;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return 0;
	}
	return n;
}

/*
 * --metric=instructions: one counting run of each arm over every benchmark,
 * then the verdicts of ab.h ("Instructions").
 */
static int count_arms(struct kb_ab *ab, const struct kb_ab_backend *be, const char *const bins[2])
{
	const char **ids = calloc(ab->nbenches + 1, sizeof(*ids));
	struct kb_run run[2];
	struct kb_ab_child child;
	char *filter;
	int rc = 0;

	memset(run, 0, sizeof(run));
	for (size_t i = 0; ids && i < ab->nbenches; i++)
		ids[i] = ab->benches[i].id;
	filter = ids ? kb_ab_filter_regex(ids, ab->nbenches) : NULL;
	if (!filter) {
		free(ids);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	child = (struct kb_ab_child){ .ids = ids, .nids = ab->nbenches, .filter = filter,
				      .seed = ab->opt.seed & 0xffffffffu, .cpu = ab->cpu,
				      .threads = ab->threads, .instructions = true };
	for (int arm = 0; arm < 2 && !rc; arm++) {
		child.arm = arm;
		child.binary = bins[arm];
		rc = be->run(be->ctx, &ab->opt, &child, &run[arm]);
	}
	for (size_t i = 0; i < ab->nbenches && !rc; i++) {
		struct kb_ab_bench *b = &ab->benches[i];
		const struct kb_result *o = kb_run_find(&run[0], b->id), *n = kb_run_find(&run[1], b->id);

		b->old_instructions = o && o->status == KB_STATUS_OK ? o->instructions : NAN;
		b->new_instructions = n && n->status == KB_STATUS_OK ? n->instructions : NAN;
	}
	kb_run_clear(&run[0]);
	kb_run_clear(&run[1]);
	free(filter);
	free(ids);
	return rc;
}

static int add_note(struct kb_ab_bench *b, const char *text)
{
	char *old = b->note;
	int rc;

	b->note = NULL;
	rc = set_note(b, "%s%s%s", old ? old : "", old ? "; " : "", text);
	free(old);
	return rc;
}

static int instructions_verdict(struct kb_ab *ab, struct kb_ab_bench *b, size_t *warned)
{
	double thr = ab->opt.instructions_threshold, r = b->new_instructions / b->old_instructions;
	char text[256];

	if (b->verdict == KB_VERDICT_ERROR || b->verdict == KB_VERDICT_SKIPPED)
		return 0;
	if (!(isfinite(r) && b->old_instructions > 0))
		return add_note(b, "instructions not counted in both arms: time alone");
	if (r > 1 + thr && isfinite(b->ci_high) && b->ci_high < 1 + (r - 1) / 2) {
		snprintf(text, sizeof(text), "WARNING: instructions %+.2f %% but time rules it out "
			 "(upper bound %+.1f %%): a warning, not a failure", (r - 1) * 100,
			 (b->ci_high - 1) * 100);
		b->verdict = KB_VERDICT_INCONCLUSIVE;
		(*warned)++;
		return add_note(b, text);
	}
	snprintf(text, sizeof(text), "instructions %.6g -> %.6g (%+.2f %%)", b->old_instructions,
		 b->new_instructions, (r - 1) * 100);
	if (r > 1 + thr)
		b->verdict = KB_VERDICT_REGRESSED;
	else if (r < 1 - thr && b->verdict != KB_VERDICT_REGRESSED)
		b->verdict = KB_VERDICT_IMPROVED;
	return add_note(b, text);
}

/* Fills summary fields of every benchmark and the counts. */
static int finish(struct kb_ab *ab)
{
	bool instructions = ab->opt.metric && strcmp(ab->opt.metric, "instructions") == 0;
	size_t warned = 0;

	for (size_t i = 0; i < ab->nbenches; i++) {
		struct kb_ab_bench *b = &ab->benches[i];
		struct kb_ab_interval all;
		double *v;
		int rc;

		b->old_ns = b->new_ns = b->ratio = b->ci_low = b->ci_high = NAN;
		if (b->nrounds) {
			/* the confirmation's own rounds when it ran, else the screen's */
			int stage = b->rounds[b->nrounds - 1].stage;
			size_t n = 0;

			v = malloc(2 * b->nrounds * sizeof(*v));
			if (!v)
				return kb_error(KB_ENOMEM, "out of memory");
			for (size_t k = 0; k < b->nrounds; k++)
				if (b->rounds[k].stage == stage) {
					v[n] = b->rounds[k].old_ns;
					v[b->nrounds + n++] = b->rounds[k].new_ns;
				}
			b->old_ns = kb_stats_median(v, n);
			b->new_ns = kb_stats_median(v + b->nrounds, n);
			free(v);
			/* end_stage's interval when it ended the stage (the same
			 * rounds), else computed here (a stage an error ended) */
			if (b->stage[stage - 1].n)
				all = b->stage[stage - 1];
			else if ((rc = stage_interval(ab, b, stage, &all)))
				return rc;
			b->ratio = exp(all.estimate);
			b->ci_low = isfinite(all.low) ? exp(all.low) : NAN;
			b->ci_high = isfinite(all.high) ? exp(all.high) : NAN;
		}
		if (instructions && (rc = instructions_verdict(ab, b, &warned)))
			return rc;
		if (b->verdict == KB_VERDICT_REGRESSED)
			b->failure = true;
		ab->counts[b->verdict]++;
		if (b->failure)
			ab->failures++;
	}
	if (warned)
		return add_warning(ab, "%zu benchmarks execute more instructions with no change in time: "
				   "warnings, not failures (see their notes)", warned);
	return 0;
}

/* ---- the procedure ----------------------------------------------------------- */

static int run_round(struct kb_ab *ab, const struct kb_ab_backend *be, struct kb_rng *rng,
		     const char *const bins[2], uint32_t round, size_t *nactive)
{
	const char **ids = calloc(ab->nbenches, sizeof(*ids));
	struct kb_run run[2];
	struct kb_ab_pair pair = { 0 };
	struct kb_ab_child child;
	char *filter = NULL;
	size_t nids = 0;
	int rc = 0;

	memset(run, 0, sizeof(run));
	if (!ids)
		return kb_error(KB_ENOMEM, "out of memory");
	for (size_t i = 0; i < ab->nbenches; i++)
		if (ab->benches[i].active)
			ids[nids++] = ab->benches[i].id;
	filter = kb_ab_filter_regex(ids, nids);
	if (!filter) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out;
	}
	pair.round = round;
	/* 32 bits: the runner records its seed as a JSON number */
	pair.seed = kb_rng_next(rng) & 0xffffffffu;
	pair.old_first = kb_rng_below(rng, 2) == 0;
	pair.env_pad = (size_t)kb_rng_below(rng, 4096);
	pair.nbench = nids;
	child = (struct kb_ab_child){ .ids = ids, .nids = nids, .filter = filter, .seed = pair.seed,
				      .env_pad = pair.env_pad, .cpu = ab->cpu, .threads = ab->threads,
				      .timeout_s = ab->opt.max_time_s + 60 };
	for (int k = 0; k < 2; k++) {
		int arm = (k == 0) == pair.old_first ? 0 : 1;
		double t0 = be->now_s(be->ctx);

		child.arm = arm;
		child.binary = bins[arm];
		if ((rc = be->run(be->ctx, &ab->opt, &child, &run[arm])))
			goto out;
		*(arm ? &pair.new_wall_s : &pair.old_wall_s) = be->now_s(be->ctx) - t0;
	}
	if ((rc = check_runs(ab, run, ids, nids, round == 0)) || (rc = push_pair(ab, &pair)))
		goto out;
	*nactive = 0;
	for (size_t i = 0; i < ab->nbenches; i++) {
		struct kb_ab_bench *b = &ab->benches[i];
		size_t n;

		if (!b->active)
			continue;
		if ((rc = take_round(ab, b, run, round, pair.old_first)))
			goto out;
		if (!b->active)
			continue;
		/* a stage ends at the length fixed before it started, never on
		 * what its rounds show */
		n = b->nrounds - b->stage_start;
		if (n >= b->planned[b->cur_stage] && (rc = end_stage(ab, b, KB_AB_STOP_PLANNED)))
			goto out;
		if (b->active)
			(*nactive)++;
	}
out:
	kb_run_clear(&run[0]);
	kb_run_clear(&run[1]);
	free(filter);
	free(ids);
	return rc;
}

int kb_ab_run(const char *old_bin, const char *new_bin, const struct kb_ab_options *opt,
	      struct kb_ab *ab)
{
	const struct kb_ab_backend *be = opt->backend ? opt->backend : &kb_ab_exec_backend;
	const char *bins[2] = { old_bin, new_bin };
	char **list[2] = { NULL, NULL };
	size_t nlist[2] = { 0, 0 }, nactive;
	char cpu[256];
	struct kb_rng rng;
	double t0, last_round_s = 0;
	int rc;

	memset(ab, 0, sizeof(*ab));
	if ((rc = check_options(opt)))
		return rc;
	ab->opt = *opt;
	ab->opt.backend = NULL;
	ab->opt.progress = NULL;
	ab->opt.progress_ctx = NULL;
	ab->opt.env = NULL;
	ab->opt.nenv = 0;
	if (opt->nenv) {
		struct kb_ab_env *env = calloc(opt->nenv, sizeof(*env));

		if (!env)
			return kb_error(KB_ENOMEM, "out of memory");
		ab->opt.env = env;
		for (size_t i = 0; i < opt->nenv; i++, ab->opt.nenv++) {
			env[i].arm = opt->env[i].arm;
			if (!(env[i].kv = strdup(opt->env[i].kv)))
				return kb_error(KB_ENOMEM, "out of memory");
		}
	}
	ab->old_name = strdup(old_bin);
	ab->new_name = strdup(new_bin);
	if (opt->cpu && *opt->cpu)
		snprintf(cpu, sizeof(cpu), "%s", opt->cpu);
	else if ((rc = default_cpu(cpu, sizeof(cpu))))
		return rc;
	ab->cpu = strdup(cpu);
	if (!ab->old_name || !ab->new_name || !ab->cpu)
		return kb_error(KB_ENOMEM, "out of memory");
	ab->threads = count_cpus(cpu);
	if (ab->threads <= 0)
		return kb_error(KB_EINVAL, "--cpu=%s: expected a CPU number or a list such as 0,1", cpu);
	for (int arm = 0; arm < 2; arm++)
		if ((rc = be->list(be->ctx, opt, arm, bins[arm], &list[arm], &nlist[arm])))
			goto out;
	if ((rc = check_lists(list[0], nlist[0], list[1], nlist[1])))
		goto out;
	if (nlist[0] == 0) {
		rc = kb_error(KB_ENOTFOUND, "no benchmark matches --filter=%s", opt->filter ? opt->filter : "");
		goto out;
	}
	ab->benches = calloc(nlist[0], sizeof(*ab->benches));
	if (!ab->benches) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nlist[0]; i++) {
		ab->benches[i].id = list[0][i];
		list[0][i] = NULL;
		ab->benches[i].active = true;
		ab->benches[i].verdict = KB_VERDICT_INCONCLUSIVE;
	}
	ab->nbenches = nlist[0];
	ab->stage_alpha = kb_ab_stage_alpha(opt->alpha, ab->nbenches, opt->confirm);
	ab->screen_rounds = opt->screen_rounds;
	if (ab->screen_rounds < kb_ab_rounds_needed(ab->stage_alpha))
		ab->screen_rounds = kb_ab_rounds_needed(ab->stage_alpha);
	if (ab->opt.max_rounds < ab->screen_rounds)
		ab->opt.max_rounds = ab->screen_rounds;
	ab->half_width = kb_ab_half_width(opt->threshold, opt->floor, opt->target_ci);
	for (size_t i = 0; i < ab->nbenches; i++) {
		ab->benches[i].planned[0] = ab->screen_rounds;
		ab->benches[i].screen_sd = NAN;
	}
	if (!strcmp(old_bin, new_bin)) {
		bool arm_env = false;

		for (size_t i = 0; i < opt->nenv; i++)
			arm_env |= opt->env[i].arm >= 0;
		rc = arm_env ? add_warning(ab, "OLD and NEW are the same binary; they differ only in "
					       "their extra environment")
			     : add_warning(ab, "OLD and NEW are the same binary: an A/A run (every "
					       "verdict should be unchanged)");
		if (rc)
			goto out;
	}
	kb_rng_seed(&rng, opt->seed);
	t0 = be->now_s(be->ctx);
	nactive = ab->nbenches;
	for (uint32_t round = 0; nactive > 0; round++) {
		double start = be->now_s(be->ctx);
		bool capped = start - t0 + last_round_s > opt->max_time_s;

		if (!ab_interrupted && !capped)
			rc = run_round(ab, be, &rng, bins, round, &nactive);
		if (rc && !ab_interrupted)
			goto out;
		if (ab_interrupted || capped) {
			/* a round cut short by the interruption was never recorded */
			rc = 0;
			ab->interrupted = ab_interrupted;
			ab->time_capped = !ab_interrupted;
			for (size_t i = 0; i < ab->nbenches; i++)
				if (ab->benches[i].active &&
				    (rc = end_stage(ab, &ab->benches[i],
						    ab_interrupted ? KB_AB_STOP_INTERRUPTED : KB_AB_STOP_TIME)))
					goto out;
			break;
		}
		last_round_s = be->now_s(be->ctx) - start;
		if (opt->progress)
			opt->progress(opt->progress_ctx, ab, round, nactive);
	}
	for (size_t i = 0; i < ab->nbenches; i++)
		ab->benches[i].old_instructions = ab->benches[i].new_instructions = NAN;
	if (opt->metric && !strcmp(opt->metric, "instructions") && !ab->interrupted &&
	    (rc = count_arms(ab, be, bins)))
		goto out;
	ab->wall_s = be->now_s(be->ctx) - t0;
	rc = finish(ab);
out:
	free_ids(list[0], nlist[0]);
	free_ids(list[1], nlist[1]);
	return rc;
}

int kb_ab_exit_status(const struct kb_ab *ab)
{
	if (ab->interrupted)
		return 128 + ab->interrupted;
	return ab->failures ? 1 : 0;
}

void kb_ab_release(struct kb_ab *ab)
{
	for (size_t i = 0; i < ab->nbenches; i++) {
		free(ab->benches[i].id);
		free(ab->benches[i].rounds);
		free(ab->benches[i].note);
	}
	free(ab->benches);
	for (size_t i = 0; i < ab->nwarnings; i++)
		free(ab->warnings[i]);
	free(ab->warnings);
	for (size_t i = 0; i < ab->opt.nenv; i++)
		free((char *)ab->opt.env[i].kv);
	free((void *)ab->opt.env);
	free(ab->pairs);
	free(ab->old_name);
	free(ab->new_name);
	free(ab->cpu);
	memset(ab, 0, sizeof(*ab));
}
