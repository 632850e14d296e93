/*
 * cli.c - the runner's flags, their Google Benchmark aliases and their
 * KBENCH_* environment mirrors.  Environment first, flags override.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "events.h"
#include "writer.h"

enum kind { K_STR, K_BOOL, K_SECONDS, K_MIN_TIME, K_PCT, K_COUNT, K_SEED, K_FORMAT, K_OUT_FORMAT,
	    K_METRIC, K_THREADS, K_PROCESSES, K_COUNTERS };

struct flag {
	const char *name;    /* --name */
	const char *gbench;  /* Google Benchmark alias, or NULL */
	const char *env;     /* KBENCH_* mirror */
	enum kind kind;
	size_t offset;       /* into struct kb_config */
	const char *help;
};

#define OFF(field) offsetof(struct kb_config, field)

static const struct flag flags[] = {
	{ "filter", "benchmark_filter", "KBENCH_FILTER", K_STR, OFF(filter),
	  "REGEX  run ids matching REGEX (POSIX extended); -REGEX excludes" },
	{ "list", "benchmark_list_tests", "KBENCH_LIST", K_BOOL, OFF(list),
	  "       list the selected ids and exit" },
	{ "format", "benchmark_format", "KBENCH_FORMAT", K_FORMAT, OFF(format),
	  "F      standard output: console (default), json, csv" },
	{ "out", "benchmark_out", "KBENCH_OUT", K_STR, OFF(out),
	  "FILE   also write results to FILE (atomically)" },
	{ "out-format", "benchmark_out_format", "KBENCH_OUT_FORMAT", K_OUT_FORMAT, OFF(out_format),
	  "F      format of --out: json (kbench, default), gbench, csv" },
	{ "min-time", "benchmark_min_time", "KBENCH_MIN_TIME", K_MIN_TIME, OFF(min_time_s),
	  "S      minimum time of one sample, seconds (default 0.001); Nx fixes N iterations" },
	{ "warmup", "benchmark_min_warmup_time", "KBENCH_WARMUP", K_SECONDS, OFF(warmup_s),
	  "S      warmup per benchmark, seconds (default 0.1)" },
	{ "refill", NULL, "KBENCH_REFILL", K_SECONDS, OFF(refill_s),
	  "S      per round, batches are run and dropped until S seconds of the\n"
	  "                         kernel's time have passed, at least one (default 0.005)" },
	{ "target-ci", NULL, "KBENCH_TARGET_CI", K_PCT, OFF(target_ci),
	  "PCT    stop when the 95% CI of the median is within ±PCT % (default 1)" },
	{ "max-time", NULL, "KBENCH_MAX_TIME", K_SECONDS, OFF(max_time_s),
	  "S      time cap per benchmark, seconds (default 2)" },
	{ "processes", NULL, "KBENCH_PROCESSES", K_PROCESSES, OFF(processes),
	  "N      measure in N fresh processes, or auto (default: 3, more while the\n"
	  "                         interval is wider than --target-ci, up to 10); 1: in this\n"
	  "                         process only (the interval then covers only its noise)" },
	{ "worker-timeout", NULL, "KBENCH_WORKER_TIMEOUT", K_SECONDS, OFF(worker_timeout_s),
	  "S      a worker process silent this long is killed (default 120)" },
	{ "drift", NULL, "KBENCH_DRIFT", K_STR, OFF(drift_spec),
	  "F      the machine's drift between invocations, added to each interval:\n"
	  "                         auto (default: the file make calibration-check saved for\n"
	  "                         this machine, if any), none, or a drift file" },
	{ "rounds", "benchmark_repetitions", "KBENCH_ROUNDS", K_COUNT, OFF(rounds),
	  "N      exactly N rounds (per process; default adaptive, 2 per worker process)" },
	{ "min-rounds", NULL, "KBENCH_MIN_ROUNDS", K_COUNT, OFF(min_rounds),
	  "N      adaptive stop: at least N rounds (default 6)" },
	{ "samples", NULL, "KBENCH_SAMPLES", K_COUNT, OFF(samples_per_round),
	  "N      samples kept per round (default 5)" },
	{ "seed", NULL, "KBENCH_SEED", K_SEED, OFF(seed),
	  "N      master seed for inputs, order and bootstrap (default 42)" },
	{ "threads", NULL, "KBENCH_THREADS", K_THREADS, OFF(threads),
	  "N      threads for multi-threaded kernels (default: all cores)" },
	{ "pin", NULL, "KBENCH_PIN", K_STR, OFF(pin),
	  "P      CPU binding: auto (default), none, or a CPU list such as 1 or 0,1" },
	{ "quick", NULL, "KBENCH_QUICK", K_BOOL, OFF(quick),
	  "       tiny sizes and short times (for tests)" },
	{ "large", NULL, "KBENCH_LARGE", K_BOOL, OFF(large),
	  "       add the large sizes (KB_LARGE) to the defaults" },
	{ "no-peaks", NULL, "KBENCH_NO_PEAKS", K_BOOL, OFF(no_peaks),
	  "       do not calibrate machine peaks (pct_peak only from kbench.conf)" },
	{ "remeasure-peaks", NULL, "KBENCH_REMEASURE_PEAKS", K_BOOL, OFF(remeasure_peaks),
	  "    measure the peaks again and rewrite the peak cache" },
	{ "peak-cache", NULL, "KBENCH_PEAK_CACHE", K_STR, OFF(peak_cache),
	  "FILE   the peak cache (default peaks-<fingerprint>.conf in $KBENCH_CACHE_DIR,\n"
	  "                         else $XDG_CACHE_HOME/kbench, else ~/.cache/kbench;\n"
	  "                         none: measure every run)" },
	{ "metric", NULL, "KBENCH_METRIC", K_METRIC, OFF(metric),
	  "M      time (default), or instructions: also counts instructions per iteration\n"
	  "                         (perf_event, else callgrind; gate at 0.5 %)" },
	{ "counters", "benchmark_perf_counters", "KBENCH_COUNTERS", K_COUNTERS, OFF(counters),
	  "LIST   count these events per iteration beside time: software events\n"
	  "                         (task-clock, page-faults, context-switches, ...) or, through\n"
	  "                         libpfm4, hardware ones (cycles, instructions, cache-misses)" },
	{ "require-gpu", NULL, "KBENCH_REQUIRE_GPU", K_BOOL, OFF(require_gpu),
	  "       a GPU benchmark that cannot run is an error, not a skip" },
	{ "config", NULL, "KBENCH_CONFIG", K_STR, OFF(conf_path),
	  "FILE   kbench.conf with peaks and cache sizes (default ./kbench.conf)" },
};

