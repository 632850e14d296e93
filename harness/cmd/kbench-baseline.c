/*
 * kbench-baseline RUN.json RUN.json [...] - merges runs of the same suites,
 * each made in its own process, into baselines/<fingerprint>/<suite>.json
 * with each benchmark's between-run noise (baseline.h).  Files are
 * replaced atomically: an interrupted update leaves the old baseline.
 *
 * kbench-baseline --fingerprint FILE prints the machine fingerprint of a
 * results file (scripts/ci-gate.sh uses it to find the baseline folder).
 *
 * Exit 0 on success, 2 on bad input or usage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "compare.h"
#include "error.h"
#include "fileio.h"
#include "json_read.h"
#include "stats.h"
#include "writer.h"
#include "tool.h"

#define EXIT_BAD KB_TOOL_EXIT_BAD

static const char usage[] =
	"usage: kbench-baseline [--dir=DIR] [--threshold=PCT] [--dry-run] RUN.json RUN.json [...]\n"
	"       kbench-baseline --fingerprint FILE\n"
	"\n"
	"Merges N >= 2 runs of the same suites (each from its own process) into\n"
	"DIR/<fingerprint>/<suite>.json (DIR defaults to baselines).  Runs made with\n"
	"worker processes: per benchmark every run's process medians, their centre and\n"
	"the drift between the runs, which kbench-compare's process-level test uses.\n"
	"Older one-process runs: the raw samples of the run with the median median,\n"
	"plus `noise`, the between-run dispersion kbench-compare uses as a floor for\n"
	"its threshold.\n"
	"\n"
	"  --dir=DIR        where the baseline folders live (default baselines; KBENCH_BASELINE_DIR)\n"
	"  --threshold=PCT  only for the printout: which noises raise this gate threshold (default 5)\n"
	"  --dry-run        print what would be written, write nothing\n"
	"  --fingerprint F  print the machine fingerprint of results file F and exit\n";

/* Keeps a path component harmless: [A-Za-z0-9._-], no leading dot. */
static void sanitize(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++) {
		char ch = in[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || (ch == '.' && i > 0);

		out[i] = ok ? ch : '_';
	}
	out[i] = '\0';
	if (!*out)
		snprintf(out, len, "unknown");
}

static int print_fingerprint(const char *path)
{
	struct kb_run run;

	if (kb_run_load(path, &run))
		return kb_tool_fail("%s", kb_last_error());
	if (!run.fingerprint) {
		kb_tool_fail("%s has no machine fingerprint", path);
		kb_run_clear(&run);
		return EXIT_BAD;
	}
	{
		char fp[256];

		sanitize(run.fingerprint, fp, sizeof(fp));
		printf("%s\n", fp);
	}
	kb_run_clear(&run);
	return 0;
}

/* One suite's file, written beside its final name and not yet renamed. */
struct staged_file {
	char path[4608];
	char *staged;
	size_t nbench;
};

/* Stages the results of one suite; the view borrows everything from `merged`. */
static int stage_suite(const struct kb_run *merged, const char *suite, const char *dir,
		       bool dry_run, struct staged_file *out)
{
	struct kb_run view = *merged;
	char name[256];
	size_t i;
	int rc;

	view.results = malloc(merged->nresults * sizeof(*view.results));
	if (!view.results)
		return kb_error(KB_ENOMEM, "out of memory");
	view.nresults = 0;
	for (i = 0; i < merged->nresults; i++)
		if (strcmp(merged->results[i].suite, suite) == 0)
			view.results[view.nresults++] = merged->results[i];
	sanitize(suite, name, sizeof(name));
	out->staged = NULL;
	out->nbench = view.nresults;
	if ((size_t)snprintf(out->path, sizeof(out->path), "%s/%s.json", dir, name) >= sizeof(out->path)) {
		free(view.results);
		return kb_error(KB_EINVAL, "%s: path too long", dir);
	}
	rc = dry_run ? 0 : kb_file_stage(out->path, kb_report_json_cb, &view, &out->staged);
	free(view.results);
	return rc;
}

