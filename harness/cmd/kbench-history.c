/*
 * kbench-history - the results history in SQLite or PostgreSQL (history.h,
 * histdb.h): add runs, list and show them, follow a benchmark over time
 * with its change points (table and plot), export everything as JSON.
 *
 * Exit 0: done; 1: refused (run already stored), database or plot
 * failure; 2: bad usage or unusable input.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "error.h"
#include "fileio.h"
#include "histdb.h"
#include "history.h"
#include "json_read.h"
#include "writer.h"
#include "report_plot.h"
#include "tool.h"

#define EXIT_FAIL 1
#define EXIT_BAD KB_TOOL_EXIT_BAD

static const char usage[] =
	"usage: kbench-history [--db=FILE|URI] COMMAND [ARGS]\n"
	"\n"
	"The results history, an SQLite database (default build/history.db), or a\n"
	"team's PostgreSQL database (--db=postgresql://...): same commands, same schema.\n"
	"\n"
	"  add RESULT.json...   store runs: context, config, every summary and raw sample,\n"
	"                       keyed by git revision, date and host (a run already\n"
	"                       stored is refused)\n"
	"  list                 the stored runs, oldest first\n"
	"  show ID              one run: context and benchmarks\n"
	"  trend GLOB           each benchmark matching GLOB (shell pattern, quote it):\n"
	"                       its median over runs, change points, and a plot\n"
	"  export [ID]          every run (or run ID) as JSON\n"
	"\n"
	"Options:\n"
	"  --db=FILE|URI        the database (default build/history.db; $KBENCH_HISTORY):\n"
	"                       an SQLite file, or postgresql://[user[:password]@][host]\n"
	"                       [:port]/dbname[?host=/socket/dir&...] (libpq's URI)\n"
	"  --out=FILE           export: write to FILE instead of standard output\n"
	"  --out-dir=DIR        trend: where plots go (default: history/ beside the database;\n"
	"                       build/history for PostgreSQL)\n"
	"  --no-plot            trend: table only\n"
	"  --min-step=PCT       trend: smallest step reported as a change point or as\n"
	"                       drift (default 5)\n"
	"  --fdr=PCT            trend: false-alarm control over the query's benchmarks\n"
	"                       (Benjamini-Hochberg; default 5)\n"
	"  --permutations=N     trend: shuffles of the revisions per test (default 1999)\n"
	"  --include-disturbed  trend: let disturbed runs take part in the decisions\n"
	"  --scripts=DIR        trend: where history.gp lives\n"
	"  --help               this text\n"
	"\n"
	"Change points are reported at revision boundaries only: runs of one revision are\n"
	"one group, a step between groups must pass a permutation test over the groups\n"
	"(the false-alarm rate is in the output) and be at least PCT large.  Steps inside\n"
	"one revision are machine drift; runs where most benchmarks moved together are\n"
	"disturbed and left out (see docs/method.md, \"Change points\").\n"
	"\n"
	"Exit status: 0 done, 1 refused (already stored) or a database or plot failure,\n"
	"2 bad usage or unusable input.\n";

struct args {
	const char *db, *out, *out_dir, *scripts;
	const char *cmd;
	const char **rest;
	size_t nrest;
	bool no_plot;
	double fdr;
	struct kb_changepoint_opts cp;
};

static int parse_positive(const char *flag, const char *v, double *out)
{
	char *end;
	double d = strtod(v, &end);

	if (end != v && *end == '%')
		end++;
	if (*v == '\0' || *end || !(d > 0) || !isfinite(d))
		return kb_tool_fail("%s=%s: expected a positive number", flag, v);
	*out = d;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct kb_changepoint_opts defaults = KB_CHANGEPOINT_OPTS_INIT;
	const char *v, *env = getenv("KBENCH_HISTORY");

	a->db = env && *env ? env : "build/history.db";
	a->cp = defaults;
	a->fdr = 0.05;
	a->rest = calloc((size_t)argc, sizeof(*a->rest));
	if (!a->rest)
		return kb_tool_fail("out of memory");
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (kb_tool_flag(arg, "--db", &v)) {
			if (!*v)
				return kb_tool_fail("--db is empty");
			a->db = v;
		} else if (kb_tool_flag(arg, "--out", &v)) {
			a->out = v;
		} else if (kb_tool_flag(arg, "--out-dir", &v)) {
			a->out_dir = v;
		} else if (kb_tool_flag(arg, "--scripts", &v)) {
			a->scripts = v;
		} else if (kb_tool_flag(arg, "--min-step", &v)) {
			if (parse_positive("--min-step", v, &a->cp.min_step))
				return KB_TOOL_EXIT_BAD;
			a->cp.min_step /= 100;
		} else if (kb_tool_flag(arg, "--fdr", &v)) {
			if (parse_positive("--fdr", v, &a->fdr))
				return KB_TOOL_EXIT_BAD;
			if (a->fdr >= 100)
				return kb_tool_fail("--fdr=%s: expected a percentage below 100", v);
			a->fdr /= 100;
		} else if (kb_tool_flag(arg, "--permutations", &v)) {
			double d;

			if (parse_positive("--permutations", v, &d))
				return KB_TOOL_EXIT_BAD;
			if (d != floor(d) || d < 99 || d > 1e7)
				return kb_tool_fail("--permutations=%s: expected a whole number from 99 to"
						    " 10000000", v);
			a->cp.permutations = (size_t)d;
		} else if (kb_tool_flag(arg, "--z", &v)) {
			return kb_tool_fail("--z is gone: change points are decided by a permutation"
					    " test over revisions; see --fdr");
		} else if (strcmp(arg, "--include-disturbed") == 0) {
			a->cp.include_disturbed = true;
		} else if (strcmp(arg, "--no-plot") == 0) {
			a->no_plot = true;
		} else if (arg[0] == '-' && arg[1]) {
			return kb_tool_fail("unknown option %s", arg);
		} else if (!a->cmd) {
			a->cmd = arg;
		} else {
			a->rest[a->nrest++] = arg;
		}
	}
	if (!a->cmd)
		return kb_tool_fail("no command (add, list, show, trend, export)");
	return 0;
}

/* Opens the database; exits 2 when it is missing or not a history. */
static struct kb_history *open_db(const struct args *a, bool create)
{
	struct kb_history *h;
	int rc = kb_history_open(a->db, create, &h);