void kb_cli_usage(FILE *f)
{
	fprintf(f, "usage: kbench [flags]\n\nflags (each also KBENCH_<NAME> in the environment):\n");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		fprintf(f, "  --%-12s %s\n", flags[i].name, flags[i].help);
	fprintf(f, "  --help                show this\n  --version             print the version\n");
	fprintf(f, "\nGoogle Benchmark spellings are accepted: --benchmark_filter, --benchmark_format,\n"
		   "--benchmark_out, --benchmark_out_format, --benchmark_min_time,\n"
		   "--benchmark_repetitions, --benchmark_list_tests, --benchmark_min_warmup_time,\n"
		   "--benchmark_perf_counters.\n"
		   "Exit status: 0 all ran and validated, 1 a benchmark failed, 2 bad usage.\n");
}

static int bad(const char *origin, const char *name, const char *value, const char *expected)
{
	return kb_error(KB_EINVAL, "%s%s=%s: expected %s", origin, name, value, expected);
}

static int parse_double(const char *v, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(v, &end);
	return end != v && *end == 0 && errno == 0 && isfinite(*out) ? 0 : -1;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 0);
	return *end == 0 && errno == 0 ? 0 : -1;
}

static int parse_bool(const char *v, bool *out)
{
	if (!v || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
		*out = false;
	else
		return -1;
	return 0;
}

/* Seconds: "0.5", "0.5s". */
static int parse_seconds(const char *v, double *out)
{
	char buf[64];
	size_t n = strlen(v);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n + 1);
	if (buf[n - 1] == 's')
		buf[n - 1] = 0;
	return parse_double(buf, out) == 0 && *out >= 0 ? 0 : -1;
}

/* `spelled` is the flag as the user typed it (a Google Benchmark alias), or
 * NULL for its kbench name: messages name what was typed. */
static int apply(const struct flag *fl, const char *value, const char *origin, const char *spelled,
		 struct kb_config *cfg)
{
	void *field = (char *)cfg + fl->offset;
	const char *name = spelled ? spelled : fl->name;
	double d;
	uint64_t u;

