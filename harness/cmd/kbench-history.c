/*
 * kbench-history - the results history in SQLite (history.h): add runs,
 * list and show them, follow a benchmark over time with its change points
 * (table and plot), export everything as JSON.
 *
 * Exit 0: done; 1: refused (run already stored), database or plot
 * failure; 2: bad usage or unusable input.
 */
#include <ctype.h>
#include <errno.h>
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
#include "history.h"
#include "json_read.h"
#include "writer.h"
#include "report_plot.h"
#include "tool.h"

#define EXIT_FAIL 1
#define EXIT_BAD KB_TOOL_EXIT_BAD

static const char usage[] =
	"usage: kbench-history [--db=FILE] COMMAND [ARGS]\n"
	"\n"
	"The results history, an SQLite database (default build/history.db).\n"
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
	"  --db=FILE            the database (default build/history.db; $KBENCH_HISTORY)\n"
	"  --out=FILE           export: write to FILE instead of standard output\n"
	"  --out-dir=DIR        trend: where plots go (default: history/ beside the database)\n"
	"  --no-plot            trend: table only\n"
	"  --min-step=PCT       trend: smallest step reported as a change point (default 5)\n"
	"  --z=Z                trend: how far beyond the noise a step must be (default 4)\n"
	"  --scripts=DIR        trend: where history.gp lives\n"
	"  --help               this text\n"
	"\n"
	"Change points: binary segmentation of the log medians; a step counts when it is\n"
	"Z noise units and at least PCT large, with two runs on each side (see history.h).\n"
	"\n"
	"Exit status: 0 done, 1 refused (already stored) or a database or plot failure,\n"
	"2 bad usage or unusable input.\n";

