/*
 * kbench-ab OLD NEW - did NEW make a benchmark slower than OLD?  Runs both
 * benchmark binaries interleaved in the same job and tests the paired
 * per-round log-ratios (ab.h has the method and its arithmetic).
 *
 * Exit 0: no regression; 1: a regression (or an error in NEW); 2: bad
 * usage, a binary that cannot run, or binaries that do not match.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ab.h"
#include "compare.h"
#include "error.h"
#include "report_ab.h"
#include "fileio.h"
#include "proc.h"
#include "tool.h"

#define EXIT_BAD KB_TOOL_EXIT_BAD
#define MAX_ENV 64

static const char usage[] =
	"usage: kbench-ab [options] OLD_BINARY NEW_BINARY [-- RUNNER_FLAGS...]\n"
	"\n"
	"Runs the two benchmark binaries alternately, one fresh process per arm and\n"
	"round, in a seeded random order, pinned to the same CPU, and compares the\n"
	"paired per-round log-ratios of their medians.  A benchmark is `regressed`\n"
	"only when the lower confidence bound of its slowdown is above the floor and\n"
	"the estimate above the threshold, in a screen of fixed length and again on\n"
	"fresh rounds, as many as the screen's spread asks for (Stein's two stages).\n"
	"\n"
	"  --filter=REGEX      benchmarks to compare (both binaries must list the same)\n"
	"  --threshold=PCT     practical threshold, percent (default 5)\n"
	"  --metric=time|instructions\n"
	"                      instructions: also count instructions per iteration in each arm\n"
	"                      (kbench --metric=instructions) and gate on them; an increase that\n"
	"                      the paired time rules out is a warning, not a failure\n"
	"  --instructions-threshold=PCT   threshold on the counts (default 0.5)\n"
	"  --floor=PCT         the lower bound must be above this (default 1)\n"
	"  --alpha=A           suite-wide false-alarm rate (default 0.01)\n"
	"  --rounds=N          the screen's length, fixed (default 20; raised to what the\n"
	"                      level needs, 7 at 50 benchmarks)\n"
	"  --max-rounds=N      the confirmation's length at most (default 40); its length is\n"
	"                      fixed from the screen's spread before it starts\n"
	"  --target-ci=PCT     the confirmation's target half-width (default: threshold\n"
	"                      minus floor, 4 with the defaults)\n"
	"  --max-time=S        wall-time cap for the whole comparison (default 300);\n"
	"                      what is undecided then is `inconclusive`\n"
	"  --no-confirm        one stage at alpha/K instead of screen + confirmation\n"
	"  --estimator=hl|median  Hodges-Lehmann (default) or the median with sign-test bounds\n"
	"  --seed=N            order, padding and child seeds (default 1)\n"
	"  --cpu=LIST          CPU(s) the children are pinned to (default: the last CPU);\n"
	"                      children get --threads=<CPUs in LIST>\n"
	"  --warmup=S          child --warmup (default 0.02)\n"
	"  --min-time=S        child --min-time (default: the child's)\n"
	"  --samples=N         child --samples (default: the child's)\n"
	"  --old-env=KEY=VALUE, --new-env=KEY=VALUE, --env=KEY=VALUE\n"
	"                      extra environment for one arm or both (repeatable)\n"
	"  --format=console|markdown|json   output format (default console)\n"
	"  --out=FILE          write the report to FILE (the console table still goes to stdout)\n"
	"  --markdown-out=FILE, --json-out=FILE   also write those formats\n"
	"  --quiet             no progress line\n"
	"  -- RUNNER_FLAGS     after the two binaries: kbench flags given to both arms, for\n"
	"                      --list and every round (e.g. -- --quick --no-peaks); not the ones\n"
	"                      kbench-ab sets itself (--filter, --seed, --min-time, ...)\n"
	"  --help              this text\n"
	"\n"
	"Environment mirrors: KBENCH_FILTER, KBENCH_THRESHOLD, KBENCH_FLOOR, KBENCH_ALPHA,\n"
	"KBENCH_FORMAT, KBENCH_OUT, KBENCH_AB_ROUNDS, KBENCH_AB_MAX_ROUNDS, KBENCH_AB_MAX_TIME,\n"
	"KBENCH_AB_SEED, KBENCH_AB_CPU, KBENCH_AB_ESTIMATOR (flags win).  With\n"
	"$GITHUB_STEP_SUMMARY set, the Markdown report is appended to that file.\n"
	"\n"
	"Exit status: 0 no regression, 1 regression (or an error in NEW),\n"
	"2 bad usage, a binary that fails, or binaries that list different benchmarks.\n";

struct args {
	const char *filter, *threshold, *floor, *alpha, *rounds, *max_rounds, *target_ci;
	const char *max_time, *seed, *cpu, *warmup, *min_time, *samples, *estimator;
	const char *format, *out, *md_out, *json_out, *metric, *ithreshold;
	char **runner_args; /* after OLD NEW -- : given to both arms */
	size_t nrunner_args;
	bool no_confirm, quiet, help;
	struct kb_ab_env env[MAX_ENV];
	size_t nenv;
	const char *bins[2];
	int nbins;
};