	if (rc == 0)
		return h;
	fprintf(stderr, "kbench-history: %s\n", kb_last_error());
	exit(rc == -KB_EIO ? EXIT_FAIL : EXIT_BAD);
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long id = strtoll(s, &end, 10);

	if (*s == '\0' || *end || id <= 0)
		return kb_tool_fail("%s: expected a run id (a positive number, see kbench-history list)", s);
	*out = id;
	return 0;
}

/* ---- add ------------------------------------------------------------------ */

static int cmd_add(const struct args *a)
{
	struct kb_history *h;
	int status = 0;

	if (a->nrest == 0)
		return kb_tool_fail("add: no results file given");
	h = open_db(a, true);
	for (size_t i = 0; i < a->nrest; i++) {
		struct kb_run run;
		int64_t id;
		int rc;

		if (kb_run_load(a->rest[i], &run)) {
			fprintf(stderr, "kbench-history: %s\n", kb_last_error());
			status = EXIT_BAD;
			continue;
		}
		rc = kb_history_add(h, &run, a->rest[i], &id);
		if (rc == 0) {
			printf("kbench-history: added %s as run %" PRId64 " (%zu benchmarks) to %s\n",
			       a->rest[i], id, run.nresults, a->db);
		} else {
			fprintf(stderr, "kbench-history: %s\n", kb_last_error());
			if (rc == -KB_ESCHEMA) {
				status = EXIT_BAD;
			} else if (status == 0) {
				status = EXIT_FAIL;
			}
		}
		kb_run_clear(&run);
	}
	kb_history_close(h);
	return status;
}

/* ---- list and show ------------------------------------------------------ */

static int cmd_list(const struct args *a)
{
	struct kb_history *h = open_db(a, false);
	struct kb_history_run *runs;
	size_t n;

	if (kb_history_list(h, &runs, &n)) {
		fprintf(stderr, "kbench-history: %s\n", kb_last_error());
		kb_history_close(h);
		return EXIT_FAIL;
	}
	printf("%5s  %-20s  %-13s %-5s  %-16s %-5s  %s\n", "id", "date", "git", "dirty", "host",
	       "bench", "machine");
	for (size_t i = 0; i < n; i++)
		printf("%5" PRId64 "  %-20s  %-13s %-5s  %-16s %5zu  %s\n", runs[i].id, runs[i].date,
		       *runs[i].git ? runs[i].git : "-", runs[i].git_dirty ? "yes" : "no",
		       *runs[i].host ? runs[i].host : "-", runs[i].nbench,
		       *runs[i].fingerprint ? runs[i].fingerprint : "-");
	printf("%zu run%s in %s\n", n, n == 1 ? "" : "s", a->db);
	kb_history_runs_free(runs, n);
	kb_history_close(h);
	return 0;
}