	if (fl->kind != K_BOOL && (!value || !*value))
		return kb_error(KB_EINVAL, "%s%s needs a value (--%s=...)", origin, name, name);
	switch (fl->kind) {
	case K_STR:
		*(const char **)field = value;
		return 0;
	case K_BOOL:
		return parse_bool(value, (bool *)field) ? bad(origin, name, value, "true or false") : 0;
	case K_SECONDS:
		if (parse_seconds(value, &d) || d > 86400)
			return bad(origin, name, value, "a time in seconds, such as 0.5 or 0.5s");
		*(double *)field = d;
		return 0;
	case K_MIN_TIME: {
		size_t n = strlen(value);
		if (n > 1 && value[n - 1] == 'x') {
			char buf[32];
			if (n >= sizeof(buf))
				return bad(origin, name, value, "Nx with N a positive integer");
			memcpy(buf, value, n - 1);
			buf[n - 1] = 0;
			if (parse_u64(buf, &u) || u == 0)
				return bad(origin, name, value, "Nx with N a positive integer");
			cfg->fixed_iters = u;
			return 0;
		}
		if (parse_seconds(value, &d) || d <= 0 || d > 3600)
			return bad(origin, name, value, "a time in seconds (> 0), such as 0.001, or Nx");
		cfg->min_time_s = d;
		return 0;
	}
	case K_PCT: {
		char buf[32];
		size_t n = strlen(value);
		if (n >= sizeof(buf))
			return bad(origin, name, value, "a percentage, such as 1 or 0.5");
		memcpy(buf, value, n + 1);
		if (n && buf[n - 1] == '%')
			buf[n - 1] = 0;
		if (parse_double(buf, &d) || d <= 0 || d >= 100)
			return bad(origin, name, value, "a percentage between 0 and 100, such as 1 or 0.5");
		*(double *)field = d / 100;
		return 0;
	}
	case K_COUNT:
		if (parse_u64(value, &u) || u == 0 || u > 1000000)
			return bad(origin, name, value, "a positive integer");
		*(size_t *)field = (size_t)u;
		return 0;
	case K_PROCESSES:
		if (!strcmp(value, "auto")) {
			*(size_t *)field = 0;
			return 0;
		}
		if (parse_u64(value, &u) || u == 0 || u > 64)
			return bad(origin, name, value, "auto or a process count between 1 and 64");
		*(size_t *)field = (size_t)u;
		return 0;
	case K_THREADS:
		if (parse_u64(value, &u) || u == 0 || u > 4096)
			return bad(origin, name, value, "a thread count between 1 and 4096");
		*(int *)field = (int)u;
		return 0;
	case K_SEED:
		/* JSON readers keep integers exactly only up to 2^53 */
		if (parse_u64(value, &u) || u >= (1ULL << 53))
			return bad(origin, name, value, "an integer from 0 to 2^53 - 1");
		*(uint64_t *)field = u;
		return 0;
	case K_FORMAT:
	case K_OUT_FORMAT: {
		enum kb_format fmt;
		char expected[128];
		if (kb_format_parse(value, fl->kind == K_OUT_FORMAT, &fmt)) {
			snprintf(expected, sizeof(expected), "%s", kb_last_error() + strlen("expected "));
			return bad(origin, name, value, expected);
		}
		*(enum kb_format *)field = fmt;
		return 0;
	}
	case K_COUNTERS: { /* the list's form here; whether each event can be counted, in events.c */
		size_t n = 0;

		for (const char *p = value;; p++) {
			size_t len = strcspn(p, ",");

			if (len == 0)
				return bad(origin, name, value, "a comma-separated list of event names "
					   "(e.g. task-clock,page-faults), with no empty one");
			for (const char *q = value; q < p; q += strcspn(q, ",") + 1)
				if (strcspn(q, ",") == len && !strncmp(q, p, len))
					return bad(origin, name, value, "each event named once");
			if (++n > KB_EVENTS_MAX)
				return bad(origin, name, value, "at most 8 events");
			p += len;
			if (!*p)
				break;
		}
		*(const char **)field = value;
		return 0;
	}
	case K_METRIC:
		if (!strcmp(value, "time"))
			cfg->metric = KB_METRIC_TIME;
		else if (!strcmp(value, "instructions"))
			cfg->metric = KB_METRIC_INSTRUCTIONS;
		else
			return bad(origin, name, value, "time or instructions");
		return 0;
	}
	return kb_error(KB_EINTERNAL, "unhandled flag kind");
}

static const struct flag *find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const struct flag *fl = &flags[i];
		if ((strlen(fl->name) == len && !strncmp(fl->name, name, len)) ||
		    (fl->gbench && strlen(fl->gbench) == len && !strncmp(fl->gbench, name, len)))
			return fl;
	}
	return NULL;
}

