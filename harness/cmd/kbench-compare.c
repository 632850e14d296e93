/*
 * kbench-compare BASELINE CURRENT - the regression gate.
 *
 * Reads two results files (kbench JSON or Google Benchmark JSON, either
 * side), compares them benchmark by benchmark (compare.h) and reports.
 * Exit 0: no regression; 1: a regression or an error in the current run;
 * 2: bad input, bad usage, or incomparable data.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "error.h"
#include "fileio.h"
#include "json_read.h"
#include "report_compare.h"
#include "tool.h"

#define EXIT_BAD KB_TOOL_EXIT_BAD

static const char usage[] =
	"usage: kbench-compare [options] BASELINE CURRENT\n"
	"\n"
	"Compares CURRENT with BASELINE (kbench JSON or Google Benchmark JSON; BASELINE\n"
	"may also be a baseline directory, baselines/<fingerprint>/, read as one run),\n"
	"benchmark by benchmark: ratio of medians with a bootstrap CI from the raw\n"
	"samples, a one-sided Mann-Whitney test with Holm correction, and a verdict.\n"
	"\n"
	"  --threshold=PCT     practical threshold, percent (default 5, 0.5 for instructions);\n"
	"                      for time never below the between-run noise of the baseline\n"
	"  --metric=time|instructions\n"
	"                      what to gate on (default: the baseline's metric); runs made with\n"
	"                      kbench --metric=instructions gate on instruction counts, and a\n"
	"                      change in instructions that time does not show is a warning\n"
	"  --floor=PCT         the whole CI must be beyond this (default 1)\n"
	"  --alpha=A           family-wise error rate across benchmarks (default 0.01)\n"
	"  --config=FILE       per-benchmark thresholds: lines \"GLOB PCT\" or \"default PCT\"\n"
	"  --counter=NAME[:higher|:lower]\n"
	"                      gate on a counter (gbps, gflops: higher is better) instead of time\n"
	"  --format=console|markdown|json   output format (default console)\n"
	"  --out=FILE          write the report to FILE (the console table still goes to stdout)\n"
	"  --allow-mismatch    compare runs from different machine fingerprints (loudly), with\n"
	"                      every threshold and floor t widened to (1 + t)(1 + W) - 1\n"
	"  --mismatch-widen=W  W in percent (default 25; 0: not widened)\n"
	"  --fail-on=LIST      what fails: regressed (default), or regressed,inconclusive: an\n"
	"                      inconclusive row whose estimate is past the threshold fails too\n"
	"  --no-reference-check  keep regressed/improved verdicts when the machine's reference\n"
	"                      probes (spin, memory read) moved past the threshold since the\n"
	"                      baseline (by default they are held as inconclusive)\n"
	"  --seed=N            bootstrap seed (default 42)\n"
	"  --resamples=N       bootstrap resamples (default 10000)\n"
	"  --help              this text\n"
	"\n"
	"Every option has an environment mirror: KBENCH_THRESHOLD, KBENCH_FLOOR, KBENCH_ALPHA,\n"
	"KBENCH_CONFIG, KBENCH_COUNTER, KBENCH_FORMAT, KBENCH_OUT, KBENCH_ALLOW_MISMATCH=1,\n"
	"KBENCH_MISMATCH_WIDEN, KBENCH_NO_REFERENCE_CHECK=1, KBENCH_SEED, KBENCH_RESAMPLES,\n"
	"KBENCH_FAIL_ON (flags win).\n"
	"With $GITHUB_STEP_SUMMARY set, the Markdown report is appended to that file.\n"
	"\n"
	"Exit status: 0 no regression, 1 regression (or an error in CURRENT),\n"
	"2 bad input or incomparable data.\n";

struct args {
	const char *threshold, *floor, *alpha, *config, *counter, *format, *out, *metric;
	const char *seed, *resamples, *fail_on, *widen;
	bool allow_mismatch, no_reference_check, help;
	const char *files[2];
	int nfiles;
};

static void args_from_env(struct args *a)
{
	a->threshold = getenv("KBENCH_THRESHOLD");
	a->floor = getenv("KBENCH_FLOOR");
	a->alpha = getenv("KBENCH_ALPHA");
	a->config = getenv("KBENCH_CONFIG");
	a->counter = getenv("KBENCH_COUNTER");
	a->format = getenv("KBENCH_FORMAT");
	a->out = getenv("KBENCH_OUT");
	a->seed = getenv("KBENCH_SEED");
	a->resamples = getenv("KBENCH_RESAMPLES");
	a->fail_on = getenv("KBENCH_FAIL_ON");
	a->widen = getenv("KBENCH_MISMATCH_WIDEN");
	a->allow_mismatch = kb_tool_env_true(getenv("KBENCH_ALLOW_MISMATCH"));
	a->no_reference_check = kb_tool_env_true(getenv("KBENCH_NO_REFERENCE_CHECK"));
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int i;
	bool dashdash = false;

	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (dashdash || s[0] != '-' || strcmp(s, "-") == 0) {
			if (a->nfiles == 2)
				return kb_tool_fail("too many files: %s (expected BASELINE CURRENT)", s);
			a->files[a->nfiles++] = s;
		} else if (strcmp(s, "--") == 0) {
			dashdash = true;
		} else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			a->help = true;
		} else if (strcmp(s, "--allow-mismatch") == 0) {
			a->allow_mismatch = true;
		} else if (strcmp(s, "--no-reference-check") == 0) {
			a->no_reference_check = true;
		} else if (!kb_tool_flag(s, "--threshold", &a->threshold) && !kb_tool_flag(s, "--floor", &a->floor) &&
			   !kb_tool_flag(s, "--alpha", &a->alpha) && !kb_tool_flag(s, "--config", &a->config) &&
			   !kb_tool_flag(s, "--counter", &a->counter) && !kb_tool_flag(s, "--format", &a->format) &&
			   !kb_tool_flag(s, "--out", &a->out) && !kb_tool_flag(s, "--seed", &a->seed) &&
			   !kb_tool_flag(s, "--resamples", &a->resamples) && !kb_tool_flag(s, "--metric", &a->metric) &&
			   !kb_tool_flag(s, "--fail-on", &a->fail_on) &&
			   !kb_tool_flag(s, "--mismatch-widen", &a->widen)) {
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
	if (end == text || *end || errno || !(v > lo && v < hi)) {
		fprintf(stderr, "kbench-compare: %s=%s: expected a number in (%g, %g)\n", what, text, lo, hi);
		return EXIT_BAD;
	}
	*out = v;
	return 0;
}

static int parse_count(const char *what, const char *text, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 10);
	if (end == text || *end || errno || text[0] == '-') {
		fprintf(stderr, "kbench-compare: %s=%s: expected a non-negative integer\n", what, text);
		return EXIT_BAD;
	}
	return 0;
}

/* Fills the options from the arguments; `counter` gets a ":higher"/":lower"
 * suffix removed into `counter_buf`. */