/*
 * A baseline pooled at the process level: per benchmark its centre, the
 * drift between the runs, and the smallest change a new run of the same
 * size would show at even odds through Holm's strictest level over these
 * benchmarks (alpha 1 %): se_diff from the within-run process spread and
 * the drift on both sides, times the normal quantile of 1 - 0.01 / m.
 */
static void print_pooled(const struct kb_run *merged, size_t runs, double threshold)
{
	size_t i, m = 0, below = 0;
	double z;

	for (i = 0; i < merged->nresults; i++)
		m += merged->results[i].status == KB_STATUS_OK;
	z = kb_stats_norm_quantile(1 - 0.01 / (double)(m ? m : 1));
	printf("%-48s %12s %8s %8s %10s\n", "benchmark", "centre", "95% CI", "drift", "resolves");
	for (i = 0; i < merged->nresults; i++) {
		const struct kb_result *r = &merged->results[i];
		double P, w, v, se_new, se_base, mde;
		char t[32];

		if (r->status != KB_STATUS_OK) {
			printf("%-48s %12s %8s %8s %10s  %s\n", r->id, "-", "-", "-", "-",
			       kb_status_name(r->status));
			continue;
		}
		P = (double)r->proc.processes;
		w = r->proc.process_log_se * r->proc.process_log_se * P; /* a process median's variance */
		v = isfinite(r->proc.drift_log_var) ? r->proc.drift_log_var : 0;
		se_new = sqrt(w / (P / (double)runs) + v);
		se_base = sqrt(w / P + v / (double)runs);
		mde = expm1(z * sqrt(se_new * se_new + se_base * se_base));
		kb_format_time(r->summary.median, t, sizeof(t));
		printf("%-48s %12s  ±%5.1f%% %7.1f%% %9.1f%%%s\n", r->id, t,
		       100 * (r->summary.ci_high - r->summary.ci_low) / 2 / r->summary.median,
		       100 * sqrt(v), 100 * mde, mde > threshold ? "  (above the threshold)" : "");
		below += mde > threshold;
	}
	printf("resolves: the change a new run of the same size shows at even odds through Holm's\n"
	       "strictest level (alpha 1 %% over %zu benchmarks)", m);
	if (below)
		printf("; for %zu benchmarks it is above the %.1f %% threshold:\n"
		       "smaller changes there will pass unseen (more runs, more processes, a quieter\n"
		       "machine or larger sizes help)", below, threshold * 100);
	printf("\n");
}