struct args {
	const char *db, *out, *out_dir, *scripts;
	const char *cmd;
	const char **rest;
	size_t nrest;
	bool no_plot;
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
		} else if (kb_tool_flag(arg, "--z", &v)) {
			if (parse_positive("--z", v, &a->cp.z))
				return KB_TOOL_EXIT_BAD;
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

static void print_series(const struct series *s, const struct kb_changepoint *cps, size_t ncps,
			 const bool *is_cp, const double *step)
{
	printf("%s  (machine %s, %zu run%s)\n", s->bench, *s->fingerprint ? s->fingerprint : "unknown",
	       s->n, s->n == 1 ? "" : "s");
	printf("  %5s  %-20s  %-13s %12s  %-27s\n", "run", "date", "git", "median",
	       "95% CI of the median");
	for (size_t i = 0; i < s->n; i++) {
		const struct kb_history_point *p = &s->pts[i];
		char med[32], lo[32], hi[32], ci[80];

		kb_format_time(p->median, med, sizeof(med));
		kb_format_time(p->ci_low, lo, sizeof(lo));
		kb_format_time(p->ci_high, hi, sizeof(hi));
		snprintf(ci, sizeof(ci), "[%s, %s]", lo, hi);
		printf("  %5" PRId64 "  %-20s  %-13s %12s  %-27s", p->run_id, p->date,
		       *p->git ? p->git : "-", med, ci);
		if (is_cp[i])
			printf("  <- change point %+.1f %%", step[i] * 100);
		printf("\n");
	}
	if (ncps == 0) {
		printf("  no change point (%s)\n",
		       s->n < 4 ? "fewer than 4 runs" : "no step beyond the noise");
		return;
	}
	for (size_t k = 0; k < ncps; k++) {
		const struct kb_history_point *p = &s->pts[cps[k].index];
		char before[32], after[32];

		kb_format_time(cps[k].before, before, sizeof(before));
		kb_format_time(cps[k].after, after, sizeof(after));
		printf("  change point at run %" PRId64 " (git %s, %s): %s -> %s (%+.1f %%, %s;"
		       " %.1f noise units)\n",
		       p->run_id, *p->git ? p->git : "unknown", p->date, before, after,
		       cps[k].step * 100, cps[k].step > 0 ? "slower" : "faster", cps[k].z);
	}
}

static int cmd_trend(const struct args *a)
{
	struct kb_history *h;
	struct kb_history_point *pts = NULL, *ok = NULL;
	size_t n = 0, nseries = 0;
	char gnuplot[PATH_MAX], scripts[PATH_MAX], dir[PATH_MAX];
	const char *gp = NULL;
	bool many_machines = false;
	int status = 0;

	if (a->nrest != 1)
		return kb_tool_fail("trend: expected one benchmark glob, e.g. 'matmul/*/1024'");
	h = open_db(a, false);
	if (kb_history_series(h, a->rest[0], &pts, &n)) {
		fprintf(stderr, "kbench-history: %s\n", kb_last_error());
		kb_history_close(h);
		return EXIT_FAIL;
	}
	kb_history_close(h);
	if (n == 0) {
		fprintf(stderr, "kbench-history: no stored benchmark matches %s (see kbench-history"
				" show ID for the ids)\n", a->rest[0]);
		return EXIT_BAD;
	}
	for (size_t i = 1; i < n; i++)
		many_machines |= strcmp(pts[i].fingerprint, pts[0].fingerprint) != 0;
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
		} else {
			const char *slash = strrchr(a->db, '/');

			snprintf(dir, sizeof(dir), "%.*shistory", slash ? (int)(slash - a->db + 1) : 0,
				 a->db);
		}
		if (kb_mkdir_p(dir)) {
			fprintf(stderr, "kbench-history: %s\n", kb_last_error());
			kb_history_points_free(pts, n);
			return EXIT_FAIL;
		}
	}
	ok = malloc(n * sizeof(*ok));
	if (!ok) {
		kb_history_points_free(pts, n);
		return kb_tool_fail("out of memory");
	}
	for (size_t start = 0, end; start < n; start = end) {
		struct series s = {ok, 0, pts[start].bench, pts[start].fingerprint};
		struct kb_changepoint *cps;
		double *level, *step, *med, *lo, *hi;
		bool *is_cp;
		size_t ncps = 0, skipped = 0;

		for (end = start; end < n && strcmp(pts[end].bench, s.bench) == 0 &&
				  strcmp(pts[end].fingerprint, s.fingerprint) == 0;
		     end++) {
			if (pts[end].status == KB_STATUS_OK && pts[end].median > 0 &&
			    isfinite(pts[end].median))
				ok[s.n++] = pts[end];
			else
				skipped++;
		}
		if (nseries++)
			printf("\n");
		if (s.n == 0) {
			printf("%s  (machine %s): no run with status ok\n", s.bench,
			       *s.fingerprint ? s.fingerprint : "unknown");
			continue;
		}
		cps = calloc(s.n, sizeof(*cps));
		level = calloc(s.n, sizeof(*level));
		step = calloc(s.n, sizeof(*step));
		is_cp = calloc(s.n, sizeof(*is_cp));
		med = calloc(s.n, sizeof(*med));
		lo = calloc(s.n, sizeof(*lo));
		hi = calloc(s.n, sizeof(*hi));
		if (!cps || !level || !step || !is_cp || !med || !lo || !hi) {
			fprintf(stderr, "kbench-history: out of memory\n");
			status = EXIT_FAIL;
		} else {
			for (size_t i = 0; i < s.n; i++) {
				med[i] = ok[i].median;
				lo[i] = ok[i].ci_low;
				hi[i] = ok[i].ci_high;
			}
			if (kb_history_changepoints(med, lo, hi, s.n, &a->cp, cps, s.n, &ncps, level)) {
				fprintf(stderr, "kbench-history: %s\n", kb_last_error());
				status = EXIT_FAIL;
			}
			for (size_t k = 0; k < ncps; k++) {
				is_cp[cps[k].index] = true;
				step[cps[k].index] = cps[k].step;
			}
			print_series(&s, cps, ncps, is_cp, step);
			if (skipped)
				printf("  (%zu run%s without an ok result left out)\n", skipped,
				       skipped == 1 ? "" : "s");
			if (!a->no_plot && s.n < 2)
				printf("  (one run: no plot)\n");
			else if (!a->no_plot &&
				 plot_series(a, gp, scripts, dir, many_machines, &s, level, is_cp, step)) {
				fprintf(stderr, "kbench-history: %s\n", kb_last_error());
				status = EXIT_FAIL;
			}
		}
		free(cps);
		free(level);
		free(step);
		free(is_cp);
		free(med);
		free(lo);
		free(hi);
	}
	free(ok);
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