static void print_counter(const struct kb_result *r, const char *name)
{
	const struct kb_counter *c = kb_result_counter(r, name);

	if (c && isfinite(c->value))
		printf(" %10.4g", c->value);
	else
		printf(" %10s", "-");
}

static int cmd_show(const struct args *a)
{
	struct kb_history *h;
	struct kb_history_run meta;
	struct kb_run run;
	int64_t id;
	int rc;

	if (a->nrest != 1)
		return kb_tool_fail("show: expected one run id");
	if (parse_id(a->rest[0], &id))
		return KB_TOOL_EXIT_BAD;
	h = open_db(a, false);
	rc = kb_history_get(h, id, &run, &meta);
	if (rc) {
		fprintf(stderr, "kbench-history: %s\n", kb_last_error());
		kb_history_close(h);
		return rc == -KB_ENOTFOUND ? EXIT_BAD : EXIT_FAIL;
	}
	printf("run %" PRId64 "\n  date         %s\n  git          %s%s\n  host         %s\n"
	       "  machine      %s\n  source       %s\n  added        %s\n",
	       meta.id, meta.date, *meta.git ? meta.git : "unknown", meta.git_dirty ? " (dirty)" : "",
	       *meta.host ? meta.host : "unknown", *meta.fingerprint ? meta.fingerprint : "unknown",
	       *meta.source ? meta.source : "-", meta.added);
	for (size_t i = 0; i < run.ncontext; i++)
		if (strncmp(run.context[i].key, "cpu.model", 9) == 0 ||
		    strncmp(run.context[i].key, "os.", 3) == 0 ||
		    strncmp(run.context[i].key, "compiler.", 9) == 0)
			printf("  %-12s %s\n", run.context[i].key,
			       run.context[i].value ? run.context[i].value : "(unknown)");
	printf("\n%-44s %-8s %12s  %-27s %10s %10s\n", "benchmark", "status", "median",
	       "95% CI of the median", "GFLOP/s", "GB/s");
	for (size_t i = 0; i < run.nresults; i++) {
		const struct kb_result *r = &run.results[i];
		char med[32], lo[32], hi[32], ci[80];

		kb_format_time(r->summary.median, med, sizeof(med));
		kb_format_time(r->summary.ci_low, lo, sizeof(lo));
		kb_format_time(r->summary.ci_high, hi, sizeof(hi));
		snprintf(ci, sizeof(ci), "[%s, %s]", lo, hi);
		printf("%-44s %-8s %12s  %-27s", r->id, kb_status_name(r->status),
		       r->status == KB_STATUS_OK ? med : "-", r->status == KB_STATUS_OK ? ci : "-");
		print_counter(r, "gflops");
		print_counter(r, "gbps");
		if (r->status != KB_STATUS_OK && r->message)
			printf("  %s", r->message);
		printf("\n");
	}
	kb_run_clear(&run);
	kb_history_run_clear(&meta);
	kb_history_close(h);
	return 0;
}

/* ---- trend ---------------------------------------------------------------- */

struct series {
	const struct kb_history_point *pts; /* ok points only, in order */
	size_t n;
	const char *bench, *fingerprint;
	size_t skipped; /* points without an ok result */
};

static void slug_into(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; *src && i + 1 < len; src++)
		dst[i++] = (isalnum((unsigned char)*src) || *src == '_' || *src == '.') ? *src : '-';
	dst[i] = '\0';
}