static void print_noise(const struct kb_run *merged, double threshold)
{
	size_t i, raised = 0;
	const char *pooled = kb_run_context(merged, "baseline.pooled_runs");

	if (pooled && atoi(pooled) >= 2) {
		print_pooled(merged, (size_t)atoi(pooled), threshold);
		return;
	}

	printf("%-48s %14s %8s\n", "benchmark", "median", "noise");
	for (i = 0; i < merged->nresults; i++) {
		const struct kb_result *r = &merged->results[i];
		char t[32];

		if (r->status != KB_STATUS_OK) {
			printf("%-48s %14s %8s  %s\n", r->id, "-", "-", kb_status_name(r->status));
			continue;
		}
		kb_format_time(r->summary.median, t, sizeof(t));
		printf("%-48s %14s %7.1f%%%s\n", r->id, t, r->noise * 100,
		       r->noise > threshold ? "  (above the gate threshold: it will be raised)" : "");
		raised += r->noise > threshold;
	}
	if (raised)
		printf("%zu benchmarks vary between runs by more than the %.1f %% threshold; the gate\n"
		       "uses their noise instead. Quieter machine, larger sizes or longer --max-time help.\n",
		       raised, threshold * 100);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("KBENCH_BASELINE_DIR"), **files;
	struct kb_run *runs, merged = { 0 };
	char fpdir[4096], fp[256];
	double threshold = 0.05;
	bool dry_run = false;
	size_t nfiles = 0, i, j, nout = 0;
	struct staged_file *files_out = NULL;
	int status = EXIT_BAD, a;

	kb_tool_init("kbench-baseline");
	if (!dir || !*dir)
		dir = "baselines";
	files = calloc((size_t)argc, sizeof(*files));
	runs = calloc((size_t)argc, sizeof(*runs));
	if (!files || !runs) {
		kb_tool_fail("out of memory");
		free(files);
		free(runs);
		return EXIT_BAD;
	}
	for (a = 1; a < argc; a++) {
		const char *s = argv[a];

		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			fputs(usage, stdout);
			status = 0;
			goto out;
		} else if (strcmp(s, "--fingerprint") == 0 && a + 1 < argc) {
			status = print_fingerprint(argv[a + 1]);
			goto out;
		} else if (strncmp(s, "--dir=", 6) == 0) {
			dir = s + 6;
		} else if (strncmp(s, "--threshold=", 12) == 0) {
			if (kb_compare_parse_percent(s + 12, &threshold)) {
				kb_tool_fail("--threshold=%s: not a percentage", s + 12);
				goto out;
			}
		} else if (strcmp(s, "--dry-run") == 0) {
			dry_run = true;
		} else if (s[0] == '-') {
			kb_tool_fail("unknown option %s (see --help)", s);
			goto out;
		} else {
			files[nfiles++] = s;
		}
	}
	if (nfiles < 2) {
		fprintf(stderr, "kbench-baseline: need at least 2 runs (got %zu)\n\n%s", nfiles, usage);
		goto out;
	}
	for (i = 0; i < nfiles; i++)
		if (kb_run_load(files[i], &runs[i])) {
			kb_tool_fail("%s", kb_last_error());
			goto out;
		}
	if (kb_baseline_merge(runs, nfiles, files, &merged)) {
		kb_tool_fail("%s", kb_last_error());
		goto out;
	}
	sanitize(merged.fingerprint, fp, sizeof(fp));
	snprintf(fpdir, sizeof(fpdir), "%s/%s", dir, fp);
	if (!dry_run && kb_mkdir_p(fpdir)) {
		kb_tool_fail("%s", kb_last_error());
		goto out;
	}
	print_noise(&merged, threshold);
	/* Every suite's file is written first and renamed only when all are:
	 * a failure or an interrupt before that leaves the old baseline whole. */
	files_out = calloc(merged.nresults ? merged.nresults : 1, sizeof(*files_out));
	if (!files_out) {
		kb_tool_fail("out of memory");
		goto out;
	}
	for (i = 0; i < merged.nresults; i++) {
		const char *suite = merged.results[i].suite;

		for (j = 0; j < i; j++)
			if (strcmp(merged.results[j].suite, suite) == 0)
				break;
		if (j < i)
			continue; /* suite already staged */
		if (stage_suite(&merged, suite, fpdir, dry_run, &files_out[nout])) {
			kb_tool_fail("%s", kb_last_error());
			goto out;
		}
		nout++;
	}
	for (i = 0; i < nout; i++) {
		char *staged = files_out[i].staged;

		files_out[i].staged = NULL;
		if (!dry_run && kb_file_commit(staged, files_out[i].path)) {
			kb_tool_fail("%s", kb_last_error());
			goto out;
		}
		printf("%s %s (%zu benchmarks)\n", dry_run ? "would write" : "wrote", files_out[i].path,
		       files_out[i].nbench);
	}
	printf("baseline for machine %s from %zu runs%s; commit %s/\n", fp, nfiles,
	       dry_run ? " (dry run)" : "", fpdir);
	status = 0;
out:
	for (i = 0; files_out && i < nout; i++)
		kb_file_discard(files_out[i].staged);
	free(files_out);
	kb_run_clear(&merged);
	for (i = 0; i < (size_t)argc; i++)
		kb_run_clear(&runs[i]);
	free(runs);
	free(files);
	return status;
}