static int make_options(const struct args *a, struct kb_compare_options *opt, char *counter_buf,
			size_t len)
{
	unsigned long long u;
	double v;

	if (a->threshold) {
		if (kb_compare_parse_percent(a->threshold, &opt->threshold))
			return kb_tool_fail("--threshold: %s", kb_last_error());
		opt->instructions_threshold = opt->threshold;
	}
	if (a->metric) {
		if (strcmp(a->metric, "time") != 0 && strcmp(a->metric, "instructions") != 0)
			return kb_tool_fail("--metric=%s: expected time or instructions", a->metric);
		opt->metric = a->metric;
	}
	if (a->floor) {
		if (kb_compare_parse_percent(a->floor, &opt->floor))
			return kb_tool_fail("--floor: %s", kb_last_error());
	}
	if (a->alpha) {
		if (parse_number("--alpha", a->alpha, 0, 1, &v))
			return EXIT_BAD;
		opt->alpha = v;
	}
	if (a->seed) {
		if (parse_count("--seed", a->seed, &u))
			return EXIT_BAD;
		opt->seed = u;
	}
	if (a->resamples) {
		if (parse_count("--resamples", a->resamples, &u))
			return EXIT_BAD;
		if (u < 100 || u > 10000000)
			return kb_tool_fail("--resamples=%s: expected 100 to 10000000", a->resamples);
		opt->resamples = (size_t)u;
	}
	opt->allow_mismatch = a->allow_mismatch;
	opt->no_reference_check = a->no_reference_check;
	if (a->widen && kb_compare_parse_percent(a->widen, &opt->mismatch_widen))
		return kb_tool_fail("--mismatch-widen: %s", kb_last_error());
	if (a->fail_on) {
		char buf[128], *save = NULL;
		bool regressed = false;

		snprintf(buf, sizeof(buf), "%s", a->fail_on);
		for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
			if (strcmp(w, "regressed") == 0)
				regressed = true;
			else if (strcmp(w, "inconclusive") == 0)
				opt->fail_inconclusive = true;
			else
				return kb_tool_fail("--fail-on=%s: expected regressed or regressed,inconclusive "
						    "(\"%s\" is neither)", a->fail_on, w);
		}
		if (!regressed)
			return kb_tool_fail("--fail-on=%s: a regression always fails: expected regressed "
					    "or regressed,inconclusive", a->fail_on);
	}
	if (a->counter && *a->counter) {
		char *colon;

		snprintf(counter_buf, len, "%s", a->counter);
		colon = strrchr(counter_buf, ':');
		if (colon && strcmp(colon, ":higher") != 0 && strcmp(colon, ":lower") != 0)
			return kb_tool_fail("--counter=%s: expected NAME, NAME:higher or NAME:lower",
					    a->counter);
		if (colon) {
			opt->counter_direction = strcmp(colon, ":higher") == 0 ? 1 : -1;
			*colon = '\0';
		}
		if (!*counter_buf)
			return kb_tool_fail("--counter=%s: no counter name", a->counter);
		opt->counter = counter_buf;
	}
	return 0;
}

