/*
 * kbench-calcheck RUN.json RUN.json... - do kbench's intervals hold across
 * invocations on this machine?  (calcheck.h; make calibration-check)
 * Exit 0: they hold (|z| > 1.96 in at most --max-z-rate of the pairs and
 * coverage at least --min-coverage); 1: they do not; 2: bad input or usage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "calcheck.h"
#include "compare.h"
#include "drift.h"
#include "fileio.h"
#include "error.h"
#include "json_read.h"
#include "tool.h"

static const char usage[] =
	"usage: kbench-calcheck [options] RUN.json RUN.json [RUN.json...]\n"
	"\n"
	"Takes the results of K separate kbench invocations of the same benchmarks (an\n"
	"A/A: same build, same flags) and checks each run's interval against the others:\n"
	"for every benchmark and pair of runs, z = (log c1 - log c2) / sqrt(se1^2 + se2^2),\n"
	"and the share of runs whose interval contains another run's centre.\n"
	"\n"
	"  --max-z-rate=PCT    at most this share of pairs with |z| > 1.96 (default 10)\n"
	"  --min-coverage=PCT  at least this coverage (default 80)\n"
	"  --save-drift[=FILE] estimate the machine's drift between the runs (beyond each\n"
	"                      run's process interval) and save it where kbench finds it\n"
	"                      (default: the machine's file, kbench --help: --drift); later\n"
	"                      kbench runs on this machine widen their intervals by it;\n"
	"                      an earlier estimate in that file is pooled with this one\n"
	"  --verbose           one row per benchmark\n"
	"  --help              this text\n"
	"\n"
	"Exit status: 0 the intervals hold, 1 they do not, 2 bad usage or input.\n";

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

/* --save-drift: estimates the drift from the runs and saves it; 0 or the
 * tool's failure status. */
static int save_drift(const struct kb_run *runs, size_t n, const char *path)
{
	struct kb_drift d;
	char date[32], *def = NULL;
	time_t now = time(NULL);
	int rc;

	if (kb_calcheck_drift(runs, n, &d))
		return kb_tool_fail("--save-drift: %s", kb_last_error());
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	d.date = strdup(date);
	if (!path || !*path) {
		char *slash;

		path = def = kb_drift_default_path(d.fingerprint);
		if (!def || !d.date) {
			kb_drift_release(&d);
			free(def);
			return kb_tool_fail("--save-drift: no default place (set HOME or KBENCH_CACHE_DIR, "
					    "or name a file)");
		}
		slash = strrchr(def, '/');
		*slash = 0;
		rc = kb_mkdir_p(def);
		*slash = '/';
		if (rc) {
			kb_drift_release(&d);
			free(def);
			return kb_tool_fail("--save-drift: %s", kb_last_error());
		}
	}
	/* an earlier calibration of this machine in the same file is pooled */
	if (access(path, F_OK) == 0) {
		struct kb_drift old;

		if ((rc = kb_drift_load(path, &old)) == 0) {
			rc = kb_drift_merge(&d, &old);
			kb_drift_release(&old);
		}
		if (rc) {
			kb_drift_release(&d);
			free(def);
			return kb_tool_fail("--save-drift: %s (remove the file to start afresh)",
					    kb_last_error());
		}
	}
	rc = kb_drift_save(path, &d);
	if (rc)
		kb_tool_fail("--save-drift: %s", kb_last_error());
	else {
		printf("drift between invocations saved to %s (from %zu runs%s; sd of log time):", path,
		       d.invocations, d.invocations > n ? ", earlier calibrations pooled" : "");
		for (size_t i = 0; i < d.nentries; i++)
			if (!strchr(d.entries[i].name, '/'))
				printf(" %s %.1f %%", d.entries[i].name, 100 * sqrt(d.entries[i].log_var));
		printf("\nlater kbench runs on this machine widen their intervals by it (--drift)\n");
	}
	kb_drift_release(&d);
	free(def);
	return rc ? KB_TOOL_EXIT_BAD : 0;
}