static void args_from_env(struct args *a)
{
	a->filter = getenv("KBENCH_FILTER");
	a->threshold = getenv("KBENCH_THRESHOLD");
	a->floor = getenv("KBENCH_FLOOR");
	a->alpha = getenv("KBENCH_ALPHA");
	a->format = getenv("KBENCH_FORMAT");
	a->out = getenv("KBENCH_OUT");
	a->rounds = getenv("KBENCH_AB_ROUNDS");
	a->max_rounds = getenv("KBENCH_AB_MAX_ROUNDS");
	a->max_time = getenv("KBENCH_AB_MAX_TIME");
	a->seed = getenv("KBENCH_AB_SEED");
	a->cpu = getenv("KBENCH_AB_CPU");
	a->estimator = getenv("KBENCH_AB_ESTIMATOR");
}

static int add_env(struct args *a, int arm, const char *kv)
{
	if (a->nenv == MAX_ENV)
		return kb_tool_fail("too many --env/--old-env/--new-env settings (at most %d)", MAX_ENV);
	if (!strchr(kv, '=') || kv[0] == '=')
		return kb_tool_fail("%s: expected KEY=VALUE", kv);
	a->env[a->nenv++] = (struct kb_ab_env){ .arm = arm, .kv = kv };
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	bool dashdash = false;
	const char *v;

	a->runner_args = calloc((size_t)argc + 1, sizeof(*a->runner_args));
	if (!a->runner_args)
		return kb_tool_fail("out of memory");

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (dashdash && a->nbins == 2) {
			const char *own;

			if (!kb_ab_runner_arg_ok(s, &own))
				return kb_tool_fail("%s after --: kbench-ab sets this for each child%s%s%s", s,
						    own && *own ? "; use kbench-ab's " : "", own ? own : "",
						    own && *own ? " before --" : "");
			a->runner_args[a->nrunner_args++] = (char *)s;
		} else if (dashdash || s[0] != '-') {
			if (a->nbins == 2)
				return kb_tool_fail("too many arguments: %s (expected OLD_BINARY NEW_BINARY)", s);
			a->bins[a->nbins++] = s;
		} else if (!strcmp(s, "--")) {
			dashdash = true;
		} else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			a->help = true;
		} else if (!strcmp(s, "--no-confirm")) {
			a->no_confirm = true;
		} else if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
			a->quiet = true;
		} else if (kb_tool_flag(s, "--old-env", &v) || kb_tool_flag(s, "--new-env", &v) || kb_tool_flag(s, "--env", &v)) {
			int arm = !strncmp(s, "--old-env", 9) ? 0 : !strncmp(s, "--new-env", 9) ? 1 : -1;

			if (add_env(a, arm, v))
				return EXIT_BAD;
		} else if (!kb_tool_flag(s, "--filter", &a->filter) && !kb_tool_flag(s, "--threshold", &a->threshold) &&
			   !kb_tool_flag(s, "--floor", &a->floor) && !kb_tool_flag(s, "--alpha", &a->alpha) &&
			   !kb_tool_flag(s, "--rounds", &a->rounds) && !kb_tool_flag(s, "--max-rounds", &a->max_rounds) &&
			   !kb_tool_flag(s, "--target-ci", &a->target_ci) && !kb_tool_flag(s, "--max-time", &a->max_time) &&
			   !kb_tool_flag(s, "--seed", &a->seed) && !kb_tool_flag(s, "--cpu", &a->cpu) &&
			   !kb_tool_flag(s, "--warmup", &a->warmup) && !kb_tool_flag(s, "--min-time", &a->min_time) &&
			   !kb_tool_flag(s, "--samples", &a->samples) && !kb_tool_flag(s, "--estimator", &a->estimator) &&
			   !kb_tool_flag(s, "--format", &a->format) && !kb_tool_flag(s, "--out", &a->out) &&
			   !kb_tool_flag(s, "--markdown-out", &a->md_out) && !kb_tool_flag(s, "--json-out", &a->json_out) &&
			   !kb_tool_flag(s, "--metric", &a->metric) &&
			   !kb_tool_flag(s, "--instructions-threshold", &a->ithreshold)) {
			return kb_tool_fail("unknown option %s (see --help)", s);
		}
	}
	return 0;
}