int kb_cli_parse(int argc, char **argv, struct kb_config *cfg, bool *help, bool *version)
{
	int rc;

	*help = *version = false;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *v = getenv(flags[i].env);
		char origin[64];
		if (!v)
			continue;
		snprintf(origin, sizeof(origin), "environment %s: ", flags[i].env);
		if ((rc = apply(&flags[i], v, origin, NULL, cfg)))
			return rc;
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *name;
		const struct flag *fl;
		char spelled[64];
		size_t len;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			*help = true;
			continue;
		}
		if (!strcmp(arg, "--version")) {
			*version = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			return kb_error(KB_EINVAL, "unexpected argument \"%s\" (flags look like --name=value; see --help)", arg);
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		fl = find_flag(name, len);
		if (!fl)
			return kb_error(KB_EINVAL, "unknown flag \"%.*s\" (see --help)", (int)(len + 2), arg);
		snprintf(spelled, sizeof(spelled), "%.*s", (int)(len < sizeof(spelled) ? len : sizeof(spelled) - 1), name);
		if (!eq && fl->kind != K_BOOL) {
			/* "--flag value" */
			if (i + 1 >= argc)
				return kb_error(KB_EINVAL, "--%s needs a value (--%s=...)", spelled, spelled);
			/* "--filter --list" is a forgotten value, not a filter of
			 * "--list"; a value that starts with "--" needs the = form */
			if (strncmp(argv[i + 1], "--", 2) == 0)
				return kb_error(KB_EINVAL, "--%s needs a value, got the flag %s (a value that "
					"starts with -- is written --%s=VALUE)", spelled, argv[i + 1], spelled);
			if ((rc = apply(fl, argv[++i], "--", spelled, cfg)))
				return rc;
			continue;
		}
		if ((rc = apply(fl, eq ? eq + 1 : NULL, "--", spelled, cfg)))
			return rc;
	}
	return 0;
}

/* ---- recording the settings ------------------------------------------------ */

static void add_num(struct kb_run *run, const char *key, double value)
{
	char buf[64];
	if (!isfinite(value)) {
		kb_run_add_config(run, key, NULL, true);
		return;
	}
	snprintf(buf, sizeof(buf), "%.10g", value);
	kb_run_add_config(run, key, buf, true);
}

void kb_cli_record(const struct kb_config *cfg, const char *pinned, struct kb_run *run)
{
	char buf[32];

	kb_run_add_config(run, "filter", cfg->filter, false);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cfg->seed);
	kb_run_add_config(run, "seed", buf, true);
	kb_run_add_config(run, "metric", cfg->metric == KB_METRIC_TIME ? "time" : "instructions", false);
	add_num(run, "min_time_s", cfg->min_time_s);
	add_num(run, "fixed_iterations", cfg->fixed_iters ? (double)cfg->fixed_iters : NAN);
	add_num(run, "warmup_s", cfg->warmup_s);
	add_num(run, "target_ci", cfg->target_ci);
	add_num(run, "ci_level", cfg->ci_level);
	add_num(run, "max_time_s", cfg->max_time_s);
	add_num(run, "rounds", cfg->rounds ? (double)cfg->rounds : NAN);
	if (cfg->processes)
		add_num(run, "processes", (double)cfg->processes);
	else
		kb_run_add_config(run, "processes", "auto", false);
	kb_run_add_config(run, "interval",
			  cfg->processes == 1 ? "within one process: order statistics of its samples"
					      : "between processes: t on the log of the process medians",
			  false);
	add_num(run, "worker_timeout_s", cfg->worker_timeout_s);
	kb_run_add_config(run, "drift", cfg->drift_spec, false);
	add_num(run, "min_rounds", (double)cfg->min_rounds);
	add_num(run, "samples_per_round", (double)cfg->samples_per_round);
	add_num(run, "dropped_samples_per_round", 1);
	add_num(run, "refill_s", cfg->refill_s);
	kb_run_add_config(run, "order", "seeded random interleaving per round", false);
	snprintf(buf, sizeof(buf), "%d", cfg->threads);
	kb_run_add_config(run, "threads", cfg->threads ? buf : NULL, true);
	kb_run_add_config(run, "pin", pinned, false);
	kb_run_add_config(run, "quick", cfg->quick ? "true" : "false", true);
	kb_run_add_config(run, "large", cfg->large ? "true" : "false", true);
	kb_run_add_config(run, "measure_peaks", cfg->no_peaks ? "false" : "true", true);
	kb_run_add_config(run, "remeasure_peaks", cfg->remeasure_peaks ? "true" : "false", true);
	kb_run_add_config(run, "peak_cache", cfg->peak_cache, false);
	kb_run_add_config(run, "counters", cfg->counters, false);
	kb_run_add_config(run, "require_gpu", cfg->require_gpu ? "true" : "false", true);
	kb_run_add_config(run, "config_file", cfg->conf_path, false);
	kb_run_add_config(run, "out_format", kb_format_info(cfg->out_format)->name, false);
	run->seed = cfg->seed;
}