static bool has_counter(const struct kb_run *run, const char *name)
{
	for (size_t i = 0; i < run->nresults; i++)
		if (kb_result_counter(&run->results[i], name))
			return true;
	return false;
}

/* The distinct counter names of a run, for the message above. */
static const char *counter_names(const struct kb_run *run)
{
	static char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < run->nresults; i++)
		for (size_t j = 0; j < run->results[i].ncounters; j++) {
			const char *name = run->results[i].counters[j].name;
			char quoted[160];

			snprintf(quoted, sizeof(quoted), " %s,", name);
			if (strstr(buf, quoted) || len + strlen(quoted) + 4 >= sizeof(buf))
				continue;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", quoted);
		}
	if (len == 0)
		return "no counters";
	buf[len - 1] = '\0'; /* the last comma */
	return buf + 1;
}

static int report(FILE *f, const char *format, const struct kb_compare *c, bool color)
{
	if (strcmp(format, "markdown") == 0 || strcmp(format, "md") == 0)
		return kb_report_compare_markdown(f, c);
	if (strcmp(format, "json") == 0)
		return kb_report_compare_json(f, c);
	return kb_report_compare_console(f, c, color);
}

struct report_ctx {
	const char *format;
	const struct kb_compare *c;
};

static int report_cb(FILE *f, const void *ctx)
{
	const struct report_ctx *r = ctx;

	return report(f, r->format, r->c, false);
}

static int write_reports(const struct args *a, const char *format, const struct kb_compare *c)
{
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	int rc = 0;

	if (a->out && *a->out) {
		if (kb_file_write_atomic(a->out, report_cb, &(struct report_ctx){ format, c }))
			return kb_tool_fail("--out: %s", kb_last_error());
		rc = kb_report_compare_console(stdout, c, kb_tool_want_color(stdout));
	} else {
		rc = report(stdout, format, c, kb_tool_want_color(stdout));
	}
	if (rc)
		return kb_tool_fail("%s", kb_last_error());
	if (summary && *summary) {
		FILE *f = fopen(summary, "a");

		if (!f || kb_report_compare_markdown(f, c) || fclose(f) != 0) {
			fprintf(stderr, "kbench-compare: warning: cannot append to $GITHUB_STEP_SUMMARY (%s)\n",
				summary);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct kb_compare_options opt;
	struct kb_compare_config cfg = { 0 };
	struct kb_run base = { 0 }, cur = { 0 };
	struct kb_compare cmp = { 0 };
	char counter[256];
	const char *format;
	int status = EXIT_BAD;

	kb_tool_init("kbench-compare");

	args_from_env(&a);
	if (parse_args(argc, argv, &a))
		return EXIT_BAD;
	if (a.help) {
		fputs(usage, stdout);
		return 0;
	}
	if (a.nfiles != 2) {
		fputs(usage, stderr);
		return EXIT_BAD;
	}
	if (kb_tool_report_format(a.format, &format))
		return EXIT_BAD;
	kb_compare_options_init(&opt);
	if (make_options(&a, &opt, counter, sizeof(counter)))
		return EXIT_BAD;
	if (a.config && *a.config) {
		if (kb_compare_config_load(a.config, &cfg)) {
			kb_tool_fail("%s", kb_last_error());
			goto out;
		}
		opt.config = &cfg;
	}
	if (kb_run_load_any(a.files[0], &base) || kb_run_load_any(a.files[1], &cur)) {
		kb_tool_fail("%s", kb_last_error());
		goto out;
	}
	if (opt.counter && !has_counter(&base, opt.counter) && !has_counter(&cur, opt.counter)) {
		/* a misspelt counter would skip every row and pass the gate */
		kb_tool_fail("--counter=%s: no benchmark in %s or %s has this counter (%s has: %s)",
			     opt.counter, a.files[0], a.files[1], a.files[1], counter_names(&cur));
		goto out;
	}
	if (kb_compare_runs(&base, &cur, a.files[0], a.files[1], &opt, &cmp)) {
		kb_tool_fail("%s", kb_last_error());
		goto out;
	}
	if (write_reports(&a, format, &cmp))
		goto out;
	status = kb_compare_exit_status(&cmp);
out:
	kb_compare_release(&cmp);
	kb_run_clear(&cur);
	kb_run_clear(&base);
	kb_compare_config_release(&cfg);
	return status;
}