static int parse_number(const char *what, const char *text, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end || errno || !(v >= lo && v <= hi))
		return kb_tool_fail("%s=%s: expected a number in [%g, %g]", what, text, lo, hi);
	*out = v;
	return 0;
}

static int parse_count(const char *what, const char *text, unsigned long long lo,
		       unsigned long long hi, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 10);
	if (end == text || *end || errno || text[0] == '-' || *out < lo || *out > hi)
		return kb_tool_fail("%s=%s: expected an integer in [%llu, %llu]", what, text, lo, hi);
	return 0;
}

static int make_options(const struct args *a, struct kb_ab_options *opt)
{
	unsigned long long u;
	double v;

	if (a->threshold && *a->threshold && kb_compare_parse_percent(a->threshold, &opt->threshold))
		return kb_tool_fail("--threshold: %s", kb_last_error());
	if (a->floor && *a->floor && kb_compare_parse_percent(a->floor, &opt->floor))
		return kb_tool_fail("--floor: %s", kb_last_error());
	if (a->ithreshold && *a->ithreshold &&
	    kb_compare_parse_percent(a->ithreshold, &opt->instructions_threshold))
		return kb_tool_fail("--instructions-threshold: %s", kb_last_error());
	if (a->metric && *a->metric) {
		if (strcmp(a->metric, "time") != 0 && strcmp(a->metric, "instructions") != 0)
			return kb_tool_fail("--metric=%s: expected time or instructions", a->metric);
		opt->metric = a->metric;
	}
	if (a->target_ci && *a->target_ci && kb_compare_parse_percent(a->target_ci, &opt->target_ci))
		return kb_tool_fail("--target-ci: %s", kb_last_error());
	if (opt->floor > opt->threshold)
		return kb_tool_fail("--floor (%g %%) must not exceed --threshold (%g %%)", opt->floor * 100,
			    opt->threshold * 100);
	if (a->alpha && *a->alpha) {
		if (parse_number("--alpha", a->alpha, 1e-9, 0.25, &v))
			return EXIT_BAD;
		opt->alpha = v;
	}
	if (a->rounds && *a->rounds) {
		if (parse_count("--rounds", a->rounds, 2, 10000, &u))
			return EXIT_BAD;
		opt->screen_rounds = (size_t)u;
		if (opt->max_rounds < opt->screen_rounds)
			opt->max_rounds = opt->screen_rounds;
	}
	if (a->max_rounds && *a->max_rounds) {
		if (parse_count("--max-rounds", a->max_rounds, 1, 10000, &u))
			return EXIT_BAD;
		opt->max_rounds = (size_t)u;
		if (opt->max_rounds < opt->screen_rounds)
			return kb_tool_fail("--max-rounds=%s is below --rounds=%zu (the confirmation is "
					    "never shorter than the screen)", a->max_rounds,
					    opt->screen_rounds);
	}
	if (a->max_time && *a->max_time) {
		if (parse_number("--max-time", a->max_time, 0.001, 1e7, &v))
			return EXIT_BAD;
		opt->max_time_s = v;
	}
	if (a->seed && *a->seed) {
		if (parse_count("--seed", a->seed, 0, ~0ULL, &u))
			return EXIT_BAD;
		opt->seed = u;
	}
	if (a->warmup && *a->warmup) {
		if (parse_number("--warmup", a->warmup, 0, 3600, &v))
			return EXIT_BAD;
		opt->warmup_s = v;
	}
	if (a->min_time && *a->min_time) {
		if (parse_number("--min-time", a->min_time, 1e-6, 3600, &v))
			return EXIT_BAD;
		opt->min_time_s = v;
	}
	if (a->samples && *a->samples) {
		if (parse_count("--samples", a->samples, 1, 100000, &u))
			return EXIT_BAD;
		opt->samples = (size_t)u;
	}
	if (a->estimator && *a->estimator) {
		int e = kb_ab_estimator_parse(a->estimator);

		if (e < 0)
			return kb_tool_fail("--estimator=%s: expected hl (hodges-lehmann) or median", a->estimator);
		opt->estimator = (enum kb_ab_estimator)e;
	}
	if (a->cpu && *a->cpu)
		opt->cpu = a->cpu;
	if (a->filter && *a->filter)
		opt->filter = a->filter;
	opt->runner_args = a->runner_args;
	opt->nrunner_args = a->nrunner_args;
	opt->confirm = !a->no_confirm;
	opt->env = a->env;
	opt->nenv = a->nenv;
	return 0;
}

static int check_binary(const char *what, const char *path)
{
	if (access(path, X_OK) != 0)
		return kb_tool_fail("%s binary %s: %s", what, path,
			    errno == ENOENT ? "no such file" : "not executable");
	if (!strchr(path, '/'))
		return kb_tool_fail("%s binary %s: give a path (./%s), the PATH is not searched", what, path,
			    path);
	return 0;
}