static int plot_series(const struct args *a, const char *gnuplot, const char *scripts,
		       const char *dir, bool many_machines, const struct series *s,
		       const double *level, const bool *is_cp, const double *step)
{
	struct kb_plot_vars vars = {0};
	const char **labels = calloc(s->n, sizeof(*labels));
	double *med = malloc(s->n * sizeof(*med)), *lo = malloc(s->n * sizeof(*lo));
	double *hi = malloc(s->n * sizeof(*hi));
	char name[200], fp[80], labelbuf[64], *data = NULL, *base = NULL, *log = NULL;
	char **owned = calloc(s->n, sizeof(*owned));
	FILE *f;
	int rc = 0;

	if (!labels || !med || !lo || !hi || !owned) {
		rc = kb_error(KB_ENOMEM, "out of memory plotting %s", s->bench);
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct kb_history_point *p = &s->pts[i];

		med[i] = p->median;
		lo[i] = p->ci_low;
		hi[i] = p->ci_high;
		snprintf(labelbuf, sizeof(labelbuf), "%.10s", *p->git ? p->git : p->date);
		owned[i] = strdup(labelbuf);
		labels[i] = owned[i];
	}
	slug_into(name, sizeof(name), s->bench);
	if (many_machines) {
		slug_into(fp, sizeof(fp), s->fingerprint);
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "@%s", fp);
	}
	data = kb_strdup_printf("%s/history-%s.dat", dir, name);
	base = kb_strdup_printf("%s/history-%s", dir, name);
	log = kb_strdup_printf("%s/history-%s.log", dir, name);
	if (!data || !base || !log) {
		rc = kb_error(KB_ENOMEM, "out of memory plotting %s", s->bench);
		goto out;
	}
	f = fopen(data, "w");
	if (!f) {
		rc = kb_error(KB_EIO, "cannot write %s: %s", data, strerror(errno));
		goto out;
	}
	rc = kb_plot_history_write(f, s->bench, s->n, labels, med, lo, hi, level, is_cp, step, &vars);
	if (fclose(f) != 0 && !rc)
		rc = kb_error(KB_EIO, "cannot write %s: %s", data, strerror(errno));
	if (!rc && gnuplot) {
		rc = kb_plot_render(gnuplot, scripts, "history", data, base, &vars);
		if (!rc) {
			remove(log);
			printf("  plot: %s.png (and .svg)\n", base);
		}
	}
out:
	free(data);
	free(base);
	free(log);
	for (size_t i = 0; owned && i < s->n; i++)
		free(owned[i]);
	free(owned);
	kb_plot_vars_release(&vars);
	free(labels);
	free(med);
	free(lo);
	free(hi);
	return rc;
}

/* Which interval a point's CI is, in a few words. */
static const char *interval_kind(const struct kb_history_point *p, char *buf, size_t len)
{
	if (p->processes >= 2)
		snprintf(buf, len, "%zu processes", p->processes);
	else if (p->processes == 1)
		snprintf(buf, len, "within 1 process");
	else
		snprintf(buf, len, "within run (old)");
	return buf;
}

static void print_table(const struct series *s)
{
	printf("  %5s  %-20s  %-13s %12s  %-25s %-17s\n", "run", "date", "git", "median",
	       "95% interval", "interval of");
	for (size_t i = 0; i < s->n; i++) {
		const struct kb_history_point *p = &s->pts[i];
		char med[32], lo[32], hi[32], ci[80], kind[40];

		kb_format_time(p->median, med, sizeof(med));
		kb_format_time(p->ci_low, lo, sizeof(lo));
		kb_format_time(p->ci_high, hi, sizeof(hi));
		snprintf(ci, sizeof(ci), "[%s, %s]", lo, hi);
		printf("  %5" PRId64 "  %-20s  %-13s %12s  %-25s %-17s", p->run_id, p->date,
		       *p->git ? p->git : "-", med, ci, interval_kind(p, kind, sizeof(kind)));
		if (p->run_disturbed)
			printf("  disturbed run");
		else if (p->probe_disturbed)
			printf("  disturbed (probes)");
		printf("\n");
	}
}