int main(int argc, char **argv)
{
	const char *files[256], *v, *drift_path = NULL;
	struct kb_run runs[256];
	struct kb_calcheck c;
	double max_z = 0.10, min_cov = 0.80;
	size_t nfiles = 0, nloaded = 0;
	bool verbose = false, want_drift = false;
	int status = KB_TOOL_EXIT_BAD;

	kb_tool_init("kbench-calcheck");
	memset(runs, 0, sizeof(runs));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(s, "--save-drift") || !strncmp(s, "--save-drift=", 13)) {
			want_drift = true;
			drift_path = s[12] == '=' ? s + 13 : NULL;
			if (drift_path && !*drift_path)
				return kb_tool_fail("--save-drift=: expected a file name");
		} else if (!strcmp(s, "--verbose")) {
			verbose = true;
		} else if (kb_tool_flag(s, "--max-z-rate", &v)) {
			if (kb_compare_parse_percent(v, &max_z))
				return kb_tool_fail("--max-z-rate: %s", kb_last_error());
		} else if (kb_tool_flag(s, "--min-coverage", &v)) {
			if (kb_compare_parse_percent(v, &min_cov))
				return kb_tool_fail("--min-coverage: %s", kb_last_error());
		} else if (s[0] == '-' && s[1]) {
			return kb_tool_fail("unknown option %s (see --help)", s);
		} else if (nfiles == sizeof(files) / sizeof(files[0])) {
			return kb_tool_fail("too many files (at most 256)");
		} else {
			files[nfiles++] = s;
		}
	}
	if (nfiles < 2) {
		fputs(usage, stderr);
		return KB_TOOL_EXIT_BAD;
	}
	for (; nloaded < nfiles; nloaded++)
		if (kb_run_load(files[nloaded], &runs[nloaded])) {
			kb_tool_fail("%s", kb_last_error());
			goto out;
		}
	if (kb_calcheck_runs(runs, nfiles, &c)) {
		kb_tool_fail("%s", kb_last_error());
		goto out;
	}
	printf("kbench-calcheck: %zu runs, %zu benchmarks ok in all (%zu left out), %zu pairs\n", nfiles,
	       c.nrows, c.skipped, c.pairs);
	if (verbose) {
		size_t w = 9;

		for (size_t i = 0; i < c.nrows; i++)
			if (strlen(c.rows[i].id) > w)
				w = strlen(c.rows[i].id);
		printf("%-*s  %5s  %9s  %9s  %8s  %6s  %7s\n", (int)w, "benchmark", "pairs", "|z|>1.96",
		       "|z|>t", "coverage", "max|z|", "spread");
		for (size_t i = 0; i < c.nrows; i++) {
			const struct kb_calcheck_row *r = &c.rows[i];

			printf("%-*s  %5zu  %8.1f%%  %8.1f%%  %7.1f%%  %6.2f  %6.1f%%\n", (int)w, r->id, r->pairs,
			       pct(r->z_over, r->pairs), pct(r->t_over, r->pairs), pct(r->covered, r->ordered),
			       r->max_abs_z, 100 * r->spread);
		}
	}
	/* the machine between the runs: an interval made inside one run cannot
	 * see a drift between runs, the reference probes can */
	for (int mem = 0; mem < 2; mem++) {
		double lo = INFINITY, hi = 0;
		size_t k = 0;

		for (size_t i = 0; i < nfiles; i++) {
			double x = kb_run_context_num(&runs[i], kb_reference_probes[mem].key);

			if (x > 0) {
				lo = x < lo ? x : lo;
				hi = x > hi ? x : hi;
				k++;
			}
		}
		if (k >= 2)
			printf("reference %s across the runs: %.3g to %.3g ms (%.0f %% apart)\n",
			       kb_reference_probes[mem].name, lo / 1e6, hi / 1e6, 100 * (hi / lo - 1));
	}
	printf("|z| > 1.96 in %.1f %% of pairs (nominal 5 %%; at most %.0f %% expected), "
	       "|z| > t(Welch df) in %.1f %%\n",
	       pct(c.z_over, c.pairs), 100 * max_z, pct(c.t_over, c.pairs));
	printf("coverage: a run's interval contains another run's centre in %.1f %% of %zu cases "
	       "(at least %.0f %% expected)\n", pct(c.covered, c.ordered), c.ordered, 100 * min_cov);
	if (pct(c.z_over, c.pairs) <= 100 * max_z && pct(c.covered, c.ordered) >= 100 * min_cov) {
		printf("PASS: the intervals hold across invocations on this machine\n");
		status = 0;
	} else {
		printf("FAIL: the intervals do not hold across invocations on this machine\n");
		status = 1;
	}
	kb_calcheck_release(&c);
	if (want_drift && save_drift(runs, nfiles, drift_path))
		status = KB_TOOL_EXIT_BAD;
out:
	for (size_t i = 0; i < nloaded; i++)
		kb_run_clear(&runs[i]);
	return status;
}