static void progress(void *ctx, const struct kb_ab *ab, size_t round, size_t active)
{
	size_t confirming = 0;

	(void)ctx;
	for (size_t i = 0; i < ab->nbenches; i++)
		if (ab->benches[i].active && ab->benches[i].cur_stage == 1)
			confirming++;
	fprintf(stderr, "\rkbench-ab: round %zu, %zu of %zu benchmarks measuring (%zu confirming)   ",
		round + 1, active, ab->nbenches, confirming);
	fflush(stderr);
}

static int report(FILE *f, const char *format, const struct kb_ab *ab, bool color)
{
	if (!strcmp(format, "markdown") || !strcmp(format, "md"))
		return kb_report_ab_markdown(f, ab);
	if (!strcmp(format, "json"))
		return kb_report_ab_json(f, ab);
	return kb_report_ab_console(f, ab, color);
}

struct report_ctx {
	const char *format;
	const struct kb_ab *ab;
};

static int report_cb(FILE *f, const void *ctx)
{
	const struct report_ctx *r = ctx;

	return report(f, r->format, r->ab, false);
}

/* Atomically, as every file kbench writes (a device or FIFO directly). */
static int write_file(const char *path, const char *format, const struct kb_ab *ab)
{
	if (kb_file_write_atomic(path, report_cb, &(struct report_ctx){ format, ab }))
		return kb_tool_fail("%s", kb_last_error());
	return 0;
}

static int write_reports(const struct args *a, const char *format, const struct kb_ab *ab)
{
	const char *summary = getenv("GITHUB_STEP_SUMMARY");

	if (a->md_out && *a->md_out && write_file(a->md_out, "markdown", ab))
		return EXIT_BAD;
	if (a->json_out && *a->json_out && write_file(a->json_out, "json", ab))
		return EXIT_BAD;
	if (a->out && *a->out) {
		if (write_file(a->out, format, ab))
			return EXIT_BAD;
		if (kb_report_ab_console(stdout, ab, kb_tool_want_color(stdout)))
			return kb_tool_fail("%s", kb_last_error());
	} else if (report(stdout, format, ab, kb_tool_want_color(stdout))) {
		return kb_tool_fail("%s", kb_last_error());
	}
	if (summary && *summary) {
		FILE *f = fopen(summary, "a");

		if (!f || kb_report_ab_markdown(f, ab) || fclose(f) != 0)
			fprintf(stderr, "kbench-ab: warning: cannot append to $GITHUB_STEP_SUMMARY (%s)\n",
				summary);
	}
	return 0;
}

/* SIGINT/SIGTERM: the first ends the comparison after stopping the running
 * children (that round is dropped) and writes the reports of what was
 * measured; a second ends kbench-ab at once (kb_proc_catch_interrupts). */
int main(int argc, char **argv)
{
	struct args a;
	struct kb_ab_options opt;
	struct kb_ab ab;
	const char *format;
	bool show_progress;
	int status = EXIT_BAD, rc;

	kb_tool_init("kbench-ab");

	memset(&a, 0, sizeof(a));
	memset(&ab, 0, sizeof(ab));
	args_from_env(&a);
	if (parse_args(argc, argv, &a))
		goto out;
	if (a.help) {
		fputs(usage, stdout);
		status = 0;
		goto out;
	}
	if (a.nbins != 2) {
		fputs(usage, stderr);
		goto out;
	}
	if (kb_tool_report_format(a.format, &format))
		goto out;
	kb_ab_options_init(&opt);
	if (make_options(&a, &opt) || check_binary("OLD", a.bins[0]) || check_binary("NEW", a.bins[1]))
		goto out;
	show_progress = !a.quiet && isatty(STDERR_FILENO);
	if (show_progress)
		opt.progress = progress;
	kb_proc_catch_interrupts(kb_ab_interrupt);
	rc = kb_ab_run(a.bins[0], a.bins[1], &opt, &ab);
	if (show_progress)
		fputs("\r\033[K", stderr);
	if (rc) {
		kb_tool_fail("%s", kb_last_error());
		goto out;
	}
	if (write_reports(&a, format, &ab))
		goto out;
	status = kb_ab_exit_status(&ab);
	if (ab.interrupted)
		fprintf(stderr, "kbench-ab: interrupted by %s after %zu rounds: the report shows what was "
			"measured (undecided benchmarks are inconclusive)\n",
			ab.interrupted == SIGTERM ? "SIGTERM" : "SIGINT", ab.npairs);
out:
	kb_ab_release(&ab);
	free(a.runner_args);
	return status;
}