static void print_drift(const struct series *s, const struct kb_history_analysis *an)
{
	for (size_t k = 0; k < an->ndrifts; k++) {
		const struct kb_drift *d = &an->drifts[k];
		const struct kb_history_point *p = s->pts;
		char a[48], b[48];

		if (d->first == d->last)
			snprintf(a, sizeof(a), "run %" PRId64, p[d->first].run_id);
		else
			snprintf(a, sizeof(a), "runs %" PRId64 "-%" PRId64, p[d->first].run_id,
				 p[d->last].run_id);
		if (d->ref_first == d->ref_last)
			snprintf(b, sizeof(b), "run %" PRId64, p[d->ref_first].run_id);
		else
			snprintf(b, sizeof(b), "runs %" PRId64 "-%" PRId64, p[d->ref_first].run_id,
				 p[d->ref_last].run_id);
		printf("  drift: %s of %s %s %.1f %% %s than %s of the same revision"
		       " (the machine, not the code)\n",
		       a, *p[d->first].git ? p[d->first].git : "unknown",
		       d->first == d->last ? "was" : "were", fabs(d->step) * 100,
		       d->step > 0 ? "slower" : "faster", b);
	}
}

/* The smallest p a permutation test over m groups can give (2 / m!),
 * or 0 when it is below any level we use. */
static double smallest_p(size_t m)
{
	double f = 1;

	for (size_t i = 2; i <= m && f < 1e7; i++)
		f *= (double)i;
	return f >= 1e7 ? 0 : 2 / f;
}

static void print_series(const struct series *s, const struct kb_history_analysis *an,
			 double alpha, const struct kb_changepoint_opts *opts)
{
	size_t ngit = 0;

	for (size_t i = 0; i < s->n; i++)
		ngit += i == 0 || strcmp(s->pts[i].git, s->pts[i - 1].git) != 0 || !*s->pts[i].git;
	printf("%s  (machine %s, %zu run%s, %zu revision%s)\n", s->bench,
	       *s->fingerprint ? s->fingerprint : "unknown", s->n, s->n == 1 ? "" : "s", ngit,
	       ngit == 1 ? "" : "s");
	print_table(s);
	if (isfinite(an->noise))
		printf("  machine noise: runs of one revision spread %.2f %% (sd of log medians,"
		       " %.0f df)\n", an->noise * 100, an->noise_df);
	else
		printf("  machine noise: unknown (no revision measured twice)\n");
	if (an->used < s->n)
		printf("  %zu disturbed run%s left out of the decision\n", s->n - an->used,
		       s->n - an->used == 1 ? "" : "s");
	print_drift(s, an);
	for (size_t k = 0; k < an->ncps; k++) {
		const struct kb_changepoint *c = &an->cps[k];
		const struct kb_history_point *p = &s->pts[c->index];
		char before[32], after[32], z[64] = "";

		kb_format_time(c->before, before, sizeof(before));
		kb_format_time(c->after, after, sizeof(after));
		if (isfinite(c->z))
			snprintf(z, sizeof(z), "; %.1f x the machine noise", c->z);
		printf("  change point at run %" PRId64 " (git %s, %s): %s -> %s (%+.1f %%, %s;"
		       " p = %.4f over %zu revisions%s)\n",
		       p->run_id, *p->git ? p->git : "unknown", p->date, before, after,
		       c->step * 100, c->step > 0 ? "slower" : "faster", c->p, an->ngroups, z);
	}
	if (an->ncps > 0)
		return;
	if (an->ngroups < 2)
		printf("  no change point (%s)\n", an->ngroups == 1
			       ? "one revision: no revision boundary to judge"
			       : "no run left to judge");
	else if (!isfinite(an->p))
		printf("  no change point (too few runs: %zu on each side needed)\n", opts->min_size);
	else if (an->p > alpha)
		printf("  no change point (largest step between revisions: p = %.4f, needs p <= %.4f%s)"
		       "\n", an->p, alpha,
		       smallest_p(an->ngroups) > alpha ? "; too few revisions to reach it" : "");
	else
		printf("  no change point (the step between revisions is below --min-step)\n");
}

/* The ok points of each series matching the glob. */
struct query {
	struct kb_history_point *ok;
	struct series *series;
	size_t nseries;
};

static int collect_series(struct kb_history_point *pts, size_t n, const char *glob,
			  struct query *q)
{
	size_t nok = 0;

	q->ok = malloc((n ? n : 1) * sizeof(*q->ok));
	q->series = malloc((n ? n : 1) * sizeof(*q->series));
	q->nseries = 0;
	if (!q->ok || !q->series)
		return kb_error(KB_ENOMEM, "out of memory");
	for (size_t start = 0, end; start < n; start = end) {
		struct series *s = &q->series[q->nseries];

		for (end = start; end < n && strcmp(pts[end].bench, pts[start].bench) == 0 &&
				  strcmp(pts[end].fingerprint, pts[start].fingerprint) == 0;
		     end++)
			;
		if (fnmatch(glob, pts[start].bench, 0) != 0)
			continue;
		*s = (struct series){q->ok + nok, 0, pts[start].bench, pts[start].fingerprint, 0};
		for (size_t i = start; i < end; i++) {
			if (pts[i].status == KB_STATUS_OK && pts[i].median > 0 &&
			    isfinite(pts[i].median))
				q->ok[nok + s->n++] = pts[i];
			else
				s->skipped++;
		}
		nok += s->n;
		q->nseries++;
	}
	return 0;
}

static int cmd_trend(const struct args *a)
{
	struct kb_history *h;
	struct kb_history_point *pts = NULL;
	struct query q = {0};
	size_t n = 0, ndist = 0, ntested = 0;
	char gnuplot[PATH_MAX], scripts[PATH_MAX], dir[PATH_MAX];
	const char *gp = NULL;
	bool many_machines = false;
	double *pvals = NULL, alpha;
	struct kb_changepoint_opts opts = a->cp;
	int status = 0;

	if (a->nrest != 1)
		return kb_tool_fail("trend: expected one benchmark glob, e.g. 'matmul/*/1024'");
	h = open_db(a, false);
	/* every benchmark: a run is disturbed when most of them moved */
	if (kb_history_series(h, NULL, &pts, &n)) {
		fprintf(stderr, "kbench-history: %s\n", kb_last_error());
		kb_history_close(h);
		return EXIT_FAIL;
	}
	kb_history_close(h);
	if (kb_history_mark_disturbed(pts, n, a->cp.min_step, &ndist) ||
	    collect_series(pts, n, a->rest[0], &q)) {
		fprintf(stderr, "kbench-history: %s\n", kb_last_error());
		status = EXIT_FAIL;
		goto out;
	}
	if (q.nseries == 0) {
		fprintf(stderr, "kbench-history: no stored benchmark matches %s (see kbench-history"
				" show ID for the ids)\n", a->rest[0]);
		status = EXIT_BAD;
		goto out;
	}
	for (size_t i = 1; i < q.nseries; i++)
		many_machines |= strcmp(q.series[i].fingerprint, q.series[0].fingerprint) != 0;
	if (!a->no_plot) {
		if (kb_plot_find_gnuplot(gnuplot, sizeof(gnuplot)) ||
		    kb_plot_find_scripts(a->scripts, scripts, sizeof(scripts))) {
			fprintf(stderr, "kbench-history: warning: %s; printing the table only\n",
				kb_last_error());
		} else {
			gp = gnuplot;
		}
		if (a->out_dir) {
			snprintf(dir, sizeof(dir), "%s", a->out_dir);
		} else if (kb_db_is_postgres(a->db)) {
			snprintf(dir, sizeof(dir), "build/history"); /* no folder of its own */
		} else {
			const char *slash = strrchr(a->db, '/');

			snprintf(dir, sizeof(dir), "%.*shistory", slash ? (int)(slash - a->db + 1) : 0,
				 a->db);
		}
		if (kb_mkdir_p(dir)) {
			fprintf(stderr, "kbench-history: %s\n", kb_last_error());
			status = EXIT_FAIL;
			goto out;
		}
	}
	/* pass 1: each series' first p-value; Benjamini-Hochberg over them */
	pvals = malloc(q.nseries * sizeof(*pvals));
	if (!pvals) {
		status = kb_tool_fail("out of memory");
		goto out;
	}
	opts.alpha = 0;
	for (size_t i = 0; i < q.nseries; i++) {
		struct kb_history_analysis an;

		pvals[i] = NAN;
		if (q.series[i].n && kb_history_analyse(q.series[i].pts, q.series[i].n, &opts, &an)) {
			fprintf(stderr, "kbench-history: %s\n", kb_last_error());
			status = EXIT_FAIL;
			goto out;
		}
		if (q.series[i].n) {
			pvals[i] = an.p;
			kb_history_analysis_release(&an);
		}
		ntested += isfinite(pvals[i]);
	}
	alpha = kb_history_bh_threshold(pvals, q.nseries, a->fdr);
	opts.alpha = alpha;
	printf("Change points at revision boundaries only, each step tested by %zu shuffles of the"
	       " revisions;\nfalse alarms: Benjamini-Hochberg at %.1f %% over the %zu tested series of"
	       " this query\n(with no code change, P(any false change point) <= %.1f %%); per-series"
	       " level p <= %.4f.\n", opts.permutations, a->fdr * 100, ntested, a->fdr * 100, alpha);
	if (ndist)
		printf("%zu run%s disturbed (most benchmarks moved the same way): left out of the"
		       " decisions%s.\n", ndist, ndist == 1 ? "" : "s",
		       a->cp.include_disturbed ? " -- but --include-disturbed puts them back" : "");
	printf("Interval: \"N processes\" = t interval over the run's process medians;"
	       " \"within\" = one process's\ninterval, which does not cover the noise between"
	       " runs.\n");
	for (size_t i = 0; i < q.nseries; i++) {
		const struct series *s = &q.series[i];
		struct kb_history_analysis an;
		double *step = NULL, *level = NULL;
		bool *is_cp = NULL;

		printf("\n");
		if (s->n == 0) {
			printf("%s  (machine %s): no run with status ok\n", s->bench,
			       *s->fingerprint ? s->fingerprint : "unknown");
			continue;
		}
		if (kb_history_analyse(s->pts, s->n, &opts, &an)) {
			fprintf(stderr, "kbench-history: %s\n", kb_last_error());
			status = EXIT_FAIL;
			continue;
		}
		step = calloc(s->n, sizeof(*step));
		is_cp = calloc(s->n, sizeof(*is_cp));
		level = an.level;
		if (!step || !is_cp) {
			fprintf(stderr, "kbench-history: out of memory\n");
			status = EXIT_FAIL;
		} else {
			for (size_t k = 0; k < an.ncps; k++) {
				is_cp[an.cps[k].index] = true;
				step[an.cps[k].index] = an.cps[k].step;
			}
			print_series(s, &an, alpha, &opts);
			if (s->skipped)
				printf("  (%zu run%s without an ok result left out)\n", s->skipped,
				       s->skipped == 1 ? "" : "s");
			if (!a->no_plot && s->n < 2)
				printf("  (one run: no plot)\n");
			else if (!a->no_plot &&
				 plot_series(a, gp, scripts, dir, many_machines, s, level, is_cp, step)) {
				fprintf(stderr, "kbench-history: %s\n", kb_last_error());
				status = EXIT_FAIL;
			}
		}
		free(step);
		free(is_cp);
		kb_history_analysis_release(&an);
	}
out:
	free(pvals);
	free(q.ok);
	free(q.series);
	kb_history_points_free(pts, n);
	return status;
}

/* ---- export ------------------------------------------------------------- */

struct export_ctx {
	struct kb_history *h;
	int64_t id;
};

static int write_export(FILE *f, const void *ctx)
{
	const struct export_ctx *e = ctx;

	return kb_history_export(e->h, e->id, f);
}

static int cmd_export(const struct args *a)
{
	struct export_ctx e = {0};
	int rc;

	if (a->nrest > 1)
		return kb_tool_fail("export: expected at most one run id");
	if (a->nrest && parse_id(a->rest[0], &e.id))
		return KB_TOOL_EXIT_BAD;
	e.h = open_db(a, false);
	if (a->out)
		rc = kb_file_write_atomic(a->out, write_export, &e);
	else
		rc = kb_history_export(e.h, e.id, stdout);
	kb_history_close(e.h);
	if (rc) {
		fprintf(stderr, "kbench-history: %s\n", kb_last_error());
		return rc == -KB_ENOTFOUND ? EXIT_BAD : EXIT_FAIL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	int status, rc;

	kb_tool_init("kbench-history");

	if ((rc = parse_args(argc, argv, &a))) {
		free(a.rest);
		return rc;
	}
	if (strcmp(a.cmd, "add") == 0)
		status = cmd_add(&a);
	else if (strcmp(a.cmd, "list") == 0)
		status = cmd_list(&a);
	else if (strcmp(a.cmd, "show") == 0)
		status = cmd_show(&a);
	else if (strcmp(a.cmd, "trend") == 0)
		status = cmd_trend(&a);
	else if (strcmp(a.cmd, "export") == 0)
		status = cmd_export(&a);
	else
		status = kb_tool_fail("unknown command %s (add, list, show, trend, export)", a.cmd);
	free(a.rest);
	return status;
}
